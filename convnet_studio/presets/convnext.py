"""ConvNeXt as torchvision builds it: a patchify stem, four stages of CNBlocks, a LayerNorm head.

Liu et al., "A ConvNet for the 2020s" (CVPR 2022, arXiv:2201.03545). Node names are
torchvision's module paths (``features.0.0``, ``features.1.0``, ``classifier.2``), so a
compiled preset has torchvision's state_dict keys; each ``features.<stage>.<i>`` is one
CNBlock composite, and importing ``torchvision:convnext_tiny`` gives the same graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

PAPER = "Liu et al. 2022, A ConvNet for the 2020s (arXiv:2201.03545)"
# name -> (channels per stage, blocks per stage, stochastic depth probability of the last
# block), as torchvision's convnext_tiny() ... pass them to CNBlockConfig and _convnext().
CONVNEXTS: dict[str, tuple[tuple[int, ...], tuple[int, ...], float]] = {
    "convnext_tiny": ((96, 192, 384, 768), (3, 3, 9, 3), 0.1),
}
LAYER_SCALE = 1e-6


def convnext(widths: Sequence[int], depths: Sequence[int], drop: float, num_classes: int,
             input_size: InputSize) -> Graph:
    """torchvision's ConvNeXt: 4x4/4 stem, stages with 2x2/2 downsamplings, pool, norm, fc."""
    net = NetBuilder("convnext", input_size)
    # N x 3 x 224 x 224 -> N x 96 x 56 x 56: the stem cuts the image into 4 x 4 patches.
    net.add("Conv2d", "features.0.0", out_channels=widths[0], kernel_size=4, stride=4)
    net.add("LayerNorm2d", "features.0.1")
    total, block_id, index = sum(depths), 0, 1
    for stage, (width, depth) in enumerate(zip(widths, depths)):
        if stage:
            # N x C x H x W -> N x 2C x H/2 x W/2, normalised first
            net.add("LayerNorm2d", f"features.{index}.0")
            net.add("Conv2d", f"features.{index}.1", out_channels=width, kernel_size=2, stride=2)
            index += 1
        for i in range(depth):
            # Stochastic depth grows linearly from 0 at the first block to drop at the last.
            p = drop * block_id / (total - 1.0)
            net.add("CNBlock", f"features.{index}.{i}", layer_scale=LAYER_SCALE, stochastic_depth_prob=p)
            block_id += 1
        index += 1
    # N x 768 x 7 x 7
    net.add("GlobalAvgPool", "avgpool")
    net.add("LayerNorm2d", "classifier.0")
    net.add("Flatten", "classifier.1")
    net.add("Linear", "classifier.2", out_features=num_classes)
    return net.finish()


def _register() -> None:
    tv = "; torchvision.models."
    descriptions = {
        "convnext_tiny": "ConvNeXt-T: a ResNet modernised step by step towards a vision "
        "Transformer (4x4 patchify stem, 7x7 depthwise convs, LayerNorm, GELU, inverted "
        "bottlenecks, layer scale); Liu et al. 2022.",
    }
    for name, (widths, depths, drop) in CONVNEXTS.items():
        register_preset(
            PresetInfo(name, "ConvNeXt", descriptions[name], torchvision=name, source=PAPER + tv + name),
            partial(convnext, widths, depths, drop),
        )


_register()
