"""The graph-wide facts an analysis keeps (order, dead branches), updated where an edit was.

The order is :func:`~convnet_studio.graph.toposort.stable_topological_order`: Kahn's
algorithm taking the earliest-inserted ready node first. Sorting 4,000 nodes again after
every expand cost more than the rest of the edit, yet an edit changes the order only near
itself. A *cut* is a node that no connection jumps over: when Kahn's algorithm reaches it,
everything before it is done and nothing after it is ready. Between the nearest cuts
around an edit (in a ResNet, a block or two) the order is sorted again as Kahn's algorithm
would sort it; the rest is kept. A source in the segment (a node that lost its only input)
is ready from the start: it stays in the segment when every node before it is ranked
before it. Where equality cannot be shown (a new unconnected node, a source the algorithm
would take earlier, a cycle, an edit that spans half the graph), :func:`updated_structure`
returns None and the caller sorts all.

Dead branches (nodes whose output reaches no Output) are kept as the set of live nodes:
whether a node is live depends only on what lies downstream of it, so an edit can change
it only for the nodes at the start of a changed connection and, while it changes, upstream.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

    from convnet_studio.graph.changes import ChangeSet
    from convnet_studio.graph.model import Graph

_BIG = float("inf")


@dataclass(frozen=True)
class Structure:
    """What an analysis keeps of its graph's shape for the next edit (never mutated).

    ``index``: each node's place in ``order``; ``cuts``: the nodes no connection jumps over;
    ``sources``: nodes without inputs; ``alive``: the nodes whose output reaches an Output
    (None when the graph has no Output, which its own problem reports).
    """

    order: list[str]
    index: dict[str, int]
    cuts: frozenset[str]
    sources: frozenset[str]
    alive: frozenset[str] | None


def full_structure(g: nx.MultiDiGraph, order: list[str], alive: set[str] | None) -> Structure:
    """The structure of ``g`` sorted as ``order`` (the whole graph's pass)."""
    index = {name: i for i, name in enumerate(order)}
    return Structure(order, index, frozenset(_cuts(g, order, index, 0, len(order), -1)),
                     frozenset(n for n, p in g._pred.items() if not p),
                     None if alive is None else frozenset(alive))


def updated_structure(graph: Graph, old: Structure, changes: ChangeSet, alive_of) -> Structure | None:
    """``old`` after the structural edit ``changes``, worked out near the edit; None when the
    whole graph must be sorted. ``alive_of(graph)`` gives the live set afresh (no Output
    before, or an Input or Output came or went)."""
    if changes.renames:
        return None
    ordered = _updated_order(graph, old, changes)
    if ordered is None:
        return None
    order, index, cuts = ordered
    g = graph.nx_graph()
    pred = g._pred
    touched = (changes.ends | changes.added) & g._node.keys()
    sources = (old.sources - changes.gone - touched) | {n for n in touched if not pred[n]}
    if changes.ends_changed or old.alive is None:
        alive = alive_of(graph)
    else:
        alive = _updated_alive(g, old.alive - changes.gone, touched, index)
    return Structure(order, index, cuts, frozenset(sources), None if alive is None else frozenset(alive))


def _updated_order(graph: Graph, old: Structure, changes: ChangeSet):
    g = graph.nx_graph()
    order, index, nodes = old.order, old.index, g._node
    involved = [index[n] for n in changes.ends | changes.gone if n in index]
    if not involved:
        return None  # only unconnected new nodes: sources, placed by their insertion order
    n = len(order)
    b1 = min(involved) - 1
    while b1 >= 0 and order[b1] not in old.cuts:
        b1 -= 1
    b2 = max(involved) + 1
    while b2 < n and order[b2] not in old.cuts:
        b2 += 1
    if b2 - b1 > max(64, n // 2):
        return None  # a far-reaching edit: sorting the whole graph costs no more
    segment = list(dict.fromkeys([name for name in order[b1 + 1:b2] if name in nodes]
                                 + [name for name in changes.added if name in nodes]))
    first = order[b1] if b1 >= 0 else None
    last = order[b2] if b2 < n else None
    sorted_segment = _sort_segment(g, graph.insertion_ranks, segment, first, last, b2, old)
    if sorted_segment is None:
        return None
    new_order = order[:b1 + 1] + sorted_segment + order[b2:]
    new_index = index.copy()
    for name in changes.gone:
        new_index.pop(name, None)
    for p, name in enumerate(sorted_segment, b1 + 1):
        new_index[name] = p
    shift = len(new_order) - n
    if shift:
        new_index.update(zip(order[b2:], range(b2 + shift, n + shift)))
    # Cuts before the segment and after it stay (no connection there changed, and none
    # jumps into or out of the segment); inside it they are found again.
    far = max((new_index[d] for d in g._succ[first]), default=b1) if first is not None else -1
    inside = _cuts(g, new_order, new_index, b1 + 1, b1 + 1 + len(sorted_segment), far)
    cuts = (old.cuts - set(order[b1 + 1:b2])) | inside
    return new_order, new_index, frozenset(cuts)


def _cuts(g: nx.MultiDiGraph, order: list[str], index: dict[str, int], start: int, stop: int,
          far: int) -> set[str]:
    """The cuts among ``order[start:stop]``; ``far``: the furthest place reached from before."""
    cuts = set()
    succ = g._succ
    for p in range(start, stop):
        name = order[p]
        if far <= p:
            cuts.add(name)
        for dst in succ[name]:
            q = index[dst]
            far = max(far, q)
    return cuts


def _sort_segment(g, insertion: dict[str, int], segment: list[str], first: str | None, last: str | None,
                  last_at: int, old: Structure) -> list[str] | None:
    """Kahn's algorithm over ``segment``, between the cuts ``first`` and ``last`` (None: the
    graph's start or end), ties to the earliest ``insertion`` rank; None where the whole
    graph's pass might order it otherwise."""
    members = set(segment)
    pred, succ = g._pred, g._succ
    indegree: dict[str, int] = {}
    earliest_source = _BIG
    for name in segment:
        inputs = pred[name]
        if not inputs:
            earliest_source = min(earliest_source, insertion[name])
        count = 0
        for src, keys in inputs.items():
            if src in members:
                count += len(keys)
            elif src != first:
                return None  # fed from outside the cuts
        indegree[name] = count
        for dst in succ[name]:
            if dst not in members and dst != last:
                return None  # feeds past the next cut
    if first is not None and earliest_source < _BIG:
        # A source (a node that lost its only input, say) is ready from the start: the pass
        # takes it before the first node ranked after it. It stays in the segment only if
        # every node before the first cut (the cut included) is ranked before it.
        before = old.order[:old.index[first] + 1]
        if max((insertion.get(name, -1) for name in before), default=-1) > earliest_source:
            return None
    # Nodes the pass could take instead: the next cut once the segment's part of its
    # inputs is done, and unconnected sources waiting after it.
    rival = min((insertion[s] for s in old.sources if old.index.get(s, -1) > last_at and s in insertion),
                default=_BIG)
    waiting_for_last = sum(len(keys) for src, keys in pred[last].items() if src in members) if last else -1
    if waiting_for_last == 0:  # fed by the first cut alone: ready from the start
        rival = min(rival, insertion[last])
    ready = [(insertion[name], name) for name, count in indegree.items() if count == 0]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        rank, name = heapq.heappop(ready)
        if rank > rival:
            return None
        out.append(name)
        for dst, keys in succ[name].items():
            if dst in indegree:
                indegree[dst] -= len(keys)
                if indegree[dst] == 0:
                    heapq.heappush(ready, (insertion[dst], dst))
            elif dst == last:
                waiting_for_last -= len(keys)
                if waiting_for_last == 0:
                    rival = min(rival, insertion[last])
    if len(out) != len(segment):
        return None  # a cycle: the whole pass names it
    return out


def _updated_alive(g, alive: frozenset[str], touched: set[str], index: dict[str, int]) -> set[str]:
    """The live nodes after an edit: ``touched`` (new nodes and ends of changed connections)
    are looked at again, downstream first, and the nodes upstream of one that changed."""
    alive_now = set(alive)
    succ, pred, nodes = g._succ, g._pred, g._node
    heap = [(-index[name], name) for name in touched]
    heapq.heapify(heap)
    seen: set[str] = set()
    while heap:
        _, name = heapq.heappop(heap)
        if name in seen:
            continue
        seen.add(name)
        live = nodes[name]["node"].type == "Output" or any(dst in alive_now for dst in succ[name])
        if live != (name in alive_now):
            if live:
                alive_now.add(name)
            else:
                alive_now.discard(name)
            for src in pred[name]:
                heapq.heappush(heap, (-index[src], src))
    return alive_now
