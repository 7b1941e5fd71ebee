"""RegNetY-400MF, as torchvision builds it.

Radosavovic et al., "Designing Network Design Spaces" (CVPR 2020, arXiv:2003.13678). Node
names are torchvision's module paths (``stem.0``, ``trunk_output.block1.block1-0``, ``fc``);
each block is one ResBottleneckBlock composite.
"""

from __future__ import annotations

from functools import partial

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

# Stage widths and depths as torchvision's BlockParams.from_init_params computes them (its
# quantised linear rule, depth=16, w_0=48, w_a=27.89, w_m=2.09, group width 8, SE 0.25):
# name -> (stage widths, stage depths, group width, se_ratio).
REGNETS = {
    "regnet_y_400mf": ((48, 104, 208, 440), (1, 3, 6, 6), 8, 0.25),
}
STEM_WIDTH = 32


def regnet(
    name: str, widths: tuple[int, ...], depths: tuple[int, ...], group_width: int, se_ratio: float,
    num_classes: int, input_size: InputSize,
) -> Graph:
    """torchvision's RegNet: a 3x3/2 stem, stages that each start with a stride-2 block, the head."""
    net = NetBuilder(name, input_size)
    net.add("Conv2d", "stem.0", out_channels=STEM_WIDTH, kernel_size=3, stride=2, padding=1, bias=False)
    net.add("BatchNorm2d", "stem.1")
    net.add("ReLU", "stem.2")
    for stage, (width, depth) in enumerate(zip(widths, depths), start=1):
        for i in range(depth):
            net.add("ResBottleneckBlock", f"trunk_output.block{stage}.block{stage}-{i}", out_channels=width,
                    stride=2 if i == 0 else 1, group_width=group_width, se_ratio=se_ratio)
    net.add("GlobalAvgPool", "avgpool")
    net.add("Flatten", "flatten")
    net.add("Linear", "fc", out_features=num_classes)
    return net.finish()


def _register() -> None:
    info = PresetInfo(
        "regnet_y_400mf", "RegNet",
        "RegNetY-400MF: four stages of residual bottlenecks with grouped 3x3 convs (group width 8) "
        "and squeeze-and-excitation, widths from a quantised linear rule.",
        torchvision="regnet_y_400mf",
        source="Radosavovic et al. 2020 (arXiv:2003.13678); torchvision.models.regnet_y_400mf",
    )
    register_preset(info, partial(regnet, "regnet_y_400mf", *REGNETS["regnet_y_400mf"]))


_register()
