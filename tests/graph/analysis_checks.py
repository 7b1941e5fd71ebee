"""The check that an analysis updated after edits equals a whole pass, its kept structure too."""

from __future__ import annotations

from convnet_studio.graph import Graph
from convnet_studio.graph.analysis import analyze


def same_as_a_full_pass(graph: Graph) -> None:
    """``graph.analyze()`` (updated from the last one) equals ``analyze(graph)`` (a whole pass),
    and so do the order, cuts, sources and live nodes kept for the next edit."""
    ranks = graph.insertion_ranks
    assert sorted(ranks, key=ranks.__getitem__) == list(graph.nx_graph()._node)
    for axis in (0, 1):  # the grid of places holds every node once, where it is
        placed = [n for n in graph.names_near(axis, -2e7, 2e7)]
        assert sorted(placed) == sorted(graph.nx_graph()._node)
    update, full = graph.analyze(), analyze(graph)
    assert update == full
    if full.structure is not None:  # none after a cycle, which the graph refuses anyway
        mine, theirs = update.structure, full.structure
        assert mine.order == theirs.order
        assert mine.index == theirs.index
        assert mine.cuts == theirs.cuts
        assert mine.sources == theirs.sources
        assert mine.alive == theirs.alive
