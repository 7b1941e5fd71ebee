"""File menu work: new, open, save, recent files, presets, image and model export.

Dialogs are reached through small methods (``_ask_open_path``...) that tests replace; every
failure is shown as a sentence and leaves the current document as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from convnet_studio.graph.model import Graph
from convnet_studio.graph.project_file import SUFFIX, ProjectFileError
from convnet_studio.ui import long_lived
from convnet_studio.ui.recovery import clean_stale_temps

if TYPE_CHECKING:
    from convnet_studio.ui.main_window import MainWindow

MAX_RECENT = 10
PROJECT_FILTER = f"ConvNet Studio projects (*{SUFFIX});;All files (*)"
EXPORT_KINDS = {  # kind -> (suffix, file filter)
    "python": (".py", "Python files (*.py)"),
    "onnx": (".onnx", "ONNX models (*.onnx)"),
    "torchscript": (".pt", "TorchScript archives (*.pt)"),
}


class FileActions:
    """The File and Presets menus' behaviour for one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    @property
    def document(self):
        return self.window.document

    # ------------------------------------------------------------------ documents
    def new(self) -> None:
        if not self.window.maybe_save():
            return
        graph = Graph("untitled")
        self.document.replace_graph(graph, take=True)
        self.window.update_title()

    def open(self) -> None:
        path = self._ask_open_path()
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Open a project file; on failure explain why and keep the current document."""
        if not self.window.maybe_save():
            return False
        try:
            self.document.load(path)
        except Exception as exc:  # noqa: BLE001 -  # whatever a bad file breaks, the document stays
            self._error("Cannot open the project", open_failure(path, exc))
            return False
        clean_stale_temps(Path(path))
        self.add_recent(Path(path))
        self.window.update_title()
        self.window.view.fit_all()
        return True

    def open_preset(
        self,
        name: str,
        num_classes: int | None = None,
        input_size: tuple[int, int, int] | None = None,
    ) -> bool:
        """Open a preset as a new, unsaved document."""
        from convnet_studio.ui.presets_dialog import presets_module

        presets = presets_module()
        if not self.window.maybe_save():
            return False
        kwargs = {
            k: v
            for k, v in (("num_classes", num_classes), ("input_size", input_size))
            if v is not None
        }
        with long_lived.building():  # its objects all live on: no collection while made
            try:
                graph = presets.get_preset(name, **kwargs)
            except Exception as exc:  # noqa: BLE001 -  # a preset that refuses these sizes says why
                self._error("Cannot build the preset", str(exc))
                return False
            try:
                wrap_to_view(graph, self.window.view)
                self.document.replace_graph(graph, take=True)
            except Exception as exc:  # noqa: BLE001 -  # the open document stays as it was
                self._error("Cannot build the preset", _cut(str(exc)))
                return False
        self.window.update_title()
        self.window.view.fit_all()
        return True

    def open_preset_gallery(self) -> None:
        from convnet_studio.ui.presets_dialog import PresetsDialog

        dialog = PresetsDialog(self.window)
        if dialog.exec() and dialog.choice():
            name, classes, size = dialog.choice()  # type: ignore[misc]
            self.open_preset(name, classes, size)

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        path = self._ask_save_path(
            "Save project", PROJECT_FILTER, self.document.graph.name + SUFFIX
        )
        return self._save_to(Path(path)) if path else False

    def _save_to(self, path: Path) -> bool:
        try:
            saved = self.document.save(path)
        except (ProjectFileError, OSError, ValueError) as exc:
            self._error("Cannot save the project", str(exc))
            return False
        clean_stale_temps(saved)
        self.add_recent(saved)
        self.window.update_title()
        self.window.statusBar().showMessage(f"Saved {saved}", 5000)
        return True

    # ------------------------------------------------------------------ recent files
    def recent(self) -> list[str]:
        value = self.window.settings.value("recent_files") or []
        return [value] if isinstance(value, str) else list(value)

    def add_recent(self, path: Path) -> None:
        entries = [str(path.resolve())] + [p for p in self.recent() if p != str(path.resolve())]
        self.window.settings.setValue("recent_files", entries[:MAX_RECENT])

    def fill_recent_menu(self) -> None:
        menu = self.window.menus["recent"]
        menu.clear()
        for entry in self.recent():
            menu.addAction(Path(entry).name, lambda e=entry: self.open_path(e)).setToolTip(entry)
        if menu.isEmpty():
            menu.addAction("(none)").setEnabled(False)

    # ------------------------------------------------------------------ export
    def export_image(self, kind: str) -> bool:
        from convnet_studio.ui.render import render_scene

        stem = self.document.path.stem if self.document.path else self.document.graph.name
        path = self._ask_save_path(
            f"Export image ({kind.upper()})", f"{kind.upper()} images (*.{kind})", f"{stem}.{kind}"
        )
        if not path:
            return False
        try:
            render_scene(self.window.scene, Path(path).with_suffix(f".{kind}"))
        except OSError as exc:
            self._error("Cannot export the image", str(exc))
            return False
        self.window.statusBar().showMessage(f"Wrote {path}", 5000)
        return True

    def export_model(self, kind: str) -> bool:
        """Python, ONNX or TorchScript through ``convnet_studio.codegen`` (torch loads here)."""
        exporter = _exporter(kind)
        suffix, file_filter = EXPORT_KINDS[kind]
        path = self._ask_save_path(f"Export {kind}", file_filter, self.document.graph.name + suffix)
        if not path:
            return False
        try:
            exporter(self.document.graph, Path(path), self.document.input_shape)
        except Exception as exc:  # noqa: BLE001 -  # invalid graph, torch errors: all explained in one sentence
            self._error(f"Cannot export {kind}", str(exc))
            return False
        self.window.statusBar().showMessage(f"Wrote {path}", 5000)
        return True

    def about(self) -> None:
        from convnet_studio import __version__

        QMessageBox.about(
            self.window,
            "ConvNet Studio",
            f"<b>ConvNet Studio {__version__}</b><br>Build CNNs by hand, see every shape "
            "and cost, train them and watch them learn.",
        )

    # ------------------------------------------------------------------ dialogs (tests replace these)
    def _ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", "", PROJECT_FILTER)
        return path

    def _ask_save_path(self, title: str, file_filter: str, suggested: str) -> str:
        start = str(self.document.path.parent / suggested) if self.document.path else suggested
        path, _ = QFileDialog.getSaveFileName(self.window, title, start, file_filter)
        return path

    def _error(self, title: str, message: str) -> None:
        self.window.statusBar().showMessage(message, 10000)
        QMessageBox.warning(self.window, title, message)


def open_failure(path: str | Path, exc: BaseException) -> str:
    """One sentence saying why ``path`` did not open (the file's own errors say it already)."""
    if isinstance(exc, (ProjectFileError, OSError)):
        return _cut(str(exc))
    if isinstance(exc, RecursionError):
        reason = "its contents nest too deeply"
    elif isinstance(exc, MemoryError):
        reason = "it needs more memory than this machine has"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return _cut(f"{path}: cannot open it ({reason}); the open document was left as it was.")


def _cut(text: str, limit: int = 400) -> str:
    # Messages quote the file's own text, which may be megabytes long.
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def wrap_to_view(graph: Graph, view) -> None:
    """Lay a long network out in rows that fill ``view``, so it reads at a glance."""
    from convnet_studio.graph.layout import apply_layout, wrap_for_aspect

    size = view.viewport().size()
    aspect = min(4.0, max(0.8, size.width() / max(1, size.height())))
    wrap = wrap_for_aspect(graph, aspect)
    if wrap:
        graph.set_meta("layout_direction", "LR")
        graph.set_meta("layout_wrap", wrap)
        apply_layout(graph, "LR", wrap)


def _exporter(kind: str):
    """A function ``(graph, path, input_shape)`` writing ``kind``.

    Python code needs no torch (``generate_python``). ONNX and TorchScript compile the graph, so
    torch loads into this process here, on the user's request, and only here: see "torch in
    the GUI process" in docs/api-for-developers.md.
    """
    if kind == "python":
        from convnet_studio.codegen.python import generate_python
        from convnet_studio.graph.project_file import write_atomic

        def write_python(graph: Graph, path: Path, input_shape) -> None:
            write_atomic(path, generate_python(graph, input_shape=input_shape).encode("utf-8"))

        return write_python
    from convnet_studio.codegen import formats
    from convnet_studio.compile import compile_graph

    writer = getattr(formats, f"export_{kind}")

    def write_model(graph: Graph, path: Path, input_shape) -> None:
        shape = tuple(input_shape or graph.analyze().input_shape)
        writer(compile_graph(graph, input_shape), path, shape)

    return write_model
