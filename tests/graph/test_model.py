"""The graph model: refused edits change nothing, every edit emits its events."""

from __future__ import annotations

import pytest

from convnet_studio.graph import Edge, Graph, GraphError


class Recorder:
    """Collects (event, args) for every signal of a graph."""

    def __init__(self, graph: Graph) -> None:
        self.log: list[tuple] = []
        for name in vars(graph.events):
            signal = getattr(graph.events, name)
            signal.connect(lambda *args, _n=name: self.log.append((_n, *args)))

    def names(self) -> list[str]:
        return [entry[0] for entry in self.log]


@pytest.fixture
def g() -> Graph:
    g = Graph("t")
    g.add("Input", "input", channels=3, height=8, width=8)
    g.add("Conv2d", "conv", "input", out_channels=4)
    g.add("ReLU", "relu", "conv")
    return g


def _refused(g: Graph, edit, match: str) -> None:
    before, version = g.to_dict(), g.version
    rec = Recorder(g)
    with pytest.raises(GraphError, match=match):
        edit()
    assert g.to_dict() == before and g.version == version and rec.log == []


def test_refuses_cycle(g: Graph) -> None:
    g.add("Add", "add", ["relu", "relu"])
    g.disconnect(g.input_edge("add", "in1"))
    _refused(g, lambda: g.connect("add", "conv", dst_port="in"), "already fed")
    _refused(g, lambda: g.connect("add", "input"), "no input port")
    g.disconnect(g.input_edge("conv", "in"))
    _refused(g, lambda: g.connect("add", "conv"), "cycle")
    _refused(g, lambda: g.connect("relu", "relu"), "cycle|itself")


def test_refuses_second_edge_into_a_port(g: Graph) -> None:
    _refused(g, lambda: g.connect("input", "relu"), "already fed by conv")


def test_refuses_missing_ports_and_nodes(g: Graph) -> None:
    _refused(g, lambda: g.connect("conv", "relu", src_port="nope"), "no output port")
    _refused(g, lambda: g.connect("ghost", "relu"), "no node named 'ghost'")
    assert g.connection_problem(Edge("conv", "relu")) is not None
    assert g.connection_problem(Edge("input", "relu", "out", "nope")) == "relu has no input port 'nope'"


@pytest.mark.parametrize("bad", ["", "1abc", "a-b", "a..b", "a.", ".a", "a b", "ä", "_private", "a._x", "x/../y"])
def test_refuses_bad_names(g: Graph, bad: str) -> None:
    _refused(g, lambda: g.add_node("ReLU", bad), "not a valid node name")
    _refused(g, lambda: g.rename_node("relu", bad), "not a valid node name")


@pytest.mark.parametrize("reserved", ["forward", "state_dict", "training", "layer1.to", "code"])
def test_refuses_reserved_names(g: Graph, reserved: str) -> None:
    _refused(g, lambda: g.add_node("ReLU", reserved), "reserved")


def test_refuses_duplicates_and_prefix_paths(g: Graph) -> None:
    _refused(g, lambda: g.add_node("ReLU", "conv"), "already exists")
    _refused(g, lambda: g.add_node("ReLU", "conv.inner"), "inside the node 'conv'")
    g.add_node("ReLU", "block.a")
    _refused(g, lambda: g.add_node("ReLU", "block"), "group of other nodes")
    _refused(g, lambda: g.rename_node("relu", "block"), "group of other nodes")
    _refused(g, lambda: g.rename_node("relu", "conv.x"), "inside the node")
    g.rename_node("block.a", "block")  # its own path is free once it moves
    assert "block" in g and "block.a" not in g


def test_refuses_unknown_type_and_bad_params(g: Graph) -> None:
    _refused(g, lambda: g.add_node("Nope", "n"), "unknown block type")
    _refused(g, lambda: g.set_params("conv", out_channels=0), "at least 1")
    _refused(g, lambda: g.set_params("ghost", out_channels=1), "no node named")


def test_refuses_dropping_a_connected_port(g: Graph) -> None:
    g.add("Concat", "cat", ["relu", "conv", "input"], num_inputs=3)
    _refused(g, lambda: g.set_params("cat", num_inputs=2), "disconnect it first")


