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
    dead_warnings,
    live_nodes,
    visit_node,
)
from convnet_studio.graph.registry import Shape
from convnet_studio.graph.structure import Structure, full_structure, updated_structure

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
    def __init__(self, graph: Graph, results: dict) -> None:
        g = graph.nx_graph()
        self.nodes = _Nodes(g)
        self.pred = g._pred
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
    structure, graph_problems, warnings = last.structure, last.graph_problems, last.warnings
    if structure is None:
        return None
    if changes.renames and not changes.structural:
        structure, graph_problems, warnings = _renamed(changes.renames, structure, graph_problems, warnings)
    elif changes.structural:
        structure = _restructured(graph, structure, changes)
        if structure is None:
            return None  # a cycle: the full pass names its members
        if changes.ends_changed or changes.renames:
            graph_problems = []
            _check_ends(graph, graph_problems)
        warnings = _warnings(graph, structure, changes, warnings)
    order, index = structure.order, structure.index
    ctx = _UpdateContext(graph, results)
    heap = [(index[name], name) for name in changes.nodes if name in index]
    heapq.heapify(heap)
    seen: set[str] = set()
    params = macs = activations = 0  # the totals' change, summed as numbers (no Cost per node)
    while heap:
        _, name = heapq.heappop(heap)
        if name in seen:
            continue
        seen.add(name)
        old = results.get(name)
        new = results[name] = visit_node(ctx, name, input_shape, node_problems)
        cost = new.cost
        params, macs, activations = params + cost.params, macs + cost.macs, activations + cost.activations
        if old is not None:
            cost = old.cost
            params, macs, activations = params - cost.params, macs - cost.macs, activations - cost.activations
        if old is None or old.outputs != new.outputs:
            for dst in g._succ[name]:
                heapq.heappush(heap, (index[dst], dst))
    total = total + Cost(params, macs, activations)
    analysis = assemble(ctx, order, graph_problems, node_problems, input_shape, warnings, total, structure)
    analysis.base_serial = last.serial
    analysis.revisited = frozenset(seen) | {new for _, new in changes.renames}
    return analysis


def _restructured(graph: Graph, structure: Structure, changes) -> Structure | None:
    """The order, cuts and live nodes after a structural edit: near it where that can be
    shown to equal sorting the whole graph (structure.py), else sorted whole."""
    updated = updated_structure(graph, structure, changes, live_nodes)
    if updated is not None:
        return updated
    try:
        order = graph.topological_order()
    except nx.NetworkXUnfeasible:
        return None
    return full_structure(graph.nx_graph(), order, live_nodes(graph))


def _warnings(graph: Graph, structure: Structure, changes, warnings: list[Problem]) -> list[Problem]:
    """The dead-code warnings: the last ones while the same nodes are dead (as after most
    edits: none), else listed again."""
    alive = structure.alive
    if alive is None:
        return []
    dead = len(graph) - len(alive)
    if dead == len(warnings) and not changes.renames and not any(
        p.node in alive or p.node in changes.gone or p.node in changes.added for p in warnings
    ):
        return warnings
    return dead_warnings(graph, alive)


def _renamed(renames: list[tuple[str, str]], structure: Structure, *problem_lists: list[Problem]):
    """The structure and the graph-wide problems with renamed nodes under their new names
    (a renamed node keeps its place, so the order is the old one with the new names)."""
    names: dict[str, str] = {}
    for old, new in renames:
        for key, value in list(names.items()):
            if value == old:
                names[key] = new
        names.setdefault(old, new)
    order = [names.get(n, n) for n in structure.order]
    index = structure.index.copy()
    for old, new in names.items():
        if old in index:
            index[new] = index.pop(old)

    def rename_all(members: frozenset[str] | None) -> frozenset[str] | None:
        if members is None or not members & names.keys():
            return members
        return frozenset(names.get(n, n) for n in members)

    renamed = Structure(order, index, rename_all(structure.cuts), rename_all(structure.sources),
                        rename_all(structure.alive))
    lists = [[replace(p, node=names[p.node]) if p.node in names else p for p in problems]
             for problems in problem_lists]
    return (renamed, *lists)
