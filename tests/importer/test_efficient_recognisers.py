"""torchvision's EfficientNet and RegNet blocks, in the settings the presets do not all reach,
are recognised as the studio's composites and compute what the module does."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from torch import nn
from torchvision.models import efficientnet, regnet

from convnet_studio.importer.composites import recognisers
from convnet_studio.importer.verify import composite_matches


def _mbconv(t, k, s, cin, cout, eps=1e-5, p=0.0):
    config = efficientnet.MBConvConfig(t, k, s, cin, cout, 1)
    return efficientnet.MBConv(config, p, partial(nn.BatchNorm2d, eps=eps))


def _fused(t, k, s, cin, cout, p=0.0):
    return efficientnet.FusedMBConv(efficientnet.FusedMBConvConfig(t, k, s, cin, cout, 1), p, nn.BatchNorm2d)


def _regnet(cin, cout, stride, group_width=8, multiplier=1.0, se_ratio=0.25):
    return regnet.ResBottleneckBlock(cin, cout, stride, nn.BatchNorm2d, nn.ReLU, group_width, multiplier,
                                     se_ratio)


MODULES = {
    "mbconv-expand1": (_mbconv(1, 3, 1, 32, 16), 32),
    "mbconv-expand6-residual": (_mbconv(6, 3, 1, 24, 24, p=0.1), 24),
    "mbconv-kernel5-stride2": (_mbconv(6, 5, 2, 24, 40, eps=1e-3), 24),
    "fused-expand1-residual": (_fused(1, 3, 1, 24, 24, p=0.05), 24),
    "fused-expand4-stride2": (_fused(4, 3, 2, 24, 48), 24),
    "regnet-proj": (_regnet(32, 48, 2), 32),
    "regnet-identity": (_regnet(48, 48, 1), 48),
    "regnet-x-no-se": (_regnet(48, 64, 1, group_width=16, se_ratio=None), 48),
    "regnet-bottleneck-half": (_regnet(32, 32, 1, group_width=4, multiplier=0.5), 32),
}


@pytest.mark.parametrize("case", list(MODULES))
def test_block_is_recognised_and_computes_the_module(case: str) -> None:
    module, channels = MODULES[case]
    module.eval()
    with torch.no_grad():  # BatchNorm statistics that are not the identity
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_var.uniform_(0.5, 2.0)
                m.running_mean.normal_()
    type_name, params = recognisers()[type(module)](module)
    assert type_name == {"MBConv": "MBConv", "FusedMBConv": "FusedMBConv"}.get(
        type(module).__name__, "ResBottleneckBlock")
    x = torch.randn(2, channels, 12, 12, generator=torch.Generator().manual_seed(0))
    assert composite_matches(module, (type_name, params), x)


def test_regnet_block_with_another_activation_is_left_to_the_tracer() -> None:
    from convnet_studio.importer.primitives import Unmappable

    block = regnet.ResBottleneckBlock(16, 16, 1, nn.BatchNorm2d, nn.SiLU, 8, 1.0, None)
    with pytest.raises(Unmappable, match="SiLU"):
        recognisers()[regnet.ResBottleneckBlock](block)
