"""Run a compiled graph and compare every node's real output shape and parameter count
with what the graph's analysis inferred (shared by the compile tests)."""

from __future__ import annotations

import torch
from torch import fx

from convnet_studio.compile import compile_graph
from convnet_studio.compile.compiler import NODE_META
from convnet_studio.graph import Graph
from convnet_studio.graph.composite_ops import expand_node

# Nodes that have no fx value of their own: Identity passes its input through, Output returns it.
_NO_VALUE = {"Identity", "Output"}


def actual_shapes(module: fx.GraphModule, x: torch.Tensor) -> tuple[dict[str, tuple[int, ...]], torch.Tensor]:
    """Graph node name -> real output shape (without the batch dim), and the module's output."""
    shapes: dict[str, tuple[int, ...]] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n: fx.Node):
            out = super().run_node(n)
            name = n.meta.get(NODE_META)
            if name is not None and isinstance(out, torch.Tensor):
                shapes[name] = tuple(out.shape[1:])
            return out

    with torch.no_grad():
        result = Recorder(module).run(x)
    return shapes, result


def check_graph(graph: Graph, batch: int = 2) -> fx.GraphModule:
    """Assert real shapes and parameter counts equal the inferred ones, node by node."""
    analysis = graph.analyze()
    assert analysis.ok, analysis.problems
    module = compile_graph(graph).eval()
    x = torch.randn(batch, *analysis.input_shape)
    shapes, result = actual_shapes(module, x)
    for name in analysis.order:
        node = graph.node(name)
        inferred = analysis.output_shape(name)
        if node.type == "Output":
            assert tuple(result.shape[1:]) == inferred, name
        elif node.type not in _NO_VALUE:
            assert shapes[name] == inferred, f"{name} ({node.type}): real {shapes[name]}, inferred {inferred}"
        real_params = _params_at(module, name)
        assert real_params == analysis.nodes[name].cost.params, f"{name}: parameters"
    assert sum(p.numel() for p in module.parameters()) == analysis.total.params
    return module


def _params_at(module: torch.nn.Module, name: str) -> int:
    try:
        sub = module.get_submodule(name)
    except AttributeError:
        try:
            return module.get_parameter(name).numel()  # a bare parameter (LayerScale)
        except AttributeError:
            return 0  # an op (Add, Concat, Flatten) with no module
    return sum(p.numel() for p in sub.parameters())


def expand_all(graph: Graph) -> Graph:
    """A copy with every composite expanded, nested ones too."""
    graph = graph.copy()
    while True:
        composites = [n.name for n in graph if n.spec.is_composite]
        if not composites:
            return graph
        for name in composites:
            expand_node(graph, name)
