"""torch modules and functions -> studio primitives: ``(block type, parameters)``.

A rule returns the studio's reading of one module or call, or raises :class:`Unmappable`
with the reason (``"momentum=None (a cumulative average) is not a studio BatchNorm2d"``).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.convnext import LayerNorm2d
from torchvision.models.shufflenetv2 import channel_shuffle
from torchvision.ops import StochasticDepth, stochastic_depth

Mapped = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Chain:
    """A module read as several composites in a row, each fed by the one before.

    torchvision's ``_DenseBlock`` concatenates all its layers' outputs at the end; the
    studio's DenseLayers each return ``cat([x, new])``, so the block is a chain of them
    named ``<block path>.<name>`` (``features.denseblock1.denselayer1``...).
    """

    layers: tuple[tuple[str, Mapped], ...]


Recognised = Mapped | Chain


def composite_parts(path: str, recognised: Recognised) -> list[tuple[str, Mapped]]:
    """The studio nodes a recognised module at ``path`` becomes, in order, with their names."""
    if isinstance(recognised, Chain):
        return [(f"{path}.{name}", mapped) for name, mapped in recognised.layers]
    return [(path, recognised)]


class Unmappable(Exception):
    """This module or call has no studio block; the message says why."""


def square(value: Any) -> Any:
    """PyTorch's ``(3, 3)`` as the studio writes it: ``3``; ``(1, 7)`` stays ``[1, 7]``."""
    if isinstance(value, (tuple, list)):
        a, b = value if len(value) == 2 else (value[0], value[0])
        return int(a) if a == b else [int(a), int(b)]
    return value


def _conv(m: nn.Conv2d) -> Mapped:
    if m.padding_mode != "zeros":
        raise Unmappable(f"padding_mode={m.padding_mode!r} is not a studio Conv2d")
    padding = m.padding if isinstance(m.padding, str) else square(m.padding)
    return "Conv2d", {
        "out_channels": m.out_channels, "kernel_size": square(m.kernel_size),
        "stride": square(m.stride), "padding": padding, "dilation": square(m.dilation),
        "groups": m.groups, "bias": m.bias is not None,
    }


def _bn(m: nn.BatchNorm2d) -> Mapped:
    if m.momentum is None or not m.track_running_stats:
        raise Unmappable("a BatchNorm2d without running statistics or momentum is not a studio block")
    return "BatchNorm2d", {"eps": m.eps, "momentum": m.momentum, "affine": m.affine}


def _maxpool(m: nn.MaxPool2d) -> Mapped:
    if m.return_indices:
        raise Unmappable("MaxPool2d(return_indices=True) is not a studio block")
    return "MaxPool2d", {
        "kernel_size": square(m.kernel_size), "stride": square(m.stride or m.kernel_size),
        "padding": square(m.padding), "dilation": square(m.dilation), "ceil_mode": m.ceil_mode,
    }


def _avgpool(m: nn.AvgPool2d) -> Mapped:
    if m.divisor_override:
        raise Unmappable("AvgPool2d(divisor_override=...) is not a studio block")
    return "AvgPool2d", {
        "kernel_size": square(m.kernel_size), "stride": square(m.stride or m.kernel_size),
        "padding": square(m.padding), "ceil_mode": m.ceil_mode,
        "count_include_pad": m.count_include_pad,
    }


def adaptive(size: Any) -> Mapped:
    """``AdaptiveAvgPool2d(1)`` is the studio's GlobalAvgPool, as in the presets."""
    if size is None or (isinstance(size, (tuple, list)) and None in size):
        raise Unmappable("an adaptive pool that keeps one axis (None) is not a studio block")
    size = square(size)
    return ("GlobalAvgPool", {}) if size == 1 else ("AdaptiveAvgPool2d", {"output_size": size})


def _linear(m: nn.Linear) -> Mapped:
    return "Linear", {"out_features": m.out_features, "bias": m.bias is not None}


def _flatten(m: nn.Flatten) -> Mapped:
    if (m.start_dim, m.end_dim) != (1, -1):
        raise Unmappable(f"Flatten({m.start_dim}, {m.end_dim}) is not a studio block (only 1, -1)")
    return "Flatten", {}


