"""ResNets: torchvision's ImageNet nets, the paper's plain baselines and its CIFAR-10 nets.

He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition" (CVPR 2016,
arXiv:1512.03385). Node names are torchvision's module paths (``conv1``, ``layer1.0``,
``fc``), so a compiled preset has torchvision's state_dict keys; each ``layerN.i`` is one
BasicBlock or Bottleneck composite that the canvas can expand.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

PAPER = "He et al. 2015, Deep Residual Learning (arXiv:1512.03385)"
IMAGENET_WIDTHS = (64, 128, 256, 512)
CIFAR_WIDTHS = (16, 32, 64)

# name -> (block, blocks per stage), as torchvision's resnet18() ... resnet152() call _resnet().
RESNETS: dict[str, tuple[str, tuple[int, ...]]] = {
    "resnet18": ("BasicBlock", (2, 2, 2, 2)),
    "resnet34": ("BasicBlock", (3, 4, 6, 3)),
    "resnet50": ("Bottleneck", (3, 4, 6, 3)),
    "resnet101": ("Bottleneck", (3, 4, 23, 3)),
    "resnet152": ("Bottleneck", (3, 8, 36, 3)),
}
# The paper's plain baselines (Table 2) are the 18- and 34-layer nets with the shortcuts removed.
PLAIN_DEPTHS = (18, 34)
# CIFAR-10 nets (section 4.2) have 6n + 2 weighted layers: n blocks of two convs in 3 stages.
CIFAR_RESNET_DEPTHS = (20, 32, 44, 56, 110)
CIFAR_PLAIN_DEPTHS = (20, 32, 44, 56)
# The paper's 1202-layer net (section 4.2, n = 200, 19.4M parameters) opens with every block
# expanded: the studio's test of an editor that stays instant at any size.
CIFAR_EXPANDED_DEPTHS = (1202,)


def _stages(
    net: NetBuilder, block: str, layers: Sequence[int], widths: Sequence[int], shortcut: str,
    **block_params: int,
) -> None:
    for stage, (planes, blocks) in enumerate(zip(widths, layers), start=1):
        for i in range(blocks):
            # The first block of every stage after the first halves H and W and widens.
            stride = 2 if stage > 1 and i == 0 else 1
            net.add(block, f"layer{stage}.{i}", planes=planes, stride=stride, shortcut=shortcut,
                    **block_params)


def imagenet_resnet(
    block: str, layers: Sequence[int], num_classes: int, input_size: InputSize, shortcut: str = "B",
    **block_params: int,
) -> Graph:
    """torchvision's ResNet: 7x7/2 stem, 3x3/2 max-pool, four stages, average pool, fc.

    ``block_params`` go to every block (ResNeXt's ``groups``, Wide ResNet's ``base_width``).
    """
    net = NetBuilder("resnet", input_size)
    # N x 3 x 224 x 224
    net.add("Conv2d", "conv1", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False)
    net.add("BatchNorm2d", "bn1")
    net.add("ReLU", "relu")
    net.add("MaxPool2d", "maxpool", kernel_size=3, stride=2, padding=1)
    # N x 64 x 56 x 56
    _stages(net, block, layers, IMAGENET_WIDTHS, shortcut, **block_params)
    # N x 512 (x 4 for Bottleneck) x 7 x 7
    return net.classifier_head(num_classes)


def cifar_resnet(depth: int, num_classes: int, input_size: InputSize, shortcut: str = "A") -> Graph:
    """The paper's CIFAR-10 net: 3x3 conv 16, then three stages of (depth - 2) / 6 BasicBlocks."""
    n = (depth - 2) // 6
    net = NetBuilder("cifar_resnet", input_size)
    # N x 3 x 32 x 32
    net.add("Conv2d", "conv1", out_channels=16, kernel_size=3, padding=1, bias=False)
    net.add("BatchNorm2d", "bn1")
    net.add("ReLU", "relu")
    _stages(net, "BasicBlock", (n, n, n), CIFAR_WIDTHS, shortcut)
    # N x 64 x 8 x 8
    return net.classifier_head(num_classes)


def expanded_cifar_resnet(depth: int, num_classes: int, input_size: InputSize) -> Graph:
    """:func:`cifar_resnet` with every BasicBlock expanded into its layers."""
    from convnet_studio.graph.composite_ops import expand_all

    graph = cifar_resnet(depth, num_classes, input_size)
    expand_all(graph)
    return graph


CIFAR_DEFAULTS = {"default_num_classes": 10, "default_input": (3, 32, 32), "source": PAPER + ", section 4.2"}


def _register_imagenet() -> None:
    for name, (block, layers) in RESNETS.items():
        depth = name.removeprefix("resnet")
        kind = "BasicBlocks" if block == "BasicBlock" else "Bottlenecks (v1.5: stride on the 3x3)"
        register_preset(
            PresetInfo(
                name,
                "ResNet",
                f"ResNet-{depth} for ImageNet: {list(layers)} {kind}, projection shortcuts; "
                "He et al. 2015, as torchvision builds it.",
                torchvision=name,
                source=PAPER + "; torchvision.models." + name,
            ),
            partial(imagenet_resnet, block, layers),
        )
    for depth in PLAIN_DEPTHS:
        block, layers = RESNETS[f"resnet{depth}"]
        register_preset(
            PresetInfo(
                f"plain{depth}",
                "Plain",
                f"Plain-{depth}: ResNet-{depth} with its shortcuts removed, the paper's plain "
                "ImageNet baseline (He et al. 2015, Table 2).",
                source=PAPER + ", Table 2",
            ),
            partial(imagenet_resnet, block, layers, shortcut="none"),
        )


def _register_cifar() -> None:
    for builder, depths, shortcuts in (
        (cifar_resnet, CIFAR_RESNET_DEPTHS, "option A (zero-padding) shortcuts"),
        (expanded_cifar_resnet, CIFAR_EXPANDED_DEPTHS,
         "option A shortcuts, every block expanded into its layers"),
    ):
        for depth in depths:
            n = (depth - 2) // 6
            register_preset(
                PresetInfo(
                    f"resnet{depth}_cifar",
                    "CIFAR ResNet",
                    f"ResNet-{depth} for CIFAR-10: 3 stages of {n} BasicBlocks (16/32/64), "
                    f"{shortcuts}; He et al. 2015, section 4.2.",
                    **CIFAR_DEFAULTS,
                ),
                partial(builder, depth),
            )
    for depth in CIFAR_PLAIN_DEPTHS:
        register_preset(
            PresetInfo(
                f"plain{depth}_cifar",
                "CIFAR Plain",
                f"Plain-{depth} for CIFAR-10: ResNet-{depth} with its shortcuts removed; "
                "He et al. 2015, section 4.2.",
                **CIFAR_DEFAULTS,
            ),
            partial(cifar_resnet, depth, shortcut="none"),
        )


_register_imagenet()
_register_cifar()
