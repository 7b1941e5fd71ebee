"""The window: drags as one undo step, closing with unsaved changes, presets, layout, theme."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent


def test_dragging_a_selection_is_one_undo_step(window):
    doc, scene = window.document, window.scene
    before = {n: doc.graph.node(n).position for n in ("conv", "relu")}
    for step in range(5):  # the items move many times during a drag...
        for name in before:
            scene.nodes[name].moveBy(10, 4)
    assert doc.undo_stack.count() == 0 and doc.graph.node("conv").position == before["conv"]
    scene.commit_moves()  # ...and the release records one command
    assert doc.undo_stack.count() == 1
    assert doc.graph.node("conv").position == (before["conv"][0] + 50, before["conv"][1] + 20)
    doc.undo_stack.undo()
    assert {n: doc.graph.node(n).position for n in before} == before
    assert scene.nodes["conv"].pos().x() == before["conv"][0]


def test_closing_with_unsaved_changes_asks(window):
    window.editor.set_params("conv", {"out_channels": 9})
    event = QCloseEvent()
    window.closeEvent(event)
    assert window.asked and "Save the changes" in window.asked[-1]
    assert event.isAccepted()  # the test's answer is "Discard"


def test_presets_gallery_lists_presets_and_opens_one(window):
    from convnet_studio.ui.presets_dialog import PresetsDialog

    dialog = PresetsDialog(window)
    dialog.select("vgg11")
    name, classes, size = dialog.choice()
    assert name == "vgg11" and classes == 1000 and size == (3, 224, 224)
    assert window.files.open_preset("resnet20_cifar", 100, (3, 32, 32))
    graph = window.document.graph
    assert graph.name == "resnet20_cifar" and not window.document.dirty
    assert window.document.analysis().output_shape("fc") == (100,)
    assert set(window.scene.nodes) == set(graph.nodes)


def test_presets_gallery_opens_with_the_highlighted_presets_own_defaults(window, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from convnet_studio.ui.presets_dialog import PresetsDialog

    dialog = PresetsDialog(window)
    assert dialog.tree.currentItem().text(0) == "resnet18"
    assert (dialog.classes.value(), dialog.channels.value(), dialog.size.value()) == (1000, 3, 224)

    # Open pressed right away builds the highlighted preset at its own size and classes
    def press_open(self):
        self.open_button.click()
        return self.result()

    monkeypatch.setattr(QDialog, "exec", press_open)
    window.files.open_preset_gallery()
    graph = window.document.graph
    assert graph.name == "resnet18"
    input_node = next(n for n in graph.nodes.values() if n.type == "Input")
    assert (input_node.params["channels"], input_node.params["height"]) == (3, 224)
    assert window.document.analysis().output_shape("fc") == (1000,)


def test_dock_layout_and_theme_are_remembered(make_window, tmp_path):
    window = make_window()
    window.docks["summary"].hide()
    window.save_layout()
    settings = window.settings
    assert isinstance(settings, QSettings) and settings.value("window/state") is not None
    window.actions["dark"].trigger()
    assert settings.value("theme") == "dark"
    window.actions["dark"].trigger()
    assert settings.value("theme") == "light"


def test_new_document_and_title(window):
    window.files.new()
    assert len(window.document.graph) == 0 and window.windowTitle().startswith("untitled")
    window.palette.block_activated.emit("Input")
    assert len(window.document.graph) == 1 and window.isWindowModified()


def test_pan_and_zoom(window, qtbot):
    from PySide6.QtCore import QPoint, Qt

    window.show()
    qtbot.waitExposed(window)
    view = window.view
    zoom = view.zoom()
    window.actions["zoom_in"].trigger()
    assert view.zoom() > zoom
    window.actions["zoom_reset"].trigger()
    assert view.zoom() == 1.0
    bar = view.horizontalScrollBar()
    before = bar.value()
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MiddleButton, pos=QPoint(300, 200))
    view.mouseMoveEvent(_move_event(QPoint(200, 200)))
    qtbot.mouseRelease(viewport, Qt.MiddleButton, pos=QPoint(200, 200))
    assert bar.value() == before + 100


def _move_event(pos):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    return QMouseEvent(
        QMouseEvent.MouseMove,
        QPointF(pos),
        QPointF(pos),
        Qt.NoButton,
        Qt.MiddleButton,
        Qt.NoModifier,
    )


def test_copy_in_one_window_paste_in_another(make_window):
    first, second = make_window(), make_window()
    assert first.editor.copy(["conv", "relu"])
    pasted = second.editor.paste()
    assert len(pasted) == 2 and all(n in second.document.graph for n in pasted)
    assert len(first.document.graph) == 4
