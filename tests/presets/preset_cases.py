"""Cases shared by the preset tests (imported as a plain module: the tests folders are not packages)."""

from __future__ import annotations

from convnet_studio.presets import list_presets

# Small inputs keep the suite fast: the CIFAR nets at their own 32 x 32, the ImageNet nets at
# 64 x 64 (GoogLeNet needs about 32 x 32 at least; VGG's adaptive pool takes anything >= 32).
SMALL_INPUT = {info.name: (3, 32, 32) if info.default_input[1] <= 32 else (3, 64, 64) for info in list_presets()}
TORCHVISION_PRESETS = [info.name for info in list_presets() if info.torchvision]
