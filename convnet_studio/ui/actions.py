"""The window's menus, toolbar and shortcuts, as tables (platform conventions via QKeySequence).

:data:`MENUS` lists each menu's items in order: an :class:`ActionSpec`, ``SEP`` for a
separator, or a name: another menu of the table (a submenu) or one of the items the window
makes itself (the undo stack's actions, the recent files, the panels). :data:`TOOLBAR` lists
the toolbar's actions by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QToolBar

from convnet_studio.ui.theme import apply_theme, current_theme

if TYPE_CHECKING:
    from convnet_studio.ui.main_window import MainWindow

Key = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    """One menu action: ``slot(window)`` runs when it is triggered."""

    name: str
    text: str
    slot: Callable[[MainWindow], object]
    shortcut: Any = None  # a standard key, a string, or a tuple of them
    tip: str = ""
    tool_text: str = ""  # the toolbar's short label
    checkable: bool = False


SEP = None
Item = Union[ActionSpec, str, None]  # noqa: UP007  (a runtime alias: py3.10 needs Union here)


def _layout_rows(w: MainWindow) -> None:
    port = w.view.viewport()
    w.editor.auto_layout("LR", port.width() / max(1, port.height()))
    w.view.fit_all()


def _fold_all(w: MainWindow, on: bool) -> None:
    w.scene.folds.fold_all(on)
    w.view.fit_all()


def _import_pytorch(w: MainWindow) -> None:
    from convnet_studio.ui.import_dialog import run_import_dialog  # its module loads on first use

    run_import_dialog(w)


def _cut(w: MainWindow) -> None:
    w.editor.copy(w.document.selection)
    w.editor.delete(w.document.selection)


MENUS: dict[str, tuple[str, tuple[Item, ...]]] = {
    "file": ("&File", (
        ActionSpec("new", "&New", lambda w: w.files.new(), Key.New, "start an empty network"),
        ActionSpec("open", "&Open\u2026", lambda w: w.files.open(), Key.Open),
        "recent",
        ActionSpec("import_pytorch", "&Import PyTorch model\u2026", _import_pytorch,
                   tip="open a torchvision model or your own .py file as an editable, checked graph"),
        ActionSpec("save", "&Save", lambda w: w.files.save(), Key.Save),
        ActionSpec("save_as", "Save &As\u2026", lambda w: w.files.save_as(), Key.SaveAs),
        SEP,
        "export",
        SEP,
        ActionSpec("quit", "&Quit", lambda w: w.close(), Key.Quit),
    )),
    "export": ("&Export", (
        ActionSpec("export_png", "Image (PNG)\u2026", lambda w: w.files.export_image("png")),
        ActionSpec("export_svg", "Image (SVG)\u2026", lambda w: w.files.export_image("svg")),
        SEP,
        ActionSpec("export_python", "Python code\u2026", lambda w: w.files.export_model("python")),
        ActionSpec("export_onnx", "ONNX\u2026", lambda w: w.files.export_model("onnx")),
        ActionSpec("export_torchscript", "TorchScript\u2026",
                   lambda w: w.files.export_model("torchscript")),
    )),
    "edit": ("&Edit", (
        "undo",
        "redo",
        SEP,
        ActionSpec("cut", "Cu&t", _cut, Key.Cut),
        ActionSpec("copy", "&Copy", lambda w: w.editor.copy(w.document.selection), Key.Copy),
        ActionSpec("paste", "&Paste", lambda w: w.editor.paste(), Key.Paste),
        ActionSpec("duplicate", "&Duplicate", lambda w: w.editor.duplicate(w.document.selection),
                   "Ctrl+D"),
        ActionSpec("delete", "De&lete",
                   lambda w: w.editor.delete(w.document.selection, w.scene.selected_edges()),
                   (Key.Delete, "Backspace")),
        ActionSpec("select_all", "Select &All",
                   lambda w: w.document.set_selection(list(w.document.graph.nodes)), Key.SelectAll),
    )),
    "view": ("&View", (
        ActionSpec("zoom_in", "Zoom &In", lambda w: w.view.zoom_by(1.25), Key.ZoomIn),
        ActionSpec("zoom_out", "Zoom &Out", lambda w: w.view.zoom_by(0.8), Key.ZoomOut),
        ActionSpec("zoom_reset", "&Actual Size", lambda w: w.view.reset_zoom(), "Ctrl+0"),
        ActionSpec("fit", "&Fit to Window", lambda w: w.view.fit_all(), "Ctrl+F", tool_text="Fit"),
        SEP,
        ActionSpec("layout_lr", "Auto Layout, Left to Right", lambda w: w.editor.auto_layout("LR"),
                   "Ctrl+L", tool_text="Layout \u2192"),
        ActionSpec("layout_tb", "Auto Layout, Top to Bottom", lambda w: w.editor.auto_layout("TB"),
                   "Ctrl+Shift+L", tool_text="Layout \u2193"),
        ActionSpec("layout_rows", "Auto Layout in Rows (fit the window)", _layout_rows,
                   "Ctrl+Alt+L", tool_text="Layout \u21b5"),
        ActionSpec("fold_all", "Fold Repeated Blocks", lambda w: _fold_all(w, True), "Ctrl+Shift+F"),
        ActionSpec("unfold_all", "Unfold All", lambda w: _fold_all(w, False)),
        SEP,
        ActionSpec("dark", "&Dark Theme", lambda w: _toggle_theme(w), "Ctrl+Shift+T",
                   checkable=True),
        "panels",
    )),
    "presets": ("&Presets", (
        ActionSpec("gallery", "Presets &Gallery\u2026", lambda w: w.files.open_preset_gallery(),
                   "Ctrl+Shift+N", tool_text="Presets\u2026"),
    )),
    "help": ("&Help", (
        ActionSpec("about", "&About ConvNet Studio", lambda w: w.files.about()),
    )),
}
TOP_MENUS = ("file", "edit", "view", "presets", "help")
TOOLBAR = ("new", "open", "save", SEP, "undo_tool", "redo_tool", SEP,
           "fit", "layout_lr", "layout_tb", "layout_rows", SEP, "gallery")
TOOL_ICONS = {"new": QStyle.SP_FileIcon, "open": QStyle.SP_DialogOpenButton,
              "save": QStyle.SP_DialogSaveButton}


def build_actions(w: MainWindow) -> tuple[dict[str, QAction], dict[str, QMenu]]:
    """Create every action of ``w``; returns (name -> action, name -> menu)."""
    actions: dict[str, QAction] = {}
    menus: dict[str, QMenu] = {}
    bar = w.menuBar()
    for key in TOP_MENUS:
        menus[key] = bar.addMenu(MENUS[key][0])
        _fill(w, key, actions, menus)
    actions["dark"].setChecked(current_theme() == "dark")
    w.addToolBar(_toolbar(w, actions))
    return actions, menus


def _fill(w: MainWindow, key: str, actions: dict[str, QAction], menus: dict[str, QMenu]) -> None:
    menu = menus[key]
    for item in MENUS[key][1]:
        if item is SEP:
            menu.addSeparator()
        elif isinstance(item, ActionSpec):
            actions[item.name] = _action(w, item)
            menu.addAction(actions[item.name])
        elif item in MENUS:
            menus[item] = menu.addMenu(MENUS[item][0])
            _fill(w, item, actions, menus)
        else:
            _add_own(w, item, menu, actions, menus)


def _action(w: MainWindow, spec: ActionSpec) -> QAction:
    action = QAction(spec.text, w)
    keys = spec.shortcut if isinstance(spec.shortcut, tuple) else (spec.shortcut,)
    action.setShortcuts([QKeySequence(k) for k in keys if k is not None])
    action.setStatusTip(spec.tip)
    action.setCheckable(spec.checkable)
    if spec.tool_text:
        action.setIconText(spec.tool_text)
    action.triggered.connect(lambda _checked=False: spec.slot(w))
    return action


def _add_own(w: MainWindow, name: str, menu: QMenu, actions: dict[str, QAction],
             menus: dict[str, QMenu]) -> None:
    """The items the window makes itself: the undo stack's actions, recent files, panels."""
    stack = w.document.undo_stack
    if name in ("undo", "redo"):
        make = stack.createUndoAction if name == "undo" else stack.createRedoAction
        action = actions[name] = make(w, "&Undo" if name == "undo" else "&Redo")
        action.setShortcut(QKeySequence(Key.Undo if name == "undo" else Key.Redo))
        menu.addAction(action)
    elif name == "recent":
        menus["recent"] = menu.addMenu("Open &Recent")
        menus["recent"].aboutToShow.connect(w.files.fill_recent_menu)
    elif name == "panels":
        menus["panels"] = menu.addMenu("&Panels")
        for dock in w.docks.values():
            menus["panels"].addAction(dock.toggleViewAction())
    else:
        raise KeyError(f"no menu item {name!r}")


