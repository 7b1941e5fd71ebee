"""Random graphs (chains of layers, composites, residual adds, concat branches, dotted names)
export to code that lints clean and matches the compiled module from the same weights."""

from __future__ import annotations

import os

import pytest
import torch
from export_helpers import exported_from, ruff_problems
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convnet_studio.codegen import InvalidGraphError, generate_python
from convnet_studio.compile import compile_graph
from convnet_studio.graph import Graph

STEPS = (
    "conv",
    "bn_relu",
    "pool",
    "basic",
    "bottleneck",
    "convbn",
    "inception",
    "vgg",
    "add",
    "concat",
    "shortcut_a",
    "seq",
    "numbered",
    "cnblock",
    "layer_scale",
)


@st.composite
def random_graphs(draw) -> Graph:
    g = Graph("random net")
    x = g.add("Input", channels=draw(st.sampled_from([1, 3])), height=16, width=16)
    size = 16
    for step in draw(st.lists(st.sampled_from(STEPS), min_size=1, max_size=6)):
        c = draw(st.sampled_from([4, 8, 12]))
        if step == "conv":
            k = draw(st.sampled_from([1, 3]))
            x = g.add(
                "Conv2d",
                inputs=x,
                out_channels=c,
                kernel_size=k,
                padding=k // 2,
                bias=draw(st.booleans()),
            )
        elif step == "bn_relu":
            x = g.add("ReLU", inputs=g.add("BatchNorm2d", inputs=x))
        elif step == "pool" and size >= 4:
            x = g.add("MaxPool2d", inputs=x, kernel_size=2)
            size //= 2
        elif step in ("basic", "bottleneck", "shortcut_a"):
            stride = 2 if size >= 4 and draw(st.booleans()) else 1
            shortcut = "A" if step == "shortcut_a" else draw(st.sampled_from(["B", "C", "none"]))
            kind = "Bottleneck" if step == "bottleneck" else "BasicBlock"
            if shortcut == "A":  # option A can only add channels
                c = max(c, g.analyze().output_shape(x)[0])
            x = g.add(kind, inputs=x, planes=c, stride=stride, shortcut=shortcut)
            size = -(-size // stride)
        elif step == "convbn":
            x = g.add("ConvBNReLU", inputs=x, out_channels=c, batch_norm=draw(st.booleans()))
        elif step == "inception":
            x = g.add(
                "InceptionModule",
                inputs=x,
                ch1x1=c,
                ch3x3red=4,
                ch3x3=c,
                ch5x5red=4,
                ch5x5=4,
                pool_proj=4,
                batch_norm=draw(st.booleans()),
            )
        elif step == "vgg" and size >= 2:
            x = g.add("VGGStage", inputs=x, channels=c, num_convs=draw(st.integers(1, 2)))
            size //= 2
        elif step == "add":
            shape = g.analyze().output_shape(x)
            y = g.add("Conv2d", inputs=x, out_channels=shape[0], kernel_size=3, padding=1)
            x = g.add("ReLU", inputs=g.add("Add", inputs=[y, x]))
        elif step == "concat":
            a = g.add("Conv2d", inputs=x, out_channels=c, kernel_size=1)
            b = g.add("Conv2d", inputs=x, out_channels=4, kernel_size=3, padding=1)
            x = g.add("Concat", inputs=[a, b], num_inputs=2)
        elif step == "seq":  # dotted names: a Sequential-style stage, as presets have
            stage = g.unique_name("stage")
            for i in range(draw(st.integers(1, 3))):
                x = g.add(
                    "Conv2d",
                    name=f"{stage}.{2 * i}",
                    inputs=x,
                    out_channels=c,
                    kernel_size=3,
                    padding=1,
                )
                x = g.add("ReLU", name=f"{stage}.{2 * i + 1}", inputs=x)
        elif step == "numbered":
            x = _numbered_stage(draw, g, x, c)
        elif step == "cnblock":
            x = g.add("CNBlock", inputs=x, layer_scale=0.5)
        elif step == "layer_scale":  # a bare parameter: on its own, or in a numbered stage
            if draw(st.booleans()):
                x = g.add("LayerScale", inputs=x, init=0.5)
            else:
                stage = g.unique_name("scaled")
                x = g.add("Conv2d", name=f"{stage}.0", inputs=x, out_channels=c, kernel_size=1)
                x = g.add("LayerScale", name=f"{stage}.1", inputs=x, init=0.5)
    x = g.add("GlobalAvgPool", inputs=x)
    x = g.add("Flatten", inputs=x)
    if draw(st.booleans()):  # a head under a dotted name that is not a Sequential
        x = g.add("Dropout", name="head.drop", inputs=x, p=0.1)
        x = g.add("Linear", name="head.fc", inputs=x, out_features=5)
    else:
        x = g.add("Linear", name="fc", inputs=x, out_features=5)
    g.add("Output", inputs=x)
    return g


def _numbered_stage(draw, g: Graph, x: str, c: int) -> str:
    """Members ``stage.0``, ``stage.2``...: numbers with gaps, operators (Concat, Add) among them,
    branches inside or outside the stage; the last member feeds what follows the stage."""
    stage = g.unique_name("features")
    numbers = (f"{stage}.{i}" for i in range(0, 100, draw(st.sampled_from([1, 2]))))
    kinds = st.sampled_from(["relu", "conv", "concat", "add"])
    for kind in draw(st.lists(kinds, min_size=1, max_size=4)):
        inside = draw(st.booleans())  # branch convs numbered in the stage too
        if kind == "relu":
            x = g.add("ReLU", name=next(numbers), inputs=x)
        elif kind == "conv":
            x = _conv(g, x, next(numbers), c, 3)
        elif kind == "concat":
            a = _conv(g, x, next(numbers) if inside else None, c, 1)
            b = _conv(g, x, next(numbers) if inside else None, 4, 3)
            x = g.add("Concat", name=next(numbers), inputs=[a, b], num_inputs=2)
        else:
            channels = g.analyze().output_shape(x)[0]
            y = _conv(g, x, next(numbers) if inside else None, channels, 3)
            x = g.add("Add", name=next(numbers), inputs=[y, x])
    return x


def _conv(g: Graph, x: str, name: str | None, channels: int, k: int) -> str:
    return g.add(
        "Conv2d", name=name, inputs=x, out_channels=channels, kernel_size=k, padding=k // 2
    )


def _issue_11_graph() -> Graph:
    """Input -> ReLU ``features.0`` -> two convs -> Concat ``features.1`` -> conv -> Output."""
    g = Graph("gap")
    x = g.add("Input", channels=3, height=8, width=8)
    r = g.add("ReLU", name="features.0", inputs=x)
    a = g.add("Conv2d", inputs=r, out_channels=4, kernel_size=1)
    b = g.add("Conv2d", inputs=r, out_channels=4, kernel_size=3, padding=1)
    c = g.add("Concat", name="features.1", inputs=[a, b], num_inputs=2)
    g.add("Output", inputs=g.add("Conv2d", inputs=c, out_channels=5, kernel_size=1))
    return g


def test_operator_at_the_end_of_a_numbered_container(load_source) -> None:
    # Used to fail with KeyError: 'features.1' (the Concat was taken for part of features' call).
    _check_round_trip(_issue_11_graph(), load_source)


def test_blocks_with_a_projection_and_an_option_a_shortcut(load_source) -> None:
    # Used to share one class whose flag built a 1x1 conv + BN for the option-A block too
    # (missing keys block3.downsample.*), found by the random round trip.
    g = Graph("two shortcuts")
    x = g.add("Input", channels=1, height=16, width=16)
    x = g.add("BasicBlock", name="block1", inputs=x, planes=4, shortcut="B")
    x = g.add("BasicBlock", name="block2", inputs=x, planes=4, shortcut="A")
    x = g.add("BasicBlock", name="block3", inputs=x, planes=4, stride=2, shortcut="A")
    x = g.add("Flatten", inputs=g.add("GlobalAvgPool", inputs=x))
    g.add("Output", inputs=g.add("Linear", name="fc", inputs=x, out_features=5))
    _check_round_trip(g, load_source)


def test_expanded_cnblocks_hold_their_layer_scales_in_containers(load_source) -> None:
    # An expanded CNBlock's layer_scale is a bare parameter inside features.1.0, which an
    # nn.ModuleDict cannot hold: it is registered on the container after it is built.
    from convnet_studio.graph.composite_ops import expand_node

    g = Graph("expanded convnext")
    x = g.add("Input", channels=3, height=16, width=16)
    x = g.add("Conv2d", name="features.0", inputs=x, out_channels=8, kernel_size=4, stride=4)
    for i in range(2):
        x = g.add("CNBlock", name=f"features.1.{i}", inputs=x, layer_scale=0.5)
    x = g.add("Flatten", inputs=g.add("GlobalAvgPool", inputs=x))
    g.add("Output", inputs=g.add("Linear", name="fc", inputs=x, out_features=5))
    for name in expand_node(g, "features.1.1"):
        del g.node(name).meta["origin"]  # as if drawn by hand: no class folds it back
    source = generate_python(g)
    assert "self.features[1][1].layer_scale = nn.Parameter(torch.full((8, 1, 1), 0.5))" in source
    _check_round_trip(g, load_source)
    module = load_source(source, "expanded_order")
    assert list(module.build_model().state_dict()) == list(compile_graph(g).state_dict())


def test_layer_scales_under_any_name(load_source) -> None:
    # An index ("stage.1"), a name that is no identifier ("head.a-b") and a top-level member.
    g = Graph("scales")
    x = g.add("Input", channels=3, height=8, width=8)
    x = g.add("Conv2d", name="stage.0", inputs=x, out_channels=4, kernel_size=1)
    for name, init in (("stage.1", 0.5), ("head.scale", 0.25), ("head.a-b", 0.2), ("top", 2.0)):
        x = g.add("LayerScale", name=name, inputs=x, init=init)
    x = g.add("Flatten", inputs=g.add("GlobalAvgPool", inputs=x))
    g.add("Output", inputs=g.add("Linear", name="fc", inputs=x, out_features=5))
    _check_round_trip(g, load_source)
    module = load_source(generate_python(g), "scales_order")
    assert list(module.build_model().state_dict()) == list(compile_graph(g).state_dict())
    g.rename_node("head.scale", "head.keys")  # ModuleDict.keys would shadow the parameter
    with pytest.raises(InvalidGraphError, match="head.keys is named like a method"):
        generate_python(g)


@settings(
    max_examples=int(os.environ.get("CS_EXPORT_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@pytest.mark.slow  # dozens of generated files, each formatted and imported
@given(graph=random_graphs())
def test_random_graph_round_trip(graph: Graph, load_source) -> None:
    _check_round_trip(graph, load_source)


def _check_round_trip(graph: Graph, load_source) -> None:
    assert graph.analyze().ok, graph.analyze().problems
    source = generate_python(graph)
    assert ruff_problems(source) == ""
    module = load_source(source)
    torch.manual_seed(0)
    compiled = compile_graph(graph).eval()
    for bn in (m for m in compiled.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        bn.running_mean.uniform_(-0.1, 0.1)
        bn.running_var.uniform_(0.5, 1.5)
    model = exported_from(module, compiled, num_classes=5)
    x = torch.randn(2, *graph.analyze().input_shape)
    with torch.no_grad():
        torch.testing.assert_close(model(x), compiled(x), rtol=1e-4, atol=1e-5)
