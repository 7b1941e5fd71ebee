"""The network graph model: blocks, shapes, costs and project files. Imports neither Qt nor torch.

>>> from convnet_studio.graph import Graph
>>> g = Graph()
>>> x = g.add("Input", channels=3, height=32, width=32)
>>> x = g.add("Conv2d", inputs=x, out_channels=16, kernel_size=3, padding=1)
>>> g.analyze().output_shape(x)
(16, 32, 32)
"""

from __future__ import annotations

from convnet_studio.graph.analysis import Analysis, Cost, Problem, analyze
from convnet_studio.graph.model import Edge, Graph, GraphError, Node
from convnet_studio.graph.params import ParamError, ParamSpec
from convnet_studio.graph.registry import (
    BlockError,
    BlockSpec,
    Shape,
    ShapeError,
    categories,
    get_block,
    list_blocks,
    register_block,
)

__all__ = [
    "Analysis",
    "BlockError",
    "BlockSpec",
    "Cost",
    "Edge",
    "Graph",
    "GraphError",
    "Node",
    "ParamError",
    "ParamSpec",
    "Problem",
    "Shape",
    "ShapeError",
    "analyze",
    "categories",
    "get_block",
    "list_blocks",
    "register_block",
]
