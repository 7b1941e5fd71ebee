"""torchvision's building blocks recognised as the studio's composites.

A recogniser reads a module's hyper-parameters into a composite's parameters; the importer
then checks that the composite really computes what the module does (same state_dict keys,
same output), and traces through the module as primitives when it does not.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from convnet_studio.graph.blocks.attention_composites import SE_ACTIVATIONS, SE_GATES
from convnet_studio.importer.dense_recognisers import dense_recognisers
from convnet_studio.importer.primitives import Mapped, Recognised, Unmappable, square


def _shortcut(m: nn.Module, in_c: int, out_c: int, stride: int) -> str:
    # The studio's "B" projects exactly where torchvision's _make_layer adds a downsample.
    changes = stride != 1 or in_c != out_c
    if (m.downsample is not None) == changes:
        return "B"
    if m.downsample is not None:
        return "C"
    raise Unmappable("a residual block whose shape changes needs a downsample")


def _basic_block(m: nn.Module) -> Mapped:
    stride = square(m.conv1.stride)
    planes = m.conv1.out_channels
    return "BasicBlock", {
        "planes": planes, "stride": stride,
        "shortcut": _shortcut(m, m.conv1.in_channels, planes, stride),
    }


def _bottleneck(m: nn.Module) -> Mapped:
    stride = square(m.conv2.stride)
    groups = m.conv2.groups
    out_c = m.conv3.out_channels
    planes = out_c // m.expansion
    base_width = m.conv2.out_channels // groups * 64 // planes
    return "Bottleneck", {
        "planes": planes, "stride": stride, "expansion": m.expansion, "groups": groups,
        "base_width": base_width, "shortcut": _shortcut(m, m.conv1.in_channels, out_c, stride),
    }


def _basic_conv2d(m: nn.Module) -> Mapped:
    # torchvision's BasicConv2d (GoogLeNet, Inception v3): conv (no bias) -> BN -> ReLU.
    return "ConvBNReLU", {
        "out_channels": m.conv.out_channels, "kernel_size": square(m.conv.kernel_size),
        "stride": square(m.conv.stride), "padding": square(m.conv.padding),
        "batch_norm": True, "bn_eps": m.bn.eps,
    }


def _inception(m: nn.Module) -> Mapped:
    channels = {
        "ch1x1": m.branch1.conv, "ch3x3red": m.branch2[0].conv, "ch3x3": m.branch2[1].conv,
        "ch5x5red": m.branch3[0].conv, "ch5x5": m.branch3[1].conv, "pool_proj": m.branch4[1].conv,
    }
    params: dict[str, Any] = {k: conv.out_channels for k, conv in channels.items()}
    params.update(batch_norm=True, bn_eps=m.branch1.bn.eps, big_kernel=square(m.branch3[1].conv.kernel_size))
    return "InceptionModule", params


def _squeeze_excitation(m: nn.Module) -> Mapped:
    # torchvision.ops.SqueezeExcitation: the activations are modules chosen by the caller.
    activation, gate = type(m.activation).__name__, type(m.scale_activation).__name__
    if activation not in SE_ACTIVATIONS or gate not in SE_GATES:
        raise Unmappable(f"a squeeze-and-excitation with {activation} and {gate}")
    return "SqueezeExcitation", {
        "squeeze_channels": m.fc1.out_channels, "activation": activation, "scale_activation": gate,
    }


def _cnblock(m: nn.Module) -> Mapped:
    # The composite's layer_scale is the scale's initial value (the weights are loaded after):
    # a fresh model's uniform value, else ConvNeXt's 1e-6.
    scale = m.layer_scale.detach().flatten()
    uniform = bool((scale == scale[0]).all())
    if m.block[2].eps != 1e-6 or m.stochastic_depth.mode != "row":
        raise Unmappable("a CNBlock with another LayerNorm eps or stochastic depth mode")
    return "CNBlock", {
        "layer_scale": _shortest_float32(float(scale[0])) if uniform else 1e-6,
        "stochastic_depth_prob": float(m.stochastic_depth.p),
    }


def _shortest_float32(value: float) -> float:
    """The shortest decimal that is the same float32: ``1e-06``, not ``9.999999974752427e-07``."""
    for digits in range(1, 10):
        short = float(f"{value:.{digits}g}")
        if torch.tensor(short, dtype=torch.float32).item() == value:
            return short
    return value


def recognisers() -> dict[type, Callable[[nn.Module], Recognised]]:
    """Module class -> recogniser, for the torchvision classes this torchvision has."""
    import importlib

    googlenet, inception, resnet = (
        importlib.import_module(f"torchvision.models.{name}") for name in ("googlenet", "inception", "resnet")
    )
    convnext = importlib.import_module("torchvision.models.convnext")

    from torchvision.ops import SqueezeExcitation

    return {
        SqueezeExcitation: _squeeze_excitation,
        resnet.BasicBlock: _basic_block,
        resnet.Bottleneck: _bottleneck,
        googlenet.BasicConv2d: _basic_conv2d,
        googlenet.Inception: _inception,
        inception.BasicConv2d: _basic_conv2d,
        **dense_recognisers(),
        convnext.CNBlock: _cnblock,
    }
