"""ShuffleNet V2, as torchvision builds it.

Ma et al., "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design" (ECCV
2018, arXiv:1807.11164). Node names are torchvision's module paths (``conv1.0``, ``stage2.0``
... ``conv5.2``, ``fc``); each ``stageN.i`` is one ShuffleUnit, so a compiled preset has
torchvision's state_dict keys and ``convnet-studio import torchvision:shufflenet_v2_x1_0``
gives the same graph.
"""

from __future__ import annotations

from functools import partial

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

PAPER = "Ma et al. 2018, ShuffleNet V2 (arXiv:1807.11164)"
# torchvision's stages_repeats and stages_out_channels (stem, stage2..4, conv5) per width.
SHUFFLENETS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int, int, int]]] = {
    "shufflenet_v2_x1_0": ((4, 8, 4), (24, 116, 232, 464, 1024)),
}


def _conv_bn_relu(net: NetBuilder, name: str, out: int, kernel: int, stride: int) -> None:
    # torchvision's nn.Sequential(conv (no bias), BatchNorm, ReLU): .0 .1 .2
    net.add("Conv2d", f"{name}.0", out_channels=out, kernel_size=kernel, stride=stride,
            padding=kernel // 2, bias=False)
    net.add("BatchNorm2d", f"{name}.1")
    net.add("ReLU", f"{name}.2")


def shufflenet_v2(version: str, num_classes: int, input_size: InputSize) -> Graph:
    repeats, (stem, *stages, last) = SHUFFLENETS[version]
    net = NetBuilder(version, input_size)
    # N x 3 x 224 x 224
    _conv_bn_relu(net, "conv1", stem, 3, 2)
    net.add("MaxPool2d", "maxpool", kernel_size=3, stride=2, padding=1)
    # N x 24 x 56 x 56; each stage halves H and W in its first unit
    for index, (n, out) in enumerate(zip(repeats, stages), start=2):
        for i in range(n):
            net.add("ShuffleUnit", f"stage{index}.{i}", out_channels=out, stride=2 if i == 0 else 1)
    _conv_bn_relu(net, "conv5", last, 1, 1)
    # N x 1024 x 7 x 7; torchvision pools with x.mean([2, 3]), which the importer reads as a
    # global average pool and a flatten named after it.
    net.add("GlobalAvgPool", "mean")
    net.add("Flatten", "mean_flatten")
    net.add("Linear", "fc", out_features=num_classes)
    return net.finish()


register_preset(
    PresetInfo(
        "shufflenet_v2_x1_0",
        "ShuffleNet",
        "ShuffleNet V2 1.0x: units that split the channels, convolve half (1x1, depthwise 3x3, "
        "1x1) and shuffle them back together; Ma et al. 2018.",
        torchvision="shufflenet_v2_x1_0",
        source=PAPER + "; torchvision.models.shufflenet_v2_x1_0",
    ),
    partial(shufflenet_v2, "shufflenet_v2_x1_0"),
)
