"""Expanding and collapsing composites keeps the compiled module's state_dict keys and outputs;
projection shortcuts compile to what they promise."""

from __future__ import annotations

import torch

from convnet_studio.compile import compile_graph
from convnet_studio.graph import Graph
from convnet_studio.graph.composite_ops import collapse_group, expand_node
from convnet_studio.graph.projection import insert_projection


def _net() -> Graph:
    g = Graph("mixed")
    x = g.add("Input", "input", channels=3, height=32, width=32)
    x = g.add("GoogLeNetStem", "stem", x)  # 32 -> 4, holds ConvBNReLU units
    x = g.add("InceptionModule", "inception3a", x, ch1x1=8, ch3x3red=8, ch3x3=8, ch5x5red=4, ch5x5=4, pool_proj=4)
    x = g.add("Bottleneck", "layer1.0", x, planes=4)  # 24 -> 16 channels: projection
    x = g.add("Bottleneck", "layer1.1", x, planes=4)  # identity
    x = g.add("BasicBlock", "layer2.0", x, planes=24, stride=2, shortcut="A")
    x = g.add("VGGStage", "features", x, channels=8, num_convs=1, batch_norm=True, pool=False)
    x = g.add("Flatten", "flatten", g.add("GlobalAvgPool", "avgpool", x))
    g.add("Output", "output", g.add("Linear", "fc", x, out_features=5))
    return g


def _run(graph: Graph, state: dict, x: torch.Tensor) -> torch.Tensor:
    module = compile_graph(graph).eval()
    assert sorted(module.state_dict()) == sorted(state)
    module.load_state_dict(state)  # strict: the same keys and shapes
    with torch.no_grad():
        return module(x)


def test_expand_and_collapse_keep_keys_and_outputs() -> None:
    torch.manual_seed(0)
    g = _net()
    reference = compile_graph(g).eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics, so a mix-up would show
        for name, buf in reference.named_buffers():
            if name.endswith("running_mean"):
                buf.normal_()
            elif name.endswith("running_var"):
                buf.uniform_(0.5, 2.0)
    state = reference.state_dict()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        want = reference(x)
    for name in ["stem", "stem.conv1", "inception3a", "layer1.0", "layer1.1",
                 "layer2.0", "features"]:
        expand_node(g, name)
        torch.testing.assert_close(_run(g, state, x), want)
    for name in ["layer1.0", "stem", "inception3a", "layer2.0", "layer1.1", "features"]:
        collapse_group(g, name)
        torch.testing.assert_close(_run(g, state, x), want)
    assert all(not n.meta for n in g)  # every composite is back


def test_projection_b_compiles_to_torchvision_downsample() -> None:
    g = Graph("proj")
    x = g.add("Input", "input", channels=8, height=9, width=9)
    y = g.add("Conv2d", "layer2.0.conv1", x, out_channels=16, kernel_size=3, stride=2, padding=1, bias=False)
    g.add("Output", "output", g.add("Add", "layer2.0.add", [y, x]))
    insert_projection(g, "layer2.0.add")
    module = compile_graph(g)
    keys = set(module.state_dict())
    assert {"layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_mean"} <= keys
    assert "layer2.0.downsample.0.bias" not in keys
    assert module(torch.randn(2, 8, 9, 9)).shape == (2, 16, 5, 5)


def test_projection_a_subsamples_and_zero_pads() -> None:
    g = Graph("proj_a")
    x = g.add("Input", "input", channels=2, height=5, width=5)
    y = g.add("Conv2d", "conv", x, out_channels=4, kernel_size=3, stride=2, padding=1)
    g.add("Output", "output", g.add("Add", "add", [y, x]))
    insert_projection(g, "add", "A")
    module = compile_graph(g)
    shortcut = module.get_submodule("add_downsample")
    x = torch.randn(1, 2, 5, 5)
    out = shortcut(x)
    assert out.shape == (1, 4, 3, 3)
    torch.testing.assert_close(out[:, 1:3], x[:, :, ::2, ::2])
    assert out[:, 0].abs().sum() == 0 and out[:, 3].abs().sum() == 0


def _shuffle_and_inception_net() -> Graph:
    g = Graph("shuffle_inception")
    x = g.add("Input", "input", channels=3, height=32, width=32)
    x = g.add("ShuffleUnit", "stage2.0", x, out_channels=16, stride=2)  # 32 -> 16
    x = g.add("ShuffleUnit", "stage2.1", x, out_channels=16, stride=1)
    x = g.add("InceptionA", "Mixed_5b", x, pool_features=8)
    x = g.add("InceptionB", "Mixed_6a", x)  # 16 -> 7
    x = g.add("InceptionC", "Mixed_6b", x, channels_7x7=8)
    x = g.add("InceptionD", "Mixed_7a", x)  # 7 -> 3
    x = g.add("InceptionE", "Mixed_7b", x)
    x = g.add("Flatten", "flatten", g.add("GlobalAvgPool", "avgpool", x))
    g.add("Output", "output", g.add("Linear", "fc", x, out_features=5))
    return g


