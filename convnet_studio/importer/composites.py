"""torchvision's building blocks recognised as the studio's composites.

A recogniser reads a module's hyper-parameters into a composite's parameters; the importer
then checks that the composite really computes what the module does (same state_dict keys,
same output), and traces through the module as primitives when it does not.
"""

from __future__ import annotations

from typing import Any, Callable

from torch import nn

from convnet_studio.graph.blocks.attention_composites import SE_ACTIVATIONS, SE_GATES
from convnet_studio.importer.convnext_recognisers import convnext_recognisers
from convnet_studio.importer.dense_recognisers import dense_recognisers
from convnet_studio.importer.primitives import Mapped, Recognised, Unmappable, square


def _shortcut(m: nn.Module, in_c: int, out_c: int, stride: int) -> str:
    # The studio's "B" projects exactly where torchvision's _make_layer adds a downsample.
    changes = stride != 1 or in_c != out_c
    if (m.downsample is not None) == changes:
        return "B"
    if m.downsample is not None:
        return "C"
    raise Unmappable("a residual block whose shape changes needs a downsample")


def _basic_block(m: nn.Module) -> Mapped:
    stride = square(m.conv1.stride)
    planes = m.conv1.out_channels
    return "BasicBlock", {
        "planes": planes, "stride": stride,
        "shortcut": _shortcut(m, m.conv1.in_channels, planes, stride),
    }


def _bottleneck(m: nn.Module) -> Mapped:
    stride = square(m.conv2.stride)
    groups = m.conv2.groups
    out_c = m.conv3.out_channels
    planes = out_c // m.expansion
    base_width = m.conv2.out_channels // groups * 64 // planes
    return "Bottleneck", {
        "planes": planes, "stride": stride, "expansion": m.expansion, "groups": groups,
        "base_width": base_width, "shortcut": _shortcut(m, m.conv1.in_channels, out_c, stride),
    }


def _basic_conv2d(m: nn.Module) -> Mapped:
    # torchvision's BasicConv2d (GoogLeNet, Inception v3): conv (no bias) -> BN -> ReLU.
    return "ConvBNReLU", {
        "out_channels": m.conv.out_channels, "kernel_size": square(m.conv.kernel_size),
        "stride": square(m.conv.stride), "padding": square(m.conv.padding),
        "batch_norm": True, "bn_eps": m.bn.eps,
    }


def _inception(m: nn.Module) -> Mapped:
    channels = {
        "ch1x1": m.branch1.conv, "ch3x3red": m.branch2[0].conv, "ch3x3": m.branch2[1].conv,
        "ch5x5red": m.branch3[0].conv, "ch5x5": m.branch3[1].conv, "pool_proj": m.branch4[1].conv,
    }
    params: dict[str, Any] = {k: conv.out_channels for k, conv in channels.items()}
    params.update(batch_norm=True, bn_eps=m.branch1.bn.eps, big_kernel=square(m.branch3[1].conv.kernel_size))
    return "InceptionModule", params


def _squeeze_excitation(m: nn.Module) -> Mapped:
    # torchvision.ops.SqueezeExcitation: the activations are modules chosen by the caller.
    activation, gate = type(m.activation).__name__, type(m.scale_activation).__name__
    if activation not in SE_ACTIVATIONS or gate not in SE_GATES:
        raise Unmappable(f"a squeeze-and-excitation with {activation} and {gate}")
    return "SqueezeExcitation", {
        "squeeze_channels": m.fc1.out_channels, "activation": activation, "scale_activation": gate,
    }


def _conv_norm_parts(entry: nn.Module) -> tuple[nn.Conv2d, nn.Module]:
    # A torchvision Conv2dNormActivation: (conv, norm[, activation]).
    return entry[0], entry[1]


def _stochastic_depth_prob(m: nn.Module) -> float:
    if m.stochastic_depth.mode != "row":
        raise Unmappable("stochastic depth in batch mode inside an MBConv")
    return float(m.stochastic_depth.p)


