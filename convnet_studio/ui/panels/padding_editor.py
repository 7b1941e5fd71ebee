"""An editor for ``padding`` parameters: a number or [h, w], or "same" / "valid"."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QSizePolicy, QVBoxLayout, QWidget

from convnet_studio.ui.panels.pair_editor import PairEditor

MODES = ("explicit", "same", "valid")


class PaddingEditor(QWidget):
    """A mode combo (explicit / same / valid) beside a :class:`PairEditor` for explicit padding."""

    value_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItems(MODES)
        self.mode.setToolTip("same: keep H x W (stride 1); valid: no padding")
        self.pair = PairEditor(0, 1024)
        # The mode above the numbers: side by side they need ~340 px, more than the
        # inspector has on a 1366-pixel screen, and the labels got cut.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.mode, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.pair)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._quiet = False
        self.mode.currentTextChanged.connect(self._on_mode_changed)
        self.pair.value_changed.connect(self._on_pair_changed)

    def value(self) -> Any:
        mode = self.mode.currentText()
        return self.pair.value() if mode == "explicit" else mode

    def set_value(self, value: Any) -> None:
        self._quiet = True
        try:
            if isinstance(value, str):
                self.mode.setCurrentText(value)
            else:
                self.mode.setCurrentText("explicit")
                self.pair.set_value(value)
            self.pair.setEnabled(self.mode.currentText() == "explicit")
        finally:
            self._quiet = False

    def _on_mode_changed(self, mode: str) -> None:
        self.pair.setEnabled(mode == "explicit")
        if not self._quiet:
            self.value_changed.emit(self.value())

    def _on_pair_changed(self, value: Any) -> None:
        if not self._quiet:
            self.value_changed.emit(self.value())
