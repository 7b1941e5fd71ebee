"""The window's menus, toolbar and shortcuts (platform conventions via QKeySequence)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QToolBar

from convnet_studio.ui.import_dialog import run_import_dialog
from convnet_studio.ui.theme import apply_theme, current_theme

if TYPE_CHECKING:
    from convnet_studio.ui.main_window import MainWindow


def build_actions(w: MainWindow) -> tuple[dict[str, QAction], dict[str, QMenu]]:
    """Create every action of ``w``; returns (name -> action, name -> menu)."""
    actions: dict[str, QAction] = {}
    menus: dict[str, QMenu] = {}
    bar = w.menuBar()

    def act(
        menu: QMenu,
        name: str,
        text: str,
        slot: Callable[[], object],
        shortcut: object = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, w)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        actions[name] = action
        return action

    files, doc, ed, scene, view = w.files, w.document, w.editor, w.scene, w.view
    m = menus["file"] = bar.addMenu("&File")
    act(m, "new", "&New", files.new, QKeySequence.New, "start an empty network")
    act(m, "open", "&Open\u2026", files.open, QKeySequence.Open)
    menus["recent"] = m.addMenu("Open &Recent")
    menus["recent"].aboutToShow.connect(files.fill_recent_menu)
    act(m, "import_pytorch", "&Import PyTorch model\u2026", lambda: run_import_dialog(w),
        tip="open a torchvision model or your own .py file as an editable, checked graph")
    act(m, "save", "&Save", files.save, QKeySequence.Save)
    act(m, "save_as", "Save &As\u2026", files.save_as, QKeySequence.SaveAs)
    m.addSeparator()
    e = menus["export"] = m.addMenu("&Export")
    act(e, "export_png", "Image (PNG)\u2026", lambda: files.export_image("png"))
    act(e, "export_svg", "Image (SVG)\u2026", lambda: files.export_image("svg"))
    e.addSeparator()
    act(e, "export_python", "Python code\u2026", lambda: files.export_model("python"))
    act(e, "export_onnx", "ONNX\u2026", lambda: files.export_model("onnx"))
    act(e, "export_torchscript", "TorchScript\u2026", lambda: files.export_model("torchscript"))
    m.addSeparator()
    act(m, "quit", "&Quit", w.close, QKeySequence.Quit)

    m = menus["edit"] = bar.addMenu("&Edit")
    undo = doc.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(QKeySequence.Undo)
    redo = doc.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcut(QKeySequence.Redo)
    m.addAction(undo)
    m.addAction(redo)
    actions["undo"], actions["redo"] = undo, redo
    m.addSeparator()
    act(
        m,
        "cut",
        "Cu&t",
        lambda: (ed.copy(doc.selection), ed.delete(doc.selection)),
        QKeySequence.Cut,
    )
    act(m, "copy", "&Copy", lambda: ed.copy(doc.selection), QKeySequence.Copy)
    act(m, "paste", "&Paste", ed.paste, QKeySequence.Paste)
    act(m, "duplicate", "&Duplicate", lambda: ed.duplicate(doc.selection), "Ctrl+D")
    act(
        m,
        "delete",
        "De&lete",
        lambda: ed.delete(doc.selection, scene.selected_edges()),
        QKeySequence.Delete,
    )
    actions["delete"].setShortcuts([QKeySequence(QKeySequence.Delete), QKeySequence("Backspace")])
    act(
        m,
        "select_all",
        "Select &All",
        lambda: doc.set_selection(list(doc.graph.nodes)),
        QKeySequence.SelectAll,
    )

    m = menus["view"] = bar.addMenu("&View")
    act(m, "zoom_in", "Zoom &In", lambda: view.zoom_by(1.25), QKeySequence.ZoomIn)
    act(m, "zoom_out", "Zoom &Out", lambda: view.zoom_by(0.8), QKeySequence.ZoomOut)
    act(m, "zoom_reset", "&Actual Size", view.reset_zoom, "Ctrl+0")
    act(m, "fit", "&Fit to Window", view.fit_all, "Ctrl+F")
    m.addSeparator()
    act(m, "layout_lr", "Auto Layout, Left to Right", lambda: ed.auto_layout("LR"), "Ctrl+L")
    act(m, "layout_tb", "Auto Layout, Top to Bottom", lambda: ed.auto_layout("TB"), "Ctrl+Shift+L")
    act(
        m,
        "layout_rows",
        "Auto Layout in Rows (fit the window)",
        lambda: (
            ed.auto_layout("LR", view.viewport().width() / max(1, view.viewport().height())),
            view.fit_all(),
        ),
        "Ctrl+Alt+L",
    )
    act(
        m,
        "fold_all",
        "Fold Repeated Blocks",
        lambda: (scene.folds.fold_all(True), view.fit_all()),
        "Ctrl+Shift+F",
    )
    act(m, "unfold_all", "Unfold All", lambda: (scene.folds.fold_all(False), view.fit_all()))
    m.addSeparator()
    theme = act(m, "dark", "&Dark Theme", lambda: _toggle_theme(w), "Ctrl+Shift+T")
    theme.setCheckable(True)
    theme.setChecked(current_theme() == "dark")
    panels = m.addMenu("&Panels")
    for dock in w.docks.values():
        panels.addAction(dock.toggleViewAction())
    menus["panels"] = panels

    m = menus["presets"] = bar.addMenu("&Presets")
    act(m, "gallery", "Presets &Gallery\u2026", files.open_preset_gallery, "Ctrl+Shift+N")
    menus["help"] = bar.addMenu("&Help")
    act(menus["help"], "about", "&About ConvNet Studio", files.about)

    # The stack's own undo/redo actions carry the command's text ("Undo Edit layer1.0: ..."),
    # too long for a toolbar: the toolbar gets short twins.
    stack = doc.undo_stack
    for name, text, slot, signal, icon in (
        ("undo_tool", "Undo", stack.undo, stack.canUndoChanged, QStyle.SP_ArrowBack),
        ("redo_tool", "Redo", stack.redo, stack.canRedoChanged, QStyle.SP_ArrowForward),
    ):
        action = QAction(w.style().standardIcon(icon), text, w)
        action.triggered.connect(lambda _checked=False, s=slot: s())
        action.setEnabled(False)
        signal.connect(action.setEnabled)
        actions[name] = action
    tools = QToolBar("Main")
    tools.setObjectName("toolbar_main")
    tools.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    style = w.style()
    for name, icon in (
        ("new", QStyle.SP_FileIcon),
        ("open", QStyle.SP_DialogOpenButton),
        ("save", QStyle.SP_DialogSaveButton),
    ):
        actions[name].setIcon(style.standardIcon(icon))
    actions["layout_lr"].setIconText("Layout \u2192")
    actions["layout_tb"].setIconText("Layout \u2193")
    actions["gallery"].setIconText("Presets\u2026")
    actions["layout_rows"].setIconText("Layout \u21b5")
    actions["fit"].setIconText("Fit")
    for name in (
        "new",
        "open",
        "save",
        None,
        "undo_tool",
        "redo_tool",
        None,
        "fit",
        "layout_lr",
        "layout_tb",
        "layout_rows",
        None,
        "gallery",
    ):
        tools.addSeparator() if name is None else tools.addAction(actions[name])
    w.addToolBar(tools)
    return actions, menus


def _toggle_theme(w: MainWindow) -> None:
    name = "light" if current_theme() == "dark" else "dark"
    apply_theme(QApplication.instance(), name)
    w.settings.setValue("theme", name)
    for item in w.scene.items():
        item.update()
    w.view.viewport().update()
