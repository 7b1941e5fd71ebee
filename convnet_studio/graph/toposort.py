"""A stable topological order: dependencies first, insertion order breaking ties."""

from __future__ import annotations

import heapq

import networkx as nx


def stable_topological_order(g: nx.MultiDiGraph) -> list[str]:
    """Kahn's algorithm, the earliest-inserted ready node first.

    The same order as ``nx.lexicographical_topological_sort`` keyed by insertion index, at a
    fraction of its cost (it is on the analysis's hot path). Raises
    :class:`networkx.NetworkXUnfeasible` if ``g`` has a cycle.
    """
    index = {name: i for i, name in enumerate(g)}
    pred, succ = g._pred, g._succ  # adjacency dicts: far cheaper than the edge views
    indegree = {name: sum(len(keys) for keys in pred[name].values()) for name in index}
    ready = [index[name] for name, n in indegree.items() if n == 0]
    heapq.heapify(ready)
    names = list(index)
    order = []
    while ready:
        name = names[heapq.heappop(ready)]
        order.append(name)
        for dst, keys in succ[name].items():
            indegree[dst] -= len(keys)
            if indegree[dst] == 0:
                heapq.heappush(ready, index[dst])
    if len(order) != len(index):
        raise nx.NetworkXUnfeasible("the graph has a cycle")
    return order
