"""The network to train: a project graph compiled to a module, checked against the data.

The checks run before any training so that a mismatch is one sentence naming the node to
change, not a shape error from deep inside a forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from convnet_studio.errors import UserError
from convnet_studio.train.gradnorms import parameter_nodes
from convnet_studio.train.preflight import graph_issues


class ModelError(UserError, ValueError):
    """The graph cannot be trained on this data. ``kind`` is ``"graph"`` or ``"shape"``."""

    def __init__(self, message: str, kind: str = "shape", node: str | None = None) -> None:
        super().__init__(message)
        self.kind, self.node = kind, node


@dataclass
class BuiltModel:
    """A compiled graph with what the trainer needs to know about it."""

    module: nn.Module
    nodes: list[str]  # parameterized nodes, graph order (grad-norm keys)
    input_shape: tuple[int, int, int]
    graph: dict[str, Any]  # the project JSON, stored in checkpoints


def check_graph(
    graph: Any, data_shape: tuple[int, int, int], num_classes: int, dataset: str, adapt: bool
) -> tuple[int, int, int]:
    """Check ``graph`` against the data; return the Input node's (C, H, W).

    Raises:
        ModelError: naming the node at fault and what to change (the first of
        :func:`~convnet_studio.train.preflight.graph_issues`).
    """
    issues = graph_issues(graph, data_shape, num_classes, dataset, adapt)
    if issues:
        first = issues[0]
        if first.kind == "graph":
            more = f" (and {len(issues) - 1} more problems)" if len(issues) > 1 else ""
            raise ModelError(f"the graph cannot be built: {first.message}{more}", "graph", first.node)
        raise ModelError(first.message, node=first.node)
    return tuple(int(s) for s in graph.analyze().input_shape)  # type: ignore[return-value]


def build_model(
    project: dict[str, Any],
    data_shape: tuple[int, int, int],
    num_classes: int,
    dataset: str,
    adapt: bool = False,
) -> BuiltModel:
    """Load the project JSON, check it against the data and compile it."""
    from convnet_studio.compile import CompileError, compile_graph
    from convnet_studio.graph import Graph

    try:
        graph = Graph.from_dict(project)
    except Exception as exc:  # noqa: BLE001 - ProjectFileError / GraphError: the message is readable
        raise ModelError(f"the project cannot be read: {exc}", kind="graph") from None
    if len(graph.nodes_of_type("Input")) != 1 or len(graph.nodes_of_type("Output")) != 1:
        raise ModelError("the graph needs exactly one Input and one Output node", kind="graph")
    shape = check_graph(graph, data_shape, num_classes, dataset, adapt)
    try:
        module = compile_graph(graph)
    except CompileError as exc:
        raise ModelError(str(exc), kind="graph") from None
    nodes = parameter_nodes(module, graph.topological_order())
    return BuiltModel(module, nodes, shape, project)
