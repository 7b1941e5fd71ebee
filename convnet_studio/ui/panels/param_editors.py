"""Widgets for parameters, chosen by ``ParamSpec.kind``, behind one small interface.

:func:`make_field` returns a :class:`Field`: the widget, ``value()``, ``set_value(v)`` (which
never emits) and ``changed`` (a Qt signal emitting the new value as the user types).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from convnet_studio.graph.params import ParamSpec
from convnet_studio.ui.panels.padding_editor import PaddingEditor
from convnet_studio.ui.panels.pair_editor import PairEditor

INT_LIMIT = 1 << 30


@dataclass
class Field:
    spec: ParamSpec
    widget: QWidget
    value: Callable[[], Any]
    _set: Callable[[Any], None]
    changed: Any  # a bound Qt signal

    def set_value(self, value: Any) -> None:
        blockers = [QSignalBlocker(w) for w in [self.widget, *self.widget.findChildren(QWidget)]]
        try:
            self._set(value)
        finally:
            del blockers


def make_field(spec: ParamSpec) -> Field:
    kind = spec.kind
    if kind == "int":
        box = QSpinBox()
        box.setRange(
            int(spec.minimum) if spec.minimum is not None else -INT_LIMIT,
            int(spec.maximum) if spec.maximum is not None else INT_LIMIT,
        )
        return Field(spec, box, box.value, box.setValue, box.valueChanged)
    if kind == "float":
        dbox = QDoubleSpinBox()
        dbox.setDecimals(6)
        dbox.setRange(
            spec.minimum if spec.minimum is not None else -1e9,
            spec.maximum if spec.maximum is not None else 1e9,
        )
        dbox.setSingleStep(0.1 if (spec.maximum or 10) > 1 else 0.05)
        return Field(spec, dbox, dbox.value, dbox.setValue, dbox.valueChanged)
    if kind == "bool":
        check = QCheckBox()
        return Field(spec, check, check.isChecked, check.setChecked, check.toggled)
    if kind == "choice":
        combo = QComboBox()
        combo.addItems(list(spec.choices))
        return Field(spec, combo, combo.currentText, combo.setCurrentText, combo.currentTextChanged)
    if kind == "pair":
        pair = PairEditor(int(spec.minimum or 0))
        return Field(spec, pair, pair.value, pair.set_value, pair.value_changed)
    if kind == "padding":
        pad = PaddingEditor()
        return Field(spec, pad, pad.value, pad.set_value, pad.value_changed)
    line = QLineEdit()
    return Field(spec, line, line.text, line.setText, line.textEdited)
