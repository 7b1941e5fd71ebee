"""The block registry: every block type with its parameters, ports, shape rule and cost rule.

Blocks register by name and duplicates are refused, as in torchvision's and timm's model
registries. Composite blocks (a VGG stage, an Inception module, a residual block...) have no
shape or cost rule of their own: they declare an expansion into primitives, and their shapes
and costs are those of the expansion, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Union

from convnet_studio.graph.names import short_repr, short_text
from convnet_studio.graph.params import ParamError, ParamSpec

Shape = tuple[int, ...]
Params = dict[str, Any]
ShapeRule = Callable[[Params, tuple[Shape, ...]], tuple[Shape, ...]]
# (params, input shapes, output shapes) -> (parameter count, multiply-accumulates)
CostRule = Callable[[Params, tuple[Shape, ...], tuple[Shape, ...]], tuple[int, int]]
PortRule = Union[tuple[str, ...], Callable[[Params], tuple[str, ...]]]


class ShapeError(ValueError):
    """A shape rule's complaint: ``port`` names the input port at fault, if one is."""

    def __init__(self, message: str, port: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.port = port


class BlockError(LookupError):
    """An unknown block type, or a duplicate registration."""


@dataclass(frozen=True)
class InnerNode:
    """A node of a composite block's expansion, named relative to the composite."""

    name: str
    type: str
    params: Params


@dataclass(frozen=True)
class Subgraph:
    """A composite block's expansion.

    ``inputs`` maps each of the composite's input ports to the inner ``(node, port)`` pairs it
    feeds; ``outputs`` maps each output port to the inner ``(node, port)`` that produces it.
    """

    nodes: tuple[InnerNode, ...]
    edges: tuple[tuple[str, str, str, str], ...]
    inputs: dict[str, tuple[tuple[str, str], ...]]
    outputs: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class BlockSpec:
    """What the studio knows about one block type."""

    type: str
    category: str
    description: str
    params: tuple[ParamSpec, ...] = ()
    inputs: PortRule = ("in",)
    outputs: tuple[str, ...] = ("out",)
    shape: ShapeRule | None = None
    cost: CostRule | None = None
    # (params, input shapes or None where unknown) -> the primitives it stands for
    expand: Callable[[Params, tuple[Shape | None, ...]], Subgraph] | None = None
    label: Callable[[Params], str] | None = None
    default_name: str = ""
    # The shape and cost rules in words, for the block reference (a composite's are those of
    # its expansion); a test fails when a primitive has none.
    shape_doc: str = ""
    cost_doc: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_composite(self) -> bool:
        return self.expand is not None

    def input_ports(self, params: Params) -> tuple[str, ...]:
        return self.inputs(params) if callable(self.inputs) else self.inputs

    def param_spec(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise ParamError(short_text(name), f"{self.type} has no parameter {short_repr(name)}")

    def defaults(self) -> Params:
        return {spec.name: spec.default for spec in self.params}

    def resolve_params(self, given: Params | None) -> Params:
        """Defaults overlaid with ``given``, each value coerced; raises :class:`ParamError`."""
        given = dict(given or {})
        resolved = {}
        for spec in self.params:
            resolved[spec.name] = spec.coerce(given.pop(spec.name, spec.default))
        if given:
            name = sorted(given)[0]
            raise ParamError(short_text(name), f"{self.type} has no parameter {short_repr(name)}")
        check = self.extra.get("check")
        if check is not None:
            check(resolved)
        return resolved

    def describe(self, params: Params) -> str:
        """A short line of the key parameters, for a node's face on the canvas."""
        return self.label(params) if self.label else ""


_REGISTRY: dict[str, BlockSpec] = {}


def register_block(spec: BlockSpec) -> BlockSpec:
    """Add ``spec`` to the registry; a second block of the same type is refused."""
    if spec.type in _REGISTRY:
        raise BlockError(f"block type {spec.type!r} is already registered")
    if (spec.shape is None) == (spec.expand is None):
        raise BlockError(f"{spec.type}: a block has either a shape rule or an expansion")
    _REGISTRY[spec.type] = spec
    return spec


def get_block(type_name: str) -> BlockSpec:
    _ensure_loaded()
    try:
        return _REGISTRY[type_name]
    except KeyError:
        raise BlockError(f"unknown block type {short_repr(type_name)}") from None


def find_block(type_name: str) -> BlockSpec | None:
    """The block of ``type_name``, or None if there is none (one lookup, for hot loops)."""
    _ensure_loaded()
    return _REGISTRY.get(type_name)


def has_block(type_name: str) -> bool:
    _ensure_loaded()
    return type_name in _REGISTRY


def list_blocks(category: str | None = None) -> list[BlockSpec]:
    """Every registered block, in registration order (the palette's order)."""
    _ensure_loaded()
    return [s for s in _REGISTRY.values() if category is None or s.category == category]


def categories() -> list[str]:
    seen: dict[str, None] = {}
    for spec in list_blocks():
        seen.setdefault(spec.category)
    return list(seen)


_loaded = False


def _ensure_loaded() -> None:
    # The built-in blocks register themselves on import; import lazily so that
    # ``registry`` itself has no import cycle with the block modules. The flag keeps this off
    # the analysis's hot path (an import statement per lookup adds up at 5000 nodes).
    global _loaded
    if not _loaded:
        import convnet_studio.graph.blocks  # noqa: F401

        _loaded = True
