"""Short human numbers for the canvas and panels: 11.7M params, 1.82G MACs, 3.1 MiB."""

from __future__ import annotations

# fmt_bytes is the CLI's own, so both print the same bytes the same way.
from convnet_studio.graph.blocks.arith import fmt_bytes, fmt_shape

__all__ = ["compact_shape", "fmt_bytes", "fmt_cost", "fmt_count", "shape_text"]


def fmt_count(n: float) -> str:
    """``11689512 -> "11.7M"``, ``512 -> "512"``."""
    n = float(n)
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            value = n / scale
            return f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return f"{int(n)}"


def fmt_cost(params: int, macs: int) -> str:
    return f"{fmt_count(params)} params \u00b7 {fmt_count(macs)} MACs"


def shape_text(shape: tuple[int, ...] | None) -> str:
    return fmt_shape(shape) if shape else ""


def compact_shape(shape: tuple[int, ...] | None) -> str:
    """The edge label: ``64x56x56``."""
    return "x".join(str(d) for d in shape) if shape else ""
