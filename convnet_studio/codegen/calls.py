"""How a row is written in PyTorch: a :class:`Call` of its constructor, or its operator.

Both come from the torch table (compile/torch_table.py). A call's arguments carry their values and
PyTorch's defaults, so the printer leaves out what PyTorch would do anyway
(``nn.Conv2d(64, 64, 3, padding=1, bias=False)``), as a person would write it.
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass, field
from typing import Any, Callable

from convnet_studio.codegen.body import Row
from convnet_studio.compile.torch_table import MISSING, TORCH, Arg, build_args, class_source, norm

__all__ = ["MISSING", "Arg", "Call", "norm", "literal", "primitive_call", "op_expression"]


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Arg, ...] = field(default_factory=tuple)


def literal(value: Any) -> str:
    """Python source for a parameter value."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ")"
    return repr(value)


def primitive_call(row: Row) -> Call:
    """The constructor of a primitive row, from its torch entry (``nn.Conv2d(3, 64, 7, ...)``).

    A bare parameter's call is ``nn.Parameter`` with its entry's arguments; exported code
    writes it with :func:`parameter_declaration`.
    """
    entry = TORCH[row.type]
    args = build_args(row.type, row.params, row.in_shapes, row.inplace)
    if entry.parameter is not None:
        return Call("nn.Parameter", args)
    if entry.module is None:
        raise ValueError(f"{row.type} is an operator, not a module")
    return Call(entry.written_name(), args)


def is_parameter(row: Row) -> bool:
    """The row is a bare learned tensor (ConvNeXt's layer_scale), not a module."""
    entry = TORCH.get(row.type)
    return entry is not None and entry.parameter is not None


def parameter_declaration(row: Row, args: list[str]) -> str:
    """``nn.Parameter(torch.full((96, 1, 1), 1e-06))``: a bare parameter from its argument texts."""
    form = TORCH[row.type].parameter
    assert form is not None
    return form.declaration(args)


def parameter_expression(row: Row, value: str, access: str) -> str:
    """Forward's use of a bare parameter: ``out * self.layer_scale``."""
    form = TORCH[row.type].parameter
    assert form is not None
    return form.apply(value, access)


def op_expression(row: Row, inputs: list[str]) -> str:
    """The expression of a stateless row (Add, Concat, Flatten) on the given variables."""
    op = TORCH[row.type].op_for(row.params, row.in_shapes[0] if row.in_shapes else ())
    if op is None:
        raise ValueError(f"{row.type} is not an operator")
    return op.source(inputs)


def helper_classes(types: set[str]) -> dict[str, str]:
    """Name -> source of each class outside torch.nn that rows of ``types`` construct.

    The source is the studio's own class (compile/modules.py), so the exported file runs the
    same code as the compiled model.
    """
    found = {}
    for type_name in sorted(types):
        entry = TORCH.get(type_name)
        if entry is not None and entry.module is not None and not entry.module_is_torch():
            found[entry.written_name()] = class_source(entry.module)
    return found


def helper_names() -> set[str]:
    """Every class name :func:`helper_classes` may define (a model class must not take one)."""
    return {e.written_name() for e in TORCH.values() if e.module and not e.module_is_torch()}


def arg_texts(call: Call, render: Callable[[int, Arg], str | None]) -> list[str]:
    """Argument texts: positional ones always, keywords only where they differ from the default."""
    texts: list[str] = []
    named = False  # once one argument is named, the rest must be too
    for i, arg in enumerate(call.args):
        text = render(i, arg)
        if text is None:
            continue
        named = named or not arg.positional
        texts.append(f"{arg.name}={text}" if named else text)
    return texts


def value_text(i: int, arg: Arg) -> str | None:
    """An argument's value as source, or None where it equals PyTorch's default."""
    if not arg.positional and arg.default is not MISSING and arg.value == arg.default:
        return None
    return literal(arg.value)


def call_text(call: Call) -> str:
    """``nn.Conv2d(64, 64, 3, padding=1)``, as exported code writes it."""
    return f"{call.func}({', '.join(arg_texts(call, value_text))})"


def is_identifier(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)

