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


def _shuffle_net(in_channels: int, stride: int) -> Graph:
    g = Graph("shuffle")
    x = g.add("Input", "input", channels=in_channels, height=16, width=16)
    x = g.add("ShuffleUnit", "stage2.1", x, out_channels=16, stride=stride)
    g.add("Output", "output", x)
    return g


def test_shuffle_unit_expands_to_split_or_two_branches() -> None:
    g = _shuffle_net(16, 1)
    original, before = _canonical(g), g.analyze().total
    names = expand_node(g, "stage2.1")
    assert {e.dst for e in g.out_edges("input")} == {"stage2.1.split0", "stage2.1.split1"}
    assert [e.src for e in g.in_edges("stage2.1.cat")] == ["stage2.1.split0", "stage2.1.branch2.7"]
    assert names[-1] == "stage2.1.channel_shuffle" and not any("branch1" in n for n in names)
    assert g.analyze().ok and g.analyze().total == before
    assert collapse_group(g, "stage2.1.branch2.3") == "stage2.1" and _canonical(g) == original
    expand_node(g, "stage2.1")
    g.set_params("input", channels=8)  # the unit's expansion no longer takes this input
    assert "keeps its width" in collapse_problem(g, "stage2.1")

    g = _shuffle_net(8, 2)
    names = expand_node(g, "stage2.1")
    assert {e.dst for e in g.out_edges("input")} == {"stage2.1.branch1.0", "stage2.1.branch2.0"}
    assert g.node("stage2.1.branch1.0").params["groups"] == 8  # depthwise over the input
    assert g.analyze().ok


def test_stride_1_shuffle_unit_refuses_another_width() -> None:
    g = _shuffle_net(8, 1)
    problem = g.analyze().problems_for("stage2.1")[0]
    assert problem.port == "in" and "receives 8 channels but out_channels is 16" in problem.message
    with pytest.raises(GraphError, match="keeps its width"):
        expand_node(g, "stage2.1")
    assert list(g.nodes) == ["input", "stage2.1", "output"]
    with pytest.raises(GraphError, match="out_channels: must be even"):
        g.set_params("stage2.1", out_channels=15)


@pytest.mark.parametrize("type_name", ["InceptionA", "InceptionB", "InceptionC", "InceptionD", "InceptionE"])
def test_inception_v3_modules_expand_into_units_and_collapse(type_name: str) -> None:
    g = Graph("mixed")
    x = g.add("Input", "input", channels=32, height=17, width=17)
    g.add("Output", "output", g.add(type_name, "Mixed", x))
    original, before = _canonical(g), g.analyze().total
    names = expand_node(g, "Mixed")
    assert g.node(names[0]).type == "ConvBNReLU" and g.node(names[0]).params["bn_eps"] == 1e-3
    assert g.node(names[-1]).type == "Concat" and g.analyze().total == before
    assert collapse_group(g, "Mixed") == "Mixed" and _canonical(g) == original
@pytest.mark.parametrize(
    ("type_name", "params", "inner"),
    [
        ("MBConv", dict(expand_ratio=6.0, out_channels=16),
         ["block.0.0", "block.0.1", "block.0.2", "block.1.0", "block.1.1", "block.1.2", "block.2",
          "block.3.0", "block.3.1", "stochastic_depth", "add"]),
        ("MBConv", dict(expand_ratio=1.0, out_channels=24, stride=2),  # no expand, no residual
         ["block.0.0", "block.0.1", "block.0.2", "block.1", "block.2.0", "block.2.1"]),
        ("FusedMBConv", dict(expand_ratio=4.0, out_channels=24),
         ["block.0.0", "block.0.1", "block.0.2", "block.1.0", "block.1.1"]),
        ("FusedMBConv", dict(expand_ratio=1.0, out_channels=16),
         ["block.0.0", "block.0.1", "block.0.2", "stochastic_depth", "add"]),
        ("ResBottleneckBlock", dict(out_channels=16),
         ["f.a.0", "f.a.1", "f.a.2", "f.b.0", "f.b.1", "f.b.2", "f.se", "f.c.0", "f.c.1", "add",
          "activation"]),
        ("ResBottleneckBlock", dict(out_channels=32, stride=2, se_ratio=0.0),
         ["proj.0", "proj.1", "f.a.0", "f.a.1", "f.a.2", "f.b.0", "f.b.1", "f.b.2", "f.c.0", "f.c.1",
          "add", "activation"]),
    ],
)
def test_efficientnet_and_regnet_blocks_expand_to_torchvisions_names(type_name, params, inner) -> None:
    g = Graph()
    x = g.add("Input", "input", channels=16, height=16, width=16)
    g.add("Output", "output", g.add(type_name, "features.2.0", x, **params))
    original, before = _canonical(g), g.analyze().total
    names = expand_node(g, "features.2.0")
    assert names == [f"features.2.0.{n}" for n in inner]
    assert g.analyze().ok and g.analyze().total == before
    se = [n for n in names if g.node(n).type == "SqueezeExcitation"]
    if se:  # the nested gate expands in its turn, into torchvision.ops' names
        assert f"{se[0]}.fc1" in expand_node(g, se[0])
    assert collapse_group(g, "features.2.0") == "features.2.0"
    assert _canonical(g) == original


