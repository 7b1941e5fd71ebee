"""One Python class per composite block type, with the constructor a person would write.

Every instance of a type (``layer1.0`` ... ``layer4.2``, all Bottlenecks) is expanded; the
arguments of each inner module are compared across instances and written as expressions of
the few parameters that explain them (``nn.Conv2d(in_channels, planes, 1, bias=False)``).
To tell ``planes`` from ``in_channels`` where they happen to be equal, each varying
parameter is also tried doubled. Inner parts present in some instances only (a projection
shortcut) become optional (``self.downsample = None``, set when a flag says so). Instances
that cannot share one class are split into ``Type``, ``Type2``...
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from convnet_studio.codegen.body import INPUT, Body, Row, body_from_block
from convnet_studio.codegen.calls import MISSING, Arg, Call, norm, primitive_call
from convnet_studio.codegen.exprs import Const, Env, Expr, Name, Not, derive
from convnet_studio.codegen.shapes import symbolic_shapes
from convnet_studio.codegen.tree import Container, Leaf, build_tree
from convnet_studio.graph.registry import Params, Shape, get_block

Slots = dict[tuple[str, int], Any]
_KEYWORDS = {"kernel_size", "stride", "padding", "dilation", "groups", "bias", "batch_norm", "bn_eps"}
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
class _Variant:
    instance: Instance
    body: Body
    slots: Slots
    present: set[str]
    env: Env


class BlockClasses:
    """Every composite block type under ``root``, each turned into one class (or a few)."""

    def __init__(self, root: Body) -> None:
        self._bodies: dict[Instance, Body | None] = {}
        self._observed: dict[str, list[Instance]] = {}
        self._deps: dict[str, list[str]] = {}
        self._collect(root)
        self.classes: dict[str, list[BlockClass]] = {}
        for type_name in self._order():
            self.classes[type_name] = self._build(type_name)

    # ------------------------------------------------------------------ queries
    def ordered(self) -> list[BlockClass]:
        """Classes in definition order: a class after the classes it uses."""
        return [cls for classes in self.classes.values() for cls in classes]

    def call(self, row: Row) -> Call:
        found = self.call_or_none(row)
        if found is None:  # every observed instance was checked when its class was built
            raise AssertionError(f"no generated class represents {row.name}")
        return found

    def call_or_none(self, row: Row) -> Call | None:
        instance = Instance.of(row)
        body = self._body(instance)
        if body is None:
            return None
        for cls in self.classes.get(row.type, []):
            values = self._represent(cls, instance, body)
            if values is not None:
                return Call(cls.name, tuple(
                    Arg(p.name, values[p.name], p.default, positional=_positional(p)) for p in cls.params
                ))
        return None

    def slots(self, body: Body) -> Slots | None:
        """Every module argument in ``body`` by (row, index), or None if a block has no class."""
        slots: Slots = {}
        for row in body.rows:
            call = self.row_call(row)
            if call is None and row.is_composite:
                return None
            for i, arg in enumerate(call.args if call else ()):
                slots[(row.name, i)] = arg.value
        return slots

    def row_call(self, row: Row) -> Call | None:
        if row.type in ("Add", "Concat"):
            return None
        return self.call_or_none(row) if row.is_composite else primitive_call(row)

    # -------------------------------------------------------------- collection
    def _body(self, instance: Instance) -> Body | None:
        if instance not in self._bodies:
            try:
                self._bodies[instance] = body_from_block(instance.type, instance.params, instance.in_shape)
            except Exception:  # a perturbed instance the block refuses
                self._bodies[instance] = None
        return self._bodies[instance]

    def _collect(self, body: Body) -> None:
        for row in body.rows:
            if not row.is_composite:
                continue
            instance = Instance.of(row)
            seen = self._observed.setdefault(row.type, [])
            deps = self._deps.setdefault(row.type, [])
            if instance in seen:
                continue
            seen.append(instance)
            inner = self._body(instance)
            assert inner is not None
            deps.extend(r.type for r in inner.rows if r.is_composite and r.type not in deps)
            self._collect(inner)

    def _order(self) -> list[str]:
        done: list[str] = []

        def visit(type_name: str) -> None:
            if type_name not in done:
                for dep in self._deps.get(type_name, []):
                    visit(dep)
                done.append(type_name)

        for type_name in self._observed:
            visit(type_name)
        return done

    # ---------------------------------------------------------------- building
    def _build(self, type_name: str) -> list[BlockClass]:
        instances = self._observed[type_name]
        whole = self._derive(type_name, instances, type_name)
        if whole is not None:
            return [whole]
        groups: dict[Any, list[Instance]] = {}
        for instance in instances:
            body = self._body(instance)
            assert body is not None
            groups.setdefault(self._signature(body), []).append(instance)
        classes = []
        for i, members in enumerate(groups.values()):
            cls = self._derive(type_name, members, type_name if i == 0 else f"{type_name}{i + 1}")
            assert cls is not None, f"{type_name}: instances of one structure must share a class"
            classes.append(cls)
        return classes

    def _signature(self, body: Body) -> Any:
        rows = []
        for row in body.rows:
            call = self.row_call(row)
            rows.append((row.name, row.type, tuple(row.refs), row.inplace, call.func if call else None))
        return tuple(rows), body.output

    def _derive(self, type_name: str, instances: list[Instance], name: str) -> BlockClass | None:
        bodies = [self._body(i) for i in instances]
        optional = _optional_members([b for b in bodies if b is not None])
        if optional is None:
            return None
        members, representative = optional
        variants = self._variants(instances, set(members))
        if variants is None:
            return None
        cls = _make_class(type_name, name, bodies[representative], variants, len(instances))
        cls.accepted = {self._signature(v.body) for v in variants}
        if any(self._represent(cls, i, self._body(i)) is None for i in instances):
            return None
        return cls

    def _variants(self, instances: list[Instance], members: set[str]) -> list[_Variant] | None:
        observed = []
        for instance in instances:
            variant = self._variant(instance, members)
            if variant is None:
                return None
            observed.append(variant)
        varying = _varying_params(instances)
        extra = []
        for source in observed:
            signature = self._signature(source.body)
            for trial in _perturbed(source.instance, varying):
                variant = self._variant(trial, members)
                if variant is not None and self._signature(variant.body) == signature:
                    extra.append(variant)
        return observed + extra

    def _variant(self, instance: Instance, members: set[str]) -> _Variant | None:
        body = self._body(instance)
        slots = self.slots(body) if body is not None else None
        if body is None or slots is None:
            return None
        present = {row.name.split(".")[0] for row in body.rows} & members
        env: Env = {"in_channels": instance.in_shape[0]}
        env.update({k: norm(v) for k, v in instance.params.items()})
        return _Variant(instance, body, slots, present, env)

    def _represent(self, cls: BlockClass, instance: Instance, body: Body | None) -> dict[str, Any] | None:
        """The constructor arguments that rebuild ``instance`` with ``cls``, or None."""
        if body is None or self._signature(body) not in cls.accepted:
            return None
        variant = self._variant(instance, set(cls.optional))
        if variant is None:
            return None
        env = dict(variant.env)
        for flag, member in cls.flags.items():
            env[flag] = member in variant.present
        for extra, slot in cls.extras.items():
            env[extra] = variant.slots[slot]
        env.update(cls.attrs)
        for member, condition in cls.optional.items():
            if bool(condition.evaluate(env)) != (member in variant.present):
                return None
        for slot, expr in cls.slots.items():
            if slot in variant.slots and expr.evaluate(env) != variant.slots[slot]:
                return None
        return {p.name: env[p.name] for p in cls.params}


def _positional(param: CtorParam) -> bool:
    # Sizes read well by position (InceptionModule(192, 64, 96, ...)); geometry and flags by name.
    return param.default is MISSING and param.name not in _KEYWORDS


def _varying_params(instances: list[Instance]) -> list[str]:
    first = instances[0].params
    return [k for k in first if any(i.params[k] != first[k] for i in instances)]


def _perturbed(instance: Instance, varying: list[str]) -> list[Instance]:
    """The instance with each varying whole-number parameter doubled, and with twice the channels."""
    c, *rest = instance.in_shape
    trials = [Instance(instance.type, instance.params_json, (2 * c, *rest))]
    for key in varying:
        value = norm(instance.params[key])
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            params = {**instance.params, key: 2 * value}
            trials.append(Instance(instance.type, json.dumps(params, sort_keys=True), instance.in_shape))
    return trials


def _optional_members(bodies: list[Body]) -> tuple[list[str], int] | None:
    """Top-level members some bodies lack, and a body that has them all; None if not that simple."""
    tops = [{row.name.split(".")[0] for row in b.rows} for b in bodies]
    members = sorted(set.union(*tops) - set.intersection(*tops))
    with_all = [i for i, t in enumerate(tops) if set(members) <= t]
    if not with_all:
        return None
    reduced = set()
    for body in bodies:
        for member in members:
            body = _without(body, member)
            if body is None:
                return None
        reduced.add(_plain_signature(body))
    return (members, with_all[0]) if len(reduced) == 1 else None


def _without(body: Body | None, member: str) -> Body | None:
    """``body`` with ``member`` passed through (readers of its output read its input)."""
    if body is None:
        return None
    inside = [row for row in body.rows if row.name.split(".")[0] == member]
    if not inside:
        return body
    names = {row.name for row in inside}
    sources = {r for row in inside for r in row.refs if r not in names}
    tree = build_tree(Body(inside, inside[-1].name, body.in_shape)).children.get(member)
    if len(sources) != 1 or not (isinstance(tree, Leaf) or (isinstance(tree, Container) and tree.callable)):
        return None
    source, result = sources.pop(), inside[-1].name
    rows = []
    for row in body.rows:
        if row.name in names:
            continue
        if any(r in names and r != result for r in row.refs):
            return None
        rows.append(Row(row.name, row.type, row.params, [source if r == result else r for r in row.refs],
                        row.in_shapes, row.out_shape, row.inplace))
    return Body(rows, source if body.output == result else body.output, body.in_shape)


def _plain_signature(body: Body) -> Any:
    return tuple((r.name, r.type, tuple(r.refs), r.inplace) for r in body.rows), body.output


def _make_class(type_name: str, name: str, body: Body, variants: list[_Variant], observed: int) -> BlockClass:
    spec = get_block(type_name)
    envs = [v.env for v in variants]
    attrs = {k: envs[0][k] for k in envs[0] if k.endswith(_MULTIPLIERS) and all(e[k] == envs[0][k] for e in envs)}
    slots: dict[tuple[str, int], Expr] = {}
    extras: dict[str, tuple[str, int]] = {}
    for slot in sorted({s for v in variants for s in v.slots}, key=_slot_order(body)):
        have = [v for v in variants if slot in v.slots]
        expr = derive([v.slots[slot] for v in have], [v.env for v in have], attrs)
        if expr is None:
            extra = f"{slot[0].replace('.', '_')}_{_arg_name(body, slot)}"
            extras[extra] = slot
            expr = Name(extra)
        slots[slot] = expr
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


def _arg_name(body: Body, slot: tuple[str, int]) -> str:
    row = next(r for r in body.rows if r.name == slot[0])
    if row.is_composite:
        return f"arg{slot[1]}"
    return primitive_call(row).args[slot[1]].name


def _conditions(variants: list[_Variant]) -> tuple[dict[str, Expr], dict[str, str]]:
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


def _absent_members(variants: list[_Variant]) -> set[str]:
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


__all__ = ["BlockClass", "BlockClasses", "CtorParam", "INPUT", "Instance", "Not"]
