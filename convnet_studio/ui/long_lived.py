"""Keep what the window holds for long out of Python's full garbage collections.

A full collection visits every tracked object: with ResNet-1202 open (a quarter of a million
objects: nodes, items, faces, results, and the modules) one took 130-250 ms, and editing
triggered one every few seconds of work: a pause the user felt at a random edit. Opening it
triggered three or four more while its 200,000 objects were made.

So: while a document is built (:func:`building`) and from an edit's first event until its
re-analysis is shown (:func:`edit_began`), collections wait; after start-up, after a document
is opened and after each re-analysis, :func:`settle` moves what is alive into Python's
permanent generation (``gc.freeze``, O(1)): later collections visit only what came after.
An edit's new objects (a layout of ResNet-1202 makes 40,000: positions, faces, paths) are
then never visited at all; collected as they came, each was visited two or three times
(young, then middle generation), 10-15 ms a collection, a third of an undo's time.
Frozen objects are still freed by reference counting; only garbage in reference cycles would
stay. The document holds none (``graph.model`` drops networkx's cached views,
which made each dropped graph a cycle) and edits make none (tests check both). In case
something else does (a plot of a finished run), opening a document does a full collection
once the frozen objects have doubled since the last one: a moment the user waits anyway.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_checked = 0  # frozen objects after the last full collection
_enabled = False
_holds: set[str] = set()  # why collections wait now (see hold)
_resume = False  # whether the collector was on when the first of those holds began


def enable() -> None:
    """The studio's own start (``create_app``) turns this on. Off, :func:`settle` does
    nothing: a test session that makes hundreds of windows must get them collected."""
    global _enabled
    _enabled = True


def settle(collect_if_grown: bool = False) -> None:
    """What is alive now lives long: exempt it from full collections."""
    global _checked
    if not _enabled:
        return
    gc.freeze()
    if not _checked:  # the first time (start-up): what is alive is the baseline, no pause
        _checked = gc.get_freeze_count()
    elif collect_if_grown and gc.get_freeze_count() > 2 * _checked + 100_000:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _checked = gc.get_freeze_count()
    release("edit")


def edit_began() -> None:
    """The document changed: collections wait until :func:`settle` freezes what the edit
    made (the document calls it after the re-analysis the edit causes)."""
    if _enabled:
        hold("edit")


@contextmanager
def building() -> Iterator[None]:
    """No collections while a document's objects are made (they all live on)."""
    if not _enabled:
        yield
        return
    hold("building")
    try:
        yield
    finally:
        release("building")


def hold(reason: str) -> None:
    """Collections wait until every reason given is released. The collector comes back on
    only if it was on when the first hold began (a caller that turned it off keeps it off)."""
    global _resume
    if not _holds:
        _resume = gc.isenabled()
        gc.disable()
    _holds.add(reason)


def release(reason: str) -> None:
    """End the hold ``reason`` (nothing if it holds nothing)."""
    if reason not in _holds:
        return
    _holds.discard(reason)
    if not _holds and _resume:
        gc.enable()
