"""torchvision's DenseNet and SqueezeNet modules recognised as the studio's composites.

``Fire`` and ``_Transition`` are one composite each. A ``_DenseBlock`` is not a chain in
torchvision (each ``_DenseLayer`` returns only its new channels, the block concatenates
them all at the end), but it computes what a chain of the studio's DenseLayers computes,
each returning ``cat([x, new])``: it becomes that chain, ``denseblockN.denselayer1``...,
with torchvision's state_dict keys. The importer checks each reading against the module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from torch import nn

from convnet_studio.importer.primitives import Chain, Mapped, Recognised, Unmappable


def _fire(m: nn.Module) -> Mapped:
    return "Fire", {
        "squeeze_planes": m.squeeze.out_channels,
        "expand1x1_planes": m.expand1x1.out_channels,
        "expand3x3_planes": m.expand3x3.out_channels,
    }


def _transition(m: nn.Module) -> Mapped:
    return "DenseTransition", {"out_channels": m.conv.out_channels}


def _dense_layer(m: nn.Module) -> Mapped:
    growth_rate = m.conv2.out_channels
    bn_size, rest = divmod(m.conv1.out_channels, growth_rate)
    if rest:
        raise Unmappable("a dense layer whose bottleneck is not a multiple of its growth rate")
    return "DenseLayer", {"growth_rate": growth_rate, "bn_size": bn_size, "drop_rate": float(m.drop_rate)}


def _dense_block(m: nn.Module) -> Chain:
    return Chain(tuple((name, _dense_layer(layer)) for name, layer in m.items()))


def dense_recognisers() -> dict[type, Callable[[nn.Module], Recognised]]:
    """Module class -> recogniser for torchvision's DenseNet and SqueezeNet building blocks."""
    densenet = importlib.import_module("torchvision.models.densenet")
    squeezenet = importlib.import_module("torchvision.models.squeezenet")
    return {
        squeezenet.Fire: _fire,
        densenet._Transition: _transition,
        densenet._DenseBlock: _dense_block,
    }
