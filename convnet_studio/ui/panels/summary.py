"""The summary: a sortable per-node table with totals, and an input-size control.

Changing the input size re-analyses the graph at that size (``graph.analyze(input_shape)``)
without editing it, so a user sees what every shape and cost becomes at 64 x 64 or 448 x 448.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from convnet_studio.graph.analysis import Analysis
from convnet_studio.ui.document import Document
from convnet_studio.ui.format import fmt_bytes, fmt_count, shape_text
from convnet_studio.ui.panels.summary_model import NAME_ROLE, SORT_ROLE, SummaryModel


class SummaryPanel(QWidget):
    """Table of every node's output shape, parameters, MACs and activation memory."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.model = SummaryModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.AscendingOrder)  # graph order until a header is clicked
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        # Fixed starting widths (measuring contents would read every row of a 4,000-node
        # table): the name keeps a readable width and the table scrolls sideways when the
        # dock is narrow, instead of squeezing the names to "la..."; a wide dock gives the
        # spare room to the last column.
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        for column, width in ((0, 150), (1, 110), (2, 100), (3, 64), (4, 64), (5, 84)):
            self.table.setColumnWidth(column, width)
        self.table.setAlternatingRowColors(True)
        self.override = QCheckBox("Try input size")
        self.override.setToolTip("re-analyse at another input size without editing the graph")
        self.c, self.h, self.w = QSpinBox(), QSpinBox(), QSpinBox()
        for box, value in ((self.c, 3), (self.h, 224), (self.w, 224)):
            box.setRange(1, 8192)
            box.setValue(value)
            box.setEnabled(False)
        self.totals = QLabel()
        self.totals.setWordWrap(True)  # a long line would set the dock's minimum width
        self.totals.setTextInteractionFlags(Qt.TextSelectableByMouse)
        controls = QHBoxLayout()
        controls.addWidget(self.override)
        for box, label in ((self.c, "C"), (self.h, "H"), (self.w, "W")):
            controls.addWidget(QLabel(label))
            controls.addWidget(box)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        self.override.toggled.connect(self._on_override_toggled)
        for box in (self.c, self.h, self.w):
            box.valueChanged.connect(self._on_size_changed)
        self.table.doubleClicked.connect(self._on_row_double_clicked)
        self.table.clicked.connect(self._on_row_clicked)
        document.analysis_updated.connect(self._on_analysis_updated)
        self._on_analysis_updated(document.analysis())

    def _on_override_toggled(self, on: bool) -> None:
        for box in (self.c, self.h, self.w):
            box.setEnabled(on)
        self._on_size_changed()

    def _on_size_changed(self, *_: object) -> None:
        shape = (
            (self.c.value(), self.h.value(), self.w.value()) if self.override.isChecked() else None
        )
        self.document.set_input_shape(shape)

    def _on_row_clicked(self, index: QModelIndex) -> None:
        name = index.data(NAME_ROLE)
        if name:
            self.document.set_selection([name])

    def _on_row_double_clicked(self, index: QModelIndex) -> None:
        name = index.data(NAME_ROLE)
        if name:
            self.document.focus(name)

    def _on_analysis_updated(self, analysis: Analysis) -> None:
        self.model.set_analysis(self.document.graph, analysis)
        if not self.override.isChecked() and analysis.input_shape:
            for box, value in zip((self.c, self.h, self.w), analysis.input_shape):
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
        total = analysis.total
        size = shape_text(analysis.input_shape) or "?"
        self.totals.setText(
            f"<b>{self.model.rowCount()}</b> nodes at input {size}: <b>{fmt_count(total.params)}</b> params "
            f"({total.params:,}), <b>{fmt_count(total.macs)}</b> MACs, "
            f"{fmt_bytes(total.activation_bytes())} activations per image"
        )
