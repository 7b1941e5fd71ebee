"""Typed, JSON-able block parameters and their validation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from convnet_studio.errors import UserError

JsonValue = Any

PARAM_KINDS = ("int", "float", "bool", "choice", "pair", "padding", "str")


class ParamError(UserError, ValueError):
    """A parameter value that a block cannot take; ``param`` names the field."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a block.

    Kinds: ``int``, ``float``, ``bool``, ``choice`` (one of ``choices``), ``str``,
    ``pair`` (an int or ``[h, w]``, as PyTorch's ``kernel_size``) and ``padding``
    (a pair, or ``"same"`` / ``"valid"``).
    """

    name: str
    kind: str
    default: JsonValue
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}")

    def coerce(self, value: JsonValue) -> JsonValue:
        """Return ``value`` in canonical JSON form, or raise :class:`ParamError`."""
        kind = self.kind
        if kind == "int":
            return self._check_range(_as_int(self.name, value))
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParamError(self.name, f"expected a number, got {value!r}")
            if not math.isfinite(value):
                raise ParamError(self.name, f"expected a finite number, got {value!r}")
            return self._check_range(float(value))
        if kind == "bool":
            if not isinstance(value, bool):
                raise ParamError(self.name, f"expected true or false, got {value!r}")
            return value
        if kind == "choice":
            if value not in self.choices:
                raise ParamError(self.name, f"{value!r} is not one of {', '.join(self.choices)}")
            return value
        if kind == "str":
            if not isinstance(value, str):
                raise ParamError(self.name, f"expected text, got {value!r}")
            return value
        if kind == "padding" and isinstance(value, str):
            if value not in ("same", "valid"):
                raise ParamError(self.name, f"padding must be a number, [h, w], 'same' or 'valid', not {value!r}")
            return value
        return self._coerce_pair(value)

    def _coerce_pair(self, value: JsonValue) -> JsonValue:
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ParamError(self.name, f"expected one number or two [h, w], got {list(value)!r}")
            pair = [self._check_range(_as_int(self.name, v)) for v in value]
            return pair[0] if pair[0] == pair[1] else pair
        return self._check_range(_as_int(self.name, value))

    def _check_range(self, value: int | float) -> int | float:
        if self.minimum is not None and value < self.minimum:
            raise ParamError(self.name, f"must be at least {_fmt(self.minimum)}, got {_fmt(value)}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(self.name, f"must be at most {_fmt(self.maximum)}, got {_fmt(value)}")
        return value


def _as_int(name: str, value: JsonValue) -> int:
    if isinstance(value, bool):
        raise ParamError(name, f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ParamError(name, f"expected a whole number, got {value!r}")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def pair(value: JsonValue) -> tuple[int, int]:
    """``3 -> (3, 3)``, ``[1, 7] -> (1, 7)``."""
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def int_param(name: str, default: int, doc: str = "", minimum: int | None = 0, maximum: int | None = None) -> ParamSpec:
    return ParamSpec(name, "int", default, doc, minimum, maximum)


def float_param(name: str, default: float, doc: str = "", minimum: float | None = None, maximum: float | None = None) -> ParamSpec:
    return ParamSpec(name, "float", default, doc, minimum, maximum)


def bool_param(name: str, default: bool, doc: str = "") -> ParamSpec:
    return ParamSpec(name, "bool", default, doc)


def choice_param(name: str, default: str, choices: tuple[str, ...], doc: str = "") -> ParamSpec:
    return ParamSpec(name, "choice", default, doc, choices=choices)


def pair_param(name: str, default: JsonValue, doc: str = "", minimum: int = 0) -> ParamSpec:
    return ParamSpec(name, "pair", default, doc, minimum)