def test_add_shorthand_refuses_too_many_inputs(g: Graph) -> None:
    with pytest.raises(GraphError, match="1 input"):
        g.add("ReLU", "r2", ["conv", "relu"])
    assert "r2" not in g
    with pytest.raises(GraphError, match="no node named 'ghost'"):
        g.add("Add", "a2", ["conv", "ghost"])
    assert "a2" not in g and [e.dst for e in g.out_edges("conv")] == ["relu"]


def test_events_per_mutation(g: Graph) -> None:
    rec = Recorder(g)
    node = g.add_node("BatchNorm2d", "bn", position=(1, 2))
    assert rec.log == [("node_added", node), ("changed",)]
    rec.log.clear()
    edge = g.connect("relu", "bn")
    assert rec.log == [("connected", edge), ("changed",)]
    rec.log.clear()
    old = g.set_params("bn", eps=1e-3)
    assert rec.names() == ["params_changed", "changed"] and rec.log[0][1:] == ("bn", old, g.node("bn").params)
    rec.log.clear()
    g.set_params("bn", eps=1e-3)  # no change, no event
    assert rec.log == []
    g.move_node("bn", (5, 6))
    assert rec.log == [("node_moved", "bn", (1.0, 2.0), (5.0, 6.0)), ("changed",)]
    rec.log.clear()
    g.rename_node("bn", "norm")
    assert rec.log == [("node_renamed", "bn", "norm"), ("changed",)]
    rec.log.clear()
    g.disconnect(Edge("relu", "norm"))
    assert rec.log == [("disconnected", Edge("relu", "norm")), ("changed",)]
    rec.log.clear()
    g.remove_node("conv")
    assert rec.names() == ["disconnected", "changed", "disconnected", "changed", "node_removed", "changed"]
    rec.log.clear()
    g.replace_with(Graph("other"))
    assert rec.names() == ["reset", "changed"] and len(g) == 0 and g.name == "other"


def test_version_bumps_on_shape_edits_only(g: Graph) -> None:
    v = g.version
    g.move_node("conv", (9, 9))
    g.node("conv").meta["note"] = "hi"  # meta is the node's own data, not its shape
    assert g.version == v
    g.set_params("conv", out_channels=5)
    assert g.version == v + 1


def test_analysis_is_cached_per_version(g: Graph) -> None:
    a = g.analyze()
    assert g.analyze() is a
    g.set_params("conv", out_channels=5)
    assert g.analyze() is not a and g.analyze().output_shape("conv")[0] == 5


def test_queries(g: Graph) -> None:
    assert list(g.nodes) == ["input", "conv", "relu"]
    assert g.topological_order() == ["input", "conv", "relu"]
    assert g.in_edges("conv") == [Edge("input", "conv")] and g.out_edges("conv") == [Edge("conv", "relu")]
    assert g.input_edge("relu", "in") == Edge("conv", "relu") and g.input_edge("input", "in") is None
    assert len(g) == 3 and "conv" in g and [n.name for n in g] == ["input", "conv", "relu"]
    assert g.node("conv").spec.type == "Conv2d" and g.node("conv").input_ports() == ("in",)
    with pytest.raises(GraphError, match="no node named"):
        g.node("ghost")
    assert g.unique_name("conv") == "conv1"
    assert str(Edge("a", "b")) == "a.out -> b.in"


def test_copy_is_independent(g: Graph) -> None:
    clone = g.copy()
    clone.set_params("conv", out_channels=9)
    clone.node("conv").meta["x"] = [1]
    assert g.node("conv").params["out_channels"] == 4 and "x" not in g.node("conv").meta
    assert Graph.from_dict(g.to_dict()).to_dict() == g.to_dict()


def test_group_and_meta_are_given_when_a_node_is_added() -> None:
    g = Graph("g")
    meta = {"auto": "projection"}
    node = g.add_node("Conv2d", "conv", group="stage1", meta=meta)
    assert g.group_nodes("stage1") == [node] and node.meta == {"auto": "projection"}
    meta["auto"] = "changed"
    assert node.meta == {"auto": "projection"}  # the node keeps its own copy
