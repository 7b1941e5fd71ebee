"""MobileNetV2, MobileNetV3 (small and large) and MNASNet, as torchvision builds them.

Each is a stem, a run of ``InvertedResidual`` composites (one ``style`` per network, so the
inner names are torchvision's: ``features.2.conv.1.0``, ``features.4.block.2.fc1``,
``layers.8.0.layers.3``) and a head. Importing the torchvision model
(``convnet-studio import torchvision:mobilenet_v3_small``) gives the same graph.
"""

from __future__ import annotations

from functools import partial

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

# MobileNetV2's inverted residual settings: expansion t, channels c, repeats n, stride s.
MOBILENET_V2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]
# MobileNetV3's tables 1 and 2: kernel, expanded width, out, SE, activation, stride.
_RE, _HS = "ReLU", "Hardswish"
MOBILENET_V3 = {
    "mobilenet_v3_large": (1280, [
        (3, 16, 16, False, _RE, 1), (3, 64, 24, False, _RE, 2), (3, 72, 24, False, _RE, 1),
        (5, 72, 40, True, _RE, 2), (5, 120, 40, True, _RE, 1), (5, 120, 40, True, _RE, 1),
        (3, 240, 80, False, _HS, 2), (3, 200, 80, False, _HS, 1), (3, 184, 80, False, _HS, 1),
        (3, 184, 80, False, _HS, 1), (3, 480, 112, True, _HS, 1), (3, 672, 112, True, _HS, 1),
        (5, 672, 160, True, _HS, 2), (5, 960, 160, True, _HS, 1), (5, 960, 160, True, _HS, 1),
    ]),
    "mobilenet_v3_small": (1024, [
        (3, 16, 16, True, _RE, 2), (3, 72, 24, False, _RE, 2), (3, 88, 24, False, _RE, 1),
        (5, 96, 40, True, _HS, 2), (5, 240, 40, True, _HS, 1), (5, 240, 40, True, _HS, 1),
        (5, 120, 48, True, _HS, 1), (5, 144, 48, True, _HS, 1), (5, 288, 96, True, _HS, 2),
        (5, 576, 96, True, _HS, 1), (5, 576, 96, True, _HS, 1),
    ]),
}
V3_BN = dict(bn_eps=0.001, bn_momentum=0.01)
# MNASNet-B1 (alpha 1.0) after its stem: (kernel, stride, expansion, out channels, repeats).
MNASNET = [(3, 2, 3, 24, 3), (5, 2, 3, 40, 3), (5, 2, 6, 80, 3), (3, 1, 6, 96, 2),
           (5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]
# The paper's TensorFlow momentum 0.9997, in PyTorch's convention (torchvision's _BN_MOMENTUM).
MNASNET_BN_MOMENTUM = 1 - 0.9997


def _conv_bn_act(net: NetBuilder, name: str, out: int, activation: str, kernel: int = 1, stride: int = 1,
                 **bn) -> None:
    # torchvision's Conv2dNormActivation: conv (no bias) -> BatchNorm -> activation as .0 .1 .2.
    net.add("Conv2d", f"{name}.0", out_channels=out, kernel_size=kernel, stride=stride,
            padding=(kernel - 1) // 2, bias=False)
    net.add("BatchNorm2d", f"{name}.1", **bn)
    net.add(activation, f"{name}.2")


def mobilenet_v2(num_classes: int, input_size: InputSize) -> Graph:
    net = NetBuilder("mobilenet_v2", input_size)
    _conv_bn_act(net, "features.0", 32, "ReLU6", 3, 2)
    index = 1
    for t, c, n, s in MOBILENET_V2:
        for i in range(n):
            net.add("InvertedResidual", f"features.{index}", out_channels=c, expand_ratio=t,
                    stride=s if i == 0 else 1)
            index += 1
    _conv_bn_act(net, f"features.{index}", 1280, "ReLU6")
    # N x 1280 x 7 x 7; torchvision pools with F.adaptive_avg_pool2d in forward().
    net.add("GlobalAvgPool", "adaptive_avg_pool2d")
    net.add("Flatten", "flatten")
    net.add("Dropout", "classifier.0", p=0.2)
    net.add("Linear", "classifier.1", out_features=num_classes)
    return net.finish()


def mobilenet_v3(version: str, num_classes: int, input_size: InputSize) -> Graph:
    last_channel, blocks = MOBILENET_V3[version]
    net = NetBuilder(version, input_size)
    bn = dict(eps=V3_BN["bn_eps"], momentum=V3_BN["bn_momentum"])
    _conv_bn_act(net, "features.0", 16, _HS, 3, 2, **bn)
    for index, (kernel, expanded, out, se, activation, stride) in enumerate(blocks, start=1):
        net.add("InvertedResidual", f"features.{index}", style="MobileNetV3", out_channels=out,
                expanded_channels=expanded, kernel_size=kernel, stride=stride, se=se,
                activation=activation, **V3_BN)
    _conv_bn_act(net, f"features.{len(blocks) + 1}", 6 * blocks[-1][2], _HS, **bn)
    net.add("GlobalAvgPool", "avgpool")
    net.add("Flatten", "flatten")
    net.add("Linear", "classifier.0", out_features=last_channel)
    net.add(_HS, "classifier.1")
    net.add("Dropout", "classifier.2", p=0.2)
    net.add("Linear", "classifier.3", out_features=num_classes)
    return net.finish()


def _mnasnet_unit(net: NetBuilder, start: int, out: int, kernel: int = 1, stride: int = 1, groups: int = 1,
                  relu: bool = True) -> None:
    # MNASNet's stem is one flat Sequential: conv, BN[, ReLU] at layers.<start>, <start + 1>...
    net.add("Conv2d", f"layers.{start}", out_channels=out, kernel_size=kernel, padding=kernel // 2,
            stride=stride, groups=groups, bias=False)
    net.add("BatchNorm2d", f"layers.{start + 1}", momentum=MNASNET_BN_MOMENTUM)
    if relu:
        net.add("ReLU", f"layers.{start + 2}")


def mnasnet1_0(num_classes: int, input_size: InputSize) -> Graph:
    net = NetBuilder("mnasnet1_0", input_size)
    _mnasnet_unit(net, 0, 32, 3, stride=2)
    _mnasnet_unit(net, 3, 32, 3, groups=32)  # depthwise separable, no skip
    _mnasnet_unit(net, 6, 16, relu=False)
    for stack, (kernel, stride, t, out, repeats) in enumerate(MNASNET, start=8):
        for i in range(repeats):
            net.add("InvertedResidual", f"layers.{stack}.{i}", style="MNASNet", out_channels=out,
                    expand_ratio=t, kernel_size=kernel, stride=stride if i == 0 else 1,
                    activation="ReLU", bn_momentum=MNASNET_BN_MOMENTUM)
    _mnasnet_unit(net, 14, 1280)
    # torchvision's forward() pools with x.mean([2, 3]), which the importer names "mean".
    net.add("GlobalAvgPool", "mean")
    net.add("Flatten", "mean_flatten")
    net.add("Dropout", "classifier.0", p=0.2)
    net.add("Linear", "classifier.1", out_features=num_classes)
    return net.finish()


def _register() -> None:
    entries = [
        ("mobilenet_v2", "MobileNet", "MobileNetV2: inverted residuals (1x1 expand, 3x3 depthwise, "
         "linear 1x1 projection) with ReLU6; Sandler et al. 2018.", mobilenet_v2,
         "Sandler et al. 2018 (arXiv:1801.04381)"),
        ("mobilenet_v3_small", "MobileNet", "MobileNetV3-Small: the low-resource MobileNetV3, "
         "11 inverted residuals, 2.5M parameters; Howard et al. 2019.",
         partial(mobilenet_v3, "mobilenet_v3_small"), "Howard et al. 2019 (arXiv:1905.02244)"),
        ("mobilenet_v3_large", "MobileNet", "MobileNetV3-Large: searched inverted residuals with "
         "squeeze-and-excitation and hard-swish; Howard et al. 2019.",
         partial(mobilenet_v3, "mobilenet_v3_large"), "Howard et al. 2019 (arXiv:1905.02244)"),
        ("mnasnet1_0", "MNASNet", "MNASNet-B1 1.0: inverted residuals with 3x3 and 5x5 depthwise "
         "convs found by platform-aware architecture search; Tan et al. 2019.", mnasnet1_0,
         "Tan et al. 2019 (arXiv:1807.11626)"),
    ]
    for name, family, description, build, source in entries:
        register_preset(PresetInfo(name, family, description, torchvision=name,
                                   source=f"{source}; torchvision.models.{name}"), build)


_register()