def _gelu(m: nn.GELU) -> Mapped:
    if m.approximate != "none":
        raise Unmappable(f"GELU(approximate={m.approximate!r}) is not a studio block")
    return "GELU", {}


def _layer_norm_2d(m: LayerNorm2d) -> Mapped:
    # torchvision's LayerNorm2d normalises over the channels of N x C x H x W (ConvNeXt).
    if len(m.normalized_shape) != 1:
        raise Unmappable(f"LayerNorm2d over {tuple(m.normalized_shape)} is not a studio block (only C)")
    if m.elementwise_affine and m.bias is None:
        raise Unmappable("LayerNorm2d(bias=False) is not a studio block (a scale needs its shift)")
    return "LayerNorm2d", {"eps": m.eps, "affine": m.elementwise_affine}


def _plain(type_name: str) -> Callable[[nn.Module], Mapped]:
    return lambda m: (type_name, {})


MODULE_RULES: dict[type, Callable[[Any], Mapped]] = {
    nn.Conv2d: _conv,
    nn.BatchNorm2d: _bn,
    nn.MaxPool2d: _maxpool,
    nn.AvgPool2d: _avgpool,
    nn.AdaptiveAvgPool2d: lambda m: adaptive(m.output_size),
    nn.Linear: _linear,
    nn.Flatten: _flatten,
    nn.Dropout: lambda m: ("Dropout", {"p": m.p}),
    nn.LeakyReLU: lambda m: ("LeakyReLU", {"negative_slope": m.negative_slope}),
    nn.LocalResponseNorm: lambda m: (
        "LocalResponseNorm", {"size": m.size, "alpha": m.alpha, "beta": m.beta, "k": m.k}
    ),
    nn.GELU: _gelu,
    nn.ReLU: _plain("ReLU"),
    nn.SiLU: _plain("SiLU"),
    nn.Sigmoid: _plain("Sigmoid"),
    nn.Tanh: _plain("Tanh"),
    nn.Hardswish: _plain("Hardswish"),
    nn.Identity: _plain("Identity"),
    nn.ReLU6: _plain("ReLU6"),
    nn.Hardsigmoid: _plain("Hardsigmoid"),
    StochasticDepth: lambda m: ("StochasticDepth", {"p": m.p, "mode": m.mode}),
    LayerNorm2d: _layer_norm_2d,
}


def map_module(m: nn.Module) -> Mapped:
    """The studio block for a leaf module; raises :class:`Unmappable`."""
    rule = MODULE_RULES.get(type(m))
    if rule is None:
        raise Unmappable(f"{type(m).__name__} is not a studio block")
    return rule(m)


# ---------------------------------------------------------------------------- functions
# A call rule gets the call's positional and keyword arguments (tensors as fx nodes) and
# returns (type, params, the tensor arguments in port order).
Call = tuple[str, dict[str, Any], list[Any]]


def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _add(args: tuple, kwargs: dict) -> Call:
    if "alpha" in kwargs or len(args) != 2:
        raise Unmappable("only a plain sum of two tensors is a studio Add")
    return "Add", {"num_inputs": 2}, list(args)


def _cat(args: tuple, kwargs: dict) -> Call:
    tensors = list(args[0])
    if len(tensors) == 1:  # DenseNet's first layer concatenates a list of one
        return "Identity", {}, tensors
    dim = _arg(args, kwargs, 1, "dim", 0)
    if dim not in (1, -3):
        raise Unmappable(f"concatenation along dim {dim} is not a studio Concat (only channels, dim 1)")
    return "Concat", {"num_inputs": len(tensors)}, tensors


def _flatten_call(args: tuple, kwargs: dict) -> Call:
    start = _arg(args, kwargs, 1, "start_dim", 0)
    end = _arg(args, kwargs, 2, "end_dim", -1)
    if (start, end) != (1, -1):
        raise Unmappable(f"flatten({start}, {end}) is not a studio Flatten (only start_dim=1)")
    return "Flatten", {}, [args[0]]


def _mul(args: tuple, kwargs: dict) -> Call:
    if len(args) != 2:
        raise Unmappable("only a product of two tensors is a studio Mul")
    return "Mul", {}, list(args)


