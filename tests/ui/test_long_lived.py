"""The studio exempts its long-lived objects from Python's full collections (``gc.freeze``).
That is only safe while documents and edits make no reference cycles: a frozen cycle would
never be freed. These tests open documents in turn and edit them, and look for our objects
among what the cyclic collector would find."""

from __future__ import annotations

import gc
import weakref

import networkx as nx

from convnet_studio.graph.model import Edge, Graph, Node
from convnet_studio.presets import get_preset
from convnet_studio.ui import long_lived


def _ours_in_cycles() -> list[str]:
    """Our objects that only the cyclic collector would free (kept in gc.garbage to look)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = sorted({type(o).__name__ for o in gc.garbage
                        if isinstance(o, (Node, Edge, Graph, nx.MultiDiGraph))})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found


def test_a_replaced_graph_is_freed_by_reference_counting() -> None:
    graph = get_preset("resnet20_cifar")
    old = weakref.ref(graph.nx_graph())
    graph.nx_graph().nodes  # networkx caches this view on the graph: graph -> view -> graph
    gc.disable()
    try:
        graph.replace_with(get_preset("resnet32_cifar"), take=True)
        assert old() is None  # freed at once, without a collection
    finally:
        gc.enable()


def test_opening_and_editing_make_no_cycles(make_window) -> None:
    window = make_window(get_preset("resnet20_cifar"))
    doc, editor = window.document, window.editor
    gc.collect()
    gc.disable()
    try:
        for name in ("resnet56_cifar", "resnet20_cifar"):
            assert window.files.open_preset(name)
            doc.flush()
            editor.expand("layer2.1")
            editor.delete(["layer2.1.conv1"])
            editor.copy(["layer1.0"])
            editor.paste()
            editor.auto_layout("TB")
            doc.flush()
            for _ in range(3):
                doc.undo_stack.undo()
            doc.flush()
            doc.undo_stack.redo()
            doc.flush()
        assert _ours_in_cycles() == []
    finally:
        gc.enable()


def test_settle_freezes_only_when_the_studio_turned_it_on(monkeypatch) -> None:
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    monkeypatch.setattr(long_lived, "_enabled", False)
    long_lived.settle()
    with long_lived.building():
        assert gc.isenabled()  # off: collections go on as usual (a test session's windows)
    assert frozen == []
    monkeypatch.setattr(long_lived, "_enabled", True)
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 0)
    long_lived.settle()
    was = gc.isenabled()
    with long_lived.building():
        assert not gc.isenabled()
    assert gc.isenabled() == was and frozen == [1]


def test_holds_nest_and_give_back_what_they_found(monkeypatch) -> None:
    monkeypatch.setattr(long_lived, "_holds", set())
    was = gc.isenabled()
    try:
        gc.enable()
        long_lived.hold("training backlog")
        long_lived.hold("edit")
        long_lived.release("edit")
        assert not gc.isenabled()  # the backlog still holds it
        long_lived.release("edit")  # a second release of the same reason changes nothing
        assert not gc.isenabled()
        long_lived.release("training backlog")
        assert gc.isenabled()
        gc.disable()  # turned off by someone else (a test): a hold leaves it off
        long_lived.hold("edit")
        long_lived.release("edit")
        assert not gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()


def test_collections_wait_from_an_edit_until_its_analysis_is_shown(make_window, monkeypatch) -> None:
    """An edit's new objects are frozen before any collection visits them (see long_lived)."""
    window = make_window(get_preset("resnet20_cifar"))
    doc = window.document
    doc.flush()
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.isenabled()))
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 1)
    monkeypatch.setattr(long_lived, "_enabled", True)
    monkeypatch.setattr(long_lived, "_holds", set())
    gc.enable()
    try:
        window.editor.delete(["layer2.1"])
        assert "layer2.1" not in doc.graph
        assert not gc.isenabled()  # held from the edit's first event
        doc.flush()
        assert gc.isenabled() and frozen == [False]  # frozen while still held, then on again
        doc.undo_stack.undo()
        assert not gc.isenabled()
        monkeypatch.setattr(doc.graph, "analyze", _raises)
        try:
            doc.flush()
        except RuntimeError:
            pass
        assert gc.isenabled()  # a failing analysis does not leave collections off
    finally:
        gc.enable()


def _raises(*args: object) -> None:
    raise RuntimeError("analysis failed")
