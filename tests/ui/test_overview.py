"""Zoomed far out, the view draws one picture of the scene, and keeps it current."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from convnet_studio.ui.canvas.overview import MAX_PIXELS, OVERVIEW_ZOOM
from convnet_studio.ui.theme import canvas_colors


def _zoom_out(window, qtbot) -> None:
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    window.view.fit_all()
    window.view.zoom_by(OVERVIEW_ZOOM * 0.5 / window.view.zoom())
    assert window.view.zoom() < OVERVIEW_ZOOM
    window.view.viewport().update()
    qtbot.waitUntil(lambda: window.view.overview.image is not None)


def _colour_at_node(window, name: str) -> QColor:
    """The viewport's pixel at the middle of the node's box."""
    view, item = window.view, window.scene.nodes[name]
    centre = item.mapToScene(QPointF(item.boundingRect().center()))
    frame: QImage = view.viewport().grab().toImage()
    return frame.pixelColor(view.mapFromScene(centre))


def _near(a: QColor, b: QColor, tolerance: int = 60) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3]))


def test_zoomed_out_the_view_shows_the_picture_and_it_follows_selection(window, qtbot) -> None:
    _zoom_out(window, qtbot)
    overview = window.view.overview
    assert overview.image is not None and overview.scale < OVERVIEW_ZOOM
    selected = canvas_colors().selected
    assert not _near(_colour_at_node(window, "conv"), selected)
    window.scene.nodes["conv"].setSelected(True)
    qtbot.waitUntil(lambda: _near(_colour_at_node(window, "conv"), selected))


def test_the_picture_follows_an_edit_and_undo(window, qtbot) -> None:
    _zoom_out(window, qtbot)
    window.editor.add_block("Conv2d", (300, 600))
    window.document.flush()
    added = next(name for name in window.scene.nodes if name not in ("input", "conv", "relu", "output", "add"))
    category = _colour_at_node(window, "conv")
    qtbot.waitUntil(lambda: _near(_colour_at_node(window, added), category))
    window.document.undo_stack.undo()
    window.document.flush()
    background = canvas_colors().background
    qtbot.waitUntil(lambda: window.view.overview._dirty == [] and _near(
        window.view.viewport().grab().toImage().pixelColor(window.view.mapFromScene(QPointF(390, 650))),
        background, 30))


def test_a_far_flung_graph_keeps_the_picture_small(window, qtbot) -> None:
    window.editor.add_block("ReLU", (900_000, 900_000))
    window.document.flush()
    _zoom_out(window, qtbot)
    image = window.view.overview.image
    assert image is not None and image.width() * image.height() <= MAX_PIXELS * 1.01


def test_zoomed_back_in_the_scene_sends_updates_straight_to_the_view(window, qtbot) -> None:
    # A receiver on QGraphicsScene.changed routes every item update through it (slow on big
    # edits): the picture listens only while it is shown, and Qt's own view slot is cut too.
    from PySide6.QtCore import SIGNAL

    changed = SIGNAL("changed(QList<QRectF>)")
    _zoom_out(window, qtbot)
    assert window.scene.receivers(changed) >= 1
    window.view.reset_zoom()
    window.view.viewport().update()
    qtbot.waitUntil(lambda: window.view.overview.image is None)
    assert window.scene.receivers(changed) == 0
