"""Re-analysis after an edit: visit the edited nodes and, while shapes change, downstream.

The graph keeps a :class:`~convnet_studio.graph.changes.ChangeSet` of what changed since its
last analysis. Starting from those nodes, in topological order, each node is inferred again
from its inputs' results; its successors are visited only if its outputs changed. Widening a
conv re-infers the conv and its BatchNorm and ReLU, up to the next conv, whose output keeps
its shape: the cost is that of the edit, wherever it is in the graph. The result is equal to
:func:`~convnet_studio.graph.analysis.analyze` of the whole graph (a property test checks it).
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import networkx as nx

from convnet_studio.graph.analysis import (
    Analysis,
    Cost,
    Problem,
    _check_ends,
    _Context,
    analyze,
    assemble,
    dead_ends,
    visit_node,
)
from convnet_studio.graph.registry import Shape

if TYPE_CHECKING:
    from convnet_studio.graph.model import Graph


def reanalyze(graph: Graph, input_shape: Shape | None = None) -> Analysis:
    """The graph's analysis, updated from its last one where only parts changed."""
    key = tuple(input_shape) if input_shape else None
    last: tuple[Any, Analysis] | None = getattr(graph, "_last_analysis", None)
    changes = graph.changes
    result = None
    if last is not None and last[0] == key and not changes.full and not _has_cycle(last[1]):
        result = _update(graph, last[1], input_shape)
    if result is None:
        result = analyze(graph, input_shape)
    graph._last_analysis = (key, result)
    changes.clear()
    return result


def _has_cycle(analysis: Analysis) -> bool:
    return any(p.kind == "cycle" for p in analysis.graph_problems)


class _Nodes:
    """``ctx.nodes[name]`` straight from the networkx dict, without building a copy."""

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self._node = g._node

    def __getitem__(self, name: str) -> Any:
        return self._node[name]["node"]


class _UpdateContext(_Context):
    def __init__(self, graph: Graph, results: dict) -> None:  # noqa: D107 (no super: no copies)
        g = graph.nx_graph()
        self.nodes = _Nodes(g)
        self.pred = g.pred
        self.problems: list[Problem] = []
        self.results = results
        self.previous = self.resolved = graph._resolved_params


def _update(graph: Graph, last: Analysis, input_shape: Shape | None) -> Analysis | None:
    changes, g = graph.changes, graph.nx_graph()
    results, node_problems = dict(last.nodes), dict(last.node_problems)
    total = last.total
    for old, new in changes.renames:
        if old in results:
            results[new] = results.pop(old)
        node_problems.pop(old, None)
        graph._resolved_params.pop(old, None)
    for name in changes.gone:
        gone = results.pop(name, None)
        if gone is not None:
            total = total - gone.cost
        node_problems.pop(name, None)
        graph._resolved_params.pop(name, None)
    order, graph_problems, warnings = last.order, last.graph_problems, last.warnings
    if changes.renames and not changes.structural:
        order, graph_problems, warnings = _renamed(changes.renames, order, graph_problems, warnings)
    if changes.structural:
        try:
            order = graph.topological_order()
        except nx.NetworkXUnfeasible:
            return None  # a cycle: the full pass names its members
        graph_problems = []
        _check_ends(graph, graph_problems)
        warnings = dead_ends(graph)
    index = _index(last, order)
    ctx = _UpdateContext(graph, results)
    heap = [(index[name], name) for name in changes.nodes if name in index]
    heapq.heapify(heap)
    seen: set[str] = set()
    while heap:
        _, name = heapq.heappop(heap)
        if name in seen:
            continue
        seen.add(name)
        old = results.get(name)
        new = results[name] = visit_node(ctx, name, input_shape, node_problems)
        total = total + new.cost - (old.cost if old is not None else Cost())
        if old is None or old.outputs != new.outputs:
            for dst in g._succ[name]:
                heapq.heappush(heap, (index[dst], dst))
    analysis = assemble(ctx, order, graph_problems, node_problems, input_shape, warnings, total, index)
    analysis.base_serial = last.serial
    analysis.revisited = frozenset(seen) | {new for _, new in changes.renames}
    return analysis


def _renamed(renames: list[tuple[str, str]], order: list[str], *problem_lists: list[Problem]):
    """The order and the graph-wide problems with renamed nodes under their new names."""
    names: dict[str, str] = {}
    for old, new in renames:
        for key, value in list(names.items()):
            if value == old:
                names[key] = new
        names.setdefault(old, new)
    order = [names.get(n, n) for n in order]
    lists = [[replace(p, node=names[p.node]) if p.node in names else p for p in problems]
             for problems in problem_lists]
    return (order, *lists)


def _index(last: Analysis, order: list[str]) -> dict[str, int]:
    index = getattr(last, "_index", None)
    if order is last.order and index:
        return index
    return {name: i for i, name in enumerate(order)}