def _mbconv(m: nn.Module) -> Mapped:
    # torchvision's MBConv keeps no config: its ratio, kernel and stride are read off the convs.
    layers = list(m.block)
    has_expand = len(layers) == 4
    depthwise, norm = _conv_norm_parts(layers[1 if has_expand else 0])
    in_c = layers[0][0].in_channels
    return "MBConv", {
        "expand_ratio": depthwise.out_channels / in_c if has_expand else 1.0,
        "kernel": square(depthwise.kernel_size), "stride": square(depthwise.stride),
        "out_channels": m.out_channels, "stochastic_depth_prob": _stochastic_depth_prob(m),
        "bn_eps": norm.eps,
    }


def _fused_mbconv(m: nn.Module) -> Mapped:
    layers = list(m.block)
    conv, norm = _conv_norm_parts(layers[0])
    return "FusedMBConv", {
        "expand_ratio": conv.out_channels / conv.in_channels if len(layers) == 2 else 1.0,
        "kernel": square(conv.kernel_size), "stride": square(conv.stride),
        "out_channels": m.out_channels, "stochastic_depth_prob": _stochastic_depth_prob(m),
        "bn_eps": norm.eps,
    }


def _res_bottleneck(m: nn.Module) -> Mapped:
    # torchvision.models.regnet.ResBottleneckBlock; the studio's has ReLU and BatchNorm only.
    if not isinstance(m.activation, nn.ReLU):
        raise Unmappable(f"a RegNet block with {type(m.activation).__name__}")
    f = m.f
    in_c, width, out_c = f.a[0].in_channels, f.a[0].out_channels, f.c[0].out_channels
    se = getattr(f, "se", None)
    return "ResBottleneckBlock", {
        "out_channels": out_c, "stride": square(f.b[0].stride), "group_width": width // f.b[0].groups,
        "bottleneck_multiplier": width / out_c,
        "se_ratio": se.fc1.out_channels / in_c if se is not None else 0.0,
    }


def _shuffle_unit(m: nn.Module) -> Mapped:
    # torchvision's shufflenetv2.InvertedResidual: each branch gives half the output channels.
    return "ShuffleUnit", {"out_channels": 2 * m.branch2[0].out_channels, "stride": m.stride}


# Inception v3's modules fix every width but pool_features (A) and channels_7x7 (C); the
# importer's check that the composite computes the module catches any other difference.
def _inception_a(m: nn.Module) -> Mapped:
    return "InceptionA", {"pool_features": m.branch_pool.conv.out_channels}


def _inception_c(m: nn.Module) -> Mapped:
    return "InceptionC", {"channels_7x7": m.branch7x7_1.conv.out_channels}


def _fixed(type_name: str) -> Callable[[nn.Module], Mapped]:
    return lambda m: (type_name, {})


def recognisers() -> dict[type, Callable[[nn.Module], Recognised]]:
    """Module class -> recogniser, for the torchvision classes this torchvision has."""
    import importlib

    googlenet, inception, resnet, shufflenetv2 = (
        importlib.import_module(f"torchvision.models.{name}")
        for name in ("googlenet", "inception", "resnet", "shufflenetv2")
    )

    from torchvision.models import efficientnet, regnet
    from torchvision.ops import SqueezeExcitation

    from convnet_studio.importer import mobile_recognisers as mobile

    mnasnet, mobilenetv2, mobilenetv3 = (
        importlib.import_module(f"torchvision.models.{name}") for name in ("mnasnet", "mobilenetv2", "mobilenetv3")
    )

    return {
        SqueezeExcitation: _squeeze_excitation,
        resnet.BasicBlock: _basic_block,
        resnet.Bottleneck: _bottleneck,
        googlenet.BasicConv2d: _basic_conv2d,
        googlenet.Inception: _inception,
        inception.BasicConv2d: _basic_conv2d,
        shufflenetv2.InvertedResidual: _shuffle_unit,
        inception.InceptionA: _inception_a,
        inception.InceptionB: _fixed("InceptionB"),
        inception.InceptionC: _inception_c,
        inception.InceptionD: _fixed("InceptionD"),
        inception.InceptionE: _fixed("InceptionE"),
        **dense_recognisers(),
        efficientnet.MBConv: _mbconv,
        efficientnet.FusedMBConv: _fused_mbconv,
        regnet.ResBottleneckBlock: _res_bottleneck,
        mobilenetv2.InvertedResidual: mobile.mobilenet_v2_block,
        mobilenetv3.InvertedResidual: mobile.mobilenet_v3_block,
        mnasnet._InvertedResidual: mobile.mnasnet_block,
        **convnext_recognisers(),
    }
