"""The status bar's permanent part: total parameters, MACs and whether the graph is valid."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel

from convnet_studio.graph.analysis import Analysis
from convnet_studio.ui.document import Document
from convnet_studio.ui.format import fmt_count, shape_text


class StatusInfo(QObject):
    """Three labels that follow ``document.analysis_updated``; the window adds ``labels``.

    Each label is its own permanent status-bar widget: nested in one container, the status
    bar under-sized them and they overlapped.
    """

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.params = QLabel()
        self.macs = QLabel()
        self.validity = QLabel()
        self.labels = (self.params, self.macs, self.validity)
        for label in self.labels:
            label.setContentsMargins(8, 0, 8, 0)
        self.params.setTextFormat(Qt.PlainText)
        self.macs.setTextFormat(Qt.PlainText)
        document.analysis_updated.connect(self._on_analysis_updated)
        self._on_analysis_updated(document.analysis())

    def _on_analysis_updated(self, analysis: Analysis) -> None:
        total = analysis.total
        self.params.setText(f"Params: {fmt_count(total.params)}")
        self.params.setToolTip(f"{total.params:,} trainable parameters")
        size = shape_text(analysis.input_shape) or "?"
        self.macs.setText(f"MACs: {fmt_count(total.macs)} at {size}")
        self.macs.setToolTip(
            f"{total.macs:,} multiply-accumulates per image ({fmt_count(total.flops)} FLOPs)"
        )
        warnings = analysis.warnings
        if analysis.ok and warnings:
            n = len(warnings)
            self.validity.setText(
                f"<span style='color:#b8860b'>\u2714 valid, {n} warning{'s' if n > 1 else ''}</span>"
            )
            self.validity.setToolTip("\n".join(str(p) for p in warnings[:20]))
        elif analysis.ok:
            self.validity.setText("<span style='color:#2e8b57'>\u2714 valid</span>")
            self.validity.setToolTip("every shape fits")
        else:
            n = len(analysis.problems)
            self.validity.setText(
                f"<span style='color:#d23a3a'>\u26a0 {n} problem{'s' if n > 1 else ''}</span>"
            )
            self.validity.setToolTip("\n".join(str(p) for p in analysis.problems[:20]))