def test_shuffle_and_inception_v3_blocks_expand_and_collapse_keeping_outputs() -> None:
    torch.manual_seed(0)
    g = _shuffle_and_inception_net()
    reference = compile_graph(g).eval()
    state = reference.state_dict()
    assert "stage2.1.branch2.3.weight" in state and "stage2.0.branch1.0.weight" in state
    assert "Mixed_7b.branch3x3dbl_3b.bn.running_var" in state
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        want = reference(x)
    blocks = ["stage2.0", "stage2.1", "Mixed_5b", "Mixed_6a", "Mixed_6b", "Mixed_7a", "Mixed_7b"]
    for name in blocks:
        expand_node(g, name)
    expand_node(g, "Mixed_7b.branch3x3_2a")  # the ConvBNReLU units inside expand too
    torch.testing.assert_close(_run(g, state, x), want)
    for name in reversed(blocks):
        collapse_group(g, name)
    torch.testing.assert_close(_run(g, state, x), want)
def test_efficientnet_and_regnet_blocks_expand_and_collapse_keep_keys_and_outputs() -> None:
    torch.manual_seed(0)
    g = Graph("efficient")
    x = g.add("Input", "input", channels=8, height=16, width=16)
    x = g.add("FusedMBConv", "features.1.0", x, expand_ratio=1.0, out_channels=8)
    x = g.add("FusedMBConv", "features.2.0", x, expand_ratio=4.0, stride=2, out_channels=16)
    x = g.add("MBConv", "features.3.0", x, expand_ratio=6.0, kernel=5, out_channels=16, bn_eps=1e-3)
    x = g.add("ResBottleneckBlock", "trunk.block1-0", x, out_channels=24, stride=2)
    x = g.add("ResBottleneckBlock", "trunk.block1-1", x, out_channels=24)
    g.add("Output", "output", g.add("Flatten", "flatten", g.add("GlobalAvgPool", "avgpool", x)))
    reference = compile_graph(g).eval()
    with torch.no_grad():
        for name, buf in reference.named_buffers():
            if name.endswith("running_var"):
                buf.uniform_(0.5, 2.0)
    state = reference.state_dict()
    x = torch.randn(1, 8, 16, 16)
    with torch.no_grad():
        want = reference(x)
    for name in ["features.1.0", "features.2.0", "features.3.0", "features.3.0.block.2",
                 "trunk.block1-0", "trunk.block1-1"]:
        expand_node(g, name)
        torch.testing.assert_close(_run(g, state, x), want)
    for name in ["features.3.0", "trunk.block1-1", "features.1.0", "trunk.block1-0", "features.2.0"]:
        collapse_group(g, name)
        torch.testing.assert_close(_run(g, state, x), want)
    assert all(not n.meta for n in g)


def test_inverted_residuals_expand_and_collapse_keep_keys_and_outputs() -> None:
    torch.manual_seed(0)
    g = Graph("mobile")
    x = g.add("Input", "input", channels=8, height=16, width=16)
    x = g.add("InvertedResidual", "features.1", x, out_channels=8, expand_ratio=1)  # no expand, add
    x = g.add("InvertedResidual", "features.2", x, style="MobileNetV3", out_channels=8, expanded_channels=24,
              kernel_size=5, se=True, activation="Hardswish", bn_eps=0.001, bn_momentum=0.01)
    x = g.add("InvertedResidual", "layers.8.0", x, style="MNASNet", out_channels=16, expand_ratio=3, stride=2,
              activation="ReLU")
    g.add("Output", "output", x)
    reference = compile_graph(g).eval()
    state = reference.state_dict()
    assert "features.2.block.2.fc1.weight" in state and "layers.8.0.layers.7.running_var" in state
    x = torch.randn(1, 8, 16, 16)
    with torch.no_grad():
        want = reference(x)
    for name in ["features.1", "features.2", "features.2.block.2", "layers.8.0"]:
        expand_node(g, name)
        torch.testing.assert_close(_run(g, state, x), want)
    for name in ["features.2", "layers.8.0", "features.1"]:
        collapse_group(g, name)
        torch.testing.assert_close(_run(g, state, x), want)
    assert all(not n.meta for n in g)