def test_mbconv_expansion_follows_input_channels() -> None:
    g = Graph()
    x = g.add("Input", "input", channels=16, height=16, width=16)
    g.add("Output", "output", g.add("MBConv", "b", x, expand_ratio=6.0, out_channels=16))
    expand_node(g, "b")
    assert g.node("b.block.0.0").params["out_channels"] == 96
    assert g.node("b.block.2").params["squeeze_channels"] == 4  # max(1, in // 4), as torchvision
    g.set_params("input", channels=8)  # 48 hidden channels now, and no residual
    assert "b.block.0.0.out_channels was changed to 96 (the block has 48)" in collapse_problem(g, "b")


def _inverted_residual(in_channels: int, **params) -> Graph:
    g = Graph("mobile")
    x = g.add("Input", "input", channels=in_channels, height=16, width=16)
    g.add("Output", "output", g.add("InvertedResidual", "features.3", x, **params))
    return g


@pytest.mark.parametrize(
    ("in_channels", "params", "names"),
    [
        (16, dict(out_channels=16, expand_ratio=1),  # MobileNetV2 t=1: no expand conv
         ["conv.0.0", "conv.0.1", "conv.0.2", "conv.1", "conv.2", "add"]),
        (16, dict(out_channels=24, stride=2),
         ["conv.0.0", "conv.0.1", "conv.0.2", "conv.1.0", "conv.1.1", "conv.1.2", "conv.2", "conv.3"]),
        (16, dict(style="MobileNetV3", out_channels=16, expanded_channels=16, se=True, stride=2),
         ["block.0.0", "block.0.1", "block.0.2", "block.1", "block.2.0", "block.2.1"]),
        (8, dict(style="MNASNet", out_channels=8, expand_ratio=1, activation="ReLU"),  # always expands
         [f"layers.{i}" for i in range(8)] + ["add"]),
    ],
)
def test_inverted_residual_expands_to_torchvision_names(in_channels: int, params: dict, names: list) -> None:
    g = _inverted_residual(in_channels, **params)
    original, before = _canonical(g), g.analyze().total
    assert expand_node(g, "features.3") == [f"features.3.{n}" for n in names]
    assert g.analyze().ok and g.analyze().total == before
    assert collapse_group(g, "features.3") == "features.3" and _canonical(g) == original


def test_inverted_residual_nests_a_squeeze_excitation_and_follows_its_input() -> None:
    g = _inverted_residual(24, style="MobileNetV3", out_channels=24, expanded_channels=72, se=True)
    original = _canonical(g)
    expand_node(g, "features.3")
    se = g.node("features.3.block.2")
    assert se.type == "SqueezeExcitation" and se.params["squeeze_channels"] == 24  # 72 / 4, to 8
    assert [e.src for e in g.in_edges("features.3.add")] == ["features.3.block.3.1", "input"]
    assert "features.3.block.2.fc2" in expand_node(g, "features.3.block.2")
    # Both need their input's channels to expand, so collapsing finds the input by its edges.
    assert collapse_group(g, "features.3") == "features.3" and _canonical(g) == original
    g = _inverted_residual(72, style="MobileNetV3", out_channels=24, expanded_channels=72)
    assert "features.3.block.0.0" in expand_node(g, "features.3")  # 72 in: no expand, no add
    assert "features.3.block.1.1" in g and "features.3.block.2" not in g and "features.3.add" not in g


def test_expand_refuses_an_inverted_residual_without_input() -> None:
    g = Graph()
    g.add_node("InvertedResidual", "block", {"out_channels": 8})
    with pytest.raises(GraphError, match=r"block \[in\]: cannot expand: an InvertedResidual needs a connected input"):
        expand_node(g, "block")


def test_a_block_that_needs_its_input_channels_collapses() -> None:
    # Its expansion cannot be made without shapes: what feeds it from outside is its input.
    g = Graph()
    x = g.add("Input", "input", channels=12, height=8, width=8)
    g.add("Output", "output", g.add("SqueezeExcitation", "se", x, squeeze_channels=4))
    original = _canonical(g)
    expand_node(g, "se")
    assert collapse_group(g, "se.fc1") == "se" and _canonical(g) == original
    expand_node(g, "se")
    g.add("Input", "other", channels=12, height=8, width=8)
    g.disconnect(g.input_edge("se.mul", "in1"))
    g.connect("other", "se.mul", dst_port="in1")
    assert collapse_problem(g, "se") == "its nodes are fed from input, other, not from one input"


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


def test_collapse_puts_the_block_where_its_first_layer_is() -> None:
    """A preset's blocks were expanded before the layout placed them, and a user may have
    moved the layers since: the block goes where its layers are, not where it once was."""
    from convnet_studio.graph.composite_ops import expand_all
    from convnet_studio.graph.layout import apply_layout
    from convnet_studio.presets import get_preset

    g = get_preset("resnet20_cifar")
    expand_all(g)  # as resnet1202_cifar is built: expanded, then laid out
    apply_layout(g, "LR")
    first = g.node("layer2.1.conv1").position
    assert first != (0.0, 0.0)
    assert collapse_group(g, "layer2.1") == "layer2.1"
    assert g.node("layer2.1").position == first
    g.move_node("layer2.1", (first[0] + 500, first[1] + 300))
    names = expand_node(g, "layer2.1")
    moved = {n: g.node(n).position for n in names}
    assert moved["layer2.1.conv1"] == (first[0] + 500, first[1] + 300)
    collapse_group(g, "layer2.1")  # expand then collapse: the block is where it was
    assert g.node("layer2.1").position == (first[0] + 500, first[1] + 300)
