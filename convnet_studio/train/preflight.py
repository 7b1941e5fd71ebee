"""Does a graph fit a dataset? Checked before any training, without torch.

The GUI runs this as the user edits (so problems show next to the node at once) and the
worker runs it again before compiling (so a CLI run fails with the same sentence).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convnet_studio.graph.blocks.arith import fmt_shape

CLI_ADAPT_HINT = "train with --adapt-input to resize and convert channels"


@dataclass(frozen=True)
class Issue:
    """One reason a run cannot start; ``node`` is where to fix it (None: the run settings)."""

    message: str
    node: str | None = None
    field: str | None = None
    kind: str = "shape"  # "graph": the graph itself is invalid; "shape": it does not fit the data


def graph_issues(
    graph: Any,
    data_shape: tuple[int, int, int],
    num_classes: int,
    dataset: str,
    adapt: bool = False,
    adapt_hint: str = CLI_ADAPT_HINT,
) -> list[Issue]:
    """Every problem that stops ``graph`` training on ``dataset`` (empty: ready).

    ``data_shape`` with H = W = 0 means "any size" (image folders are resized to the graph).
    """
    analysis = graph.analyze()
    issues = [Issue(str(p), p.node, kind="graph") for p in analysis.problems]
    inputs, outputs = graph.nodes_of_type("Input"), graph.nodes_of_type("Output")
    if (len(inputs), len(outputs)) != (1, 1) and not issues:
        issues.append(Issue(
            f"the graph needs exactly one Input and one Output node (it has {len(inputs)} and "
            f"{len(outputs)})", kind="graph"))
    if issues:
        return issues
    input_node, output_node = inputs[0].name, outputs[0].name
    shape = tuple(int(s) for s in analysis.input_shape)
    c, h, w = data_shape
    if not adapt and (shape[0] != c or (h and shape[1:] != (h, w))):
        given = f"{c}-channel images" if h == 0 else f"{fmt_shape(data_shape)} images"
        size = f", height={h}, width={w}" if h else ""
        issues.append(Issue(
            f"the Input node {input_node!r} takes {fmt_shape(shape)} images but {dataset} has "
            f"{given}: set {input_node!r} to channels={c}{size}, or {adapt_hint}", input_node))
    edge = graph.input_edge(output_node, "in")
    head = edge.src if edge else output_node
    out = analysis.output_shape(output_node)
    if out is None or len(out) != 1:
        issues.append(Issue(
            f"node {head!r} feeds the Output a {fmt_shape(out)} tensor, but a classifier must end "
            f"in one score per class: add a global pool, Flatten and a Linear with "
            f"out_features={num_classes}", head))
    elif out[0] != num_classes:
        issues.append(Issue(
            f"node {head!r} gives {out[0]} outputs but {dataset} has {num_classes} classes: set "
            f"its out_features to {num_classes}", head))
    return issues
