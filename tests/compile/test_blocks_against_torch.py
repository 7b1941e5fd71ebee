"""Every registered block: the real PyTorch shapes and parameter counts equal the inferred ones."""

from __future__ import annotations

import pytest
from shapecheck import check_graph, expand_all

from convnet_studio.graph import Graph, list_blocks

INPUT = dict(channels=8, height=32, width=32)

# Variants worth checking beyond the defaults: each changes which layers an expansion holds.
VARIANTS = [
    ("BasicBlock", dict(planes=8, stride=1)),  # identity shortcut
    ("BasicBlock", dict(planes=16, stride=2)),  # projection (B)
    ("BasicBlock", dict(planes=16, stride=2, shortcut="A")),
    ("BasicBlock", dict(planes=8, shortcut="C")),
    ("BasicBlock", dict(planes=16, stride=2, shortcut="none")),
    ("Bottleneck", dict(planes=2, stride=1)),  # 8 in, 8 out: identity
    ("Bottleneck", dict(planes=4, stride=2, groups=2, base_width=128)),
    ("Bottleneck", dict(planes=4, stride=2, shortcut="A")),
    ("InceptionModule", dict(batch_norm=False, big_kernel=3)),
    ("GoogLeNetStem", dict(batch_norm=False)),
    ("VGGStage", dict(channels=8, num_convs=3, batch_norm=True, pool=False)),
    ("ConvBNReLU", dict(kernel_size=[1, 3], padding=[0, 1], stride=2, batch_norm=False)),
    ("Conv2d", dict(kernel_size=[3, 5], padding="same", dilation=2, groups=4, out_channels=12)),
    ("Conv2d", dict(kernel_size=[2, 3], stride=[2, 1], padding="valid", bias=False)),
    ("MaxPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, dilation=2)),
    ("AvgPool2d", dict(kernel_size=[3, 2], stride=[2, 3], padding=1, ceil_mode=True, count_include_pad=False)),
    ("AdaptiveAvgPool2d", dict(output_size=[7, 5])),
    ("LeakyReLU", dict(negative_slope=0.2)),
    ("Add", dict(num_inputs=3)),
    ("Concat", dict(num_inputs=2)),
    ("ShortcutA", dict(out_channels=12, stride=3)),
    ("ChannelShuffle", dict(groups=4)),
    ("ChannelSplit", dict(chunks=3, index=2)),  # torch.chunk: sizes 3, 3, 2
    ("StochasticDepth", dict(p=0.5, mode="batch")),
    ("SqueezeExcitation", dict(squeeze_channels=3, activation="SiLU")),
    ("SqueezeExcitation", dict(squeeze_channels=2, scale_activation="Hardsigmoid")),
    ("DenseLayer", dict(growth_rate=4, bn_size=2)),  # 8 -> 12 channels, a 1x1 to 8
    ("DenseLayer", dict(growth_rate=12, bn_size=1, drop_rate=0.2)),  # with its dropout
    ("DenseTransition", dict(out_channels=4)),
    ("Fire", dict(squeeze_planes=3, expand1x1_planes=5, expand3x3_planes=7)),
    ("ShuffleUnit", dict(out_channels=8, stride=1)),  # split, one branch, shuffle
    ("ShuffleUnit", dict(out_channels=16, stride=2)),  # two branches, 8 -> 16 channels
    ("ShuffleUnit", dict(out_channels=12, stride=3)),
    ("InceptionA", dict(pool_features=64)),
    ("InceptionB", {}),
    ("InceptionC", dict(channels_7x7=160)),
    ("InceptionD", {}),
    ("InceptionE", {}),
    ("MBConv", dict(expand_ratio=1.0, out_channels=8)),  # no expand conv; residual
    ("MBConv", dict(expand_ratio=6.0, out_channels=8, stochastic_depth_prob=0.1)),  # residual
    ("MBConv", dict(expand_ratio=6.0, kernel=5, stride=2, out_channels=16, bn_eps=1e-3)),
    ("MBConv", dict(expand_ratio=1.5, out_channels=8)),  # 12 hidden -> 16 (a multiple of 8)
    ("FusedMBConv", dict(expand_ratio=1.0, out_channels=8)),  # one k x k conv; residual
    ("FusedMBConv", dict(expand_ratio=4.0, stride=2, out_channels=16)),
    ("FusedMBConv", dict(expand_ratio=4.0, kernel=5, out_channels=8, stochastic_depth_prob=0.2)),
    ("ResBottleneckBlock", dict(out_channels=8, group_width=4)),  # identity, SE
    ("ResBottleneckBlock", dict(out_channels=16, stride=2, se_ratio=0.0)),  # proj, RegNetX
    ("ResBottleneckBlock", dict(out_channels=12, group_width=3, bottleneck_multiplier=0.5)),
    ("InvertedResidual", dict(out_channels=8, expand_ratio=1)),  # V2 t=1: no expand conv, add
    ("InvertedResidual", dict(out_channels=16, expand_ratio=6, stride=2)),
    ("InvertedResidual", dict(style="MobileNetV3", out_channels=8, expanded_channels=24, kernel_size=5,
                              se=True, activation="Hardswish", bn_eps=0.001, bn_momentum=0.01)),
    ("InvertedResidual", dict(style="MobileNetV3", out_channels=8, expanded_channels=8, stride=2, se=True)),
    ("InvertedResidual", dict(style="MobileNetV3", out_channels=12, expanded_channels=20, dilation=2)),
    ("InvertedResidual", dict(style="MNASNet", out_channels=8, expand_ratio=1, kernel_size=5, activation="ReLU")),
    ("CNBlock", dict(layer_scale=0.5, stochastic_depth_prob=0.3)),
    ("LayerNorm2d", dict(eps=1e-3, affine=False)),
    ("ChannelLinear", dict(out_features=12, bias=False, in_features=8)),
    ("LayerScale", dict(init=2.0)),
]


def tiny_graph(type_name: str, params: dict | None = None) -> Graph:
    """Input -> [Flatten ->] block -> Output, with every input port fed by the same tensor.

    The first arrangement whose analysis is clean wins, so new blocks need no entry here.
    """
    attempts = []
    for height in (32, 64):
        for flatten in (False, True):
            g = Graph(f"tiny_{type_name}")
            x = g.add("Input", "input", **{**INPUT, "height": height, "width": height})
            if type_name in ("Input", "Output"):
                g.add("Output", "output", x)
                return g
            if flatten:
                x = g.add("Flatten", "flatten", x)
            node = g.add_node(type_name, "block", params)
            for port in node.input_ports():
                g.connect(x, "block", dst_port=port)
            for port in node.output_ports()[:1]:
                g.connect("block", g.add("Output", "output"), src_port=port)
            if g.analyze().ok:
                return g
            attempts.append(g.analyze().problems)
    raise AssertionError(f"no tiny graph fits {type_name}: {attempts}")


@pytest.mark.parametrize("type_name", [spec.type for spec in list_blocks()])
def test_every_block_matches_pytorch(type_name: str) -> None:
    graph = tiny_graph(type_name)
    check_graph(graph)
    if graph.node("block" if "block" in graph else "input").spec.is_composite:
        check_graph(expand_all(graph))


@pytest.mark.parametrize(("type_name", "params"), VARIANTS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(VARIANTS)])
def test_block_variants_match_pytorch(type_name: str, params: dict) -> None:
    graph = tiny_graph(type_name, params)
    check_graph(graph)
    if graph.node("block").spec.is_composite:
        check_graph(expand_all(graph))
