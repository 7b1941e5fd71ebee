"""The summary table's model: one row per node, in topological order, sortable by number."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from convnet_studio.graph.analysis import Analysis
from convnet_studio.graph.model import Graph
from convnet_studio.ui.format import fmt_bytes, fmt_count, shape_text

COLUMNS = ("Name", "Type", "Output shape", "Params", "MACs", "Activations")
SORT_ROLE = Qt.UserRole + 1
NAME_ROLE = Qt.UserRole + 2
ERROR_COLOR = QColor("#d23a3a")
_ROOT = QModelIndex()

Index = QModelIndex | QPersistentModelIndex


class SummaryModel(QAbstractTableModel):
    """Rows are ``(name, type, shape, params, macs, activation bytes, has problem)``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[Any, ...]] = []
        self._cache: dict[str, tuple[Any, tuple[Any, ...]]] = {}

    def set_analysis(self, graph: Graph, analysis: Analysis) -> None:
        problem_nodes = {p.node for p in analysis.problems}
        # A re-analysis keeps the result objects of the nodes it did not visit: their rows
        # are reused as they are, so a 5,000-node table costs what the edit changed.
        cache, self._cache = self._cache, {}
        rows = []
        g, results = graph.nx_graph()._node, analysis.nodes
        for name in analysis.order:
            result = results[name]
            bad = name in problem_nodes
            hit = cache.get(name)
            if hit is not None and hit[0] is result and hit[1][6] == bad:
                row = hit[1]
            elif name in g:
                cost = result.cost
                row = (name, g[name]["node"].type, analysis.output_shape(name), cost.params,
                       cost.macs, cost.activation_bytes(), bad)
            else:
                continue
            self._cache[name] = (result, row)
            rows.append(row)
        if rows == self.rows:
            return
        if len(rows) == len(self.rows):
            # Same number of rows: repaint only those that changed (a reset re-measures all).
            changed = [i for i, (a, b) in enumerate(zip(rows, self.rows)) if a is not b and a != b]
            self.rows = rows
            for i in changed:
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole
    ) -> Any:
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.DisplayRole:
            if col == 2:
                return shape_text(row[2]) or "?"
            if col in (3, 4):
                return fmt_count(row[col])
            if col == 5:
                return fmt_bytes(row[5])
            return row[col]
        if role == SORT_ROLE:
            if col == 2:
                return _numel(row[2])
            return row[col] if col != 6 else int(row[6])
        if role == NAME_ROLE:
            return row[0]
        if role == Qt.TextAlignmentRole and col >= 3:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ForegroundRole and row[6]:
            return ERROR_COLOR
        if role == Qt.ToolTipRole and col == 3:
            return f"{row[3]:,} parameters"
        if role == Qt.ToolTipRole and col == 4:
            return f"{row[4]:,} multiply-accumulates per image"
        return None


def _numel(shape: tuple[int, ...] | None) -> int:
    n = 1
    for d in shape or (0,):
        n *= d
    return n
