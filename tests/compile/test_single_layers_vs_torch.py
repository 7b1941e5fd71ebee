"""One random layer on a tiny input: the analysis accepts it exactly when PyTorch does.

Parameters are drawn from each block's own schema (small values, the edges included), the
input is a tiny feature map or a flat vector, and the judge is torch.nn built here directly
(not through the compiler). Valid means the module builds and its forward runs in training
mode on a batch of 2; then the output shape and the parameter count must equal the analysis's.

Deliberate differences, kept out of the draw: Linear takes only flat inputs here (PyTorch would
apply it to the last axis of a feature map), Concat, ChannelShuffle and ChannelSplit only feature
maps (they work on channels; torch would also split a flat vector), LayerScale only feature maps
(its C x 1 x 1 scale would broadcast a flat vector into a new shape), and
ranges the schema narrows on purpose (out_features >= 1, momentum <= 1) are not drawn beyond.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn
from torchvision.models.convnext import LayerNorm2d
from torchvision.ops import Permute, StochasticDepth

from convnet_studio.graph import Graph, GraphError, get_block
from convnet_studio.graph.params import ParamSpec, pair


def _pool_stride(p: dict) -> Any:
    return None if pair(p["stride"]) == (0, 0) else pair(p["stride"])


def _padding(value: Any) -> Any:
    return value if isinstance(value, str) else pair(value)


JUDGES = {
    "Conv2d": lambda p, c: nn.Conv2d(
        p["in_channels"] or c, p["out_channels"], pair(p["kernel_size"]), pair(p["stride"]),
        _padding(p["padding"]), pair(p["dilation"]), p["groups"], p["bias"]),
    "BatchNorm2d": lambda p, c: nn.BatchNorm2d(c, p["eps"], p["momentum"], p["affine"]),
    "LocalResponseNorm": lambda p, c: nn.LocalResponseNorm(p["size"], p["alpha"], p["beta"], p["k"]),
    "ReLU": lambda p, c: nn.ReLU(),
    "LeakyReLU": lambda p, c: nn.LeakyReLU(p["negative_slope"]),
    "GELU": lambda p, c: nn.GELU(),
    "SiLU": lambda p, c: nn.SiLU(),
    "Sigmoid": lambda p, c: nn.Sigmoid(),
    "Tanh": lambda p, c: nn.Tanh(),
    "Hardswish": lambda p, c: nn.Hardswish(),
    "ReLU6": lambda p, c: nn.ReLU6(),
    "Hardsigmoid": lambda p, c: nn.Hardsigmoid(),
    "Mul": lambda p, c: _Lambda(lambda x: x * x),
    "StochasticDepth": lambda p, c: StochasticDepth(p["p"], p["mode"]),
    "ChannelShuffle": lambda p, c: nn.ChannelShuffle(p["groups"]),
    "ChannelSplit": lambda p, c: _Lambda(lambda x: x.chunk(p["chunks"], 1)[p["index"]]),
    "Dropout": lambda p, c: nn.Dropout(p["p"]),
    "Flatten": lambda p, c: nn.Flatten(),
    "Linear": lambda p, c: nn.Linear(p["in_features"] or c, p["out_features"], p["bias"]),
    "MaxPool2d": lambda p, c: nn.MaxPool2d(
        pair(p["kernel_size"]), _pool_stride(p), pair(p["padding"]), pair(p["dilation"]), ceil_mode=p["ceil_mode"]),
    "AvgPool2d": lambda p, c: nn.AvgPool2d(
        pair(p["kernel_size"]), _pool_stride(p), pair(p["padding"]), p["ceil_mode"], p["count_include_pad"]),
    "AdaptiveAvgPool2d": lambda p, c: nn.AdaptiveAvgPool2d(pair(p["output_size"])),
    "GlobalAvgPool": lambda p, c: _Lambda(lambda x: x.mean((2, 3), keepdim=True)),
    "Identity": lambda p, c: nn.Identity(),
    "Add": lambda p, c: _Lambda(lambda x: sum([x] * p["num_inputs"])),
    "Concat": lambda p, c: _Lambda(lambda x: torch.cat([x] * p["num_inputs"], 1)),
    "LayerNorm2d": lambda p, c: LayerNorm2d(c, p["eps"], p["affine"]),
    "ChannelLinear": lambda p, c: nn.Sequential(  # torchvision's CNBlock: block.1, .3, .6
        Permute([0, 2, 3, 1]), nn.Linear(p["in_features"] or c, p["out_features"], p["bias"]),
        Permute([0, 3, 1, 2])),
    "LayerScale": lambda p, c: _Scale(c, p["init"]),
}
FLAT_ONLY = {"Linear"}
MAPS_ONLY = {"Concat", "ChannelShuffle", "ChannelSplit", "LayerScale"}


class _Scale(nn.Module):
    """torchvision's CNBlock's ``layer_scale * result``."""

    def __init__(self, channels: int, init: float) -> None:
        super().__init__()
        self.layer_scale = nn.Parameter(torch.ones(channels, 1, 1) * init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_scale * x


class _Lambda(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


def _small(spec: ParamSpec) -> st.SearchStrategy:
    """Values of one parameter: small, from its minimum up, with its maximum if it has one."""
    low = int(spec.minimum or 0)
    if spec.kind == "int":
        high = low + 4 if spec.maximum is None else min(int(spec.maximum), low + 4)
        return st.integers(low, high)
    if spec.kind == "float":
        lo = spec.minimum if spec.minimum is not None else -2.0
        hi = spec.maximum if spec.maximum is not None else lo + 2.0
        return st.sampled_from([lo, hi]) | st.floats(lo, hi)
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    one = st.integers(low, low + 3)
    pairs = one | st.lists(one, min_size=2, max_size=2)
    return pairs | st.sampled_from(["same", "valid"]) if spec.kind == "padding" else pairs


@st.composite
def layers(draw, type_name: str) -> tuple[dict, tuple[int, int, int], bool]:
    spec = get_block(type_name)
    params = {p.name: draw(_small(p)) for p in spec.params}
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    flat = type_name in FLAT_ONLY or (type_name not in MAPS_ONLY and draw(st.booleans()))
    return params, shape, flat


def _analysis(type_name: str, params: dict, shape: tuple[int, int, int], flat: bool):
    g = Graph()
    x = g.add("Input", "input", channels=shape[0], height=shape[1], width=shape[2])
    if flat:
        x = g.add("Flatten", "flat", x)
    try:
        node = g.add_node(type_name, "layer", params)
    except GraphError:
        return None  # the schema refuses the value
    for port in node.input_ports():
        g.connect(x, "layer", dst_port=port)
    g.add("Output", "output", "layer")
    return g.analyze()


def _torch(type_name: str, params: dict, shape: tuple[int, int, int], flat: bool):
    x = torch.randn(2, *shape)
    if flat:
        x = x.flatten(1)
    try:
        module = JUDGES[type_name](params, x.shape[1]).train()
        return module(x), sum(p.numel() for p in module.parameters())
    except (RuntimeError, ValueError, IndexError):  # IndexError: pooling a flat tensor
        return None


@pytest.mark.parametrize("type_name", sorted(JUDGES))
def test_analysis_accepts_a_layer_exactly_when_pytorch_does(type_name: str) -> None:
    @settings(max_examples=int(os.environ.get("CS_LAYER_EXAMPLES", "25")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(layers(type_name))
    def check(case: tuple[dict, tuple[int, int, int], bool]) -> None:
        params, shape, flat = case
        analysis = _analysis(type_name, params, shape, flat)
        ran = _torch(type_name, params, shape, flat)
        valid = analysis is not None and analysis.ok
        problems = analysis.problems if analysis is not None else "refused by the schema"
        assert valid == (ran is not None), (params, shape, flat, problems)
        if valid:
            out, count = ran
            assert analysis.output_shape("layer") == tuple(out.shape[1:])
            assert analysis.nodes["layer"].cost.params == count

    check()


def test_every_primitive_has_a_judge() -> None:
    from convnet_studio.graph import list_blocks

    primitives = {s.type for s in list_blocks() if not s.is_composite} - {"Input", "Output", "ShortcutA"}
    # ShortcutA: PyTorch's pad would crop instead of refusing (tests/compile checks it on
    # its own). Every other primitive is judged by torch.nn (or torchvision.ops) here.
    assert set(JUDGES) == primitives
