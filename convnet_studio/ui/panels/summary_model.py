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
    """Rows are ``(name, type, shape, params, macs, activation bytes, has problem)``.

    A row is made when the view (or the sorting proxy) first asks for it and kept while its
    node's result object stays the same: an incremental analysis keeps the objects of the
    nodes it did not visit, so an edit that changes 2,000 rows of a 4,000-node table costs
    what the rows on screen cost, plus one signal for the span that changed.
    """

    def __init__(self) -> None:
        super().__init__()
        self._graph: Graph | None = None
        self._analysis: Analysis | None = None
        self._names: list[str] = []  # the rows' nodes, in topological order
        self._index: dict[str, int] = {}
        self._problem_nodes: set[str | None] = set()
        self._made: dict[str, tuple[Any, bool, tuple[Any, ...]]] = {}  # name: (result, bad, row)

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """Every row (made now where not made yet)."""
        return [self._row(i) for i in range(len(self._names))]

    def set_analysis(self, graph: Graph, analysis: Analysis) -> None:
        problem_nodes = {p.node for p in analysis.problems}
        shown, changed_problems = self._analysis, problem_nodes ^ self._problem_nodes
        g = graph.nx_graph()._node
        names = analysis.order if all(map(g.__contains__, analysis.order)) else [n for n in analysis.order if n in g]
        self._graph, self._analysis, self._problem_nodes = graph, analysis, problem_nodes
        if shown is not None and (names is self._names or names == self._names):
            self._names = names
            if analysis.revisited is not None and analysis.base_serial == shown.serial:
                candidates = analysis.revisited | changed_problems
            else:  # e.g. undo gives back an earlier analysis: compare result objects
                candidates = _changed_results(names, shown, analysis) | changed_problems
            self._rows_changed([self._index[n] for n in candidates if n in self._index])
            return
        self._replace_middle(names, shown, changed_problems)

    def _row(self, i: int) -> tuple[Any, ...]:
        name, analysis = self._names[i], self._analysis
        result, bad = analysis.nodes[name], name in self._problem_nodes
        made = self._made.get(name)
        if made is not None and made[0] is result and made[1] == bad:
            return made[2]
        node = self._graph.nx_graph()._node.get(name)
        type_name = node["node"].type if node is not None else (made[2][1] if made else "")
        cost = result.cost
        row = (name, type_name, analysis.output_shape(name), cost.params, cost.macs, cost.activation_bytes(), bad)
        self._made[name] = (result, bad, row)
        return row

    def _rows_changed(self, changed: list[int]) -> None:
        """One signal for the span of changed rows: the view repaints the ones it shows."""
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(COLUMNS) - 1))

    def _replace_middle(self, names: list[str], shown: Analysis | None, changed_problems: set) -> None:
        """Swap the rows between the unchanged head and tail (an expand turns one row into
        its layers): the view then updates those rows instead of resetting the whole table."""
        old = self._names
        head = _common_length(names, old, lambda lists, k: lists[:k])
        tail = _common_length(names[head:], old[head:], lambda lists, k: lists[len(lists) - k:])
        # ``_index`` is made once at the end: the view reads rows by number (``_names``).
        if len(old) - tail > head:
            self.beginRemoveRows(_ROOT, head, len(old) - tail - 1)
            self._names = old[:head] + old[len(old) - tail:]
            self.endRemoveRows()
        if len(names) - tail > head:
            self.beginInsertRows(_ROOT, head, len(names) - tail - 1)
            self._names = names
            self.endInsertRows()
        self._names = names
        self._index = {name: i for i, name in enumerate(names)}
        for name in old[head:len(old) - tail]:
            if name not in self._index:
                self._made.pop(name, None)
        # Rows kept at the head and tail whose node's results changed (shapes downstream).
        if shown is not None:
            analysis = self._analysis
            if analysis.revisited is not None and analysis.base_serial == shown.serial:
                changed = analysis.revisited | changed_problems
            else:
                kept = names[:head] + names[len(names) - tail:]
                changed = _changed_results(kept, shown, analysis) | (changed_problems & set(kept))
            middle = range(head, len(names) - tail)
            self._rows_changed([i for n in changed if (i := self._index.get(n)) is not None and i not in middle])

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._names)

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
        row, col = self._row(index.row()), index.column()
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


def _common_length(a: list[str], b: list[str], part) -> int:
    """How many names ``a`` and ``b`` share at one end (``part(list, k)``: that end's k names),
    by bisection over slices compared in C: a Python loop over 4,000 names cost a millisecond."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if part(a, mid) == part(b, mid):
            low = mid
        else:
            high = mid - 1
    return low


def _changed_results(names: list[str], shown: Analysis, analysis: Analysis) -> set[str]:
    before, after = shown.nodes, analysis.nodes
    return {n for n in names if before.get(n) is not after[n]}


def _numel(shape: tuple[int, ...] | None) -> int:
    n = 1
    for d in shape or (0,):
        n *= d
    return n
