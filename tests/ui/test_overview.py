"""Zoomed far out, the view draws one picture of the scene on zoom and scroll, and keeps it
current: what changes in view is painted from the items and re-rendered into the picture;
what changes out of view is re-rendered when it comes into view."""

from __future__ import annotations

from PySide6.QtCore import SIGNAL, QPointF, QRectF
from PySide6.QtGui import QColor

from convnet_studio.ui.canvas.overview import MAX_PIXELS, OVERVIEW_ZOOM
from convnet_studio.ui.theme import canvas_colors


def _show(window, qtbot) -> None:
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)


def _zoom_to(window, qtbot, zoom: float) -> None:
    """Zoom (a move: the picture is drawn, not the items) and wait for the repaint."""
    view = window.view
    view.zoom_by(zoom / view.zoom())
    view.viewport().repaint()
    qtbot.wait(10)


def _picture_colour(window, at: QPointF) -> QColor:
    """The picture's pixel at scene point ``at`` (grabbing the viewport would repaint it
    from the items: a paint that is not a move draws them)."""
    overview = window.view.overview
    assert overview.image is not None
    pixel = overview._to_image(QRectF(at, at)).topLeft().toPoint()
    if not overview.image.rect().contains(pixel):  # outside the picture: nothing is there
        return QColor(0, 0, 0, 0)
    return overview.image.pixelColor(pixel)


def _colour_at_node(window, name: str) -> QColor:
    item = window.scene.nodes[name]
    return _picture_colour(window, item.mapToScene(QPointF(item.boundingRect().center())))


def _shown_colour_at_node(window, name: str) -> QColor:
    view, item = window.view, window.scene.nodes[name]
    centre = item.mapToScene(QPointF(item.boundingRect().center()))
    return view.viewport().grab().toImage().pixelColor(view.mapFromScene(centre))


def _near(a: QColor, b: QColor, tolerance: int = 60) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3]))


def test_zoomed_out_the_picture_is_drawn_and_follows_a_selection(window, qtbot) -> None:
    _show(window, qtbot)
    window.view.fit_all()
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.5)
    overview, selected = window.view.overview, canvas_colors().selected
    assert overview.image is not None and overview.scale < OVERVIEW_ZOOM
    assert not _near(_colour_at_node(window, "conv"), selected)
    window.scene.nodes["conv"].setSelected(True)
    qtbot.waitUntil(lambda: _near(_shown_colour_at_node(window, "conv"), selected))
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.55)
    assert _near(_shown_colour_at_node(window, "conv"), selected)
    # The selection is drawn over the picture, which it leaves as it was: selecting all of
    # a big net renders nothing again.
    assert not _near(_colour_at_node(window, "conv"), selected)
    assert not overview._stale
    window.scene.nodes["conv"].setSelected(False)
    qtbot.waitUntil(lambda: not _near(_shown_colour_at_node(window, "conv"), selected))


def test_the_picture_follows_an_edit_and_its_undo(window, qtbot) -> None:
    _show(window, qtbot)
    window.view.fit_all()
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.5)
    window.editor.add_block("Conv2d", (300, 600))
    window.document.flush()
    added = next(n for n in window.scene.nodes if n not in ("input", "conv", "relu", "output", "add"))
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.55)
    assert _near(_colour_at_node(window, added), _colour_at_node(window, "conv"))
    window.document.undo_stack.undo()
    window.document.flush()
    qtbot.wait(10)
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.5)
    assert _picture_colour(window, QPointF(390, 650)).alpha() == 0  # nothing drawn there now


def test_a_change_out_of_view_shows_when_it_comes_into_view(window, qtbot) -> None:
    _show(window, qtbot)
    view = window.view
    window.view.fit_all()
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.9)
    view.centerOn(QPointF(-6000, -6000))  # every node out of view
    view.viewport().repaint()
    window.scene.nodes["relu"].setSelected(True)
    window.document.set_selection(["relu"])
    qtbot.wait(10)
    view.fit_all()
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.5)
    assert _near(_shown_colour_at_node(window, "relu"), canvas_colors().selected)


def test_the_overview_never_listens_to_every_scene_change(window, qtbot) -> None:
    # A receiver on QGraphicsScene.changed routes every item update through it and turns each
    # removal into "the whole scene changed": big edits were several times slower.
    _show(window, qtbot)
    window.view.fit_all()
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.5)
    window.editor.add_block("ReLU", (300, 600))
    qtbot.wait(10)
    assert window.scene.receivers(SIGNAL("changed(QList<QRectF>)")) == 0
    window.view.reset_zoom()
    window.view.viewport().repaint()
    assert window.view.overview.image is None  # freed when zoomed back in


def test_a_far_flung_graph_keeps_the_picture_small(window, qtbot) -> None:
    window.editor.add_block("ReLU", (900_000, 900_000))
    window.document.flush()
    _show(window, qtbot)
    window.view.fit_all()
    _zoom_to(window, qtbot, min(window.view.zoom(), OVERVIEW_ZOOM * 0.5))
    image = window.view.overview.image
    assert image is not None and image.width() * image.height() <= MAX_PIXELS * 1.01


