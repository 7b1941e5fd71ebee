"""Projection shortcuts at a residual Add: the plan, options A and B, and what cannot be fixed."""

from __future__ import annotations

import pytest

from convnet_studio.graph import Graph, GraphError
from convnet_studio.graph.projection import ProjectionPlan, insert_projection, projection_plan


def _residual(in_c: int, out_c: int, stride: int, size: int = 8, add: str = "layer2.0.add", swap: bool = False) -> Graph:
    g = Graph()
    x = g.add("Input", "input", channels=in_c, height=size, width=size)
    g.move_node("input", (0, 0))
    y = g.add("Conv2d", "layer2.0.conv1", x, out_channels=out_c, kernel_size=3, stride=stride, padding=1)
    g.add("Output", "output", g.add("Add", add, [x, y] if swap else [y, x]))
    g.move_node(add, (300, 0))
    return g


def test_plan_names_the_shortcut() -> None:
    g = _residual(16, 32, 2, size=7)  # 7 -> 4 with a 3x3/2 conv: the 1x1/2 shortcut gives 4 too
    plan = projection_plan(g, "layer2.0.add")
    assert plan == ProjectionPlan("layer2.0.add", "in1", "input", "out", (16, 7, 7), (32, 4, 4), (2, 2))
    assert (plan.in_channels, plan.out_channels) == (16, 32)
    assert "input (16 x 7 x 7) -> 32 x 4 x 4, stride 2" == plan.describe()
    assert projection_plan(_residual(16, 32, 2, swap=True), "layer2.0.add").port == "in0"


def test_no_plan_when_inputs_match() -> None:
    assert projection_plan(_residual(8, 8, 1), "layer2.0.add") is None
    with pytest.raises(GraphError, match="nothing to project"):
        insert_projection(_residual(8, 8, 1), "layer2.0.add")


def test_option_b() -> None:
    g = _residual(16, 32, 2)
    log: list[str] = []
    for name in ("node_added", "connected", "disconnected"):
        getattr(g.events, name).connect(lambda *a, _n=name: log.append(_n))
    names = insert_projection(g, "layer2.0.add")
    assert names == ["layer2.0.downsample.0", "layer2.0.downsample.1"]  # torchvision's names
    conv, bn = (g.node(n) for n in names)
    assert (conv.type, bn.type) == ("Conv2d", "BatchNorm2d")
    assert conv.params["kernel_size"] == 1 and conv.params["stride"] == 2 and conv.params["bias"] is False
    assert conv.params["out_channels"] == 32
    assert conv.meta == {"auto": "projection"} and bn.meta == {"auto": "projection"}
    assert g.input_edge("layer2.0.add", "in1").src == "layer2.0.downsample.1"
    assert g.input_edge(names[0], "in").src == "input"
    assert g.analyze().ok and g.analyze().output_shape("layer2.0.add") == (32, 4, 4)
    assert log == ["disconnected", "node_added", "connected", "node_added", "connected", "connected"]
    assert 0 < conv.position[0] < 300


def test_option_a() -> None:
    g = _residual(16, 32, 2)
    assert insert_projection(g, "layer2.0.add", kind="A") == ["layer2.0.downsample"]
    node = g.node("layer2.0.downsample")
    assert node.type == "ShortcutA" and node.params == {"out_channels": 32, "stride": 2}
    assert node.meta["auto"] == "projection" and g.analyze().ok
    assert g.analyze().nodes["layer2.0.downsample"].cost.params == 0


def test_channels_only_and_stride_only() -> None:
    g = _residual(8, 16, 1)
    insert_projection(g, "layer2.0.add")
    assert g.node("layer2.0.downsample.0").params["stride"] == 1 and g.analyze().ok
    g = _residual(8, 8, 2)
    insert_projection(g, "layer2.0.add", "A")
    assert g.node("layer2.0.downsample").params == {"out_channels": 8, "stride": 2} and g.analyze().ok


