"""Small graphs for the Qt tests (a module of its own, so tests import it by a unique name)."""

from __future__ import annotations

from convnet_studio.graph import Graph


def small_graph() -> Graph:
    """Input -> conv -> relu -> Output, plus a dangling Add for connection tests."""
    g = Graph("small")
    x = g.add("Input", channels=3, height=32, width=32)
    c = g.add("Conv2d", "conv", inputs=x, out_channels=16, kernel_size=3, padding=1)
    r = g.add("ReLU", "relu", inputs=c)
    g.add("Output", "output", inputs=r)
    for i, name in enumerate(g.nodes):
        g.move_node(name, (i * 290.0, 0.0))
    return g
