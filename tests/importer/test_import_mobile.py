"""torchvision's inverted residuals import as InvertedResidual composites, at every width."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from torch import nn
from torchvision import models
from torchvision.models import mobilenetv3
from torchvision.ops import SqueezeExcitation

from convnet_studio.importer.api import import_module

BLOCKS = (models.mobilenetv2.InvertedResidual, mobilenetv3.InvertedResidual, models.mnasnet._InvertedResidual)
VARIANTS = {
    "mobilenet_v2_0.75": partial(models.mobilenet_v2, width_mult=0.75),
    "mobilenet_v3_large_dilated": partial(models.mobilenet_v3_large, dilated=True, reduced_tail=True),
    "mobilenet_v3_small_0.5": partial(models.mobilenet_v3_small, width_mult=0.5),
    "mnasnet0_5": models.mnasnet0_5,
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_inverted_residual_becomes_the_composite(name: str) -> None:
    model = VARIANTS[name]()
    result = import_module(model, (3, 64, 64), name)
    blocks = [path for path, m in model.named_modules() if isinstance(m, BLOCKS)]
    assert blocks and all(result.composites[path] == "InvertedResidual" for path in blocks)


class _OtherGate(nn.Module):
    """A MobileNetV3 block whose squeeze-and-excitation gates with a sigmoid, not V3's."""

    def __init__(self) -> None:
        super().__init__()
        config = mobilenetv3.InvertedResidualConfig(16, 3, 64, 16, True, "HS", 1, 1, 1.0)
        se = partial(SqueezeExcitation, scale_activation=nn.Sigmoid)
        self.block = mobilenetv3.InvertedResidual(config, nn.BatchNorm2d, se_layer=se)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


def test_a_block_the_composite_cannot_hold_is_traced_with_its_se_kept() -> None:
    result = import_module(_OtherGate(), (16, 8, 8))
    assert result.composites == {"block.block.2": "SqueezeExcitation"}
    assert "block.block.0.0" in result.graph and "block.add" in result.graph
