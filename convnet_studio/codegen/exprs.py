"""Small expressions over a block class's constructor parameters, found from examples.

Given the value an argument takes in every instance of a block (``conv3``'s out_channels
is 256, 512, 1024, 2048) and each instance's parameters (planes 64, 128, 256, 512), find
the expression a person would write (``planes * self.expansion``). The search is tiny on
purpose: a constant, a parameter, ``not`` a flag, a parameter times or divided by a whole
number, or the product of two parameters; anything else becomes a parameter of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convnet_studio.codegen.calls import literal

Env = dict[str, Any]


class Expr:
    """An expression: ``evaluate`` it on a parameter environment, ``render`` it as source."""

    def evaluate(self, env: Env) -> Any:
        raise NotImplementedError

    def render(self) -> str:
        raise NotImplementedError

    def names(self) -> set[str]:
        return set()


@dataclass(frozen=True)
class Const(Expr):
    value: Any

    def evaluate(self, env: Env) -> Any:
        return self.value

    def render(self) -> str:
        return literal(self.value)


@dataclass(frozen=True)
class Name(Expr):
    name: str

    def evaluate(self, env: Env) -> Any:
        return env[self.name]

    def render(self) -> str:
        return self.name

    def names(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True)
class Not(Expr):
    name: str

    def evaluate(self, env: Env) -> Any:
        return not env[self.name]

    def render(self) -> str:
        return f"not {self.name}"

    def names(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True)
class Scaled(Expr):
    """``name * k`` or ``name // k``; ``attr`` names a class attribute holding ``k``."""

    name: str
    k: int
    op: str = "*"
    attr: str | None = None

    def evaluate(self, env: Env) -> Any:
        return env[self.name] * self.k if self.op == "*" else env[self.name] // self.k

    def render(self) -> str:
        k = f"self.{self.attr}" if self.attr else str(self.k)
        return f"{self.name} {self.op} {k}"

    def names(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True)
class Product(Expr):
    a: str
    b: str

    def evaluate(self, env: Env) -> Any:
        return env[self.a] * env[self.b]

    def render(self) -> str:
        return f"{self.a} * {self.b}"

    def names(self) -> set[str]:
        return {self.a, self.b}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def derive(values: list[Any], envs: list[Env], constants: Env | None = None) -> Expr | None:
    """The simplest expression equal to ``values[i]`` on ``envs[i]`` for every i, or None.

    Only names whose value differs between environments are tried: a name that never
    varies cannot be told apart from a constant. ``constants`` (name -> fixed int) name the
    multipliers, so ``planes * 4`` is written ``planes * self.expansion`` when expansion is 4.
    """
    if all(v == values[0] for v in values):
        return Const(values[0])
    varying = [n for n in envs[0] if any(env[n] != envs[0][n] for env in envs)]
    for name in varying:
        if all(env[name] == v and type(env[name]) is type(v) for env, v in zip(envs, values)):
            return Name(name)
    for name in varying:
        if all(
            isinstance(env[name], bool) and v is (not env[name]) for env, v in zip(envs, values)
        ):
            return Not(name)
    if not all(_is_int(v) for v in values):
        return None
    ints = [n for n in varying if all(_is_int(env[n]) for env in envs)]
    for name in ints:
        found = _scaled(name, values, envs, constants or {})
        if found is not None:
            return found
    for i, a in enumerate(ints):
        for b in ints[i + 1 :]:
            if all(env[a] * env[b] == v for env, v in zip(envs, values)):
                return Product(a, b)
    return None


def _scaled(name: str, values: list[Any], envs: list[Env], constants: Env) -> Expr | None:
    first = envs[0][name]
    if first and values[0] % first == 0 and values[0] // first >= 2:
        k = values[0] // first
        if all(env[name] * k == v for env, v in zip(envs, values)):
            attr = next((c for c, value in constants.items() if value == k), None)
            return Scaled(name, k, "*", attr)
    if all(env[name] // 2 == v for env, v in zip(envs, values)):
        return Scaled(name, 2, "//")
    return None
