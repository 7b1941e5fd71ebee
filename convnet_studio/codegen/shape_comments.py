"""``# N x C x H x W`` comments: concrete in the model, symbolic inside a block class."""

from __future__ import annotations

from typing import Any

from convnet_studio.codegen.body import INPUT, Body
from convnet_studio.codegen.exprs import Const, Env, Expr, Name, Scaled, derive
from convnet_studio.graph.registry import Shape


def concrete(shape: Shape) -> str:
    """``(64, 56, 56) -> "N x 64 x 56 x 56"``."""
    return "N x " + " x ".join(str(d) for d in shape)


def symbolic_shapes(body: Body, variants: list[Any], constants: Env) -> dict[str, str]:
    """Each row's output shape (and the input's, under ``INPUT``) in the class's own terms."""
    texts: dict[str, str] = {}
    for name in [INPUT] + [row.name for row in body.rows]:
        have = [v for v in variants if name == INPUT or any(r.name == name for r in v.body.rows)]
        shapes = [v.body.shape_of(name) for v in have]
        inputs = [v.body.in_shape for v in have]
        envs = [v.env for v in have]
        if len(shapes[0]) != 3:
            texts[name] = "N x " + _channels([s[0] for s in shapes], envs, constants, "F")
            continue
        channels = _channels([s[0] for s in shapes], envs, constants, "C")
        row = next((r for r in body.rows if r.name == name), None)
        if channels == "C" and row is not None and row.type == "Concat":
            parts = [texts[r].split(" x ")[1] for r in row.refs]
            channels = "(" + " + ".join(p.strip("()") for p in parts) + ")"
        texts[name] = "N x {} x {} x {}".format(
            channels,
            _spatial([s[1] for s in shapes], [i[1] for i in inputs], envs, "H"),
            _spatial([s[2] for s in shapes], [i[2] for i in inputs], envs, "W"),
        )
    return texts


def _channels(values: list[int], envs: list[Env], constants: Env, fallback: str) -> str:
    if len({v for v in values}) > 1 and len(envs) > 0:
        expr = derive(values, envs, constants)
    else:
        expr = Const(values[0])
    return _comment_text(expr) if expr is not None else fallback


def _comment_text(expr: Expr) -> str:
    if isinstance(expr, Scaled):
        k = expr.attr or str(expr.k)
        return f"({expr.name} {expr.op} {k})"
    if isinstance(expr, (Const, Name)):
        return expr.render()
    return f"({expr.render()})"


def _spatial(out: list[int], ins: list[int], envs: list[Env], axis: str) -> str:
    if out == ins:
        return axis
    if set(out) == {1}:  # a global pool, at whatever size its instances see
        return "1"
    names = [n for n in envs[0] if any(e[n] != envs[0][n] for e in envs)]
    for name in names:
        if all(
            type(e[name]) is int and e[name] > 0 and _divides(i, o, e[name])
            for e, i, o in zip(envs, ins, out)
        ):
            return f"{axis}/{name}"
    for k in range(2, 65):
        if all(_divides(i, o, k) for i, o in zip(ins, out)):
            return f"{axis}/{k}"
    return f"{axis}'"


def _divides(size_in: int, size_out: int, k: int) -> bool:
    # Convolutions and pools round either way; "H/2" reads right for both.
    return size_out in (size_in // k, -(-size_in // k))
