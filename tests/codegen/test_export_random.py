"""Random graphs (chains of layers, composites, residual adds, concat branches, dotted names)
export to code that lints clean and matches the compiled module from the same weights."""

from __future__ import annotations

import pytest

import os

import torch
from conftest import exported_from, ruff_problems
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convnet_studio.codegen import generate_python
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
    x = g.add("GlobalAvgPool", inputs=x)
    x = g.add("Flatten", inputs=x)
    if draw(st.booleans()):  # a head under a dotted name that is not a Sequential
        x = g.add("Dropout", name="head.drop", inputs=x, p=0.1)
        x = g.add("Linear", name="head.fc", inputs=x, out_features=5)
    else:
        x = g.add("Linear", name="fc", inputs=x, out_features=5)
    g.add("Output", inputs=x)
    return g


@settings(
    max_examples=int(os.environ.get("CS_EXPORT_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@pytest.mark.slow  # dozens of generated files, each formatted and imported
@given(graph=random_graphs())
def test_random_graph_round_trip(graph: Graph, load_source) -> None:
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
