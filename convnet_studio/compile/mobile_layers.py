"""Factories for the primitives in :mod:`convnet_studio.graph.blocks.mobile`."""

from __future__ import annotations

import operator

import torch
from torch import nn
from torchvision.ops import StochasticDepth

from convnet_studio.compile.layers import Op, factory
from convnet_studio.graph.blocks.mobile import split_range
from convnet_studio.graph.registry import Params, Shape


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """N x (g * c) x H x W -> the channels of each group interleaved (torchvision's)."""
    return x.unflatten(1, (groups, -1)).transpose(1, 2).flatten(1, 2)


def channel_split(x: torch.Tensor, start: int, end: int) -> torch.Tensor:
    return x[:, start:end]


@factory("ReLU6")
def _relu6(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.ReLU6()


@factory("Hardsigmoid")
def _hardsigmoid(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.Hardsigmoid()


@factory("StochasticDepth")
def _stochastic_depth(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return StochasticDepth(p["p"], p["mode"])


@factory("Mul")
def _mul(p: Params, ins: tuple[Shape, ...], inplace: bool) -> Op:
    return Op(operator.mul)


@factory("ChannelShuffle")
def _shuffle(p: Params, ins: tuple[Shape, ...], inplace: bool) -> Op:
    return Op(channel_shuffle, {"groups": p["groups"]})


@factory("ChannelSplit")
def _split(p: Params, ins: tuple[Shape, ...], inplace: bool) -> Op:
    start, end = split_range(ins[0][0], p["chunks"], p["index"])
    return Op(channel_split, {"start": start, "end": end})
