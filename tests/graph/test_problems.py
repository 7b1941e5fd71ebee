"""Every kind of problem the analysis reports names the node and port, and the pass goes on."""

from __future__ import annotations

import json

import pytest

from convnet_studio.graph import Graph, GraphError
from convnet_studio.graph.project_file import FORMAT, ProjectFileError, loads


def _only(graph: Graph, kind: str | None = None):
    problems = [p for p in graph.analyze().problems if kind is None or p.kind == kind]
    assert len(problems) == 1, graph.analyze().problems
    return problems[0]


def _residual(in_c: int, out_c: int, stride: int, size: int = 8) -> Graph:
    g = Graph()
    x = g.add("Input", "input", channels=in_c, height=size, width=size)
    y = g.add("Conv2d", "conv", x, out_channels=out_c, kernel_size=3, stride=stride, padding=1)
    g.add("Output", "output", g.add("Add", "add", [y, x]))
    return g


def test_channel_mismatch_at_add() -> None:
    p = _only(_residual(8, 16, 1))
    assert (p.node, p.port, p.kind) == ("add", "in1", "shape")
    assert "channel mismatch" in p.message and "16" in p.message and "8" in p.message


def test_spatial_mismatch_at_add() -> None:
    p = _only(_residual(8, 8, 2))
    assert (p.node, p.port) == ("add", "in1")
    assert "spatial mismatch" in p.message and "4x4" in p.message and "8x8" in p.message


def test_spatial_mismatch_at_concat(make_chain) -> None:
    g = make_chain((4, 8, 8), ("ReLU", {}))
    g.add("MaxPool2d", "pool", "l0")
    g.add("Output", "out2", g.add("Concat", "cat", ["l0", "pool"], num_inputs=2))
    g.remove_node("output")
    p = _only(g)
    assert (p.node, p.port) == ("cat", "in1") and "spatial mismatch" in p.message


def test_shrinking_below_one(make_chain) -> None:
    g = make_chain((3, 4, 4), ("Conv2d", dict(kernel_size=3)), ("Conv2d", dict(kernel_size=3)))
    p = _only(g)
    assert (p.node, p.port) == ("l1", "in") and "shrinks below 1" in p.message
    assert g.analyze().output_shape("l0") == (64, 2, 2)  # shapes before the fault are still known


def test_linear_in_features_vs_flattened(make_chain) -> None:
    g = make_chain((4, 5, 5), ("Flatten", {}), ("Linear", dict(in_features=99, out_features=3)))
    p = _only(g)
    assert (p.node, p.port) == ("l1", "in") and "99" in p.message and "100" in p.message


def test_linear_on_a_feature_map(make_chain) -> None:
    p = _only(make_chain((4, 5, 5), ("Linear", dict(out_features=3))))
    assert (p.node, p.port) == ("l0", "in") and "Flatten" in p.message and "100" in p.message


def test_conv_on_a_flat_vector(make_chain) -> None:
    p = _only(make_chain((4, 5, 5), ("Flatten", {}), ("Conv2d", {})))
    assert (p.node, p.port) == ("l1", "in") and "C x H x W" in p.message


def _file(nodes, edges) -> str:
    return json.dumps({"format": FORMAT, "version": 2, "name": "f", "nodes": nodes, "edges": edges})


def _edge(a, b, ap="out", bp="in"):
    return {"from": a, "from_port": ap, "to": b, "to_port": bp}


IO = [{"name": "input", "type": "Input", "params": {"channels": 3, "height": 8, "width": 8}},
      {"name": "output", "type": "Output"}]


def test_cycle_from_a_file() -> None:
    nodes = IO + [{"name": "a", "type": "Add"}, {"name": "b", "type": "ReLU"}]
    edges = [_edge("input", "a", bp="in0"), _edge("a", "b"), _edge("b", "a", bp="in1"), _edge("b", "output")]
    g = loads(_file(nodes, edges))
    cycle = [p for p in g.analyze().problems if p.kind == "cycle"]
    assert {p.node for p in cycle} == {"a", "b"} and all("cycle" in p.message for p in cycle)
    assert g.analyze().output_shape("input") == (3, 8, 8)  # the rest is still analysed


def test_unconnected_input() -> None:
    g = Graph()
    g.add("Input", "input")
    g.add("Output", "output", g.add("Add", "add", ["input"]))
    p = _only(g)
    assert (p.node, p.port, p.kind) == ("add", "in1", "unconnected") and "not connected" in p.message


