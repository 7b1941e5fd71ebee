"""The network to train: a project graph compiled to a module, checked against the data.

The checks run before any training so that a mismatch is one sentence naming the node to
change, not a shape error from deep inside a forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from convnet_studio.train.gradnorms import parameter_nodes


class ModelError(ValueError):
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


def _fmt(shape: tuple[int, ...]) -> str:
    return " x ".join(str(s) for s in shape)


def check_graph(
    graph: Any, data_shape: tuple[int, int, int], num_classes: int, dataset: str, adapt: bool
) -> tuple[int, int, int]:
    """Check ``graph`` against the data; return the Input node's (C, H, W).

    ``data_shape`` with H = W = 0 means "any size" (image folders are resized to the graph).

    Raises:
        ModelError: naming the node at fault and what to change.
    """
    analysis = graph.analyze()
    if not analysis.ok:
        p = analysis.problems[0]
        more = (
            f" (and {len(analysis.problems) - 1} more problems)"
            if len(analysis.problems) > 1
            else ""
        )
        raise ModelError(f"the graph cannot be built: {p}{more}", kind="graph", node=p.node)
    inputs, outputs = graph.nodes_of_type("Input"), graph.nodes_of_type("Output")
    input_node, output_node = inputs[0].name, outputs[0].name
    shape = tuple(int(s) for s in analysis.input_shape)
    c, h, w = data_shape
    fits = shape[0] == c and (h == 0 or tuple(shape[1:]) == (h, w))
    if not fits and not adapt:
        given = f"{c}-channel images" if h == 0 else f"{_fmt(data_shape)} images"
        raise ModelError(
            f"the Input node {input_node!r} takes {_fmt(shape)} images but {dataset} has "
            f"{given}: set {input_node!r} to channels={c}"
            + (f", height={h}, width={w}" if h else "")
            + ", or train with --adapt-input to resize and convert channels",
            node=input_node,
        )
    edge = graph.input_edge(output_node, "in")
    head = edge.src if edge else output_node
    out_shape = analysis.output_shape(output_node)
    if out_shape is None or len(out_shape) != 1:
        raise ModelError(
            f"node {head!r} feeds the Output a {_fmt(tuple(out_shape or ()))} tensor, but a "
            f"classifier must end in one score per class: add a global pool, Flatten and a "
            f"Linear with out_features={num_classes}",
            node=head,
        )
    if out_shape[0] != num_classes:
        raise ModelError(
            f"node {head!r} gives {out_shape[0]} outputs but {dataset} has {num_classes} "
            f"classes: set its out_features to {num_classes}",
            node=head,
        )
    return shape  # type: ignore[return-value]


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
