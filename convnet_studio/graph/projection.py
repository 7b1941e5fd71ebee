"""Projection shortcuts: make a residual Add's inputs agree in channels and resolution.

Where the residual branch changes the width or the stride, the identity shortcut no longer
fits. The ResNet paper's option B puts a 1x1 convolution with the needed stride (no bias)
and a BatchNorm on the shortcut, as torchvision's ``downsample``; option A subsamples and
zero-pads the new channels, with no parameters (``ShortcutA``).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from convnet_studio.graph.blocks.arith import fmt_shape
from convnet_studio.graph.blocks.composites import conv_bn_projection
from convnet_studio.graph.model import Graph, GraphError
from convnet_studio.graph.registry import Shape

AUTO = "projection"  # meta["auto"] of inserted nodes, so the editor can draw them apart
KINDS = ("A", "B")


@dataclass(frozen=True)
class ProjectionPlan:
    """What a projection on ``add``'s input ``port`` must do.

    ``source``/``source_port`` feed the shortcut; the shortcut's ``in_shape`` must become
    ``out_shape`` (the residual branch's), which takes ``stride`` (H, W) and ``out_channels``.
    """

    add: str
    port: str
    source: str
    source_port: str
    in_shape: Shape
    out_shape: Shape
    stride: tuple[int, int]

    @property
    def in_channels(self) -> int:
        return self.in_shape[0]

    @property
    def out_channels(self) -> int:
        return self.out_shape[0]

    def describe(self) -> str:
        s = self.stride[0] if self.stride[0] == self.stride[1] else f"{self.stride[0]}x{self.stride[1]}"
        return f"{self.source} ({fmt_shape(self.in_shape)}) -> {fmt_shape(self.out_shape)}, stride {s}"


def projection_plan(graph: Graph, add_node: str) -> ProjectionPlan | None:
    """The projection ``add_node`` needs, or ``None`` if its inputs match (or are unknown).

    The shortcut is the input that skips ahead: its source comes before the other inputs'
    sources. If no input skips the others, it is the larger feature map (or the narrower
    one at equal size). With more than two inputs, one mismatched input is planned at a time.

    Raises:
        GraphError: if ``add_node`` is not an Add, or no 1x1 strided projection can match the
            shapes (the shortcut is smaller than the branch, or the sizes are not a stride apart).
    """
    node = graph.node(add_node)
    if node.type != "Add":
        raise GraphError(f"a projection shortcut goes before an Add, not a {node.type}", node=add_node)
    analysis = graph.analyze()
    result = analysis.nodes.get(add_node)
    inputs = [(port, graph.input_edge(add_node, port)) for port in node.input_ports()]
    if result is None or any(edge is None for _, edge in inputs):
        return None
    shapes = {port: result.inputs.get(port) for port, _ in inputs}
    if any(shape is None for shape in shapes.values()) or len(set(shapes.values())) == 1:
        return None
    port = _shortcut_port(graph, inputs, shapes)
    target = _target_shape(graph, inputs, shapes, port)
    edge = graph.input_edge(add_node, port)
    assert edge is not None
    stride = _stride(add_node, port, shapes[port], target)
    return ProjectionPlan(add_node, port, edge.src, edge.src_port, shapes[port], target, stride)


def insert_projection(graph: Graph, add_node: str, kind: str = "B") -> list[str]:
    """Insert a projection on ``add_node``'s shortcut; returns the inserted nodes' names.

    Option ``"B"``: ``Conv2d`` 1x1 (the needed stride, no bias) then ``BatchNorm2d``, named
    ``<block>.downsample.0`` / ``.1`` when the Add sits in a block (``layer2.0.add``), which are
    torchvision's names. Option ``"A"``: one ``ShortcutA`` node. Inserted nodes get
    ``meta["auto"] = "projection"``.

    Raises:
        GraphError: if the inputs already match, or no projection can fix them (see
            :func:`projection_plan`), or option A would have to drop channels.
    """
    if kind not in KINDS:
        raise GraphError(f"projection kind must be 'A' or 'B', not {kind!r}", node=add_node)
    plan = projection_plan(graph, add_node)
    if plan is None:
        raise GraphError("its inputs already match (or their shapes are unknown): nothing to project", node=add_node)
    if kind == "A" and plan.out_channels < plan.in_channels:
        raise GraphError(
            f"option A can only add channels (zero padding), but the shortcut has {plan.in_channels} "
            f"and the branch {plan.out_channels}; use option B",
            node=add_node, port=plan.port,
        )
    if kind == "A" and plan.stride[0] != plan.stride[1]:
        raise GraphError("option A needs the same stride on H and W; use option B", node=add_node, port=plan.port)
    return _insert(graph, plan, kind)


def _shortcut_port(graph: Graph, inputs, shapes: dict[str, Shape]) -> str:
    g = graph.nx_graph()
    ports = [port for port, _ in inputs]
    srcs = {port: edge.src for port, edge in inputs}
    for port in ports:
        others = [p for p in ports if p != port and shapes[p] != shapes[port]]
        if others and all(srcs[port] != srcs[p] and nx.has_path(g, srcs[port], srcs[p]) for p in others):
            return port
    # No input skips the others: project the biggest map (at equal size, the narrowest).
    return max(ports, key=lambda p: (shapes[p][1:] and shapes[p][1] * shapes[p][2], -shapes[p][0]))


def _target_shape(graph: Graph, inputs, shapes: dict[str, Shape], shortcut: str) -> Shape:
    others = [port for port, _ in inputs if port != shortcut]
    return shapes[others[0]]


def _stride(add: str, port: str, shape: Shape, target: Shape) -> tuple[int, int]:
    """The stride of a 1x1 conv taking ``shape`` to ``target``'s H x W: ceil(H / s) == H'."""
    if len(shape) != 3 or len(target) != 3:
        raise GraphError(
            f"a projection needs feature maps, but the inputs are {fmt_shape(shape)} and {fmt_shape(target)}",
            node=add, port=port,
        )
    stride = []
    for axis, size, want in zip("HW", shape[1:], target[1:]):
        if size < want:
            raise GraphError(
                f"the shortcut's {axis} ({size}) is smaller than the branch's ({want}); a projection "
                "can only subsample", node=add, port=port,
            )
        options = [s for s in range(1, size + 1) if -(-size // s) == want]
        if not options:
            raise GraphError(
                f"no stride takes {axis} {size} to {want} (the ratio is not a whole number); change the "
                "branch's stride or padding", node=add, port=port,
            )
        stride.append(options[0])
    return stride[0], stride[1]


def _insert(graph: Graph, plan: ProjectionPlan, kind: str) -> list[str]:
    base = _base_name(graph, plan.add)
    stride = plan.stride[0] if plan.stride[0] == plan.stride[1] else list(plan.stride)
    meta = {"auto": AUTO}
    if kind == "B":
        specs = [(f"{base}.{part}", t, p) for part, t, p in conv_bn_projection(plan.out_channels, stride)]
    else:
        specs = [(base, "ShortcutA", {"out_channels": plan.out_channels, "stride": plan.stride[0]})]
    from convnet_studio.graph.layout import ROW_GAP

    direction = graph.meta.get("layout_direction", "LR")
    off = (0.0, ROW_GAP["LR"]) if direction != "TB" else (ROW_GAP["TB"], 0.0)
    src_pos = graph.node(plan.source).position
    add_pos = graph.node(plan.add).position
    graph.disconnect(graph.input_edge(plan.add, plan.port))  # type: ignore[arg-type]
    prev, prev_port = plan.source, plan.source_port
    for i, (name, type_name, params) in enumerate(specs):
        t = (i + 1) / (len(specs) + 1)
        # Between the source and the Add, a lane beside the straight line so it does not hide.
        pos = (src_pos[0] + t * (add_pos[0] - src_pos[0]) + off[0], src_pos[1] + t * (add_pos[1] - src_pos[1]) + off[1])
        graph.add_node(type_name, name, params, pos, meta=dict(meta))
        graph.connect(prev, name, prev_port, "in")
        prev, prev_port = name, "out"
    graph.connect(prev, plan.add, prev_port, plan.port)
    return [name for name, _, _ in specs]


def _base_name(graph: Graph, add: str) -> str:
    """``layer2.0.add`` -> ``layer2.0.downsample`` (torchvision's name) if free, else unique."""
    parent = add.rsplit(".", 1)[0] if "." in add else ""
    base = f"{parent}.downsample" if parent else f"{add}_downsample"
    if all(graph.name_conflict(c) is None for c in (base, f"{base}.0", f"{base}.1")):
        return base
    i = 1
    while any(graph.name_conflict(c) is not None for c in (f"{base}{i}", f"{base}{i}.0", f"{base}{i}.1")):
        i += 1
    return f"{base}{i}"
