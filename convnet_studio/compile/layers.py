"""One factory per primitive block: parameters + inferred input shapes -> a torch module or op.

A factory returns either an ``nn.Module`` (placed at the node's name, so state_dict keys are
node names) or a :class:`Op`, a plain function call with no state (Add, Concat, Flatten).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import nn

from convnet_studio.compile.modules import ShortcutA
from convnet_studio.graph.params import pair
from convnet_studio.graph.registry import Params, Shape


@dataclass(frozen=True)
class Op:
    fn: Callable[..., Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    pack_inputs: bool = False  # pass the inputs as one list (torch.cat)
    # The tensor method doing the same in place (``add_``), used when the compiler knows that
    # nothing else reads the first input and its producer's backward does not need it.
    inplace_method: str | None = None


Factory = Callable[[Params, tuple[Shape, ...], bool], "nn.Module | Op | None"]
FACTORIES: dict[str, Factory] = {}


def factory(*types: str) -> Callable[[Factory], Factory]:
    def register(fn: Factory) -> Factory:
        for type_name in types:
            if type_name in FACTORIES:
                raise ValueError(f"duplicate module factory for {type_name}")
            FACTORIES[type_name] = fn
        return fn

    return register


def _padding(value: Any) -> Any:
    return value if isinstance(value, str) else pair(value)


@factory("Conv2d")
def _conv(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.Conv2d(
        ins[0][0], p["out_channels"], pair(p["kernel_size"]), stride=pair(p["stride"]),
        padding=_padding(p["padding"]), dilation=pair(p["dilation"]), groups=p["groups"], bias=p["bias"],
    )


@factory("BatchNorm2d")
def _bn(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.BatchNorm2d(ins[0][0], eps=p["eps"], momentum=p["momentum"], affine=p["affine"])


@factory("LocalResponseNorm")
def _lrn(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.LocalResponseNorm(p["size"], alpha=p["alpha"], beta=p["beta"], k=p["k"])


@factory("ReLU")
def _relu(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.ReLU(inplace=inplace)


@factory("LeakyReLU")
def _leaky(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.LeakyReLU(p["negative_slope"], inplace=inplace)


_SIMPLE = {"GELU": nn.GELU, "SiLU": nn.SiLU, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh, "Hardswish": nn.Hardswish}
for _name, _cls in _SIMPLE.items():
    factory(_name)(lambda p, ins, inplace, _cls=_cls: _cls())


@factory("Dropout")
def _dropout(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.Dropout(p["p"])


def _pool_stride(p: Params) -> Any:
    return None if pair(p["stride"]) == (0, 0) else pair(p["stride"])


@factory("MaxPool2d")
def _maxpool(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.MaxPool2d(
        pair(p["kernel_size"]), _pool_stride(p), pair(p["padding"]), pair(p["dilation"]), ceil_mode=p["ceil_mode"]
    )


@factory("AvgPool2d")
def _avgpool(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.AvgPool2d(
        pair(p["kernel_size"]), _pool_stride(p), pair(p["padding"]), ceil_mode=p["ceil_mode"],
        count_include_pad=p["count_include_pad"],
    )


@factory("AdaptiveAvgPool2d")
def _adaptive(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.AdaptiveAvgPool2d(pair(p["output_size"]))


@factory("GlobalAvgPool")
def _global(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.AdaptiveAvgPool2d((1, 1))


@factory("Linear")
def _linear(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return nn.Linear(ins[0][0], p["out_features"], bias=p["bias"])


@factory("ShortcutA")
def _shortcut_a(p: Params, ins: tuple[Shape, ...], inplace: bool) -> nn.Module:
    return ShortcutA(ins[0][0], p["out_channels"], p["stride"])


@factory("Flatten")
def _flatten(p: Params, ins: tuple[Shape, ...], inplace: bool) -> Op:
    return Op(torch.flatten, {"start_dim": 1})


@factory("Add")
def _add(p: Params, ins: tuple[Shape, ...], inplace: bool) -> Op:
    return Op(operator.add, inplace_method="add_")


@factory("Concat")
def _concat(p: Params, ins: tuple[Shape, ...], inplace: bool) -> Op:
    return Op(torch.cat, {"dim": 1}, pack_inputs=True)


@factory("Identity")
def _identity(p: Params, ins: tuple[Shape, ...], inplace: bool) -> None:
    return None  # the compiler passes the input straight through


# The primitives of the CNNs after ResNet register their factories in their own module.
from convnet_studio.compile import mobile_layers  # noqa: E402,F401
