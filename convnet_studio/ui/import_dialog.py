"""File > Import PyTorch model...: a torchvision name or a Python file, opened as a new document.

The importer (and torch with it) loads only when the user imports, so the window opens fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from convnet_studio.ui.main_window import MainWindow

WARNING = (
    "A file source (path/to/file.py:callable) is run as Python code on this computer to build "
    "the model: import only files you trust. torchvision models are built with random weights; "
    "nothing is downloaded."
)


class ImportDialog(QDialog):
    """Asks for SOURCE and the input size; ``choice()`` after ``exec``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import PyTorch model")
        self.source = QLineEdit("torchvision:resnet18")
        self.source.setPlaceholderText("torchvision:resnet50 or path/to/file.py:make_model")
        browse = QPushButton("Python file\u2026")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(browse)
        self.input = QLineEdit("3,224,224")
        form = QFormLayout()
        form.addRow("Source", row)
        form.addRow("Input C,H,W", self.input)
        warning = QLabel(WARNING)
        warning.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        buttons.addButton("Import", QDialogButtonBox.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(warning)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Python file", "", "Python files (*.py)")
        if path:
            self.source.setText(f"{path}:")
            self.source.setFocus()

    def choice(self) -> tuple[str, str]:
        return self.source.text().strip(), self.input.text().strip()


def import_pytorch_model(window: MainWindow, source: str, input_text: str) -> bool:
    """Import ``source`` into ``window`` as a new, unsaved document; errors are shown."""
    from convnet_studio.sources import parse_input_size
    from convnet_studio.ui.file_actions import wrap_to_view

    if not window.maybe_save():
        return False
    QGuiApplication.setOverrideCursor(Qt.WaitCursor)
    try:
        from convnet_studio.importer import import_model  # lazy: torch loads here

        graph = import_model(source, parse_input_size(input_text)).graph
    except Exception as exc:  # noqa: BLE001 - an ImportRefused or a bad size: one sentence
        QGuiApplication.restoreOverrideCursor()
        window.statusBar().showMessage(str(exc), 10000)
        QMessageBox.warning(window, "Cannot import the model", str(exc))
        return False
    QGuiApplication.restoreOverrideCursor()
    wrap_to_view(graph, window.view)
    window.document.replace_graph(graph, take=True)
    window.update_title()
    window.view.fit_all()
    window.statusBar().showMessage(f"imported {source}: {len(graph)} nodes, checked against the model", 8000)
    return True


def run_import_dialog(window: MainWindow) -> None:
    dialog = ImportDialog(window)
    if dialog.exec():
        import_pytorch_model(window, *dialog.choice())
