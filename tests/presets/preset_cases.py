"""Cases shared by the preset tests (imported as a plain module: the tests folders are not packages)."""

from __future__ import annotations

import pytest

from convnet_studio.presets import list_presets, preset_names

# Small inputs keep the suite fast: the CIFAR nets at their own 32 x 32, the ImageNet nets at
# 64 x 64 (GoogLeNet needs about 32 x 32 at least; VGG's adaptive pool takes anything >= 32).
SMALL_INPUT = {
    info.name: (3, 32, 32) if info.default_input[1] <= 32 else (3, 64, 64)
    for info in list_presets()
}
# Inception v3's stem and two grid reductions need 75 x 75 at the least.
SMALL_INPUT["inception_v3"] = (3, 96, 96)
TORCHVISION_PRESETS = [info.name for info in list_presets() if info.torchvision]
# The fast loop (`-m "not slow"`) checks the smallest net of each family; the full suite checks
# every preset (the deep and the wide ones take seconds each on two cores).
FAST = {"resnet18", "plain18", "resnet20_cifar", "plain20_cifar", "googlenet", "googlenet_paper"}
SLOW = set(preset_names()) - FAST


def cases(names: list[str] | None = None) -> list:
    """``names`` (default: every preset) as pytest params, the large ones marked ``slow``."""
    return [
        pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name
        for name in (preset_names() if names is None else names)
    ]
