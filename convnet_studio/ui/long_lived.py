"""Keep what the window holds for long out of Python's full garbage collections.

A full collection visits every tracked object: with ResNet-1202 open (a quarter of a million
objects: nodes, items, faces, results, and the modules) one took 130-250 ms, and editing
triggered one every few seconds of work: a pause the user felt at a random edit. Opening it
triggered three or four more while its 200,000 objects were made.

So: while a document is built (:func:`building`) collections wait, and after start-up, after
a document is opened and after each re-analysis, :func:`settle` moves what is alive into
Python's permanent generation (``gc.freeze``, O(1)): later collections visit only what came
after. Frozen objects are still freed by reference counting; only garbage in reference
cycles would stay. The document holds none (``graph.model`` drops networkx's cached views,
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


@contextmanager
def building() -> Iterator[None]:
    """No collections while a document's objects are made (they all live on)."""
    if not _enabled:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
