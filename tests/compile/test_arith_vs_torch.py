"""The output-size arithmetic against PyTorch itself, over a grid of small cases."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from convnet_studio.graph.blocks.arith import conv_out, pool_out
from convnet_studio.graph.registry import ShapeError


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool_sizes_equal_pytorch(ceil_mode: bool) -> None:
    for size, k, s, p, d in itertools.product(range(1, 12), (1, 2, 3), (1, 2, 3), (0, 1), (1, 2)):
        if p > k // 2:
            continue  # PyTorch refuses it; the shape rule too (tested elsewhere)
        want = pool_out(size, k, s, p, d, ceil_mode)
        x = torch.zeros(1, 1, size, size)
        try:
            got = F.max_pool2d(x, k, s, p, d, ceil_mode=ceil_mode).shape[-1]
        except RuntimeError:
            got = 0  # "output size is too small"
        assert max(want, 0) == got, (size, k, s, p, d, ceil_mode)


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_avg_pool_sizes_equal_pytorch(ceil_mode: bool) -> None:
    for size, k, s, p in itertools.product(range(1, 12), (1, 2, 3, 4), (1, 2, 3), (0, 1, 2)):
        if p > k // 2:
            continue
        want = pool_out(size, k, s, p, 1, ceil_mode)
        try:
            got = F.avg_pool2d(torch.zeros(1, 1, size, size), k, s, p, ceil_mode=ceil_mode).shape[-1]
        except RuntimeError:
            got = 0
        assert max(want, 0) == got, (size, k, s, p, ceil_mode)


def test_conv_sizes_equal_pytorch() -> None:
    for size, k, s, p, d in itertools.product(range(1, 10), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2)):
        want = conv_out(size, k, s, p, d)
        w = torch.zeros(1, 1, k, k)
        try:
            got = F.conv2d(torch.zeros(1, 1, size, size), w, None, s, p, d).shape[-1]
        except RuntimeError:
            got = 0
        assert max(want, 0) == got, (size, k, s, p, d)


def test_shape_error_is_a_value_error() -> None:
    assert issubclass(ShapeError, ValueError)