def test_names_outside_a_block_and_taken_names() -> None:
    g = _residual(8, 16, 1, add="add")
    assert insert_projection(g, "add") == ["add_downsample.0", "add_downsample.1"]
    g = _residual(8, 16, 1)
    g.add_node("ReLU", "layer2.0.downsample.0")
    assert insert_projection(g, "layer2.0.add") == ["layer2.0.downsample1.0", "layer2.0.downsample1.1"]


def test_non_square_stride() -> None:
    g = Graph()
    x = g.add("Input", "input", channels=4, height=8, width=8)
    y = g.add("Conv2d", "conv", x, out_channels=8, kernel_size=3, stride=[2, 1], padding=1)
    g.add("Output", "output", g.add("Add", "blk.add", [y, x]))
    assert projection_plan(g, "blk.add").stride == (2, 1)
    with pytest.raises(GraphError, match="same stride on H and W"):
        insert_projection(g, "blk.add", "A")
    insert_projection(g, "blk.add")
    assert g.node("blk.downsample.0").params["stride"] == [2, 1] and g.analyze().ok


def test_unfixable() -> None:
    g = Graph()
    x = g.add("Input", "input", channels=4, height=32, width=32)
    y = g.add("AdaptiveAvgPool2d", "pool", x, output_size=12)  # 32 -> 12: no whole stride
    g.add("Output", "output", g.add("Add", "add", [y, x]))
    with pytest.raises(GraphError, match="no stride takes H 32 to 12") as info:
        projection_plan(g, "add")
    assert (info.value.node, info.value.port) == ("add", "in1")


def test_option_a_cannot_drop_channels() -> None:
    g = Graph()
    x = g.add("Input", "input", channels=16, height=8, width=8)
    y = g.add("Conv2d", "conv", x, out_channels=8, kernel_size=1)
    g.add("Output", "output", g.add("Add", "add", [y, x]))
    with pytest.raises(GraphError, match="option A can only add channels"):
        insert_projection(g, "add", "A")
    assert insert_projection(g, "add", "B") and g.analyze().ok


def test_not_an_add_or_bad_kind() -> None:
    g = _residual(8, 16, 1)
    with pytest.raises(GraphError, match="not a Conv2d"):
        projection_plan(g, "layer2.0.conv1")
    with pytest.raises(GraphError, match="'A' or 'B'"):
        insert_projection(g, "layer2.0.add", "C")


def test_flat_inputs_cannot_be_projected() -> None:
    g = Graph()
    x = g.add("Flatten", "flat", g.add("Input", "input", channels=2, height=2, width=2))
    y = g.add("Linear", "fc", x, out_features=3)
    g.add("Output", "output", g.add("Add", "add", [y, x]))
    with pytest.raises(GraphError, match="needs feature maps"):
        projection_plan(g, "add")


def test_no_input_skips_the_others() -> None:
    g = Graph()
    x = g.add("Input", "input", channels=4, height=8, width=8)
    a = g.add("MaxPool2d", "pool", x)
    b = g.add("Conv2d", "conv", x, out_channels=4, kernel_size=3, padding=1)
    g.add("Output", "output", g.add("Add", "add", [a, b]))
    plan = projection_plan(g, "add")  # neither skips the other: the bigger map is projected
    assert plan.port == "in1" and plan.stride == (2, 2)


def test_unknown_shapes_give_no_plan() -> None:
    g = Graph()
    g.add_node("Add", "add")
    assert projection_plan(g, "add") is None


def test_shortcut_smaller_than_branch() -> None:
    g = Graph()
    x = g.add("Input", "input", channels=4, height=8, width=8)
    y = g.add("Conv2d", "conv", x, out_channels=4, kernel_size=1, padding=2)  # grows to 12x12
    g.add("Output", "output", g.add("Add", "add", [y, x]))
    with pytest.raises(GraphError, match=r"shortcut's H \(8\) is smaller than the branch's \(12\)"):
        insert_projection(g, "add")
