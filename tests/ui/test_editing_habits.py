"""Editing habits (issue 15): splice on drop, local placement, selection after a connection,
warnings for dead branches, residual shortcuts that change with their input; and undo that
keeps the selection (issue 14)."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent

from convnet_studio.graph import Graph
from convnet_studio.graph.model import Edge
from convnet_studio.ui.canvas.view import PALETTE_MIME


def _drop_at_scene(window, type_name: str, point: QPointF) -> None:
    mime = QMimeData()
    mime.setData(PALETTE_MIME, type_name.encode())
    at = window.view.mapFromScene(point)
    event = QDropEvent(QPointF(at), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.view.dropEvent(event)


def test_dropping_a_block_on_an_edge_splices_it_in_one_undo_step(window):
    graph, scene = window.document.graph, window.scene
    window.resize(1600, 900)
    window.show()
    window.view.fit_all()
    edge = Edge("conv", "relu")
    middle = scene.edges[edge].mapToScene(scene.edges[edge]._path.pointAtPercent(0.5))
    assert scene.edge_at(middle) == edge
    before, steps = graph.to_dict(), window.document.undo_stack.count()
    _drop_at_scene(window, "BatchNorm2d", middle)
    (new,) = set(graph.nodes) - {n["name"] for n in before["nodes"]}
    assert [e.src for e in graph.in_edges(new)] == ["conv"]
    assert [e.dst for e in graph.out_edges(new)] == ["relu"]
    assert window.document.selection == [new]
    assert window.document.undo_stack.count() == steps + 1
    window.document.undo_stack.undo()
    assert graph.to_dict() == before


def _far_graph() -> Graph:
    g = Graph("far")
    x = g.add("Input", "input", channels=16, height=8, width=8)
    b = g.add("BasicBlock", "layer1.0", x, planes=16)
    g.add("Output", "output", b)
    g.add("ReLU", "note", None)  # a node the user put somewhere else
    for name, pos in {"input": (0, 0), "layer1.0": (290, 0), "output": (580, 0), "note": (300, 900)}.items():
        g.move_node(name, pos)
    return g


def test_expanding_places_the_block_locally_and_leaves_other_nodes(make_window):
    window = make_window(_far_graph())
    graph = window.document.graph
    new = window.editor.expand("layer1.0")
    assert new
    assert graph.node("input").position == (0.0, 0.0)
    assert graph.node("note").position == (300.0, 900.0)  # hand-placed: not moved
    xs = [graph.node(n).position[0] for n in new]
    assert min(xs) == 290.0  # where the block was, along the data flow
    boxes = [graph.node(n).position for n in graph.nodes]
    assert len(set(boxes)) == len(boxes)
    # The output was in the way: it stepped along, after the block.
    assert graph.node("output").position[0] > max(xs)
    window.document.undo_stack.undo()
    assert graph.node("output").position == (580.0, 0.0)


def test_projection_is_placed_locally(make_window):
    g = Graph("p")
    x = g.add("Input", "input", channels=3, height=8, width=8)
    c = g.add("Conv2d", "conv", x, out_channels=8, kernel_size=3, padding=1)
    a = g.add("Add", "add", [c, x])
    g.add("Output", "output", a)
    g.add("ReLU", "far", None)
    for i, name in enumerate(["input", "conv", "add", "output"]):
        g.move_node(name, (i * 290.0, 0.0))
    g.move_node("far", (2000.0, 2000.0))
    window = make_window(g)
    before = {n: window.document.graph.node(n).position for n in window.document.graph.nodes}
    names = window.editor.insert_projection("add", "B")
    graph = window.document.graph
    assert names
    for name, pos in before.items():
        assert graph.node(name).position == pos
    for name in names:
        x_pos, y_pos = graph.node(name).position
        assert 0 <= x_pos <= 580 and y_pos > 0  # between the source and the Add, beside the line


def test_after_a_connection_drag_the_connected_node_is_selected(window):
    scene = window.scene
    window.editor.disconnect([Edge("conv", "relu")])
    window.document.set_selection(["conv"])
    drag = scene.connect_drag
    drag.start(scene.nodes["conv"].port("out", True))
    drag.move_to(scene.nodes["relu"].port("in", False).scenePos())
    drag.finish()
    assert Edge("conv", "relu") in window.document.graph.edges
    assert window.document.selection == ["relu"]


def test_a_dead_branch_shows_a_warning_in_the_status_bar(window):
    window.editor.add_block("ReLU", (0, 400))
    (dead,) = [n for n in window.document.graph.nodes if n.startswith("relu") and n != "relu"]
    window.editor.connect(Edge("conv", dead))
    window.document.flush()
    assert "warning" in window.status_info.validity.text()
    assert any("reaches no Output" in p for p in window.scene.nodes[dead].face.problems)


def test_a_shortcut_that_changes_with_its_input_is_shown_and_said(make_window):
    g = Graph("r")
    x = g.add("Input", "input", channels=3, height=8, width=8)
    c = g.add("Conv2d", "conv1", x, out_channels=16, kernel_size=3, padding=1)
    b = g.add("BasicBlock", "layer1.0", c, planes=16)
    g.add("Output", "output", b)
    window = make_window(g)
    messages: list[str] = []
    window.document.message.connect(messages.append)
    face = window.scene.nodes["layer1.0"].face
    assert face.shortcut == "identity" and face.label.endswith("identity")
    window.editor.set_params("conv1", {"out_channels": 32})
    window.document.flush()
    face = window.scene.nodes["layer1.0"].face
    assert face.shortcut == "projection" and face.label.endswith("1x1 proj.")
    assert any("layer1.0 now has a projection shortcut" in m for m in messages)


def test_undo_and_redo_keep_the_selection_and_the_inspector(window):
    doc = window.document
    doc.set_selection(["relu"])
    window.editor.delete(["conv"])
    assert doc.selection == ["relu"]
    doc.set_selection([])
    doc.undo_stack.undo()
    assert doc.selection == ["relu"] and window.inspector.name == "relu"
    doc.undo_stack.redo()
    assert doc.selection == ["relu"] and window.inspector.name == "relu"


def test_a_refusal_reaches_the_status_bar_once(window):
    messages: list[str] = []
    window.document.message.connect(messages.append)
    window.scene.message.connect(lambda m: None)  # the same channel, not a second one
    assert not window.editor.set_params("conv", {"out_channels": 0})
    assert len(messages) == 1 and "out_channels" in messages[0]


def test_layout_direction_changes_through_the_graph(window):
    seen = []
    window.document.graph.events.meta_changed.connect(lambda k, old, new: seen.append((k, new)))
    window.editor.auto_layout("TB")
    assert ("layout_direction", "TB") in seen and window.scene.direction == "TB"
    window.document.undo_stack.undo()
    assert window.scene.direction == "LR"


def test_a_metadata_edit_is_one_undo_step(window):
    doc = window.document
    doc.run_compound("Load weights of r1", lambda g: g.set_meta("weights", {"run": "r1"}))
    assert doc.graph.meta["weights"] == {"run": "r1"} and doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert "weights" not in doc.graph.meta


def test_off_screen_items_catch_up_in_slices(make_window, qtbot):
    from convnet_studio.presets import get_preset

    window = make_window(get_preset("resnet56_cifar"))
    window.resize(1200, 800)
    window.show()
    window.view.reset_zoom()
    window.view.center_on_node("conv1")
    doc, scene = window.document, window.scene
    window.editor.delete(["bn1"])  # everything downstream loses its shape
    doc.flush()
    assert scene.deferred.faces  # the far blocks wait...
    qtbot.waitUntil(lambda: not scene.deferred, timeout=5000)  # ...and follow in slices
    assert scene.nodes["layer3.8"].face.shape == ""
    window.editor.auto_layout("TB")
    scene.flush_faces()
    for name, item in scene.nodes.items():
        assert (item.pos().x(), item.pos().y()) == doc.graph.node(name).position
        assert item.direction == "TB"


@pytest.mark.parametrize("zoom", ["100 %", "fit"])
def test_faces_in_view_are_redrawn_at_once_the_rest_follow(make_window, qtbot, zoom):
    """Which nodes are in view comes from Qt's index when a small part of the scene is shown
    (100 % on a long row) and from node positions otherwise (one size for every node item):
    either must agree with Qt's own rectangles."""
    from convnet_studio.graph.composite_ops import expand_all
    from convnet_studio.graph.layout import apply_layout
    from convnet_studio.presets import get_preset

    graph = get_preset("resnet56_cifar")
    expand_all(graph)
    apply_layout(graph, "LR")  # one long row
    window = make_window(graph)
    window.resize(1200, 800)
    window.show()
    window.view.reset_zoom()
    window.view.center_on_node("layer2.3.conv1")
    if zoom == "fit":
        window.view.fit_all()
        window.view.zoom_by(4.0)  # a quarter of the row
        window.view.center_on_node("layer2.3.conv1")
    scene = window.scene
    in_view, shown = scene.deferred.in_view(), scene.deferred.shown_rect()
    seen = set()
    for name, item in scene.nodes.items():
        assert in_view(name) == shown.intersects(item.sceneBoundingRect()), name
        seen.add(in_view(name))
    assert seen == {True, False}
    window.editor.delete(["bn1"])
    window.document.flush()
    for name in scene.deferred.faces:  # what waits is out of view
        assert not shown.intersects(scene.nodes[name].sceneBoundingRect()), name
    assert scene.nodes["layer2.3.conv1"].face.shape == ""  # in view: redrawn at once


def test_the_summary_follows_undo_and_redo_as_a_fresh_table(make_window):
    """Undo gives back the analysis from before the edit (not an update of the one shown):
    the table compares result objects and rewrites the rows that differ."""
    from convnet_studio.presets import get_preset
    from convnet_studio.ui.panels.summary_model import SummaryModel

    window = make_window(get_preset("resnet20_cifar"))
    doc, model = window.document, window.summary.model

    def fresh() -> list:
        table = SummaryModel()
        table.set_analysis(doc.graph, doc.graph.analyze())
        return table.rows

    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    for edit in (lambda: window.editor.delete(["layer2.0.conv1"]),
                 lambda: window.editor.expand("layer3.1"),
                 lambda: window.editor.auto_layout("TB")):
        edit()
        doc.flush()
        assert model.rows == fresh()
        doc.undo_stack.undo()
        doc.flush()
        assert model.rows == fresh()
        doc.undo_stack.redo()
        doc.flush()
        assert model.rows == fresh()
    assert changed  # rows were rewritten in place, as spans
