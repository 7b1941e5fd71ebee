"""The canvas: palette drops, connecting, refused connections, projection fix, folding, overlays."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDropEvent

from convnet_studio.graph.model import Edge
from convnet_studio.ui.canvas.view import PALETTE_MIME


def _drop(window, type_name: str, at: QPoint) -> None:
    mime = QMimeData()
    mime.setData(PALETTE_MIME, type_name.encode())
    event = QDropEvent(QPointF(at), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.view.dropEvent(event)


def test_dropping_a_palette_entry_creates_a_node(window):
    graph = window.document.graph
    before = set(graph.nodes)
    _drop(window, "BatchNorm2d", QPoint(200, 150))
    (name,) = set(graph.nodes) - before
    assert graph.node(name).type == "BatchNorm2d"
    assert name in window.scene.nodes and window.document.selection == [name]
    window.document.undo_stack.undo()
    assert set(graph.nodes) == before and name not in window.scene.nodes


def test_palette_tree_offers_the_block_mime_type(window):
    tree = window.palette.tree
    item = next(i for i in window.palette.block_items() if i.text(0) == "Conv2d")
    mime = tree.mimeData([item])
    assert bytes(mime.data(PALETTE_MIME)).decode() == "Conv2d"
    window.palette.search.setText("residual")
    assert (
        item.isHidden()
        and not next(i for i in window.palette.block_items() if i.text(0) == "Add").isHidden()
    )


def _drag(window, src: str, src_port: str, dst: str, dst_port: str) -> None:
    scene = window.scene
    drag = scene.connect_drag
    drag.start(scene.nodes[src].port(src_port, True))
    drag.move_to(scene.nodes[dst].port(dst_port, False).scenePos())
    drag.finish()


def test_connecting_and_disconnecting_by_dragging(window):
    graph, scene = window.document.graph, window.scene
    graph_edge = Edge("conv", "relu")
    window.editor.disconnect([graph_edge])
    assert graph_edge not in scene.edges
    _drag(window, "conv", "out", "relu", "in")
    assert graph_edge in graph.edges and graph_edge in scene.edges
    window.document.undo_stack.undo()
    assert graph_edge not in graph.edges
    # Picking an edge up by its input end and dropping it on empty canvas disconnects it.
    window.document.undo_stack.redo()
    drag = scene.connect_drag
    port = scene.nodes["relu"].port("in", False)
    assert drag.port_at(port.scenePos()) is port
    drag.start(scene.nodes["conv"].port("out", True), detached=graph_edge)
    drag.move_to(QPointF(5000, 5000))
    drag.finish()
    assert graph_edge not in graph.edges


def test_real_mouse_drag_connects(window, qtbot):
    window.editor.disconnect([Edge("conv", "relu")])
    window.show()
    qtbot.waitExposed(window)
    view, scene = window.view, window.scene
    view.reset_zoom()
    view.centerOn(scene.nodes["conv"])
    start = view.mapFromScene(scene.nodes["conv"].port("out", True).scenePos())
    end = view.mapFromScene(scene.nodes["relu"].port("in", False).scenePos())
    qtbot.mousePress(view.viewport(), Qt.LeftButton, pos=start)
    assert scene.connect_drag.temp is not None
    scene.connect_drag.move_to(view.mapToScene(end))
    qtbot.mouseRelease(view.viewport(), Qt.LeftButton, pos=end)
    assert Edge("conv", "relu") in window.document.graph.edges


def test_an_invalid_connection_is_refused_with_its_reason(window):
    scene, graph = window.scene, window.document.graph
    messages: list[str] = []
    scene.message.connect(messages.append)
    drag = scene.connect_drag
    drag.start(scene.nodes["relu"].port("out", True))
    drag.move_to(scene.nodes["conv"].port("in", False).scenePos())  # conv is already fed
    assert drag.problem and drag.temp.problem == drag.problem
    assert scene.nodes["conv"].port("in", False).highlight is False
    before = list(graph.edges)
    drag.finish()
    assert graph.edges == before
    assert any("refused" in m for m in messages)
    # A cycle is refused too, with the model's reason.
    window.editor.disconnect([Edge("input1", "conv")])
    drag.start(scene.nodes["relu"].port("out", True))
    drag.move_to(scene.nodes["conv"].port("in", False).scenePos())
    assert "cycle" in drag.problem
    drag.cancel()


def _mismatched_add(window):
    graph = window.document.graph
    graph.add_node("Add", "add", position=(900, 200))
    window.document.undo_stack.clear()
    window.document.undo_stack.setClean()
    window.editor.connect(Edge("relu", "add", "out", "in0"))
    return graph


def test_projection_shortcut_is_offered_inserted_and_undone_in_one_step(window):
    graph = _mismatched_add(window)
    before = graph.to_dict()
    window.editor.ask_projection = lambda add, plan: "B"
    assert window.editor.connect(Edge("input1", "add", "out", "in1"))
    window.document.flush()
    auto = [n for n in graph if n.meta.get("auto") == "projection"]
    assert [n.type for n in auto] == ["Conv2d", "BatchNorm2d"]
    assert not window.document.analysis().problems_for("add")
    assert all(window.scene.nodes[n.name].face.auto for n in auto)
    window.document.undo_stack.undo()
    assert graph.to_dict() == before


def test_mismatch_without_projection_marks_the_add_and_its_edge(window):
    graph = _mismatched_add(window)
    window.editor.connect(Edge("input1", "add", "out", "in1"))
    window.document.flush()
    item = window.scene.nodes["add"]
    assert item.face.problems and "channel" in item.toolTip()
    assert window.scene.edges[Edge("input1", "add", "out", "in1")].problem
    names = window.editor.insert_projection("add", "A")
    assert [graph.node(n).type for n in names] == ["ShortcutA"]


def test_folding_repeated_blocks(make_window):
    from convnet_studio.presets import get_preset

    window = make_window(get_preset("resnet20_cifar"))
    scene = window.scene
    scene.set_folded("layer2", True)
    fold = scene.folds.items["layer2"]
    assert fold.title == "layer2: BasicBlock x 3"
    assert not scene.nodes["layer2.1"].isVisible() and scene.nodes["layer3.0"].isVisible()
    edge = next(e for e in window.document.graph.in_edges("layer3.0"))
    assert scene.edges[edge].isVisible()
    # The folded display is compact (display only: the graph keeps its positions).
    graph = window.document.graph
    shown = [n for n, item in scene.nodes.items() if item.isVisible()]
    assert any(scene.nodes[n].pos().toTuple() != graph.node(n).position for n in shown)
    scene.commit_moves()
    assert window.document.undo_stack.count() == 0
    window.view.center_on_node("layer2.1")  # focusing a hidden node unfolds its group
    assert scene.nodes["layer2.1"].isVisible()
    assert all(scene.nodes[n].pos().toTuple() == graph.node(n).position for n in graph.nodes)
    # Hidden edges were only hidden while folded; shown again, each is on its ports.
    from PySide6.QtGui import QPainterPath

    assert all(item.isVisible() for item in scene.edges.values())
    drawn = {edge: QPainterPath(item.path) for edge, item in scene.edges.items()}
    for item in scene.edges.values():
        scene._place_edge(item)
    assert all(scene.edges[edge].path == path for edge, path in drawn.items())


def test_overlay_api_survives_a_rebuild(window):
    scene = window.scene
    scene.set_node_overlay("conv", QColor("red"), "|g| 1e-3")
    scene.set_overlay_legend("gradient norm", [(QColor("blue"), "low"), (QColor("red"), "high")])
    window.editor.auto_layout("TB")  # a snapshot edit; undo rebuilds every item
    window.document.undo_stack.undo()
    assert scene.nodes["conv"].overlay[1] == "|g| 1e-3" and scene.legend[0] == "gradient norm"
    scene.clear_overlays()
    assert scene.nodes["conv"].overlay == (None, None)


def test_the_grid_of_a_far_flung_graph_stays_a_few_hundred_lines(window):
    # A node at 1e7 zoomed out to fit once meant millions of grid lines per paint (a frozen window).
    from PySide6.QtCore import QRectF

    from convnet_studio.ui.canvas.view import MAX_GRID_LINES

    class CountingPainter:
        lines = 0

        def fillRect(self, *args):
            pass

        def setPen(self, *args):
            pass

        def testRenderHint(self, *args):
            return True

        def setRenderHint(self, *args):
            pass

        def drawLines(self, lines):
            CountingPainter.lines += len(lines)

    window.view.drawBackground(CountingPainter(), QRectF(-1e7, -1e7, 2e7, 2e7))
    assert 0 < CountingPainter.lines <= 2 * (MAX_GRID_LINES + 1)


def test_selecting_and_deleting_many_nodes_says_so_once(make_window, qtbot):
    """Selecting or deleting all of a big graph used to re-sync the selection once per node
    (quadratic: 2 s to select and 22 s to delete ResNet-1202's 4,210 nodes)."""
    from convnet_studio.presets import get_preset

    window = make_window(get_preset("resnet56_cifar").copy())
    doc, scene = window.document, window.scene
    names = list(doc.graph.nodes)
    announced = []
    doc.selection_changed.connect(announced.append)
    doc.set_selection(names)
    assert announced == [names] and set(scene.selected_names()) == set(names)
    doc.set_selection(names[3:5])
    assert len(announced) == 2 and sorted(scene.selected_names()) == sorted(names[3:5])
    doc.set_selection(names)
    announced.clear()
    before = doc.graph.to_dict()
    window.editor.delete(names[1:])
    assert doc.selection == names[:1] and len(doc.graph) == 1  # known at once
    qtbot.waitUntil(lambda: announced == [names[:1]], timeout=2000)  # told once
    assert window.inspector.name == names[0] and scene.selected_names() == names[:1]
    doc.undo_stack.undo()
    assert doc.graph.to_dict() == before  # every node and edge back in its place
    assert set(scene.nodes) == set(names) and len(scene.edges) == len(doc.graph.edges)


def test_dragging_many_nodes_leaves_every_edge_on_its_ports(make_window, qtbot):
    """During a drag only the edges on screen follow each mouse move; the rest at the drop."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainterPath
    from PySide6.QtTest import QTest

    from convnet_studio.presets import get_preset

    window = make_window(get_preset("resnet56_cifar").copy())
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    doc, scene, view = window.document, window.scene, window.view
    names = list(doc.graph.nodes)
    grabbed = names[len(names) // 2]
    view.reset_zoom()
    view.center_on_node(grabbed)
    doc.set_selection(names)
    qtbot.wait(20)
    start = view.mapFromScene(scene.nodes[grabbed].sceneBoundingRect().center())
    before = {name: scene.nodes[name].pos() for name in names}
    QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, start)
    for step in range(1, 6):
        QTest.mouseMove(view.viewport(), start + QPoint(12 * step, 7 * step))
    QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier, start + QPoint(60, 35))
    moved = scene.nodes[grabbed].pos() - before[grabbed]
    assert moved.manhattanLength() > 50
    assert all(scene.nodes[n].pos() - before[n] == moved for n in names)  # all moved alike
    assert doc.graph.node(names[0]).position == (round(scene.nodes[names[0]].pos().x(), 1),
                                                 round(scene.nodes[names[0]].pos().y(), 1))
    drawn = {edge: QPainterPath(item.path) for edge, item in scene.edges.items()}
    for item in scene.edges.values():
        scene._place_edge(item)  # where a fresh placement puts it
    assert all(scene.edges[edge].path == path for edge, path in drawn.items())