def test_two_edges_into_one_port_from_a_file() -> None:
    nodes = IO + [{"name": "r1", "type": "ReLU"}, {"name": "r2", "type": "ReLU"}]
    edges = [_edge("input", "r1"), _edge("input", "r2"), _edge("r1", "output"), _edge("r2", "output")]
    p = _only(loads(_file(nodes, edges)))
    assert (p.node, p.port, p.kind) == ("output", "in", "multiple_inputs") and "r1, r2" in p.message


def test_edge_from_a_missing_output_port() -> None:
    nodes = IO + [{"name": "r", "type": "ReLU"}]
    p = _only(loads(_file(nodes, [_edge("input", "r", ap="bogus"), _edge("r", "output")])))
    assert (p.node, p.port) == ("r", "in") and "bogus" in p.message


def test_unknown_block_type_is_named() -> None:
    with pytest.raises(GraphError, match="Transformer"):
        Graph().add_node("Transformer", "t")
    nodes = IO + [{"name": "t", "type": "Transformer"}]
    with pytest.raises(ProjectFileError, match=r"Transformer \(node t\)"):
        loads(_file(nodes, []))


def test_unknown_type_in_analysis() -> None:
    # Only reachable by code that bypasses the checks; the analysis still names it.
    from convnet_studio.graph.model import Node

    g = Graph()
    g._insert(Node("t", "Transformer", {}))
    assert any(p.node == "t" and p.kind == "unknown_type" and "Transformer" in p.message for p in g.analyze().problems)


def test_bad_parameter_value_refused_by_the_model() -> None:
    g = Graph()
    with pytest.raises(GraphError) as info:
        g.add_node("Conv2d", "c", {"out_channels": 0})
    assert (info.value.node, info.value.field) == ("c", "out_channels") and "at least 1" in info.value.message
    g.add_node("Conv2d", "c")
    for bad in ({"kernel_size": "x"}, {"padding": "full"}, {"bias": 1}, {"nope": 1}, {"kernel_size": [1, 2, 3]}):
        with pytest.raises(GraphError):
            g.set_params("c", bad)
    assert g.node("c").params["out_channels"] == 64


def test_bad_parameter_value_from_a_file() -> None:
    nodes = IO + [{"name": "c", "type": "Conv2d", "params": {"out_channels": -3}}]
    g = loads(_file(nodes, [_edge("input", "c"), _edge("c", "output")]))
    p = _only(g)
    assert (p.node, p.kind) == ("c", "param") and "out_channels" in p.message
    assert g.node("c").params["out_channels"] == -3  # kept, so the user can fix it


def test_padding_larger_than_half_the_pool(make_chain) -> None:
    p = _only(make_chain((3, 8, 8), ("MaxPool2d", dict(kernel_size=2, padding=2))))
    assert p.node == "l0" and "half the kernel" in p.message


def test_same_padding_needs_stride_one(make_chain) -> None:
    p = _only(make_chain((3, 8, 8), ("Conv2d", dict(padding="same", stride=2))))
    assert p.node == "l0" and "stride 1" in p.message


def test_groups_must_divide(make_chain) -> None:
    p = _only(make_chain((6, 8, 8), ("Conv2d", dict(out_channels=8, groups=4))))
    assert (p.node, p.port) == ("l0", "in") and "groups=4" in p.message


def test_missing_ends_and_extra_inputs() -> None:
    g = Graph()
    g.add("ReLU", "r")
    kinds = {(p.node, p.kind) for p in g.analyze().problems}
    assert (None, "graph") in kinds and ("r", "unconnected") in kinds
    g.add("Input", "i1")
    g.add("Input", "i2")
    assert any(p.node == "i2" and "only one Input" in p.message for p in g.analyze().problems)


def test_problem_str_and_dict() -> None:
    p = _only(_residual(8, 16, 1))
    assert str(p).startswith("add [in1]: channel mismatch")
    assert p.to_dict()["node"] == "add"


def test_add_reports_channels_and_size_when_both_differ() -> None:
    p = _only(_residual(8, 16, 2))
    assert (p.node, p.port) == ("add", "in1")
    assert "channel and spatial mismatch" in p.message
    assert "16 channels at 4x4" in p.message and "8 at 8x8" in p.message


def test_a_dead_branch_is_a_warning_not_an_error() -> None:
    g = _residual(8, 8, 1)
    g.add("ReLU", "dead", "conv")
    analysis = g.analyze()
    assert analysis.ok  # it still runs
    assert [(w.node, w.kind) for w in analysis.warnings] == [("dead", "dead")]
    assert "reaches no Output" in analysis.warnings[0].message
