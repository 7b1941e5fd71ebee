"""Compiled residual blocks equal torchvision's, weights loaded, forward and backward (the
in-place Add and ReLU must not change a single gradient)."""

from __future__ import annotations

import pytest
import torch
from torchvision.models.resnet import BasicBlock, Bottleneck, conv1x1

from convnet_studio.compile import compile_graph
from convnet_studio.graph import Graph


def _block_graph(type_name: str, in_c: int, planes: int, stride: int) -> Graph:
    g = Graph("block")
    x = g.add("Input", "input", channels=in_c, height=8, width=8)
    g.add("Output", "output", g.add(type_name, "block", x, planes=planes, stride=stride))
    return g


@pytest.mark.parametrize(
    ("type_name", "cls", "in_c", "planes", "stride"),
    [
        ("BasicBlock", BasicBlock, 8, 8, 1),
        ("BasicBlock", BasicBlock, 8, 16, 2),
        ("Bottleneck", Bottleneck, 16, 4, 1),
        ("Bottleneck", Bottleneck, 8, 4, 2),
    ],
)
def test_block_equals_torchvision(type_name, cls, in_c, planes, stride) -> None:
    torch.manual_seed(0)
    out_c = planes * cls.expansion
    downsample = None
    if stride != 1 or in_c != out_c:  # torchvision's rule, stated once in _make_layer
        downsample = torch.nn.Sequential(conv1x1(in_c, out_c, stride), torch.nn.BatchNorm2d(out_c))
    theirs = cls(in_c, planes, stride, downsample).train()
    ours = compile_graph(_block_graph(type_name, in_c, planes, stride)).get_submodule("block").train()
    ours.load_state_dict(theirs.state_dict())
    x1 = torch.randn(2, in_c, 8, 8, requires_grad=True)
    x2 = x1.detach().clone().requires_grad_(True)
    y1, y2 = theirs(x1), ours(x2)
    torch.testing.assert_close(y2, y1)
    grad = torch.randn_like(y1)
    y1.backward(grad)
    y2.backward(grad)
    torch.testing.assert_close(x2.grad, x1.grad)
    for (name, p1), (_, p2) in zip(theirs.named_parameters(), ours.named_parameters()):
        torch.testing.assert_close(p2.grad, p1.grad, msg=name)


def test_add_is_in_place_only_when_safe() -> None:
    g = Graph("adds")
    x = g.add("Input", "input", channels=4, height=4, width=4)
    a = g.add("BatchNorm2d", "bn", x)
    s1 = g.add("Add", "sum1", [a, x])  # bn has one reader: overwrite it
    c = g.add("Conv2d", "conv", s1, out_channels=4, kernel_size=1)
    s2 = g.add("Add", "sum2", [c, s1])  # s1 has two readers: a new tensor
    g.add("Output", "output", g.add("Add", "sum3", [s2, x]))
    module = compile_graph(g).eval()
    code = module.code
    # sum1's result has two readers (conv and sum2): never a base; bn's, conv's and sum2's are.
    assert "bn.add_(x)" in code and "conv.add_(add_)" in code and "add_.add_(" not in code
    inp = torch.randn(2, 4, 4, 4)
    before = inp.clone()
    with torch.no_grad():
        s1 = module.bn(inp) + inp
        want = module.conv(s1) + s1 + inp
        torch.testing.assert_close(module(inp), want)
    torch.testing.assert_close(inp, before)  # the input is never overwritten