def test_a_node_moved_while_zoomed_out_leaves_no_trace(window, qtbot) -> None:
    # Qt repaints only where it last painted an item, and zoomed out it paints the picture.
    _show(window, qtbot)
    window.view.fit_all()
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.5)
    item = window.scene.nodes["relu"]
    old = item.mapToScene(QPointF(item.boundingRect().center()))
    window.document.set_selection(["relu"])  # selected already: the press changes nothing
    window.view.viewport().repaint()
    assert not window.view.overview.is_stale(old)
    _drag(window, old, old + QPointF(400, 300), release=False)  # the mouse, as a user drags
    # Mid-drag: its old place is stale in the picture and its edges came along.
    assert window.view.overview.is_stale(old)
    for edge in window.document.graph.in_edges("relu"):
        assert window.scene.edges[edge].path.pointAtPercent(1.0).y() > old.y() + 200
    _drag(window, old + QPointF(400, 300), old + QPointF(400, 300), press=False)
    qtbot.wait(10)
    window.view.viewport().repaint()
    assert window.document.graph.node("relu").position != (0, 0) and item.pos().y() > old.y()
    block = item.block_color(False)  # the picture's (the selection is drawn over it)
    left = _picture_colour(window, old)  # no block left where it was (its edges may pass)
    assert left.alpha() < 128 or not _near(left, block, 10)
    assert _near(_picture_colour(window, item.mapToScene(QPointF(item.boundingRect().center()))), block, 10)
    for edge in window.document.graph.in_edges("relu"):  # its edges followed it
        assert window.scene.edges[edge].path.pointAtPercent(1.0).y() > old.y()


def _drag(window, start: QPointF, end: QPointF, press: bool = True, release: bool = True) -> None:
    """Press on the viewport at scene point ``start``, move to ``end`` (one long step: no
    place in between covers the start), release."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    view, viewport = window.view, window.view.viewport()

    def send(kind, at: QPointF, buttons) -> None:
        local = QPointF(view.mapFromScene(at))
        event = QMouseEvent(kind, local, QPointF(viewport.mapToGlobal(local.toPoint())),
                            Qt.LeftButton, buttons, Qt.NoModifier)
        QApplication.sendEvent(viewport, event)

    if press:
        send(QEvent.MouseButtonPress, start, Qt.LeftButton)
        send(QEvent.MouseMove, end, Qt.LeftButton)
    if release:
        send(QEvent.MouseButtonRelease, end, Qt.NoButton)


def test_an_edge_reports_a_band_along_its_curve() -> None:
    """A wrapped row's return edge spans the net: its bounding box would mark a fifth of the
    picture stale, the boxes along its curve a sliver, and they still cover the curve."""
    from convnet_studio.ui.canvas.edge_item import edge_path, look_boxes

    path = edge_path(QPointF(20000, 100), QPointF(0, 700))  # end of a row to the next row's start
    boxes = look_boxes(path, 6)
    bounds = path.boundingRect()
    assert sum(b.width() * b.height() for b in boxes) < 0.1 * bounds.width() * bounds.height()
    for i in range(101):
        point = path.pointAtPercent(i / 100)
        assert any(b.contains(point) for b in boxes), point
    diagonal = edge_path(QPointF(0, 0), QPointF(3000, 5000))  # a node dragged far away
    boxes = look_boxes(diagonal, 6)
    assert len(boxes) > 1
    assert all(diagonal.pointAtPercent(i / 50) in _union(boxes) for i in range(51))


def _union(boxes):
    class Covered:
        def __contains__(self, point) -> bool:
            return any(b.contains(point) for b in boxes)
    return Covered()


def test_stale_areas_are_rendered_in_a_few_clusters_that_cover_them() -> None:
    from convnet_studio.ui.canvas.overview import clusters

    near = [QRectF(100 + 30 * i, 50, 24, 12) for i in range(20)]  # a row of moved nodes
    far = [QRectF(5000, 3000, 24, 12)]
    boxes = clusters(near + far)
    assert 2 <= len(boxes) <= 4  # the row in a box or two, the far node on its own
    assert all(any(b.contains(r) for b in boxes) for r in near + far)
    assert sum(b.width() * b.height() for b in boxes) < 0.01 * 5000 * 3000


def test_the_scene_index_keeps_its_rectangle_while_nodes_stay_inside(window) -> None:
    """Qt rebuilds its whole item index when the scene rectangle changes: it changes only
    when a node lands outside it, and then holds it with room to spare."""
    scene, graph = window.scene, window.document.graph
    rect = scene.sceneRect()
    assert all(rect.contains(QPointF(*n.position)) for n in graph)
    graph.move_node("conv", (graph.node("conv").position[0] + 300, 0))
    assert scene.sceneRect() == rect
    far = (rect.right() + 10_000, rect.bottom() + 10_000)
    graph.move_node("relu", far)
    grown = scene.sceneRect()
    assert grown.contains(QPointF(*far)) and grown.contains(rect)
    assert window.scene.items(QRectF(far[0] - 5, far[1] - 5, 20, 20))  # Qt still finds it there


def test_a_big_batch_move_reports_one_area_and_the_picture_follows(window, qtbot, monkeypatch) -> None:
    """A layout of thousands of items reports one area to the picture (each item's report
    cost 0.3 s on ResNet-1202); the picture still shows every node where it went."""
    from convnet_studio.ui.canvas import deferred

    monkeypatch.setattr(deferred, "ONE_AREA_ITEMS", 0)  # this small graph takes that path
    _show(window, qtbot)
    scene = window.scene
    window.view.fit_all()
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.5)
    old = {name: item.mapToScene(QPointF(item.boundingRect().center())) for name, item in scene.nodes.items()}
    reported = []
    scene.look_changed.connect(reported.append)
    window.editor.auto_layout("TB")
    assert 1 <= len(reported) <= 2  # the batch's one area (and nothing per item)
    window.view.fit_all()
    _zoom_to(window, qtbot, OVERVIEW_ZOOM * 0.5)
    moved = [name for name, item in scene.nodes.items()
             if item.mapToScene(QPointF(item.boundingRect().center())) != old[name]]
    assert len(moved) >= len(scene.nodes) - 1  # the input stays at the origin
    for name, item in scene.nodes.items():
        assert _near(_colour_at_node(window, name), item.block_color(False), 10), name
