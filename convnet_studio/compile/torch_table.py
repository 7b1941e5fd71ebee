"""The torch side of every primitive block, in one table: :data:`TORCH`.

An entry says which ``nn`` class a primitive is and how its constructor arguments come from
the node's parameters and input shape. The compiler instantiates it, the code generator prints
it (leaving out arguments equal to PyTorch's defaults, so ``nn.Conv2d(64, 64, 3, padding=1,
bias=False)`` reads as a person writes it), and docs/generate_reference.py shows it. A
stateless primitive (Add, Concat) is an :class:`Op` instead; a bare learned tensor (ConvNeXt's
layer scale) is a :class:`ParameterForm`; Identity is none of these: its output is its input.
Adding a primitive is one ``register_block`` in graph/blocks and one entry here.

Classes and functions are named by their dotted path and imported when first built, so this
table (and the Python exporter reading it) loads no torch.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from convnet_studio.graph.params import pair
from convnet_studio.graph.registry import Params, Shape

MISSING: Any = object()  # an argument with no default is always written


@dataclass(frozen=True)
class Arg:
    """One constructor argument; ``positional`` ones are written without their name."""

    name: str
    value: Any
    default: Any = MISSING
    positional: bool = False


def resolve(path: str) -> Any:
    """``"torch.nn.Conv2d"`` -> the class (importing its module now)."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Op:
    """A stateless call in ``forward``: ``fn(*inputs, **kwargs)``, written as ``source(inputs)``."""

    fn: str  # dotted path: "torch.cat"
    source: Callable[[list[str]], str]
    kwargs: dict[str, Any] = field(default_factory=dict)
    pack_inputs: bool = False  # pass the inputs as one list (torch.cat)
    # The tensor method doing the same in place (``add_``), used when nothing else reads the
    # first input and its producer's backward does not need it.
    inplace_method: str | None = None


@dataclass(frozen=True)
class ParameterForm:
    """A primitive that is one learned tensor at its node's own path, not a submodule.

    ConvNeXt's ``layer_scale``: its state_dict key is the node's name itself, so the compiler
    registers an ``nn.Parameter`` on the parent module and forward multiplies by it.
    ``create`` (a dotted path) makes the parameter from the entry's argument values;
    ``declaration`` writes how exported code makes it, from the argument texts; ``apply``
    writes forward's expression from the input's variable and the parameter's access.
    """

    create: str
    declaration: Callable[[list[str]], str]
    apply: Callable[[str, str], str]
    fn: str = "operator.mul"  # what forward computes: fn(input, parameter)


# (resolved params, the first input's shape, whether it may work in place) -> arguments
ArgRule = Callable[[Params, Shape, bool], tuple[Arg, ...]]


def _no_args(p: Params, shape: Shape, inplace: bool) -> tuple[Arg, ...]:
    return ()


# (resolved params, the first input's shape) -> the op, for ops whose arguments come from the
# node (ChannelShuffle's groups)
OpRule = Callable[[Params, Shape], Op]


@dataclass(frozen=True)
class TorchEntry:
    """How one primitive is written in PyTorch.

    ``module`` (a dotted class path) is built as ``module(**{a.name: a.value for a in
    args(...)})``. ``inplace``: it
    accepts ``inplace=True`` (ReLU), used when it is its input's only reader. ``output_free``:
    its backward does not need its own output, so a following in-place op may overwrite it.
    ``parameter``: the primitive is a bare learned tensor (:class:`ParameterForm`), made from
    ``args``.
    """

    module: str | None = None
    args: ArgRule = _no_args
    op: Op | OpRule | None = None
    inplace: bool = False
    output_free: bool = False
    parameter: ParameterForm | None = None

    @property
    def passthrough(self) -> bool:
        return self.module is None and self.op is None and self.parameter is None

    def written_name(self) -> str:
        """The class as exported code writes it: ``nn.Conv2d``, or a class the file defines."""
        assert self.module is not None
        name = self.module.rpartition(".")[2]
        return f"nn.{name}" if self.module_is_torch() else name

    def op_for(self, params: Params, shape: Shape) -> Op | None:
        """The op a node of this primitive calls: ``op`` itself, or made from its params."""
        if self.op is None or isinstance(self.op, Op):
            return self.op
        return self.op(params, shape)

    def module_is_torch(self) -> bool:
        return self.module is not None and self.module.startswith("torch.nn.")


TORCH: dict[str, TorchEntry] = {}


def torch_entry(type_name: str, entry: TorchEntry) -> TorchEntry:
    """Register ``entry`` for the primitive ``type_name``; a second one is refused."""
    if type_name in TORCH:
        raise ValueError(f"duplicate torch entry for {type_name}")
    TORCH[type_name] = entry
    return entry


