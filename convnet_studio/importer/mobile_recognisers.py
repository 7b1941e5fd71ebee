"""torchvision's three inverted residuals read as the studio's ``InvertedResidual`` composite.

MobileNetV2's and MNASNet's blocks keep no expansion ratio, so it is read back as expanded
width / input width (an integer in torchvision's builders); MobileNetV3's keeps the expanded
width itself, as its tables give it. The importer then checks the composite
against the module, so a block built some other way is traced as primitives instead.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from convnet_studio.graph.blocks.mobile_composites import ACTIVATIONS, se_squeeze_width
from convnet_studio.importer.primitives import Mapped, Unmappable


def _int(value: Any, what: str) -> int:
    a, b = value if isinstance(value, (tuple, list)) else (value, value)
    if a != b:
        raise Unmappable(f"an inverted residual with a non-square {what} {tuple(value)}")
    return int(a)


def _ratio(in_channels: int, expanded: int) -> int:
    if expanded % in_channels:
        raise Unmappable(f"an inverted residual expanding {in_channels} channels to {expanded}, not a multiple")
    return expanded // in_channels


def _common(style: str, depthwise: nn.Conv2d, bn: nn.BatchNorm2d, activation: nn.Module, out: int) -> dict:
    """The parameters every style reads the same way, from its depthwise conv and a BN."""
    name = type(activation).__name__
    if name not in ACTIVATIONS:
        raise Unmappable(f"an inverted residual with {name}")
    return {
        "style": style, "out_channels": out, "kernel_size": _int(depthwise.kernel_size, "kernel"),
        "stride": _int(depthwise.stride, "stride"), "dilation": _int(depthwise.dilation, "dilation"),
        "activation": name, "bn_eps": bn.eps, "bn_momentum": bn.momentum,
    }


def mobilenet_v2_block(m: nn.Module) -> Mapped:
    """``mobilenetv2.InvertedResidual``: conv = [expand,] depthwise, 1x1 conv, BN."""
    *units, project, bn = m.conv
    depthwise = units[-1]
    params = _common("MobileNetV2", depthwise[0], bn, depthwise[2], project.out_channels)
    params["expand_ratio"] = _ratio(units[0][0].in_channels, depthwise[0].out_channels)
    return "InvertedResidual", params


def mobilenet_v3_block(m: nn.Module) -> Mapped:
    """``mobilenetv3.InvertedResidual``: block = [expand,] depthwise, [SE,] projection."""
    from torchvision.ops import SqueezeExcitation

    layers = list(m.block)
    se = [layer for layer in layers if isinstance(layer, SqueezeExcitation)]
    depthwise = layers[-2 - len(se)]
    expanded = depthwise[0].out_channels
    if se and not _is_v3_gate(se[0], expanded):
        raise Unmappable("a MobileNetV3 block whose squeeze-and-excitation is not MobileNetV3's")
    params = _common("MobileNetV3", depthwise[0], depthwise[1], depthwise[2], layers[-1][0].out_channels)
    params.update(expanded_channels=expanded, se=bool(se))
    return "InvertedResidual", params


def _is_v3_gate(se: nn.Module, expanded: int) -> bool:
    return (
        se.fc1.out_channels == se_squeeze_width(expanded)
        and type(se.activation) is nn.ReLU and type(se.scale_activation) is nn.Hardsigmoid
    )


def mnasnet_block(m: nn.Module) -> Mapped:
    """``mnasnet._InvertedResidual``: layers = 1x1, BN, ReLU, depthwise, BN, ReLU, 1x1, BN."""
    expand, bn, _, depthwise, _, activation, project, _ = m.layers
    params = _common("MNASNet", depthwise, bn, activation, project.out_channels)
    params["expand_ratio"] = _ratio(expand.in_channels, expand.out_channels)
    return "InvertedResidual", params
