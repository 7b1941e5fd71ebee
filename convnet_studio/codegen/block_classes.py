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
from typing import Any

from convnet_studio.codegen.body import Body, Row, body_from_block
from convnet_studio.codegen.calls import MISSING, Arg, Call, norm, primitive_call
from convnet_studio.codegen.class_signature import (
    BlockClass,
    CtorParam,
    Instance,
    Slots,
    Variant,
    make_class,
)
from convnet_studio.codegen.exprs import Env
from convnet_studio.codegen.tree import Container, Leaf, build_tree

_KEYWORDS = {
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "bias",
    "batch_norm",
    "bn_eps",
}


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
                return Call(
                    cls.name,
                    tuple(
                        Arg(p.name, values[p.name], p.default, positional=_positional(p))
                        for p in cls.params
                    ),
                )
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
        if row.op_only:
            return None
        return self.call_or_none(row) if row.is_composite else primitive_call(row)

    # -------------------------------------------------------------- collection
    def _body(self, instance: Instance) -> Body | None:
        if instance not in self._bodies:
            try:
                self._bodies[instance] = body_from_block(
                    instance.type, instance.params, instance.in_shape
                )
            except Exception:  # noqa: BLE001  (a perturbed instance the block refuses)
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
            rows.append(
                (row.name, row.type, tuple(row.refs), row.inplace, call.func if call else None)
            )
        return tuple(rows), body.output

    def _derive(self, type_name: str, instances: list[Instance], name: str) -> BlockClass | None:
        bodies = [self._body(i) for i in instances]
        optional = _optional_members([b for b in bodies if b is not None])
        if optional is None:
            return None
        members, representative = optional
        if not _members_agree([b for b in bodies if b is not None], members):
            return None
        variants = self._variants(instances, set(members))
        if variants is None:
            return None
        cls = make_class(type_name, name, bodies[representative], variants, len(instances))
        cls.accepted = {self._signature(v.body) for v in variants}
        if any(self._represent(cls, i, self._body(i)) is None for i in instances):
            return None
        return cls

    def _variants(self, instances: list[Instance], members: set[str]) -> list[Variant] | None:
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

    def _variant(self, instance: Instance, members: set[str]) -> Variant | None:
        body = self._body(instance)
        slots = self.slots(body) if body is not None else None
        if body is None or slots is None:
            return None
        present = {row.name.split(".")[0] for row in body.rows} & members
        env: Env = {"in_channels": instance.in_shape[0]}
        env.update({k: norm(v) for k, v in instance.params.items()})
        return Variant(instance, body, slots, present, env)

    def _represent(
        self, cls: BlockClass, instance: Instance, body: Body | None
    ) -> dict[str, Any] | None:
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
            trials.append(
                Instance(instance.type, json.dumps(params, sort_keys=True), instance.in_shape)
            )
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


def _members_agree(bodies: list[Body], members: list[str]) -> bool:
    """Whether each optional member has one structure wherever it is present.

    One flag cannot stand for two shortcuts: a 1x1 conv + BN ``downsample`` in one block and
    option A's ``ShortcutA`` in another need classes of their own.
    """
    for member in members:
        forms = {
            tuple((row.name, row.type) for row in body.rows if row.name.split(".")[0] == member)
            for body in bodies
        }
        forms.discard(())
        if len(forms) > 1:
            return False
    return True


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
    if len(sources) != 1 or not (
        isinstance(tree, Leaf) or (isinstance(tree, Container) and tree.callable)
    ):
        return None
    source, result = sources.pop(), inside[-1].name
    rows = []
    for row in body.rows:
        if row.name in names:
            continue
        if any(r in names and r != result for r in row.refs):
            return None
        rows.append(
            Row(
                row.name,
                row.type,
                row.params,
                [source if r == result else r for r in row.refs],
                row.in_shapes,
                row.out_shape,
                row.inplace,
            )
        )
    return Body(rows, source if body.output == result else body.output, body.in_shape)


def _plain_signature(body: Body) -> Any:
    return tuple((r.name, r.type, tuple(r.refs), r.inplace) for r in body.rows), body.output
