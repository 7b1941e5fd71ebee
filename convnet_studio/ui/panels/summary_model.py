"""The summary table's model: one row per node, in topological order, sortable by number."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from convnet_studio.graph.analysis import Analysis
from convnet_studio.graph.model import Graph
from convnet_studio.ui.format import fmt_bytes, fmt_count, shape_text

COLUMNS = ("Name", "Type", "Output shape", "Params", "MACs", "Activations")
DISPLAY, ALIGNMENT, FOREGROUND, TOOLTIP = (
    int(r.value) for r in (Qt.DisplayRole, Qt.TextAlignmentRole, Qt.ForegroundRole, Qt.ToolTipRole)
)
SORT_ROLE = int(Qt.UserRole.value) + 1
NAME_ROLE = int(Qt.UserRole.value) + 2
RIGHT_ALIGNED = int((Qt.AlignRight | Qt.AlignVCenter).value)
ERROR_COLOR = QColor("#d23a3a")
_ROOT = QModelIndex()

Index = QModelIndex | QPersistentModelIndex


class SummaryModel(QAbstractTableModel):
    """Rows are ``(name, type, shape, params, macs, activation bytes, has problem)``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[Any, ...]] = []
        self._cache: dict[str, tuple[Any, tuple[Any, ...]]] = {}
        # The analysis the rows show, its order, and each name's row.
        self._serial: int | None = None
        self._order: list[str] | None = None
        self._index: dict[str, int] = {}
        self._problem_nodes: set[str | None] = set()

    def set_analysis(self, graph: Graph, analysis: Analysis) -> None:
        problem_nodes = {p.node for p in analysis.problems}
        if self._update_revisited(graph, analysis, problem_nodes):
            return
        self._serial, self._order = analysis.serial, analysis.order
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
        self._index = {row[0]: i for i, row in enumerate(rows)}
        if rows == self.rows:
            return
        if len(rows) == len(self.rows):
            # Same number of rows: repaint only those that changed (a reset re-measures all).
            changed = [i for i, (a, b) in enumerate(zip(rows, self.rows)) if a is not b and a != b]
            self.rows = rows
            for i in changed:
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
            return
        self._replace_middle(rows)

    def _update_revisited(self, graph: Graph, analysis: Analysis, problem_nodes: set) -> bool:
        """Rewrite only the revisited rows of an update from the analysis shown (same order)."""
        previous_problems, self._problem_nodes = self._problem_nodes, problem_nodes
        if (analysis.revisited is None or analysis.base_serial != self._serial
                or analysis.order is not self._order):
            return False
        self._serial = analysis.serial
        g, results = graph.nx_graph()._node, analysis.nodes
        for name in analysis.revisited | (problem_nodes ^ previous_problems):
            i = self._index.get(name)
            if i is None or name not in g:
                continue
            result, bad = results[name], name in problem_nodes
            cost = result.cost
            row = (name, g[name]["node"].type, analysis.output_shape(name), cost.params,
                   cost.macs, cost.activation_bytes(), bad)
            self._cache[name] = (result, row)
            if row != self.rows[i]:
                self.rows[i] = row
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
        return True

    def _replace_middle(self, rows: list[tuple[Any, ...]]) -> None:
        """Swap the rows between the unchanged head and tail (an expand turns one row into
        its layers): the view then updates those rows instead of resetting the whole table."""
        old = self.rows
        head = 0
        while head < min(len(rows), len(old)) and rows[head] == old[head]:
            head += 1
        tail = 0
        while tail < min(len(rows), len(old)) - head and rows[-1 - tail] == old[-1 - tail]:
            tail += 1
        if len(old) - tail > head:
            self.beginRemoveRows(_ROOT, head, len(old) - tail - 1)
            self.rows = old[:head] + old[len(old) - tail:]
            self.endRemoveRows()
        if len(rows) - tail > head:
            self.beginInsertRows(_ROOT, head, len(rows) - tail - 1)
            self.rows = rows
            self.endInsertRows()
        else:
            self.rows = rows  # equal in content to what is left: the new row objects

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

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        # Roles are compared as ints: the view asks ~400 times per repaint, and comparing
        # with Qt's enum members goes through Python's enum machinery each time.
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == DISPLAY:
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
        if role == ALIGNMENT and col >= 3:
            return RIGHT_ALIGNED
        if role == FOREGROUND and row[6]:
            return ERROR_COLOR
        if role == TOOLTIP and col == 3:
            return f"{row[3]:,} parameters"
        if role == TOOLTIP and col == 4:
            return f"{row[4]:,} multiply-accumulates per image"
        return None


def _numel(shape: tuple[int, ...] | None) -> int:
    n = 1
    for d in shape or (0,):
        n *= d
    return n