def may_overwrite(producer: str | None) -> bool:
    """Whether an in-place op may overwrite ``producer``'s output, its only reader being that op.

    True where the producer's backward does not need its own output (a conv, not a Sigmoid).
    """
    entry = TORCH.get(producer or "")
    return entry is not None and entry.output_free


def build_args(type_name: str, params: Params, in_shapes: tuple[Shape, ...], inplace: bool) -> tuple[Arg, ...]:
    shape = in_shapes[0] if in_shapes else ()
    return TORCH[type_name].args(params, shape, inplace)


def build(type_name: str, params: Params, in_shapes: tuple[Shape, ...], inplace: bool) -> Any:
    """What the compiler places for a primitive node: its op, a module, an ``nn.Parameter``
    (a :class:`ParameterForm`), or None (pass through)."""
    entry = TORCH[type_name]
    if entry.parameter is not None:
        args = build_args(type_name, params, in_shapes, inplace)
        return resolve(entry.parameter.create)(*(a.value for a in args))
    if entry.op is not None:
        return entry.op_for(params, in_shapes[0] if in_shapes else ())
    if entry.module is None:
        return None
    args = build_args(type_name, params, in_shapes, inplace)
    return resolve(entry.module)(**{a.name: a.value for a in args})


@lru_cache(maxsize=None)
def class_source(path: str) -> str:
    """The source of the class at ``path``, read from its file without importing it."""
    module, _, name = path.rpartition(".")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, path
    with open(spec.origin, encoding="utf-8") as file:
        text = file.read()
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.ClassDef) and n.name == name)
    segment = ast.get_source_segment(text, node)
    assert segment is not None
    return segment + "\n"


# ------------------------------------------------------------------------ argument helpers
def norm(value: Any) -> Any:
    """JSON values as Python writes them: square pairs as one int, other lists as tuples."""
    if isinstance(value, (list, tuple)):
        a, b = pair(value)
        return a if a == b else (a, b)
    return value


def pos(name: str, value: Any) -> Arg:
    return Arg(name, value, positional=True)


def pool_stride(p: Params) -> Any:
    # The studio's stride 0 means "the window size", which is PyTorch's None.
    return None if pair(p["stride"]) == (0, 0) else norm(p["stride"])


# ----------------------------------------------------------------------------- the table
def _conv(p: Params, s: Shape, inplace: bool) -> tuple[Arg, ...]:
    padding = p["padding"] if isinstance(p["padding"], str) else norm(p["padding"])
    return (
        pos("in_channels", s[0]),
        pos("out_channels", p["out_channels"]),
        pos("kernel_size", norm(p["kernel_size"])),
        Arg("stride", norm(p["stride"]), 1),
        Arg("padding", padding, 0),
        Arg("dilation", norm(p["dilation"]), 1),
        Arg("groups", p["groups"], 1),
        Arg("bias", p["bias"], True),
    )


def _bn(p: Params, s: Shape, inplace: bool) -> tuple[Arg, ...]:
    return (
        pos("num_features", s[0]),
        Arg("eps", p["eps"], 1e-5),
        Arg("momentum", p["momentum"], 0.1),
        Arg("affine", p["affine"], True),
    )


def _lrn(p: Params, s: Shape, inplace: bool) -> tuple[Arg, ...]:
    return (
        pos("size", p["size"]),
        Arg("alpha", p["alpha"], 1e-4),
        Arg("beta", p["beta"], 0.75),
        Arg("k", p["k"], 1.0),
    )


def _maxpool(p: Params, s: Shape, inplace: bool) -> tuple[Arg, ...]:
    return (
        pos("kernel_size", norm(p["kernel_size"])),
        Arg("stride", pool_stride(p), None),
        Arg("padding", norm(p["padding"]), 0),
        Arg("dilation", norm(p["dilation"]), 1),
        Arg("ceil_mode", p["ceil_mode"], False),
    )


def _avgpool(p: Params, s: Shape, inplace: bool) -> tuple[Arg, ...]:
    return (
        pos("kernel_size", norm(p["kernel_size"])),
        Arg("stride", pool_stride(p), None),
        Arg("padding", norm(p["padding"]), 0),
        Arg("ceil_mode", p["ceil_mode"], False),
        Arg("count_include_pad", p["count_include_pad"], True),
    )


def _linear(p: Params, s: Shape, inplace: bool) -> tuple[Arg, ...]:
    return (pos("in_features", s[0]), pos("out_features", p["out_features"]), Arg("bias", p["bias"], True))


torch_entry("Conv2d", TorchEntry("torch.nn.Conv2d", _conv, output_free=True))
torch_entry("BatchNorm2d", TorchEntry("torch.nn.BatchNorm2d", _bn, output_free=True))
torch_entry("LocalResponseNorm", TorchEntry("torch.nn.LocalResponseNorm", _lrn))
torch_entry("ReLU", TorchEntry("torch.nn.ReLU", lambda p, s, i: (Arg("inplace", i, False),), inplace=True))
torch_entry(
    "LeakyReLU",
    TorchEntry(
        "torch.nn.LeakyReLU",
        lambda p, s, i: (Arg("negative_slope", p["negative_slope"], 0.01), Arg("inplace", i, False)),
        inplace=True,
    ),
)
for _name in ("GELU", "SiLU", "Sigmoid", "Tanh", "Hardswish"):
    torch_entry(_name, TorchEntry(f"torch.nn.{_name}"))
