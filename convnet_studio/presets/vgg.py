"""VGG-11/13/16/19, with and without BatchNorm, as torchvision builds them.

Simonyan and Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition"
(ICLR 2015, arXiv:1409.1556); configurations A, B, D and E of its Table 1.
"""

from __future__ import annotations

from functools import partial

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

PAPER = "Simonyan & Zisserman 2014, Very Deep Convolutional Networks (arXiv:1409.1556)"

# torchvision's cfgs: conv widths, "M" for a 2x2 max-pool.
CFGS: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        512,
        "M",
    ],
}
VARIANTS = {"vgg11": "A", "vgg13": "B", "vgg16": "D", "vgg19": "E"}


def stages(cfg: list[int | str]) -> list[tuple[int, int]]:
    """``[64, 64, "M", 128, "M"]`` -> ``[(64, 2), (128, 1)]``: (channels, convs) per stage."""
    result: list[tuple[int, int]] = []
    widths: list[int] = []
    for value in cfg:
        if value != "M":
            widths.append(int(value))
            continue
        if len(set(widths)) != 1:
            raise ValueError(f"a VGG stage has one conv width, not {widths}")
        result.append((widths[0], len(widths)))
        widths = []
    return result


def vgg(cfg: str, batch_norm: bool, num_classes: int, input_size: InputSize) -> Graph:
    """torchvision's VGG: ``features`` (the stages), 7x7 adaptive average pool, ``classifier``."""
    net = NetBuilder("vgg", input_size)
    index = 0
    for number, (channels, convs) in enumerate(stages(CFGS[cfg]), start=1):
        # A VGGStage composite would nest its keys under its own name ("stage1.0.weight"),
        # but torchvision numbers one Sequential across all stages ("features.7.weight").
        # So the stage's expansion is laid out as primitives with the running index, and
        # node.group makes the canvas fold each stage as one VGG stage all the same.
        params = {"channels": channels, "num_convs": convs, "batch_norm": batch_norm, "pool": True}
        names = net.inline(
            "VGGStage",
            params,
            lambda inner, start=index: f"features.{start + int(inner)}",
            f"stage{number}",
        )
        index += len(names)
    # N x 512 x 7 x 7 at 224 x 224; the adaptive pool gives 7 x 7 at any input size.
    net.add("AdaptiveAvgPool2d", "avgpool", output_size=7)
    net.add("Flatten", "flatten")
    net.add("Linear", "classifier.0", out_features=4096)
    net.add("ReLU", "classifier.1")
    net.add("Dropout", "classifier.2", p=0.5)
    net.add("Linear", "classifier.3", out_features=4096)
    net.add("ReLU", "classifier.4")
    net.add("Dropout", "classifier.5", p=0.5)
    net.add("Linear", "classifier.6", out_features=num_classes)
    return net.finish()


for _name, _cfg in VARIANTS.items():
    for _bn in (False, True):
        _depth = _name.removeprefix("vgg")
        _full = _name + ("_bn" if _bn else "")
        register_preset(
            PresetInfo(
                _full,
                "VGG",
                f"VGG-{_depth} (configuration {_cfg}){' with BatchNorm' if _bn else ''}: stages of "
                "3x3 convs and 2x2 max-pools, three fc layers; Simonyan & Zisserman 2014.",
                torchvision=_full,
                source=PAPER + "; torchvision.models." + _full,
            ),
            partial(vgg, _cfg, _bn),
        )
