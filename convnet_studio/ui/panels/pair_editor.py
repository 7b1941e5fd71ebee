"""An editor for ``pair`` parameters (kernel size, stride): one number, or height x width."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QWidget


class PairEditor(QWidget):
    """Two spin boxes, linked by default (square); emits ``value_changed`` with an int or [h, w]."""

    value_changed = Signal(object)

    def __init__(
        self, minimum: int = 0, maximum: int = 4096, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.h, self.w = QSpinBox(), QSpinBox()
        for box in (self.h, self.w):
            box.setRange(minimum, maximum)
            box.setKeyboardTracking(True)
        self.link = QCheckBox("square")
        self.link.setChecked(True)
        self.link.setToolTip("same value for height and width")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.h)
        layout.addWidget(QLabel("\u00d7"))
        layout.addWidget(self.w)
        layout.addWidget(self.link)
        self.h.valueChanged.connect(self._on_h_changed)
        self.w.valueChanged.connect(self._on_w_changed)
        self.link.toggled.connect(self._on_link_toggled)
        self._quiet = False

    def value(self) -> Any:
        h, w = self.h.value(), self.w.value()
        return h if h == w else [h, w]

    def set_value(self, value: Any) -> None:
        h, w = (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))
        self._quiet = True
        try:
            self.h.setValue(h)
            self.w.setValue(w)
            self.link.setChecked(h == w)
            self.w.setEnabled(h != w)
        finally:
            self._quiet = False

    def _on_h_changed(self, value: int) -> None:
        if self.link.isChecked() and self.w.value() != value:
            self._quiet, quiet = True, self._quiet
            self.w.setValue(value)
            self._quiet = quiet
        self._emit()

    def _on_w_changed(self, value: int) -> None:
        self._emit()

    def _on_link_toggled(self, linked: bool) -> None:
        self.w.setEnabled(not linked)
        if linked and self.w.value() != self.h.value():
            self.w.setValue(self.h.value())

    def _emit(self) -> None:
        if not self._quiet:
            self.value_changed.emit(self.value())
