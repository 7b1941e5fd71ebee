"""EfficientNet-B0..B3 and EfficientNetV2-S, as torchvision builds them.

Tan & Le, "EfficientNet: Rethinking Model Scaling for CNNs" (ICML 2019, arXiv:1905.11946)
and "EfficientNetV2: Smaller Models and Faster Training" (ICML 2021, arXiv:2104.00298).
Node names are torchvision's module paths (``features.0.0``, ``features.2.1``,
``classifier.1``); each ``features.<stage>.<i>`` is one MBConv or FusedMBConv composite.
"""

from __future__ import annotations

import math
from functools import partial

from convnet_studio.graph.blocks.efficient_composites import make_divisible
from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

# torchvision's _efficientnet_conf: (block, expand_ratio, kernel, stride, in, out, layers).
B_STAGES = [
    ("MBConv", 1, 3, 1, 32, 16, 1), ("MBConv", 6, 3, 2, 16, 24, 2), ("MBConv", 6, 5, 2, 24, 40, 2),
    ("MBConv", 6, 3, 2, 40, 80, 3), ("MBConv", 6, 5, 1, 80, 112, 3), ("MBConv", 6, 5, 2, 112, 192, 4),
    ("MBConv", 6, 3, 1, 192, 320, 1),
]
V2_S_STAGES = [
    ("FusedMBConv", 1, 3, 1, 24, 24, 2), ("FusedMBConv", 4, 3, 2, 24, 48, 4),
    ("FusedMBConv", 4, 3, 2, 48, 64, 4), ("MBConv", 4, 3, 2, 64, 128, 6),
    ("MBConv", 6, 3, 1, 128, 160, 9), ("MBConv", 6, 3, 2, 160, 256, 15),
]
# name -> (width_mult, depth_mult, dropout, torchvision's eval crop), as efficientnet_b0()...
B_VARIANTS = {
    "efficientnet_b0": (1.0, 1.0, 0.2, 224),
    "efficientnet_b1": (1.0, 1.1, 0.2, 240),
    "efficientnet_b2": (1.1, 1.2, 0.3, 288),
    "efficientnet_b3": (1.2, 1.4, 0.3, 300),
}
STOCHASTIC_DEPTH_PROB = 0.2


def _scaled(stages: list, width_mult: float = 1.0, depth_mult: float = 1.0) -> list:
    """MBConvConfig's scaling: widths to multiples of 8, depths rounded up."""
    return [
        (block, t, k, s, make_divisible(cin * width_mult), make_divisible(cout * width_mult),
         math.ceil(n * depth_mult))
        for block, t, k, s, cin, cout, n in stages
    ]


def _conv_bn_silu(net: NetBuilder, name: str, out: int, kernel: int, stride: int, eps: float) -> None:
    # torchvision's Conv2dNormActivation: conv (no bias) .0, BatchNorm .1, SiLU .2.
    net.add("Conv2d", f"{name}.0", out_channels=out, kernel_size=kernel, stride=stride,
            padding=(kernel - 1) // 2, bias=False)
    net.add("BatchNorm2d", f"{name}.1", eps=eps)
    net.add("SiLU", f"{name}.2")


def efficientnet(
    name: str, stages: list, last_channels: int | None, dropout: float, eps: float,
    num_classes: int, input_size: InputSize,
) -> Graph:
    """torchvision's EfficientNet: a 3x3/2 stem, the stages of blocks, a 1x1 conv, the head."""
    net = NetBuilder(name, input_size)
    _conv_bn_silu(net, "features.0", stages[0][4], 3, 2, eps)
    total = sum(stage[-1] for stage in stages)
    block_id = 0
    for index, (block, t, k, s, _, out, layers) in enumerate(stages, start=1):
        for i in range(layers):
            # The drop probability grows linearly with depth, from 0 at the first block.
            p = STOCHASTIC_DEPTH_PROB * float(block_id) / total
            net.add(block, f"features.{index}.{i}", expand_ratio=float(t), kernel=k,
                    stride=s if i == 0 else 1, out_channels=out, stochastic_depth_prob=p, bn_eps=eps)
            block_id += 1
    last = last_channels or 4 * stages[-1][5]
    _conv_bn_silu(net, f"features.{len(stages) + 1}", last, 1, 1, eps)
    net.add("GlobalAvgPool", "avgpool")
    net.add("Flatten", "flatten")
    net.add("Dropout", "classifier.0", p=dropout)
    net.add("Linear", "classifier.1", out_features=num_classes)
    return net.finish()


def _register() -> None:
    paper = "Tan & Le 2019 (arXiv:1905.11946); torchvision.models."
    for name, (width, depth, dropout, crop) in B_VARIANTS.items():
        label = name.split("_")[1].upper()
        wider = f"{width:g}x wider and " if width != 1.0 else ""
        scaling = (f"B0 made {wider}{depth:g}x deeper for {crop} x {crop} inputs"
                   if label != "B0" else "the baseline found by architecture search")
        info = PresetInfo(
            name, "EfficientNet",
            f"EfficientNet-{label}: MBConv blocks (inverted residuals with squeeze-and-excitation "
            f"and SiLU), {scaling}.",
            default_input=(3, crop, crop), torchvision=name, source=paper + name,
        )
        stages = _scaled(B_STAGES, width, depth)
        register_preset(info, partial(efficientnet, name, stages, None, dropout, 1e-5))
    info = PresetInfo(
        "efficientnet_v2_s", "EfficientNet",
        "EfficientNetV2-S: FusedMBConv blocks (one 3x3 conv expands) in the early stages, MBConv "
        "later; BatchNorm eps 0.001.",
        default_input=(3, 384, 384), torchvision="efficientnet_v2_s",
        source="Tan & Le 2021 (arXiv:2104.00298); torchvision.models.efficientnet_v2_s",
    )
    register_preset(info, partial(efficientnet, "efficientnet_v2_s", V2_S_STAGES, 1280, 0.2, 1e-3))


_register()
