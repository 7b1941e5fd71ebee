"""AlexNet, SqueezeNet, ResNeXt and Wide ResNet, as torchvision builds them.

Node names are torchvision's module paths (``features.3``, a Fire, ``layer1.0.conv2``),
so a compiled preset has torchvision's state_dict keys; importing the torchvision model
(``convnet-studio import torchvision:squeezenet1_1``) gives the same graph.
"""

from __future__ import annotations

from functools import partial

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset
from convnet_studio.presets.resnet import imagenet_resnet

# torchvision's AlexNet.features: (out_channels, kernel, stride, padding) or "M" (3x3/2 pool).
ALEXNET = [(64, 11, 4, 2), "M", (192, 5, 1, 2), "M", (384, 3, 1, 1), (256, 3, 1, 1), (256, 3, 1, 1), "M"]
# SqueezeNet: the stem conv (out, kernel), then Fire (squeeze, expand) per entry, "M" for pools.
SQUEEZENETS: dict[str, tuple[tuple[int, int], list]] = {
    "squeezenet1_0": ((96, 7), ["M", (16, 64), (16, 64), (32, 128), "M", (32, 128), (48, 192),
                                (48, 192), (64, 256), "M", (64, 256)]),
    "squeezenet1_1": ((64, 3), ["M", (16, 64), (16, 64), "M", (32, 128), (32, 128), "M",
                                (48, 192), (48, 192), (64, 256), (64, 256)]),
}


def alexnet(num_classes: int, input_size: InputSize) -> Graph:
    net = NetBuilder("alexnet", input_size)
    index = 0
    for entry in ALEXNET:
        if entry == "M":
            net.add("MaxPool2d", f"features.{index}", kernel_size=3, stride=2)
            index += 1
            continue
        out, kernel, stride, padding = entry
        net.add("Conv2d", f"features.{index}", out_channels=out, kernel_size=kernel, stride=stride, padding=padding)
        net.add("ReLU", f"features.{index + 1}")
        index += 2
    # N x 256 x 6 x 6 at 224 x 224; the adaptive pool gives 6 x 6 at any size.
    net.add("AdaptiveAvgPool2d", "avgpool", output_size=6)
    net.add("Flatten", "flatten")
    for i, layer in ((0, "Dropout"), (1, 4096), (2, "ReLU"), (3, "Dropout"), (4, 4096), (5, "ReLU")):
        if isinstance(layer, int):
            net.add("Linear", f"classifier.{i}", out_features=layer)
        else:
            net.add(layer, f"classifier.{i}", **({"p": 0.5} if layer == "Dropout" else {}))
    net.add("Linear", "classifier.6", out_features=num_classes)
    return net.finish()


def squeezenet(version: str, num_classes: int, input_size: InputSize) -> Graph:
    (out, kernel), body = SQUEEZENETS[version]
    net = NetBuilder(version, input_size)
    net.add("Conv2d", "features.0", out_channels=out, kernel_size=kernel, stride=2)
    net.add("ReLU", "features.1")
    for index, entry in enumerate(body, start=2):
        if entry == "M":
            net.add("MaxPool2d", f"features.{index}", kernel_size=3, stride=2, ceil_mode=True)
        else:
            squeeze, expand = entry
            net.add("Fire", f"features.{index}", squeeze_planes=squeeze, expand1x1_planes=expand,
                    expand3x3_planes=expand)
    # The classifier is a 1x1 conv to the classes, then a global average pool.
    net.add("Dropout", "classifier.0", p=0.5)
    net.add("Conv2d", "classifier.1", out_channels=num_classes, kernel_size=1)
    net.add("ReLU", "classifier.2")
    net.add("GlobalAvgPool", "classifier.3")
    net.add("Flatten", "flatten")
    return net.finish()


def _register() -> None:
    tv = "; torchvision.models."
    entries = [
        ("alexnet", "AlexNet", "AlexNet as torchvision builds it (the one-GPU variant of the paper): "
         "5 convs, 3 max-pools, 3 fully connected layers; Krizhevsky et al. 2012.", alexnet,
         "Krizhevsky et al. 2012; arXiv:1404.5997"),
        ("squeezenet1_0", "SqueezeNet", "SqueezeNet 1.0: Fire modules (1x1 squeeze, 1x1 + 3x3 "
         "expand), a conv classifier, AlexNet accuracy with 50x fewer parameters; Iandola et al. 2016.",
         partial(squeezenet, "squeezenet1_0"), "Iandola et al. 2016 (arXiv:1602.07360)"),
        ("squeezenet1_1", "SqueezeNet", "SqueezeNet 1.1: a 3x3 stem and earlier pooling, 2.4x less "
         "computation than 1.0 at the same accuracy.", partial(squeezenet, "squeezenet1_1"),
         "Iandola et al. 2016; SqueezeNet v1.1 release"),
        ("resnext50_32x4d", "ResNet", "ResNeXt-50 32x4d: ResNet-50 with 32 groups of width 4 in "
         "every 3x3 conv; Xie et al. 2017.", partial(imagenet_resnet, "Bottleneck", (3, 4, 6, 3),
                                                      groups=32, base_width=4),
         "Xie et al. 2017 (arXiv:1611.05431)"),
        ("wide_resnet50_2", "ResNet", "Wide ResNet-50-2: ResNet-50 with twice as wide 3x3 convs; "
         "Zagoruyko & Komodakis 2016.", partial(imagenet_resnet, "Bottleneck", (3, 4, 6, 3),
                                               base_width=128),
         "Zagoruyko & Komodakis 2016 (arXiv:1605.07146)"),
    ]
    for name, family, description, build, source in entries:
        register_preset(PresetInfo(name, family, description, torchvision=name, source=source + tv + name), build)


_register()