torch_entry("Dropout", TorchEntry("torch.nn.Dropout", lambda p, s, i: (Arg("p", p["p"], 0.5),)))
torch_entry("MaxPool2d", TorchEntry("torch.nn.MaxPool2d", _maxpool))
torch_entry("AvgPool2d", TorchEntry("torch.nn.AvgPool2d", _avgpool))
torch_entry(
    "AdaptiveAvgPool2d",
    TorchEntry("torch.nn.AdaptiveAvgPool2d", lambda p, s, i: (pos("output_size", pair(p["output_size"])),)),
)
torch_entry("GlobalAvgPool", TorchEntry("torch.nn.AdaptiveAvgPool2d", lambda p, s, i: (pos("output_size", (1, 1)),)))
torch_entry("Linear", TorchEntry("torch.nn.Linear", _linear, output_free=True))
torch_entry(
    "ShortcutA",
    TorchEntry(
        "convnet_studio.compile.modules.ShortcutA",
        lambda p, s, i: (pos("in_channels", s[0]), pos("out_channels", p["out_channels"]), pos("stride", p["stride"])),
    ),
)
# Flatten has both forms: the op in forward, nn.Flatten() inside an exported nn.Sequential.
torch_entry(
    "Flatten",
    TorchEntry("torch.nn.Flatten", op=Op("torch.flatten", lambda xs: f"torch.flatten({xs[0]}, 1)", {"start_dim": 1})),
)
torch_entry(
    "Add",
    TorchEntry(op=Op("operator.add", " + ".join, inplace_method="add_"), output_free=True),
)
torch_entry(
    "Concat",
    TorchEntry(
        op=Op("torch.cat", lambda xs: f"torch.cat([{', '.join(xs)}], dim=1)", {"dim": 1}, pack_inputs=True),
        output_free=True,
    ),
)
torch_entry("Identity", TorchEntry())

# ------------------------------------------------- the CNNs after ResNet (graph/blocks/mobile.py)
for _name in ("ReLU6", "Hardsigmoid"):
    torch_entry(_name, TorchEntry(f"torch.nn.{_name}"))
torch_entry(
    "StochasticDepth",
    TorchEntry(
        "convnet_studio.compile.modules.StochasticDepth",
        lambda p, s, i: (pos("p", p["p"]), pos("mode", p["mode"])),
    ),
)
torch_entry("Mul", TorchEntry(op=Op("operator.mul", " * ".join)))


def _shuffle_op(p: Params, s: Shape) -> Op:
    g = p["groups"]
    return Op(
        "convnet_studio.compile.modules.channel_shuffle",
        lambda xs: f"{xs[0]}.unflatten(1, ({g}, -1)).transpose(1, 2).flatten(1, 2)",
        {"groups": g},
    )


def _split_op(p: Params, s: Shape) -> Op:
    # Written as x.chunk(...)[i], not as a slice of channel numbers: one exported class then
    # serves every width (ShuffleNet's stride-1 units at 116, 232 and 464 channels).
    chunks, index = p["chunks"], p["index"]
    return Op(
        "convnet_studio.compile.modules.channel_split",
        lambda xs: f"{xs[0]}.chunk({chunks}, dim=1)[{index}]",
        {"chunks": chunks, "index": index},
    )


torch_entry("ChannelShuffle", TorchEntry(op=_shuffle_op))
torch_entry("ChannelSplit", TorchEntry(op=_split_op))

# ------------------------------------------------------ ConvNeXt (graph/blocks/convnext.py)
torch_entry(
    "LayerNorm2d",
    TorchEntry(
        "convnet_studio.compile.modules.LayerNorm2d",
        lambda p, s, i: (
            pos("normalized_shape", s[0]),
            Arg("eps", p["eps"], 1e-5),
            Arg("elementwise_affine", p["affine"], True),
        ),
    ),
)
torch_entry(
    "ChannelLinear",
    TorchEntry("convnet_studio.compile.modules.ChannelLinear", _linear, output_free=True),
)
torch_entry(
    "LayerScale",
    TorchEntry(
        args=lambda p, s, i: (pos("channels", s[0]), pos("init", p["init"])),
        parameter=ParameterForm(
            "convnet_studio.compile.modules.channel_scale",
            declaration=lambda a: f"nn.Parameter(torch.full(({a[0]}, 1, 1), {a[1]}))",
            apply=lambda x, scale: f"{x} * {scale}",
        ),
    ),
)
