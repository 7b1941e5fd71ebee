"""How each primitive block is written in PyTorch: its ``nn`` constructor or its operator.

A constructor is a :class:`Call` whose arguments carry their values and PyTorch's defaults,
so the printer leaves out what PyTorch would do anyway (``nn.Conv2d(64, 64, 3, padding=1,
bias=False)``), as a person would write it.
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass, field
from typing import Any

from convnet_studio.codegen.body import Row
from convnet_studio.graph.blocks.mobile import split_range
from convnet_studio.graph.params import pair

MISSING: Any = object()  # an argument with no default is always written


@dataclass(frozen=True)
class Arg:
    """One constructor argument; ``positional`` ones are written without their name."""

    name: str
    value: Any
    default: Any = MISSING
    positional: bool = False


def _pos(name: str, value: Any) -> Arg:
    return Arg(name, value, positional=True)


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Arg, ...] = field(default_factory=tuple)


def norm(value: Any) -> Any:
    """JSON values as Python writes them: square pairs as one int, other lists as tuples."""
    if isinstance(value, (list, tuple)):
        a, b = pair(value)
        return a if a == b else (a, b)
    return value


def literal(value: Any) -> str:
    """Python source for a parameter value."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ")"
    return repr(value)


def _stride(params: dict[str, Any]) -> Any:
    # The studio's stride 0 means "the window size", which is PyTorch's None.
    return None if pair(params["stride"]) == (0, 0) else norm(params["stride"])


def primitive_call(row: Row) -> Call:
    """The ``nn`` constructor for a primitive row (Flatten as ``nn.Flatten()`` in a Sequential)."""
    p, t = row.params, row.type
    c = row.in_shapes[0][0] if row.in_shapes else 0
    if t == "Conv2d":
        padding = p["padding"] if isinstance(p["padding"], str) else norm(p["padding"])
        return Call(
            "nn.Conv2d",
            (
                _pos("in_channels", c),
                _pos("out_channels", p["out_channels"]),
                _pos("kernel_size", norm(p["kernel_size"])),
                Arg("stride", norm(p["stride"]), 1),
                Arg("padding", padding, 0),
                Arg("dilation", norm(p["dilation"]), 1),
                Arg("groups", p["groups"], 1),
                Arg("bias", p["bias"], True),
            ),
        )
    if t == "BatchNorm2d":
        return Call(
            "nn.BatchNorm2d",
            (
                _pos("num_features", c),
                Arg("eps", p["eps"], 1e-5),
                Arg("momentum", p["momentum"], 0.1),
                Arg("affine", p["affine"], True),
            ),
        )
    if t == "LocalResponseNorm":
        return Call(
            "nn.LocalResponseNorm",
            (
                _pos("size", p["size"]),
                Arg("alpha", p["alpha"], 1e-4),
                Arg("beta", p["beta"], 0.75),
                Arg("k", p["k"], 1.0),
            ),
        )
    if t in ("ReLU", "LeakyReLU"):
        slope = (Arg("negative_slope", p["negative_slope"], 0.01),) if t == "LeakyReLU" else ()
        return Call(f"nn.{t}", slope + (Arg("inplace", row.inplace, False),))
    if t == "Dropout":
        return Call("nn.Dropout", (Arg("p", p["p"], 0.5),))
    if t in ("MaxPool2d", "AvgPool2d"):
        return _pool_call(row)
    if t == "AdaptiveAvgPool2d":
        return Call("nn.AdaptiveAvgPool2d", (_pos("output_size", pair(p["output_size"])),))
    if t == "GlobalAvgPool":
        return Call("nn.AdaptiveAvgPool2d", (_pos("output_size", (1, 1)),))
    if t == "Linear":
        out = _pos("out_features", p["out_features"])
        return Call("nn.Linear", (_pos("in_features", c), out, Arg("bias", p["bias"], True)))
    if t == "ShortcutA":
        out = _pos("out_channels", p["out_channels"])
        return Call("ShortcutA", (_pos("in_channels", c), out, _pos("stride", p["stride"])))
    if t == "Flatten":
        return Call("nn.Flatten")
    if t in ("GELU", "SiLU", "Sigmoid", "Tanh", "Hardswish", "ReLU6", "Hardsigmoid"):
        return Call(f"nn.{t}")
    if t == "StochasticDepth":
        return Call("torchvision.ops.StochasticDepth", (_pos("p", p["p"]), _pos("mode", p["mode"])))
    raise ValueError(f"no PyTorch module for block type {t!r}")


def _pool_call(row: Row) -> Call:
    p = row.params
    args = [
        _pos("kernel_size", norm(p["kernel_size"])),
        Arg("stride", _stride(p), None),
        Arg("padding", norm(p["padding"]), 0),
    ]
    if row.type == "MaxPool2d":
        args.append(Arg("dilation", norm(p["dilation"]), 1))
    args.append(Arg("ceil_mode", p["ceil_mode"], False))
    if row.type == "AvgPool2d":
        args.append(Arg("count_include_pad", p["count_include_pad"], True))
    return Call(f"nn.{row.type}", tuple(args))


def op_expression(row: Row, inputs: list[str]) -> str:
    """The expression of a stateless row (Add, Concat, Flatten) on the given variables."""
    if row.type == "Add":
        return " + ".join(inputs)
    if row.type == "Concat":
        return f"torch.cat([{', '.join(inputs)}], dim=1)"
    if row.type == "Flatten":
        return f"torch.flatten({inputs[0]}, 1)"
    if row.type == "Mul":
        return " * ".join(inputs)
    if row.type == "ChannelShuffle":  # torchvision's channel_shuffle, in one expression
        return f"{inputs[0]}.unflatten(1, ({row.params['groups']}, -1)).transpose(1, 2).flatten(1, 2)"
    if row.type == "ChannelSplit":
        start, end = split_range(row.in_shapes[0][0], row.params["chunks"], row.params["index"])
        return f"{inputs[0]}[:, {start}:{end}]"
    raise ValueError(f"{row.type} is not an operator")


def is_identifier(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)


SHORTCUT_A_SOURCE = '''
class ShortcutA(nn.Module):
    """The ResNet paper's option A shortcut: subsample by stride, zero-pad the new channels."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        self.pad_before = (out_channels - in_channels) // 2
        self.pad_after = out_channels - in_channels - self.pad_before

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, self.pad_before, self.pad_after))
'''
