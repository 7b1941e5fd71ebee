"""Expanding composites in place and collapsing them back."""

from __future__ import annotations

import pytest

from convnet_studio.graph import Graph, GraphError
from convnet_studio.graph.composite_ops import collapse_group, collapse_problem, expand_node


def _net(in_channels: int = 16) -> Graph:
    g = Graph("net")
    x = g.add("Input", "input", channels=in_channels, height=16, width=16)
    x = g.add("Bottleneck", "layer1.0", x, planes=4)
    g.move_node("layer1.0", (400, 100))
    g.node("layer1.0").meta["note"] = "first block"
    g.add("Output", "output", g.add("GlobalAvgPool", "avgpool", x))
    return g


def _canonical(g: Graph) -> tuple:
    d = g.to_dict()
    return sorted((n["name"], n) for n in d["nodes"]), sorted(str(e) for e in g.edges)


def test_expand_names_origin_and_wiring() -> None:
    g = _net(16)  # 16 in, 16 out, stride 1: an identity shortcut, as torchvision decides
    before = g.analyze().total
    names = expand_node(g, "layer1.0")
    assert names[:3] == ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu1"]
    assert "layer1.0.downsample.0" not in g and "layer1.0" not in g
    origin = g.node("layer1.0.conv1").meta["origin"]
    assert {k: origin[k] for k in ("name", "type")} == {"name": "layer1.0", "type": "Bottleneck"}
    assert origin["params"]["planes"] == 4
    assert {e.dst for e in g.out_edges("input")} == {"layer1.0.conv1", "layer1.0.add"}
    assert [e.src for e in g.in_edges("avgpool")] == ["layer1.0.relu3"]
    assert g.analyze().ok and g.analyze().total == before
    xs = [g.node(n).position[0] for n in names]
    # The block starts where the composite was and runs along the data flow.
    assert min(xs) == 400 < max(xs) and len({g.node(n).position for n in names}) == len(names)


def test_expansion_follows_input_channels() -> None:
    g = _net(8)  # 8 in, 16 out: projection shortcut
    names = expand_node(g, "layer1.0")
    assert "layer1.0.downsample.0" in names and "layer1.0.downsample.1" in names
    assert {e.dst for e in g.out_edges("input")} == {"layer1.0.conv1", "layer1.0.downsample.0"}


def test_expand_emits_events() -> None:
    g = _net()
    log: list[str] = []
    for name in ("node_added", "node_removed", "connected", "disconnected"):
        getattr(g.events, name).connect(lambda *a, _n=name: log.append(_n))
    names = expand_node(g, "layer1.0")
    assert log.count("node_removed") == 1 and log.count("disconnected") == 2
    assert log.count("node_added") == len(names)
    # Every edge is new or rewired, except avgpool -> output.
    assert log.count("connected") == len(g.edges) - 1


def test_collapse_restores_exactly() -> None:
    g = _net(8)
    original = _canonical(g)
    expand_node(g, "layer1.0")
    assert collapse_problem(g, "layer1.0") is None
    assert collapse_problem(g, "layer1.0.bn2") is None  # any member names the block
    assert collapse_group(g, "layer1.0.conv3") == "layer1.0"
    assert _canonical(g) == original


def test_nested_composites_expand_one_level_at_a_time() -> None:
    g = Graph()
    x = g.add("Input", "input", channels=3, height=64, width=64)
    g.add("Output", "output", g.add("GoogLeNetStem", "stem", x))
    original = _canonical(g)
    names = expand_node(g, "stem")
    assert names == ["stem.conv1", "stem.maxpool1", "stem.conv2", "stem.conv3", "stem.maxpool2"]
    assert g.node("stem.conv1").type == "ConvBNReLU"
    inner = expand_node(g, "stem.conv1")
    assert inner == ["stem.conv1.conv", "stem.conv1.bn", "stem.conv1.relu"]
    assert g.node("stem.conv1.conv").meta["origin"]["name"] == "stem.conv1"
    assert g.analyze().ok
    assert collapse_group(g, "stem") == "stem"  # the nested expansion is collapsed first
    assert _canonical(g) == original


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda g: g.set_params("layer1.0.conv2", out_channels=8), "conv2.out_channels was changed"),
        (lambda g: g.remove_node("layer1.0.relu2"), "relu2 was removed"),
        (lambda g: g.rename_node("layer1.0.relu2", "relu_x"), "relu2 was removed or renamed"),
        (lambda g: g.add_node("ReLU", "layer1.0.extra"), "extra sits inside layer1.0"),
        (lambda g: g.add("ReLU", "tap", "layer1.0.bn1"), "layer1.0.bn1 feeds tap, outside the block"),
        (lambda g: (g.disconnect(g.input_edge("layer1.0.relu3", "in")),
                    g.connect("layer1.0.bn3", "layer1.0.relu3")), "add.out -> layer1.0.relu3.in was removed"),
    ],
)
def test_collapse_refuses_edited_blocks(edit, reason: str) -> None:
    g = _net(8)
    expand_node(g, "layer1.0")
    edit(g)
    problem = collapse_problem(g, "layer1.0")
    assert problem is not None and reason in problem, problem
    before = _canonical(g)
    with pytest.raises(GraphError, match="cannot collapse"):
        collapse_group(g, "layer1.0")
    assert _canonical(g) == before


def test_collapse_refuses_when_the_input_changed_the_expansion() -> None:
    g = _net(16)
    expand_node(g, "layer1.0")  # identity shortcut for 16 channels
    g.set_params("input", channels=8)  # now torchvision would project
    assert "downsample.0 was removed" in collapse_problem(g, "layer1.0")


def test_expand_refusals() -> None:
    g = _net()
    with pytest.raises(GraphError, match="not a composite"):
        expand_node(g, "avgpool")
    with pytest.raises(GraphError, match="no node named"):
        expand_node(g, "ghost")
    with pytest.raises(GraphError, match="not part of an expanded block"):
        collapse_group(g, "avgpool")
    with pytest.raises(GraphError, match="no expanded block"):
        collapse_group(g, "layer9")


def test_expand_unconnected_composite() -> None:
    g = Graph()
    g.add_node("BasicBlock", "b", {"planes": 4, "stride": 2})
    names = expand_node(g, "b")
    assert "b.downsample.0" in names  # the stride alone decides it
    assert collapse_group(g, "b") == "b" and list(g.nodes) == ["b"]


def test_expand_refuses_a_block_that_needs_its_input_channels() -> None:
    # fc2 of a squeeze-and-excitation goes back to the input's width, unknown until wired.
    g = Graph()
    g.add_node("SqueezeExcitation", "se", {"squeeze_channels": 4})
    before = g.to_dict()
    with pytest.raises(GraphError, match=r"se \[in\]: cannot expand: a SqueezeExcitation needs a connected input"):
        expand_node(g, "se")
    assert g.to_dict() == before
    x = g.add("Input", "input", channels=12, height=8, width=8)
    g.connect(x, "se")
    assert "se.fc2" in expand_node(g, "se")
    assert g.node("se.fc2").params["out_channels"] == 12


def test_blocks_that_need_their_input_channels_collapse() -> None:
    # Their expansion without shapes refuses, so the collapse finds the input by its edges.
    for type_name, params in (("SqueezeExcitation", {"squeeze_channels": 2}), ("CNBlock", {})):
        g = Graph("needs channels")
        x = g.add("Input", "input", channels=8, height=8, width=8)
        g.add("Output", "output", g.add(type_name, "block", x, **params))
        before = _canonical(g)
        expand_node(g, "block")
        assert collapse_group(g, "block") == "block"
        assert _canonical(g) == before
