"""The runs of the document's network, with their final numbers; select several to overlay.

"All networks" widens the list to every run in the runs workspace (Plain-20 beside
ResNet-20, say). Selecting runs emits :attr:`RunsList.selection_changed`; the buttons act
on the selected run (the first one when several are selected).
"""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from convnet_studio.ui.training.run_store import RunRecord

COLUMNS = ("Run", "Status", "Epochs", "Steps", "Loss", "Train err", "Val err", "Time")


def summary_cells(summary: dict[str, Any]) -> list[str]:
    """The numeric columns of a run's summary as text ('–' where unknown)."""
    def pct(v: Any) -> str:
        return f"{100 * v:.1f}%" if isinstance(v, (int, float)) and math.isfinite(v) else "–"

    loss = summary.get("loss")
    elapsed = summary.get("elapsed")
    return [str(summary.get("state", "–")), str(summary.get("epochs", "–")),
            f"{summary.get('steps', 0):,}",
            f"{loss:.3f}" if isinstance(loss, (int, float)) and math.isfinite(loss) else "–",
            pct(summary.get("train_error")), pct(summary.get("val_error")),
            time.strftime("%M:%S", time.gmtime(elapsed)) if isinstance(elapsed, (int, float))
            else "–"]


class RunsList(QWidget):
    """A table of runs.

    Signals:
        selection_changed(list): the selected :class:`RunRecord`s, in table order.
        scope_changed(): "All networks" was switched on or off.
        colour_requested(object), load_requested(object), export_requested(object),
        open_requested(object): a button was pressed for this record.
    """

    selection_changed = Signal(list)
    scope_changed = Signal()
    colour_requested = Signal(object)
    load_requested = Signal(object)
    export_requested = Signal(object)
    open_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records: list[RunRecord] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        # whole names, whatever the dock's width: the numbers scroll sideways instead
        for i in range(len(COLUMNS)):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setToolTip("Select several runs (Ctrl/Shift+click) to overlay their curves")
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, tip in (
                ("colour", "Colour", "Colour the canvas by this run's last gradient norms"),
                ("load", "Load weights", "Use this run's trained weights (and its graph)"),
                ("export", "Export…", "Export Python code with this run's weights"),
                ("open", "Folder", "Show the run directory")):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.setAutoDefault(False)
            b.setEnabled(False)
            row.addWidget(b)
            self.buttons[key] = b
        row.addStretch(1)
        self.all_networks = QCheckBox("All networks")
        self.all_networks.setToolTip("List the runs of every network in the runs workspace, "
                                     "to overlay them")
        self.all_networks.toggled.connect(self.scope_changed)
        row.addWidget(self.all_networks)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        for key, signal in (("colour", self.colour_requested), ("load", self.load_requested),
                            ("export", self.export_requested), ("open", self.open_requested)):
            self.buttons[key].clicked.connect(lambda _=False, s=signal: self._emit_for_current(s))

    def set_records(self, records: list[RunRecord], summaries: dict[str, dict[str, Any]]
                    ) -> None:
        """Show ``records`` (newest first) with ``summaries`` by run path; keeps selection."""
        selected = {r.path for r in self.selected()}
        self.records = list(reversed(records))
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.records))
        for i, record in enumerate(self.records):
            cells = [record.name, *summary_cells(summaries.get(record.path, {}))]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
            self.table.item(i, 0).setToolTip(f"{record.network}\n{record.path}")
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for i, record in enumerate(self.records):
            if record.path in selected:
                self.table.selectRow(i)
        self.table.setSelectionMode(mode)
        self.table.blockSignals(False)
        self._on_selection_changed()

    def update_summary(self, path: str, summary: dict[str, Any]) -> None:
        """Refresh one run's numbers in place (the live run, a few times a second)."""
        for i, record in enumerate(self.records):
            if record.path == path:
                for j, text in enumerate(summary_cells(summary), start=1):
                    item = self.table.item(i, j)
                    if item is not None and item.text() != text:
                        item.setText(text)
                return

    def selected(self) -> list[RunRecord]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.records[r] for r in rows if r < len(self.records)]

    def select_paths(self, paths: list[str]) -> None:
        """Select the runs with these directories (tests, scripts)."""
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for i, record in enumerate(self.records):
            if record.path in paths:
                self.table.selectRow(i)
        self.table.setSelectionMode(mode)

    def _emit_for_current(self, signal: Any) -> None:
        chosen = self.selected()
        if chosen:
            signal.emit(chosen[0])

    def _on_selection_changed(self) -> None:
        chosen = self.selected()
        for b in self.buttons.values():
            b.setEnabled(bool(chosen))
        self.selection_changed.emit(chosen)
