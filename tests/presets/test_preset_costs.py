"""The cost model's totals are torchvision's published numbers (read from its weights enums)."""

from __future__ import annotations

import pytest
from preset_cases import TORCHVISION_PRESETS
from torchvision.models import get_model_weights

from convnet_studio.presets import get_preset, preset_info


@pytest.mark.parametrize("name", TORCHVISION_PRESETS)
def test_macs_and_params_match_torchvision_metadata(name: str) -> None:
    # The enum's metadata is plain data: reading it downloads nothing. It is measured at the
    # weights' eval crop (Inception v3: 299, EfficientNet-B3: 300), the preset's default input.
    weights = get_model_weights(preset_info(name).torchvision).DEFAULT
    meta, crop = weights.meta, weights.transforms().crop_size[0]
    assert preset_info(name).default_input == (3, crop, crop)
    total = get_preset(name, num_classes=1000).analyze().total
    assert total.params == meta["num_params"] - _extra_params(name)
    # torchvision's "_ops" (GFLOPS) count multiply-accumulates, as the cost model does.
    assert total.macs / 1e9 == pytest.approx(meta["_ops"], rel=0.01)


def _extra_params(name: str) -> int:
    """torchvision's metadata counts Inception v3's auxiliary head, which the preset leaves out
    (GoogLeNet's numbers are already those of the model without its auxiliary heads)."""
    if name != "inception_v3":
        return 0
    from torchvision.models import inception_v3

    aux = inception_v3(weights=None, aux_logits=True, init_weights=False).AuxLogits
    return sum(p.numel() for p in aux.parameters())


def test_summary_numbers_of_resnet50() -> None:
    total = get_preset("resnet50").analyze().total
    assert total.params == 25_557_032
    assert round(total.macs / 1e9, 3) == 4.089
