"""Edits recorded as the graph's own events, undone by replaying their inverses.

While :func:`recording` is active every mutation of the graph appends its event together
with the state it replaced (a removed node with its place in the order, old parameters, old
positions...). :meth:`EditRecord.undo` replays the inverses newest first, :meth:`EditRecord.redo`
the events again, each through the graph's mutations, so views update item by item exactly
as for the edit itself. The cost is that of the edit, whatever the size of the graph; whole
snapshots appear only where an edit replaces the whole document (``replace_with``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convnet_studio.graph.model import Graph


class EditRecord:
    """The events of one edit, in the order they happened."""

    def __init__(self) -> None:
        self.ops: list[tuple] = []
        # The graph's analysis before and after the edit, where known: undo gives back
        # exactly the graph before, so its analysis holds again and need not be redone.
        self.analysis_before: Any = None
        self.analysis_after: Any = None

    def __bool__(self) -> bool:
        return bool(self.ops)

    def __len__(self) -> int:
        return len(self.ops)

    def undo(self, graph: Graph) -> None:
        self.analysis_after = graph.analysis_checkpoint() or self.analysis_after
        ops = self.ops
        with _not_recorded(graph):
            i = len(ops) - 1
            while i >= 0:
                first = _deletions_from(ops, i)
                if first is not None:
                    _undo_deletions(graph, ops[first : i + 1])
                    i = first - 1
                    continue
                _UNDO[ops[i][0]](graph, *ops[i][1:])
                i -= 1
        graph.adopt_analysis(self.analysis_before)

    def redo(self, graph: Graph) -> None:
        self.analysis_before = graph.analysis_checkpoint() or self.analysis_before
        with _not_recorded(graph):
            for op in self.ops:
                _REDO[op[0]](graph, *op[1:])
        graph.adopt_analysis(self.analysis_after)

    def touched_nodes(self) -> set[str]:
        """Names of the nodes the edit added, removed, changed or renamed (both names)."""
        names: set[str] = set()
        for op in self.ops:
            kind = op[0]
            if kind in ("add", "remove"):
                names.add(op[1].name)
            elif kind in ("connect", "disconnect"):
                names.update((op[1].src, op[1].dst))
            elif kind == "moves":
                names.update(op[1])
            elif kind == "rename":
                names.update(op[1:3])
            elif kind in ("params", "move", "group", "node_meta"):
                names.add(op[1])
        return names


@contextmanager
def recording(graph: Graph) -> Iterator[EditRecord]:
    """Record the edits made inside the block; if the block raises, undo them and re-raise.

    Recordings nest: an inner one's events also go to the outer one (unless undone).
    """
    record = EditRecord()
    record.analysis_before = graph.analysis_checkpoint()
    outer = graph._journal
    graph._journal = record.ops
    try:
        yield record
    except BaseException:
        graph._journal = outer
        record.undo(graph)
        raise
    graph._journal = outer
    if outer is not None:
        outer.extend(record.ops)


@contextmanager
def trial(graph: Graph) -> Iterator[Graph]:
    """Try edits on ``graph`` itself and undo them afterwards (cheaper than a copy)."""
    record = EditRecord()
    outer = graph._journal
    graph._journal = record.ops
    try:
        yield graph
    finally:
        graph._journal = outer
        record.undo(graph)


@contextmanager
def _not_recorded(graph: Graph) -> Iterator[None]:
    journal, graph._journal = graph._journal, None
    try:
        yield
    finally:
        graph._journal = journal


def _replace(graph: Graph, data: dict[str, Any]) -> None:
    from convnet_studio.graph.model import Graph as GraphClass

    graph.replace_with(GraphClass.from_dict(data))


def _deletions_from(ops: list[tuple], last: int) -> int | None:
    """Where the run of deletions (node removals and the disconnections between them) that
    ends at ``ops[last]`` begins, if it holds more than one removal; else None."""
    if ops[last][0] != "remove":
        return None
    first, removals = last, 1
    while first > 0 and ops[first - 1][0] in ("remove", "disconnect"):
        first -= 1
        removals += ops[first][0] == "remove"
    return first if removals > 1 else None


def _undo_deletions(graph: Graph, run: list[tuple]) -> None:
    """Undo a run of deletions: the nodes first, all at once (each in the place it left,
    see Graph._restore_nodes), then their edges newest first. The same graph as undoing one
    by one (nodes and edges touch different dicts), without moving every later node once
    per node put back."""
    graph._restore_nodes([(op[1], op[2]) for op in reversed(run) if op[0] == "remove"])
    for op in reversed(run):
        if op[0] == "disconnect":
            graph._restore_edge(op[1], op[2])


def _unmove_all(graph: Graph, moves: dict) -> None:
    # The recorded positions were checked when the layout was made: no need to again.
    graph._apply_moves({name: (new, old) for name, (old, new) in moves.items()})


def _remove_meta(graph: Graph, name: str, key: str, old: Any, new: Any) -> None:
    graph.set_node_meta(name, key, old)


_UNDO = {
    "add": lambda g, node: g.remove_node(node.name),
    "remove": lambda g, node, index: g._restore_node(node, index),
    "connect": lambda g, edge: g.disconnect(edge),
    "disconnect": lambda g, edge, place: g._restore_edge(edge, place),
    "params": lambda g, name, old, new: g._assign_params(name, old),
    "move": lambda g, name, old, new: g.move_node(name, old),
    "moves": _unmove_all,
    "rename": lambda g, old, new: g.rename_node(new, old),
    "group": lambda g, name, old, new: g.set_node_group(name, old),
    "node_meta": _remove_meta,
    "meta": lambda g, key, old, new: g.set_meta(key, old),
    "replace": lambda g, before, after: _replace(g, before),
}

_REDO = {
    "add": lambda g, node: g._restore_node(node, None),
    "remove": lambda g, node, index: g.remove_node(node.name),
    "connect": lambda g, edge: g._restore_edge(edge, None),
    "disconnect": lambda g, edge, place: g.disconnect(edge),
    "params": lambda g, name, old, new: g._assign_params(name, new),
    "move": lambda g, name, old, new: g.move_node(name, new),
    "moves": lambda g, moves: g._apply_moves(moves),
    "rename": lambda g, old, new: g.rename_node(old, new),
    "group": lambda g, name, old, new: g.set_node_group(name, new),
    "node_meta": lambda g, name, key, old, new: g.set_node_meta(name, key, new),
    "meta": lambda g, key, old, new: g.set_meta(key, new),
    "replace": lambda g, before, after: _replace(g, after),
}