def _stochastic_depth_call(args: tuple, kwargs: dict) -> Call:
    p = float(_arg(args, kwargs, 1, "p", 0.0))
    return "StochasticDepth", {"p": p, "mode": _arg(args, kwargs, 2, "mode", "row")}, [args[0]]


def _shuffle_call(args: tuple, kwargs: dict) -> Call:
    return "ChannelShuffle", {"groups": int(_arg(args, kwargs, 1, "groups", 1))}, [args[0]]


def _unary(type_name: str) -> Callable[[tuple, dict], Call]:
    return lambda args, kwargs: (type_name, {}, [args[0]])


def _adaptive_call(args: tuple, kwargs: dict) -> Call:
    type_name, params = adaptive(_arg(args, kwargs, 1, "output_size", None))
    return type_name, params, [args[0]]


def _pool_call(type_name: str) -> Callable[[tuple, dict], Call]:
    names = ("kernel_size", "stride", "padding")

    def rule(args: tuple, kwargs: dict) -> Call:
        kernel = square(_arg(args, kwargs, 1, "kernel_size", None))
        stride = _arg(args, kwargs, 2, "stride", None) or kernel
        padding = _arg(args, kwargs, 3, "padding", 0)
        params = dict(zip(names, (kernel, square(stride), square(padding))))
        if type_name == "MaxPool2d":
            params["dilation"] = square(_arg(args, kwargs, 4, "dilation", 1))
            params["ceil_mode"] = bool(_arg(args, kwargs, 5, "ceil_mode", False))
        else:
            params["ceil_mode"] = bool(_arg(args, kwargs, 4, "ceil_mode", False))
            params["count_include_pad"] = bool(_arg(args, kwargs, 5, "count_include_pad", True))
        return type_name, params, [args[0]]

    return rule


def _dropout_call(args: tuple, kwargs: dict) -> Call:
    return "Dropout", {"p": float(_arg(args, kwargs, 1, "p", 0.5))}, [args[0]]


FUNCTION_RULES: dict[Any, Callable[[tuple, dict], Call]] = {
    operator.add: _add,
    operator.iadd: _add,
    torch.add: _add,
    torch.cat: _cat,
    torch.concat: _cat,
    torch.flatten: _flatten_call,
    torch.relu: _unary("ReLU"),
    F.relu: _unary("ReLU"),
    torch.sigmoid: _unary("Sigmoid"),
    F.sigmoid: _unary("Sigmoid"),
    torch.tanh: _unary("Tanh"),
    F.silu: _unary("SiLU"),
    F.hardswish: _unary("Hardswish"),
    F.adaptive_avg_pool2d: _adaptive_call,
    F.max_pool2d: _pool_call("MaxPool2d"),
    F.avg_pool2d: _pool_call("AvgPool2d"),
    F.dropout: _dropout_call,
    operator.mul: _mul,
    torch.mul: _mul,
    F.relu6: _unary("ReLU6"),
    F.hardsigmoid: _unary("Hardsigmoid"),
    stochastic_depth: _stochastic_depth_call,
    channel_shuffle: _shuffle_call,
}
# Tensor methods by name: ``x.flatten(1)``, ``x.relu()``, ``x.add(y)``.
METHOD_RULES: dict[str, Callable[[tuple, dict], Call]] = {
    "add": _add,
    "add_": _add,
    "flatten": _flatten_call,
    "relu": _unary("ReLU"),
    "relu_": _unary("ReLU"),
    "sigmoid": _unary("Sigmoid"),
    "mul": _mul,
}
# ``x.chunk(n, dim=1)`` makes no node; each ``[i]`` of it becomes a ChannelSplit.
CHUNK_METHODS = {"chunk"}
# Calls that change nothing the studio models: the value is the first argument's.
PASSTHROUGH_METHODS = {"contiguous"}


def describe(target: Any) -> str:
    """How a user would write the call: ``torch.roll``, ``F.pad``, ``operator.mul``."""
    if isinstance(target, str):
        return f"Tensor.{target}"
    name = getattr(target, "__name__", repr(target))
    if getattr(torch, name, None) is target:
        return f"torch.{name}"
    if getattr(F, name, None) is target:
        return f"torch.nn.functional.{name}"
    module = getattr(target, "__module__", None) or ""
    return f"{module}.{name}" if module else name