def _toolbar(w: MainWindow, actions: dict[str, QAction]) -> QToolBar:
    # The stack's own undo/redo actions carry the command's text ("Undo Edit layer1.0: ..."),
    # too long for a toolbar: the toolbar gets short twins.
    stack = w.document.undo_stack
    for name, text, slot, signal, icon in (
        ("undo_tool", "Undo", stack.undo, stack.canUndoChanged, QStyle.SP_ArrowBack),
        ("redo_tool", "Redo", stack.redo, stack.canRedoChanged, QStyle.SP_ArrowForward),
    ):
        action = QAction(w.style().standardIcon(icon), text, w)
        action.triggered.connect(lambda _checked=False, s=slot: s())
        action.setEnabled(False)
        signal.connect(action.setEnabled)
        actions[name] = action
    for name, icon in TOOL_ICONS.items():
        actions[name].setIcon(w.style().standardIcon(icon))
    tools = QToolBar("Main")
    tools.setObjectName("toolbar_main")
    tools.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    for name in TOOLBAR:
        tools.addSeparator() if name is None else tools.addAction(actions[name])
    return tools


def _toggle_theme(w: MainWindow) -> None:
    name = "light" if current_theme() == "dark" else "dark"
    apply_theme(QApplication.instance(), name)
    w.settings.setValue("theme", name)
    for item in w.scene.items():
        item.update()
    w.view.viewport().update()
