"""Shape inference, validation and the cost model, in one pass in topological order.

Every problem becomes a :class:`Problem` naming the node and port, and the pass goes on:
a graph with errors still reports every shape it can. Composite blocks are inferred by
inferring their expansion (cached per type, parameters and input shapes), so a composite and
its expanded primitives can never disagree.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import networkx as nx

from convnet_studio.graph.blocks.arith import numel
from convnet_studio.graph.params import ParamError
from convnet_studio.graph.registry import (
    BlockSpec,
    Params,
    Shape,
    ShapeError,
    Subgraph,
    find_block,
    get_block,
)
from convnet_studio.graph.resources import resource_problems

if TYPE_CHECKING:
    from convnet_studio.graph.model import Graph
    from convnet_studio.graph.structure import Structure


@dataclass(frozen=True)
class Problem:
    """Something wrong with the graph, said so a user understands it."""

    node: str | None
    port: str | None
    message: str
    kind: str = "shape"  # shape, unconnected, multiple_inputs, cycle, unknown_type, param, graph,
    # resources (too large for this machine)

    def __str__(self) -> str:
        where = self.node or "graph"
        if self.port:
            where += f" [{self.port}]"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "port": self.port, "message": self.message, "kind": self.kind}


@dataclass(frozen=True)
class Cost:
    """Parameters, multiply-accumulates and activation elements of a node (or a total).

    MACs count the multiply-accumulates of convolutions and fully connected layers, by the
    analytic formula; BatchNorm, activations, pooling and adds count as 0, which is how
    torchvision's published GFLOPS are counted. FLOPs are shown as 2 x MACs.
    ``activations`` is the number of output elements per image (for a composite, of all its
    layers' outputs: what training keeps for the backward pass).
    """

    params: int = 0
    macs: int = 0
    activations: int = 0

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def activation_bytes(self, bytes_per_element: int = 4) -> int:
        return self.activations * bytes_per_element

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.params + other.params, self.macs + other.macs, self.activations + other.activations)

    def __sub__(self, other: Cost) -> Cost:
        return Cost(self.params - other.params, self.macs - other.macs, self.activations - other.activations)


@dataclass
class NodeResult:
    inputs: dict[str, Shape | None]
    outputs: dict[str, Shape | None]
    cost: Cost = Cost()


_SERIALS = itertools.count(1)


@dataclass
class Analysis:
    """The result of :func:`analyze`: shapes, costs and problems, node by node."""

    order: list[str]
    nodes: dict[str, NodeResult]
    problems: list[Problem] = field(default_factory=list)
    input_shape: Shape | None = None
    # Things that run but are probably not meant (a branch whose output is never used).
    warnings: list[Problem] = field(default_factory=list)
    # The same problems by where they come from, so a re-analysis replaces only a node's own.
    graph_problems: list[Problem] = field(default_factory=list, compare=False, repr=False)
    node_problems: dict[str, list[Problem]] = field(default_factory=dict, compare=False, repr=False)
    _total: Cost | None = field(default=None, compare=False, repr=False)
    # Which analysis this one is: an update from analysis ``base_serial`` sets ``revisited``
    # to the nodes whose results it made again, so a view showing ``base_serial`` has only
    # those (and any whose problems changed) to look at. A full pass leaves them None.
    serial: int = field(default_factory=lambda: next(_SERIALS), compare=False, repr=False)
    base_serial: int | None = field(default=None, compare=False, repr=False)
    revisited: frozenset[str] | None = field(default=None, compare=False, repr=False)
    # The order's places, cuts and live nodes, kept for the next edit (structure.py).
    structure: Structure | None = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total(self) -> Cost:
        if self._total is None:
            total = Cost()
            for result in self.nodes.values():
                total = total + result.cost
            self._total = total
        return self._total

    def output_shape(self, name: str, port: str | None = None) -> Shape | None:
        """The shape ``name`` produces (its first output port unless ``port`` is given)."""
        result = self.nodes.get(name)
        if result is None:
            return None
        if port is None:
            if not result.outputs:  # an Output node: report what it receives
                return next(iter(result.inputs.values()), None)
            return next(iter(result.outputs.values()))
        return result.outputs.get(port)

    def problems_for(self, name: str) -> list[Problem]:
        return [p for p in self.problems if p.node == name]


def analyze(graph: Graph, input_shape: Shape | None = None) -> Analysis:
    """Infer every node's shapes and cost in topological order, collecting problems."""
    from convnet_studio.graph.structure import full_structure

    graph_problems: list[Problem] = []
    order = _order_and_cycles(graph, graph_problems)
    _check_ends(graph, graph_problems)
    ctx = _Context(graph, [])
    node_problems: dict[str, list[Problem]] = {}
    for name in order:
        ctx.results[name] = visit_node(ctx, name, input_shape, node_problems)
    alive = live_nodes(graph)
    # Kept for the next edit's update; none after a cycle (that pass leaves its nodes out).
    cyclic = any(p.kind == "cycle" for p in graph_problems)
    structure = None if cyclic else full_structure(graph.nx_graph(), order, alive)
    return assemble(ctx, order, graph_problems, node_problems, input_shape,
                    dead_warnings(graph, alive), structure=structure)


def visit_node(ctx: _Context, name: str, input_shape: Shape | None, node_problems: dict) -> NodeResult:
    """One node's result from its inputs' results; its problems replace its old ones."""
    if ctx.nodes[name].type == "Input" and input_shape is not None:
        node_problems.pop(name, None)
        # The image tensor is an activation whichever way its size is given.
        shape = tuple(input_shape)
        return NodeResult({}, {"out": shape}, Cost(activations=numel(shape)))
    ctx.problems = []
    result = _analyze_node(ctx, name)
    if ctx.problems:
        node_problems[name] = ctx.problems
    else:
        node_problems.pop(name, None)
    return result


def assemble(ctx: _Context, order: list[str], graph_problems: list[Problem], node_problems: dict,
             input_shape: Shape | None, warnings: list[Problem], total: Cost | None = None,
             structure: Structure | None = None) -> Analysis:
    """The :class:`Analysis` of a pass: problems graph-wide first, then node by node in order."""
    if input_shape is None:
        first = next((n for n in order if ctx.nodes[n].type == "Input"), None)
        input_shape = ctx.results[first].outputs.get("out") if first else None
    index = structure.index if structure is not None else None
    if len(node_problems) > 1 and index is None:
        index = {name: i for i, name in enumerate(order)}
    problems = list(graph_problems)
    for name in sorted(node_problems, key=index.__getitem__) if index else node_problems:
        problems += node_problems[name]
    problems += resource_problems(ctx.results, total)
    analysis = Analysis(order, ctx.results, problems, input_shape, warnings, graph_problems,
                        node_problems, total)
    analysis.structure = structure
    return analysis


def live_nodes(graph: Graph) -> set[str] | None:
    """The nodes whose output reaches an Output node; None if the graph has none."""
    g = graph.nx_graph()
    outputs = _ends(graph)["Output"]
    if not outputs:
        return None
    alive, stack = set(outputs), list(outputs)
    while stack:
        for src in g._pred[stack.pop()]:
            if src not in alive:
                alive.add(src)
                stack.append(src)
    return alive


DEAD = "its output reaches no Output: dead code, computing nothing the network returns"


def dead_warnings(graph: Graph, alive: set[str] | frozenset[str] | None) -> list[Problem]:
    """Warnings for nodes whose output reaches no Output node (code that would never run),
    in graph order; none without an Output node ("the graph has no Output node" says it)."""
    if alive is None:
        return []
    return [Problem(name, None, DEAD, "dead") for name in graph.nx_graph()._node if name not in alive]


class _Context:
    """What one analysis pass reads over and over, looked up once."""

    def __init__(self, graph: Graph, problems: list[Problem]) -> None:
        g = graph.nx_graph()
        self.nodes = {name: data["node"] for name, data in g.nodes(data=True)}
        self.pred = g._pred  # the raw dicts: a view's Mapping methods cost 5 us a node
        self.problems = problems
        self.results: dict[str, NodeResult] = {}
        # Parameters set through the model are already resolved, but files may hold bad ones,
        # so each node is resolved once per parameter dict: set_params always assigns a new
        # dict, so identity tells whether the cached resolution still holds.
        self.previous: dict[str, tuple[Params, Params]] = getattr(graph, "_resolved_params", {})
        self.resolved: dict[str, tuple[Params, Params]] = {}
        graph._resolved_params = self.resolved  # only this pass's nodes: removed ones drop out

    def resolve(self, name: str, spec: BlockSpec, params: Params) -> Params:
        cached = self.previous.get(name)
        if cached is not None and cached[0] is params:
            resolved = cached[1]
        else:
            resolved = spec.resolve_params(params)
        self.resolved[name] = (params, resolved)
        return resolved


def _order_and_cycles(graph: Graph, problems: list[Problem]) -> list[str]:
    g = graph.nx_graph()
    try:
        return graph.topological_order()
    except nx.NetworkXUnfeasible:
        pass
    cyclic: set[str] = set()
    for component in nx.strongly_connected_components(g):
        if len(component) > 1 or any(g.has_edge(n, n) for n in component):
            cyclic |= component
            path = " -> ".join(sorted(component))
            for name in sorted(component):
                problems.append(Problem(name, None, f"is part of a cycle ({path})", "cycle"))
    rest = g.subgraph([n for n in g if n not in cyclic])
    index = {name: i for i, name in enumerate(g.nodes)}
    return list(nx.lexicographical_topological_sort(rest, key=index.__getitem__))


def _check_ends(graph: Graph, problems: list[Problem]) -> None:
    ends = _ends(graph)
    for type_name in ("Input", "Output"):
        names = ends[type_name]
        if not names:
            problems.append(Problem(None, None, f"the graph has no {type_name} node", "graph"))
        for extra in names[1:]:
            problems.append(Problem(extra, None, f"only one {type_name} node is supported", "graph"))


def _ends(graph: Graph) -> dict[str, list[str]]:
    """The Input and Output nodes' names in graph order (one pass over the nodes)."""
    ends: dict[str, list[str]] = {"Input": [], "Output": []}
    for name, data in graph.nx_graph()._node.items():
        names = ends.get(data["node"].type)
        if names is not None:
            names.append(name)
    return ends


def _analyze_node(ctx: _Context, name: str) -> NodeResult:
    node = ctx.nodes[name]
    spec = find_block(node.type)
    if spec is None:
        ctx.problems.append(Problem(name, None, f"unknown block type {node.type!r}", "unknown_type"))
        return NodeResult({}, {"out": None})
    try:
        params = ctx.resolve(name, spec, node.params)
    except ParamError as exc:
        ctx.problems.append(Problem(name, None, f"bad value for {exc.param}: {exc.message}", "param"))
        return NodeResult({}, {port: None for port in spec.outputs})
    inputs = _gather_inputs(ctx, name, spec.input_ports(params))
    outputs: dict[str, Shape | None] = {port: None for port in spec.outputs}
    if any(shape is None for shape in inputs.values()):
        return NodeResult(inputs, outputs)
    try:
        out_shapes, cost = infer_block(spec, params, tuple(inputs.values()))
    except ShapeError as exc:
        ctx.problems.append(Problem(name, exc.port, exc.message, "shape"))
        return NodeResult(inputs, outputs)
    return NodeResult(inputs, dict(zip(spec.outputs, out_shapes)), cost)


def _gather_inputs(ctx: _Context, name: str, ports: tuple[str, ...]) -> dict[str, Shape | None]:
    problems = ctx.problems
    by_port: dict[str, list] = {port: [] for port in ports}
    for keys in ctx.pred[name].values():
        for edge in keys:  # edges are the multigraph's keys
            if edge.dst_port not in by_port:
                problems.append(Problem(name, edge.dst_port, f"has no input port {edge.dst_port!r}", "graph"))
                continue
            by_port[edge.dst_port].append(edge)
    inputs: dict[str, Shape | None] = {}
    for port, edges in by_port.items():
        if not edges:
            problems.append(Problem(name, port, f"input {port!r} is not connected", "unconnected"))
            inputs[port] = None
            continue
        if len(edges) > 1:
            sources = ", ".join(e.src for e in edges)
            problems.append(
                Problem(name, port, f"input {port!r} is fed by {len(edges)} edges ({sources}); a port takes one",
                        "multiple_inputs")
            )
        src = ctx.results.get(edges[0].src)
        if src is not None and edges[0].src_port not in src.outputs:
            # Only a loaded file can hold such an edge; without this it would pass silently.
            problems.append(Problem(name, port, f"is fed from {edges[0].src}'s port {edges[0].src_port!r}, "
                                    "which does not exist", "graph"))
        inputs[port] = src.outputs.get(edges[0].src_port) if src else None
    return inputs


def infer_block(spec: BlockSpec, params: Params, ins: tuple[Shape, ...]) -> tuple[tuple[Shape, ...], Cost]:
    """Output shapes and cost of one block on known input shapes; raises :class:`ShapeError`."""
    if spec.is_composite:
        return _infer_composite(spec.type, _freeze(params), ins)
    # A ResNet repeats the same layer on the same shape hundreds of times: the shape rule
    # and cost formula run once per (block, parameters, input shapes). Both are pure.
    try:
        key = (id(spec), tuple(params.items()), ins)
        hit = _INFERRED.get(key)
    except TypeError:  # a list among the values (a file's, not yet coerced): no caching
        key = hit = None
    if hit is not None and hit[0] is spec:  # the spec held in the entry: its id is still its own
        return hit[1]
    outs = tuple(tuple(s) for s in spec.shape(params, ins))
    params_count, macs = spec.cost(params, ins, outs) if spec.cost else (0, 0)
    activations = 0 if spec.type == "Output" else sum(numel(s) for s in outs)
    result = outs, Cost(params_count, macs, activations)
    if key is not None:
        if len(_INFERRED) >= _INFERRED_MAX:
            _INFERRED.clear()
        _INFERRED[key] = (spec, result)
    return result


_INFERRED: dict[tuple, tuple[BlockSpec, tuple[tuple[Shape, ...], Cost]]] = {}
_INFERRED_MAX = 65536


def forget_inferred() -> None:
    """Empty the cache of shape rules' answers (benchmarks time a first analysis with it)."""
    _INFERRED.clear()


@lru_cache(maxsize=8192)
def _infer_composite(type_name: str, frozen: str, ins: tuple[Shape, ...]) -> tuple[tuple[Shape, ...], Cost]:
    spec = get_block(type_name)
    sub = spec.expand(json.loads(frozen), ins)
    shapes = infer_subgraph(sub, ins)
    total = Cost()
    for cost in shapes.costs.values():
        total = total + cost
    outs = tuple(shapes.outputs[node][port] for node, port in (sub.outputs[p] for p in spec.outputs))
    return outs, total


@dataclass
class SubgraphShapes:
    outputs: dict[str, dict[str, Shape]]
    costs: dict[str, Cost]


def infer_subgraph(sub: Subgraph, ins: tuple[Shape, ...]) -> SubgraphShapes:
    """Shapes and costs inside a composite's expansion (nodes come in dependency order)."""
    feeds: dict[tuple[str, str], Shape] = {}
    for (port, targets), shape in zip(sub.inputs.items(), ins):
        for target in targets:
            feeds[target] = shape
    outputs: dict[str, dict[str, Shape]] = {}
    costs: dict[str, Cost] = {}
    edges_into = {(dst, dst_port): (src, src_port) for src, src_port, dst, dst_port in sub.edges}
    for inner in sub.nodes:
        spec = get_block(inner.type)
        params = spec.resolve_params(inner.params)
        in_shapes = []
        for port in spec.input_ports(params):
            if (inner.name, port) in edges_into:
                src, src_port = edges_into[(inner.name, port)]
                in_shapes.append(outputs[src][src_port])
            else:
                in_shapes.append(feeds[(inner.name, port)])
        try:
            outs, cost = infer_block(spec, params, tuple(in_shapes))
        except ShapeError as exc:
            raise ShapeError(f"inside {inner.name}: {exc.message}", port=None) from None
        outputs[inner.name] = dict(zip(spec.outputs, outs))
        costs[inner.name] = cost
    return SubgraphShapes(outputs, costs)


def _freeze(params: Params) -> str:
    return json.dumps(params, sort_keys=True)
