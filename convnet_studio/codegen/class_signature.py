"""The data of a generated block class, and how its signature is worked out from examples.

Given every variant of a block (observed instances, and the same with a varying parameter
doubled), each module argument becomes an expression of a few constructor parameters; a
parameter gets a default only where most instances use the block's own default.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from convnet_studio.codegen.body import Body, Row
from convnet_studio.codegen.calls import MISSING, norm, primitive_call
from convnet_studio.codegen.exprs import Const, Env, Expr, Name, Not, derive
from convnet_studio.codegen.shape_comments import symbolic_shapes
from convnet_studio.graph.registry import Params, Shape, get_block

Slots = dict[tuple[str, int], Any]
_MULTIPLIERS = ("expansion", "factor", "ratio", "multiplier")


@dataclass(frozen=True)
class Instance:
    type: str
    params_json: str
    in_shape: Shape

    @classmethod
    def of(cls, row: Row) -> Instance:
        return cls(row.type, json.dumps(row.params, sort_keys=True), tuple(row.in_shapes[0]))

    @property
    def params(self) -> Params:
        return json.loads(self.params_json)


@dataclass
class CtorParam:
    name: str
    annotation: str
    default: Any = MISSING


@dataclass
class BlockClass:
    """A generated class: its signature, a body holding every optional part, and expressions."""

    type: str
    name: str
    params: list[CtorParam]
    body: Body
    slots: dict[tuple[str, int], Expr]
    optional: dict[str, Expr]  # top-level member -> when it exists
    flags: dict[str, str]  # flag parameter -> the member it switches on
    extras: dict[str, tuple[str, int]]  # parameter -> the argument it stands for
    attrs: dict[str, int]  # class attributes (expansion = 4)
    shapes: dict[str, str] = field(default_factory=dict)  # row -> "N x planes x H x W"
    accepted: set[Any] = field(default_factory=set)


@dataclass
class Variant:
    instance: Instance
    body: Body
    slots: Slots
    present: set[str]
    env: Env


def make_class(
    type_name: str, name: str, body: Body, variants: list[Variant], observed: int
) -> BlockClass:
    spec = get_block(type_name)
    envs = [v.env for v in variants]
    attrs = {
        k: envs[0][k]
        for k in envs[0]
        # Whole numbers only: channels are ints, and ``in_channels * self.expand_ratio`` with
        # MBConv's float ratio would build a Conv2d with 96.0 filters.
        if k.endswith(_MULTIPLIERS) and type(envs[0][k]) is int and all(e[k] == envs[0][k] for e in envs)
    }
    slots: dict[tuple[str, int], Expr] = {}
    extras: dict[str, tuple[str, int]] = {}
    for slot in sorted({s for v in variants for s in v.slots}, key=_slot_order(body)):
        have = [v for v in variants if slot in v.slots]
        expr = derive([v.slots[slot] for v in have], [v.env for v in have], attrs)
        if expr is None:
            value = next((v.slots[slot] for v in have if v.body is body), have[0].slots[slot])
            extra = f"{slot[0].replace('.', '_')}_{_arg_name(body, slot, value)}"
            extras[extra] = slot
            expr = Name(extra)
        slots[slot] = expr
    # A constant ratio that no argument is written with (MobileNetV3's blocks give their
    # widths, not a ratio) would only be noise on the class.
    attrs = {k: v for k, v in attrs.items() if any(getattr(e, "attr", None) == k for e in slots.values())}
    optional, flags = _conditions(variants)
    used = set().union(*(e.names() for e in list(slots.values()) + list(optional.values())))
    order = ["in_channels"] + [p.name for p in spec.params] + list(flags) + list(extras)
    values = {n: [v.env.get(n) for v in variants[:observed]] for n in order}
    for flag, member in flags.items():
        values[flag] = [member in v.present for v in variants[:observed]]
    for extra, slot in extras.items():
        values[extra] = [v.slots.get(slot) for v in variants[:observed]]
    params = [_ctor_param(n, values[n], spec, n in flags) for n in order if n in used]
    params.sort(key=lambda p: p.default is not MISSING)
    cls = BlockClass(type_name, name, params, body, slots, optional, flags, extras, attrs)
    cls.shapes = symbolic_shapes(body, variants, attrs)
    return cls


def _slot_order(body: Body):
    index = {row.name: i for i, row in enumerate(body.rows)}
    return lambda slot: (index.get(slot[0], len(index)), slot[1])


def _arg_name(body: Body, slot: tuple[str, int], value: Any) -> str:
    row = next(r for r in body.rows if r.name == slot[0])
    if row.is_composite:
        # The inner block's parameter of that value, if only one has it (squeeze_channels).
        params = get_block(row.type).resolve_params(row.params)
        names = [k for k, v in params.items() if norm(v) == value]
        return names[0] if len(names) == 1 else f"arg{slot[1]}"
    return primitive_call(row).args[slot[1]].name


def _conditions(variants: list[Variant]) -> tuple[dict[str, Expr], dict[str, str]]:
    """When each optional member exists: a flag the block already has, or a new one."""
    members = sorted({m for v in variants for m in v.present} | _absent_members(variants))
    optional: dict[str, Expr] = {}
    flags: dict[str, str] = {}
    envs = [{k: val for k, val in v.env.items() if isinstance(val, bool)} for v in variants]
    for member in members:
        present = [member in v.present for v in variants]
        expr = derive(present, envs) if envs[0] else None
        if expr is None or isinstance(expr, Const):
            flag = member if member not in variants[0].env else f"with_{member}"
            flags[flag] = member
            expr = Name(flag)
        assert isinstance(expr, (Name, Not))
        optional[member] = expr
    return optional, flags


def _absent_members(variants: list[Variant]) -> set[str]:
    counts = Counter(m for v in variants for m in v.present)
    return {m for m, n in counts.items() if n < len(variants)}


def _ctor_param(name: str, values: list[Any], spec, is_flag: bool) -> CtorParam:
    kinds = sorted({_annotation(v) for v in values})
    annotation = " | ".join(kinds)
    if is_flag:
        return CtorParam(name, "bool", False)
    default = MISSING
    if name != "in_channels" and any(p.name == name for p in spec.params):
        candidate = norm(spec.param_spec(name).default)
        if len(values) >= 2 and 2 * sum(v == candidate for v in values) > len(values):
            default = candidate
    return CtorParam(name, annotation, default)


def _annotation(value: Any) -> str:
    if isinstance(value, tuple):
        return "tuple[int, int]"
    return type(value).__name__
