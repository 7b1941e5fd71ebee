"""Famous networks as editable graphs: ResNet, plain and CIFAR nets, GoogLeNet, VGG.

>>> from convnet_studio.presets import get_preset
>>> graph = get_preset("resnet18", num_classes=10, input_size=(3, 32, 32))
>>> graph.analyze().output_shape("fc")
(10,)

Nothing here imports torch: the weights helpers that do live in
:mod:`convnet_studio.presets.weights`.
"""

from __future__ import annotations

from convnet_studio.errors import PresetError, WeightsError
from convnet_studio.presets.registry import (
    PresetInfo,
    get_preset,
    list_presets,
    preset_info,
    preset_names,
    register_preset,
)

__all__ = [
    "PresetError",
    "PresetInfo",
    "WeightsError",
    "get_preset",
    "list_presets",
    "preset_info",
    "preset_names",
    "register_preset",
]
