"""The hand-written topological sort equals networkx's lexicographical one, keyed by insertion."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convnet_studio.graph.toposort import stable_topological_order


@st.composite
def dags(draw) -> nx.MultiDiGraph:
    """Nodes inserted in a random order; edges (parallel ones too) follow a hidden rank."""
    n = draw(st.integers(0, 25))
    ranks = draw(st.permutations(range(n)))
    g = nx.MultiDiGraph()
    g.add_nodes_from(f"n{r}" for r in ranks)
    pairs = st.tuples(st.integers(0, max(0, n - 1)), st.integers(0, max(0, n - 1)))
    for a, b in draw(st.lists(pairs, max_size=3 * n)) if n else ():
        if a != b:
            g.add_edge(f"n{min(a, b)}", f"n{max(a, b)}")
    return g


@settings(max_examples=200, deadline=None)
@given(dags())
def test_order_equals_networkx_lexicographical_sort(g: nx.MultiDiGraph) -> None:
    index = {name: i for i, name in enumerate(g)}
    expected = list(nx.lexicographical_topological_sort(g, key=index.__getitem__))
    assert stable_topological_order(g) == expected


def test_a_cycle_is_refused_as_networkx_refuses_it() -> None:
    g = nx.MultiDiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    with pytest.raises(nx.NetworkXUnfeasible):
        stable_topological_order(g)
