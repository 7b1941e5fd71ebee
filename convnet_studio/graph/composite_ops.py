"""Expand a composite node into its primitives in place, and collapse them back.

Expanded nodes are named ``<composite>.<inner>`` (``layer1.0.conv1``), so the compiled module
has the same submodule paths, state_dict keys and outputs before expanding, after expanding
and after collapsing. Each new node carries ``meta["origin"] = {"name", "type", "params"}``
(plus the composite's group and meta, so collapsing restores them; the block goes back where
its first layer is).

Both operations go through the graph's public mutations, so every step emits its event; an
editor records their events to undo the whole operation in one step. Nested
composites (a GoogLeNetStem holds ConvBNReLU units) expand one level at a time.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from convnet_studio.graph.history import trial
from convnet_studio.graph.model import Edge, Graph, GraphError, Node
from convnet_studio.graph.names import name_problem
from convnet_studio.graph.params import ParamError
from convnet_studio.graph.registry import BlockSpec, Params, Shape, ShapeError, Subgraph, get_block, has_block

ORIGIN = "origin"

Port = tuple[str, str]  # (node, port)


def expand_node(graph: Graph, name: str) -> list[str]:
    """Replace the composite node ``name`` by its expansion's primitives, in place.

    The expansion is decided on the input shapes the graph's analysis knows (a residual block
    projects its shortcut only where the channels or the stride change, as torchvision does).

    Args:
        graph: the graph to edit.
        name: a composite node (e.g. a ``Bottleneck`` named ``layer1.0``).

    Returns:
        The new nodes' names in dependency order (``layer1.0.conv1``, ...).

    Raises:
        GraphError: if ``name`` is not a composite, or cannot be expanded (bad parameters,
            two edges into one input, part of a cycle); the graph is then unchanged.
    """
    node = graph.node(name)
    spec, params = _composite(node)
    _check_expandable(graph, node)
    return _expand(graph, node, spec, params, _input_shapes(graph, name, spec.input_ports(params)))


def expand_all(graph: Graph) -> int:
    """Expand every composite, nested ones too, one level after another; returns how many.

    One analysis per level gives every block its input shapes (a composite and its
    expansion have the same outputs, so expanding one block changes no other block's).
    """
    count = 0
    while True:
        blocks = [n for n in graph if has_block(n.type) and get_block(n.type).is_composite]
        if not blocks:
            return count
        analysis = graph.analyze()
        for node in blocks:
            spec, params = _composite(node)
            result = analysis.nodes.get(node.name)
            shapes = tuple(result.inputs.get(p) if result else None for p in spec.input_ports(params))
            _expand(graph, node, spec, params, shapes)
            count += 1


def _expand(graph: Graph, node: Node, spec: BlockSpec, params: Params, shapes: tuple) -> list[str]:
    name = node.name
    try:
        sub = spec.expand(params, shapes)
    except ShapeError as exc:  # e.g. an SE block whose input is not connected yet
        raise GraphError(f"cannot expand: {exc.message}", node=name, port=exc.port) from None
    full = {inner.name: f"{name}.{inner.name}" for inner in sub.nodes}
    for new in full.values():
        problem = name_problem(new)
        if problem:
            raise GraphError(problem, node=name)
    incoming, outgoing = graph.in_edges(name), graph.out_edges(name)
    origin = _origin_of(node)
    positions = _layout(sub, node.position, graph.meta.get("layout_direction", "LR"))
    graph.remove_node(name)
    for inner in sub.nodes:
        graph.add_node(
            inner.type, full[inner.name], inner.params, positions[inner.name], node.group,
            {ORIGIN: copy.deepcopy(origin)},
        )
    for src, src_port, dst, dst_port in sub.edges:
        graph._connect_acyclic(Edge(full[src], full[dst], src_port, dst_port))
    for edge in incoming:
        for inner, port in sub.inputs.get(edge.dst_port, ()):
            graph._connect_acyclic(Edge(edge.src, full[inner], edge.src_port, port))
    for edge in outgoing:
        inner, port = sub.outputs[edge.src_port]
        graph._connect_acyclic(Edge(full[inner], edge.dst, port, edge.dst_port))
    return list(full.values())


def collapse_problem(graph: Graph, name: str) -> str | None:
    """Why the expanded block ``name`` cannot be collapsed, or ``None`` if it can.

    ``name`` is the composite's name (``layer1.0``) or any of its expanded nodes.
    """
    try:
        group = _group_name(graph, name)
        if _nested_groups(graph, group):
            with trial(graph):  # collapse the inner blocks for real, then put them back
                _collapse_nested(graph, group)
                _plan_collapse(graph, group)
        else:
            _plan_collapse(graph, group)
    except GraphError as exc:
        return exc.message
    return None


def collapse_group(graph: Graph, name: str) -> str:
    """Put the composite back in place of its expanded nodes; returns its name.

    Nested expansions inside it are collapsed first. Refused (with the reason, and nothing
    changed) if the expanded nodes no longer equal the block's expansion: a node was edited,
    removed, added or rewired.

    Raises:
        GraphError: naming what differs from the expansion.
    """
    group = _group_name(graph, name)
    problem = collapse_problem(graph, group)
    if problem:
        raise GraphError(f"cannot collapse: {problem}", node=group)
    _collapse_nested(graph, group)
    return _apply_collapse(graph, _plan_collapse(graph, group))


def shortcut_kind(type_name: str, params: Params, in_shapes: tuple[Shape | None, ...]) -> str | None:
    """How a residual block joins its input back: ``"identity"``, ``"projection"`` (1x1 conv +
    BN), ``"zero-padding"`` (option A) or ``"none"``; None for blocks without a shortcut.

    Read from the block's own expansion at these input shapes, so it is the rule the
    expansion follows (a change of the input's width can turn identity into projection).
    """
    if not has_block(type_name) or not get_block(type_name).is_composite:
        return None
    try:
        return _shortcut_kind(type_name, json.dumps(params, sort_keys=True), tuple(in_shapes))
    except (ParamError, KeyError, TypeError, ValueError):
        return None


@lru_cache(maxsize=4096)
def _shortcut_kind(type_name: str, frozen: str, in_shapes: tuple) -> str | None:
    spec = get_block(type_name)
    sub = spec.expand(spec.resolve_params(json.loads(frozen)), in_shapes)
    names = {inner.name for inner in sub.nodes}
    if "downsample.0" in names:
        return "projection"
    if "downsample" in names:
        return "zero-padding"
    if "add" in names:
        return "identity"
    return "none" if any(p.name == "shortcut" for p in spec.params) else None


# ------------------------------------------------------------------------------ expanding
def _expansion(spec: BlockSpec, params: Params, shapes: tuple, name: str) -> Subgraph:
    # A block may refuse the input it now has (a stride-1 ShuffleUnit whose input changed
    # width): collapsing is then refused with the reason, as an edited expansion is.
    try:
        return spec.expand(params, shapes)
    except ShapeError as exc:
        raise GraphError(exc.message, node=name, port=exc.port) from None


def _composite(node: Node) -> tuple[BlockSpec, Params]:
    if not has_block(node.type) or not get_block(node.type).is_composite:
        raise GraphError(f"{node.type} is not a composite block; there is nothing to expand", node=node.name)
    spec = get_block(node.type)
    try:
        return spec, spec.resolve_params(node.params)
    except ParamError as exc:
        raise GraphError(exc.message, node=node.name, field=exc.param) from None


def _check_expandable(graph: Graph, node: Node) -> None:
    for problem in graph.analyze().problems_for(node.name):
        if problem.kind in ("cycle", "multiple_inputs", "graph"):
            raise GraphError(f"fix this first: {problem.message}", node=node.name, port=problem.port)


def _input_shapes(graph: Graph, name: str, ports: tuple[str, ...]) -> tuple[Shape | None, ...]:
    result = graph.analyze().nodes.get(name)
    if result is None:
        return tuple(None for _ in ports)
    return tuple(result.inputs.get(port) for port in ports)


def _origin_of(node: Node) -> dict[str, Any]:
    origin: dict[str, Any] = {
        "name": node.name,
        "type": node.type,
        "params": copy.deepcopy(node.params),
    }
    if node.group:
        origin["group"] = node.group
    if node.meta:
        origin["meta"] = copy.deepcopy(node.meta)
    return origin


def _layout(sub: Subgraph, start: tuple[float, float], direction: str) -> dict[str, tuple[float, float]]:
    """Layers by depth in the expansion from ``start`` along the data flow, branches across.

    The spacing is the auto-layout's, so the block reads like the rest of the graph; the
    editor then moves what the expansion covers out of its way.
    """
    from convnet_studio.graph.layout import LAYER_GAP, ROW_GAP

    depth: dict[str, int] = {}
    for inner in sub.nodes:  # dependency order, so sources have their depth already
        depth[inner.name] = 1 + max((depth[s] for s, _, d, _ in sub.edges if d == inner.name), default=-1)
    columns: dict[int, list[str]] = {}
    for inner in sub.nodes:
        columns.setdefault(depth[inner.name], []).append(inner.name)
    step, gap = LAYER_GAP.get(direction, LAYER_GAP["LR"]), ROW_GAP.get(direction, ROW_GAP["LR"])
    positions = {}
    for col, names in columns.items():
        for row, inner_name in enumerate(names):
            along, across = col * step, row * gap  # the main path on the line, branches beside
            positions[inner_name] = (
                (start[0] + along, start[1] + across) if direction != "TB"
                else (start[0] + across, start[1] + along)
            )
    return positions


# ----------------------------------------------------------------------------- collapsing
@dataclass(frozen=True)
class _CollapsePlan:
    name: str
    origin: dict[str, Any]
    members: tuple[str, ...]
    sources: dict[str, Port]  # composite input port -> external source
    sinks: tuple[tuple[str, str, str], ...]  # (composite output port, dst node, dst port)
    position: tuple[float, float]  # where the block goes: where its first layer is now


def _origin(node: Node) -> dict[str, Any] | None:
    origin = node.meta.get(ORIGIN)
    return origin if isinstance(origin, dict) and isinstance(origin.get("name"), str) else None


def _origin_chain(node: Node) -> list[str]:
    """The names of the blocks ``node`` was expanded from, innermost first."""
    chain, meta = [], node.meta
    while isinstance(meta, dict) and isinstance(meta.get(ORIGIN), dict):
        chain.append(meta[ORIGIN].get("name"))
        meta = meta[ORIGIN].get("meta")
    return chain


def _group_name(graph: Graph, name: str) -> str:
    if name in graph:
        origin = _origin(graph.node(name))
        if origin is None:
            raise GraphError("is not part of an expanded block", node=name)
        return origin["name"]
    if not any(name in _origin_chain(node) for node in _inside(graph, name)):
        raise GraphError(f"no expanded block named {name!r}", node=name)
    return name


def _inside(graph: Graph, name: str) -> list[Node]:
    """The nodes named ``name.*``: an expansion's nodes are (unless renamed since)."""
    return [graph.node(n) for n in graph.names_under(name)]


def _nested_groups(graph: Graph, name: str) -> set[str]:
    return {
        origin["name"] for node in _inside(graph, name)
        if (origin := _origin(node)) and origin["name"] != name and name in _origin_chain(node)
    }


def _collapse_nested(graph: Graph, name: str) -> None:
    """Collapse the expansions inside ``name``'s expansion, innermost first."""
    while True:
        nested = _nested_groups(graph, name)
        if not nested:
            return
        deepest = max(nested, key=lambda n: n.count("."))
        _collapse_nested(graph, deepest)
        _apply_collapse(graph, _plan_collapse(graph, deepest))


def _plan_collapse(graph: Graph, name: str) -> _CollapsePlan:
    members = [node for node in _inside(graph, name) if (o := _origin(node)) and o["name"] == name]
    if not members:
        raise GraphError(f"no expanded block named {name!r}", node=name)
    origin = _origin(members[0])
    assert origin is not None
    for node in members[1:]:
        if _canonical(_origin(node), "type", "params") != _canonical(origin, "type", "params"):
            raise GraphError(f"{node.name} comes from a different block than {members[0].name}", node=node.name)
    spec, params = _origin_block(origin, name)
    sources = _external_sources(graph, name, spec, params, {m.name for m in members})
    in_shapes = tuple(_shape_of(graph, sources.get(port)) for port in spec.input_ports(params))
    sub = _expansion(spec, params, in_shapes, name)
    _check_nodes(graph, name, sub, members)
    _check_edges(graph, name, sub, sources)
    sinks = _sinks(graph, name, sub, {m.name for m in members})
    # Its first layer, not the position it had when expanded: a preset's blocks were expanded
    # before the layout placed them, and the user may have moved the layers since. An expand
    # puts the first layer at the block's place, so expand-collapse keeps the block in place.
    first = graph.node(f"{name}.{sub.nodes[0].name}").position
    return _CollapsePlan(name, origin, tuple(m.name for m in members), sources, sinks, first)


def _origin_block(origin: dict[str, Any], name: str) -> tuple[BlockSpec, Params]:
    type_name = origin.get("type")
    if not isinstance(type_name, str) or not has_block(type_name) or not get_block(type_name).is_composite:
        raise GraphError(f"the block it came from ({type_name!r}) is not a known composite", node=name)
    spec = get_block(type_name)
    try:
        return spec, spec.resolve_params(origin.get("params") or {})
    except ParamError as exc:
        raise GraphError(f"the block's saved parameters are invalid: {exc}", node=name) from None


def _external_sources(graph: Graph, name: str, spec: BlockSpec, params: Params, members: set[str]) -> dict[str, Port]:
    """For each composite input port, the outside (node, port) feeding the expansion."""
    # Which inner nodes a port feeds may depend on shapes (a projection shortcut or not), but
    # the first layer of every branch is always fed, so an expansion without shapes finds it.
    ports = spec.input_ports(params)
    try:
        sub = spec.expand(params, tuple(None for _ in ports))
    except ShapeError:  # it needs its input's channels (an SE block): what feeds it from outside
        return _outside_source(graph, name, ports, members)
    sources: dict[str, Port] = {}
    for port, targets in sub.inputs.items():
        for inner, inner_port in targets:
            edge = graph.input_edge(f"{name}.{inner}", inner_port) if f"{name}.{inner}" in graph else None
            if edge is not None and edge.src not in members:
                sources.setdefault(port, (edge.src, edge.src_port))
    return sources


def _outside_source(graph: Graph, name: str, ports: tuple[str, ...], members: set[str]) -> dict[str, Port]:
    """The one outside (node, port) feeding a one-input block's nodes; the edge check follows."""
    outside = sorted({(e.src, e.src_port) for m in members for e in graph.in_edges(m) if e.src not in members})
    if len(ports) != 1 or len(outside) > 1:
        fed = ", ".join(src for src, _ in outside)
        raise GraphError(f"its nodes are fed from {fed}, not from one input", node=name)
    return {ports[0]: outside[0]} if outside else {}


def _shape_of(graph: Graph, ref: Port | None) -> Shape | None:
    return None if ref is None else graph.analyze().output_shape(ref[0], ref[1])


def _check_nodes(graph: Graph, name: str, sub: Subgraph, members: list[Node]) -> None:
    expected = {f"{name}.{inner.name}": inner for inner in sub.nodes}
    by_name = {m.name: m for m in members}
    for full in expected:
        if full not in by_name:
            raise GraphError(f"{full} was removed or renamed (the block needs it)", node=name)
    for member in members:
        inner = expected.get(member.name)
        if inner is None:
            raise GraphError(f"{member.name} is not part of a {_sub_type(member)} block", node=name)
        if member.type != inner.type:
            raise GraphError(f"{member.name} is a {member.type}, the block has a {inner.type} there", node=name)
        want = get_block(inner.type).resolve_params(inner.params)
        for key in sorted(set(want) | set(member.params)):
            if member.params.get(key) != want.get(key):
                raise GraphError(
                    f"{member.name}.{key} was changed to {member.params.get(key)!r} (the block has {want.get(key)!r})",
                    node=name,
                )
    for node in _inside(graph, name):
        if node.name not in by_name:
            raise GraphError(f"{node.name} sits inside {name} but is not part of the block", node=name)


def _sub_type(node: Node) -> str:
    origin = _origin(node)
    return str(origin.get("type")) if origin else "composite"


def _check_edges(graph: Graph, name: str, sub: Subgraph, sources: dict[str, Port]) -> None:
    expected = {Edge(f"{name}.{s}", f"{name}.{d}", sp, dp) for s, sp, d, dp in sub.edges}
    for port, targets in sub.inputs.items():
        if port in sources:
            src, src_port = sources[port]
            expected |= {Edge(src, f"{name}.{inner}", src_port, p) for inner, p in targets}
    actual = set()
    for full in (f"{name}.{inner.name}" for inner in sub.nodes):
        actual |= set(graph.in_edges(full))
    for edge in sorted(expected - actual, key=str):
        raise GraphError(f"the connection {edge} was removed", node=name)
    for edge in sorted(actual - expected, key=str):
        raise GraphError(f"the connection {edge} is not part of the block", node=name)


def _sinks(graph: Graph, name: str, sub: Subgraph, members: set[str]) -> tuple[tuple[str, str, str], ...]:
    port_of = {(f"{name}.{inner}", p): out for out, (inner, p) in sub.outputs.items()}
    sinks = []
    for member in members:
        for edge in graph.out_edges(member):
            if edge.dst in members:
                continue
            out = port_of.get((edge.src, edge.src_port))
            if out is None:
                raise GraphError(f"{edge.src} feeds {edge.dst}, outside the block", node=name)
            sinks.append((out, edge.dst, edge.dst_port))
    return tuple(sorted(sinks))


def _apply_collapse(graph: Graph, plan: _CollapsePlan) -> str:
    origin = plan.origin
    for member in plan.members:
        graph.remove_node(member)
    meta = copy.deepcopy(origin.get("meta")) if isinstance(origin.get("meta"), dict) else None
    graph.add_node(origin["type"], plan.name, copy.deepcopy(origin["params"]), plan.position,
                   origin.get("group"), meta)
    for port, (src, src_port) in plan.sources.items():
        graph._connect_acyclic(Edge(src, plan.name, src_port, port))
    for out, dst, dst_port in plan.sinks:
        graph._connect_acyclic(Edge(plan.name, dst, out, dst_port))
    return plan.name


def _canonical(data: dict[str, Any] | None, *keys: str) -> str:
    return json.dumps({k: (data or {}).get(k) for k in keys}, sort_keys=True)


__all__ = ["ORIGIN", "collapse_group", "collapse_problem", "expand_all", "expand_node", "shortcut_kind"]
