"""The order, cuts and live nodes an analysis keeps, updated near each structural edit, equal
what sorting the whole graph gives: the order (hence the summary, the export and the
compiled module) never depends on whether an edit took the quick path."""

from __future__ import annotations

from analysis_checks import same_as_a_full_pass
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convnet_studio.graph import Edge, Graph, GraphError
from convnet_studio.graph import structure as structure_module
from convnet_studio.graph.composite_ops import collapse_group, expand_node
from convnet_studio.presets.resnet import cifar_resnet


class _Counting:
    """How often the update near the edit answered (not the whole graph's sort)."""

    def __init__(self, monkeypatch) -> None:
        self.local = 0
        real = structure_module.updated_structure

        def counted(*args):
            result = real(*args)
            self.local += result is not None
            return result

        monkeypatch.setattr("convnet_studio.graph.incremental.updated_structure", counted)


def test_expanding_and_collapsing_every_block_is_sorted_near_the_block(monkeypatch) -> None:
    counting = _Counting(monkeypatch)
    graph = cifar_resnet(20, 10, (3, 32, 32))
    graph.analyze()
    blocks = [n.name for n in graph if n.spec.is_composite]
    for name in blocks:
        expand_node(graph, name)
        same_as_a_full_pass(graph)
    for name in reversed(blocks):
        collapse_group(graph, name)
        same_as_a_full_pass(graph)
    assert counting.local == 2 * len(blocks)


def test_deleting_a_layer_sorts_near_it_though_the_next_one_becomes_a_source(monkeypatch) -> None:
    counting = _Counting(monkeypatch)
    graph = cifar_resnet(20, 10, (3, 32, 32))
    for name in [n.name for n in graph if n.spec.is_composite]:
        expand_node(graph, name)
    graph.analyze()
    counting.local = 0
    graph.remove_node("layer2.1.conv2")  # its BatchNorm loses its only input
    assert not graph.in_edges("layer2.1.bn2")
    same_as_a_full_pass(graph)
    graph.remove_node("conv1")  # at the start: the stem's BatchNorm becomes a source too
    same_as_a_full_pass(graph)
    assert counting.local == 2


def test_a_source_ranked_before_an_earlier_node_makes_the_whole_graph_sorted(monkeypatch) -> None:
    counting = _Counting(monkeypatch)
    graph = Graph("late")
    graph.add("Input", "input", channels=3, height=8, width=8)
    graph.add("ReLU", "early")  # inserted second, connected at the end of the chain
    graph.add("ReLU", "a", "input")
    graph.add("ReLU", "b", "a")
    graph.add("ReLU", "c", "b")
    graph.connect("c", "early")
    graph.add("Output", "output", "early")
    graph.analyze()
    graph.disconnect(graph.in_edges("early")[0])  # a source ranked before a, b and c
    same_as_a_full_pass(graph)
    assert graph.analyze().order.index("early") == 1  # the pass takes it right after input
    assert counting.local == 0


def _splice(graph: Graph, edge: Edge, n: int) -> None:
    """A ReLU dropped onto a connection (keeps the shape)."""
    graph.disconnect(edge)
    name = graph.add_node("ReLU", f"spliced{n}").name
    graph.connect(edge.src, name, edge.src_port)
    graph.connect(name, edge.dst, dst_port=edge.dst_port)


def _edit(graph: Graph, data: st.DataObject, n: int) -> None:
    names = sorted(graph.nodes)
    pick = lambda: data.draw(st.sampled_from(names))
    op = data.draw(st.sampled_from(
        ["expand", "expand", "collapse", "collapse", "splice", "splice", "remove", "disconnect", "connect",
         "lone", "output", "branch"]))
    if op == "expand":
        blocks = [n.name for n in graph if n.spec.is_composite]
        if blocks:
            expand_node(graph, data.draw(st.sampled_from(blocks)))
    elif op == "collapse":
        expanded = sorted({n.meta["origin"]["name"] for n in graph if "origin" in n.meta})
        if expanded:
            collapse_group(graph, data.draw(st.sampled_from(expanded)))
    elif op == "splice" and graph.edges:
        _splice(graph, data.draw(st.sampled_from(graph.edges)), n)
    elif op == "remove":
        graph.remove_node(pick())
    elif op == "disconnect" and graph.edges:
        graph.disconnect(data.draw(st.sampled_from(graph.edges)))
    elif op == "connect":
        dst = pick()
        ports = graph.node(dst).input_ports() or ("in",)
        graph.connect(pick(), dst, dst_port=data.draw(st.sampled_from(list(ports))))
    elif op == "lone":  # dropped from the palette, not connected yet: a source
        graph.add_node("ReLU", f"lone{n}")
    elif op == "output":  # a second Output, or a dead branch's end
        graph.add(data.draw(st.sampled_from(["Output", "ReLU"])), f"end{n}", pick())
    elif op == "branch":  # a side branch that ends nowhere: dead code
        graph.add("ReLU", f"side{n}", pick())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_structural_edits_match_a_full_sort(data: st.DataObject) -> None:
    graph = cifar_resnet(20, 10, (3, 32, 32))
    graph.analyze()
    for step in range(data.draw(st.integers(3, 25))):
        for n in range(data.draw(st.integers(1, 3))):  # several edits between two analyses
            try:
                _edit(graph, data, step * 10 + n)
            except GraphError:
                pass
        same_as_a_full_pass(graph)
