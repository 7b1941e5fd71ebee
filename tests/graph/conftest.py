"""Small graph builders shared by the graph tests (no torch, no Qt)."""

from __future__ import annotations

from typing import Callable

import pytest

from convnet_studio.graph import Graph


def chain(input_shape=(3, 32, 32), *layers: tuple[str, dict]) -> Graph:
    """Input -> layers... -> Output; layers are (type, params), named l0, l1, ..."""
    g = Graph("chain")
    c, h, w = input_shape
    x = g.add("Input", "input", channels=c, height=h, width=w)
    for i, (type_name, params) in enumerate(layers):
        x = g.add(type_name, f"l{i}", x, **params)
    g.add("Output", "output", x)
    return g


@pytest.fixture
def make_chain() -> Callable[..., Graph]:
    return chain
