"""torchvision's ConvNeXt block recognised as the studio's CNBlock composite.

torchvision's ``CNBlock`` permutes to channels-last for its LayerNorm and Linear layers and
holds ``layer_scale`` as a bare parameter; recognised as a whole, it is never traced, and the
studio's CNBlock (C x H x W throughout) has its state_dict keys and computes its output.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import torch
from torch import nn

from convnet_studio.graph.blocks.convnext import LAYER_NORM_EPS
from convnet_studio.importer.primitives import Mapped, Recognised, Unmappable


def _cnblock(m: nn.Module) -> Mapped:
    # The composite's layer_scale is the scale's initial value (the weights are loaded after):
    # a fresh model's uniform value, else ConvNeXt's 1e-6.
    scale = m.layer_scale.detach().flatten()
    uniform = bool((scale == scale[0]).all())
    if m.block[2].eps != LAYER_NORM_EPS or m.stochastic_depth.mode != "row":
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


def convnext_recognisers() -> dict[type, Callable[[nn.Module], Recognised]]:
    """Module class -> recogniser for torchvision's ConvNeXt building block."""
    convnext = importlib.import_module("torchvision.models.convnext")
    return {convnext.CNBlock: _cnblock}
