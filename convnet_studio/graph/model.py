"""The network graph: nodes with typed parameters and named ports, edges between ports.

Every mutation is checked before it happens (a refused edit raises :class:`GraphError` and
changes nothing) and emits an event afterwards, so views follow the model and never the
reverse. Problems that can only be judged with shapes (a channel mismatch at an Add, a
Linear of the wrong size) are not refused here: they are reported by :meth:`Graph.analyze`,
which reports every shape it can even when some nodes are wrong.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import networkx as nx

from convnet_studio.errors import UserError
from convnet_studio.graph.events import GraphEvents
from convnet_studio.graph.names import name_problem, path_conflict, strict_prefixes
from convnet_studio.graph.params import ParamError
from convnet_studio.graph.registry import BlockError, Params, Shape, get_block, has_block
from convnet_studio.graph.toposort import stable_topological_order

if TYPE_CHECKING:
    from convnet_studio.graph.analysis import Analysis

Position = tuple[float, float]


class GraphError(UserError, ValueError):
    """An edit the graph refuses; ``node``/``port``/``field`` say where."""

    def __init__(
        self, message: str, node: str | None = None, port: str | None = None, field: str | None = None
    ) -> None:
        where = node + (f".{field}" if field else "") + (f" [{port}]" if port else "") if node else ""
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.node = node
        self.port = port
        self.field = field


@dataclass
class Node:
    """One block instance. Mutate it only through :class:`Graph`, which emits events."""

    name: str
    type: str
    params: Params
    position: Position = (0.0, 0.0)
    # The group a node belongs to, for folding on the canvas ("layer3") and collapsing an
    # expanded composite back; ``meta`` keeps editor facts such as "auto-inserted projection".
    group: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self):
        return get_block(self.type)

    def input_ports(self) -> tuple[str, ...]:
        return get_block(self.type).input_ports(self.params) if has_block(self.type) else ()

    def output_ports(self) -> tuple[str, ...]:
        return get_block(self.type).outputs if has_block(self.type) else ("out",)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "params": copy.deepcopy(self.params),
            "position": [float(self.position[0]), float(self.position[1])],
        }
        if self.group:
            data["group"] = self.group
        if self.meta:
            data["meta"] = copy.deepcopy(self.meta)
        return data


@dataclass(frozen=True)
class Edge:
    """A connection from ``src``'s output port to ``dst``'s input port."""

    src: str
    dst: str
    src_port: str = "out"
    dst_port: str = "in"

    def to_dict(self) -> dict[str, str]:
        return {"from": self.src, "from_port": self.src_port, "to": self.dst, "to_port": self.dst_port}

    def __str__(self) -> str:
        return f"{self.src}.{self.src_port} -> {self.dst}.{self.dst_port}"


class Graph:
    """A network as a directed graph of blocks (built on :class:`networkx.MultiDiGraph`)."""

    def __init__(self, name: str = "untitled") -> None:
        self.name = name
        # Free-form document facts kept in the project file (description, source preset...).
        self.meta: dict[str, Any] = {}
        self.events = GraphEvents()
        self._g = nx.MultiDiGraph()
        self._prefixes: Counter[str] = Counter()
        self.version = 0
        self._analysis_cache: dict[Any, Analysis] = {}
        # name -> (params dict, its resolved form), kept by the analysis between passes.
        self._resolved_params: dict[str, tuple[Params, Params]] = {}

    # ------------------------------------------------------------------ queries
    @property
    def nodes(self) -> dict[str, Node]:
        """Name -> node, in insertion order."""
        return {name: data["node"] for name, data in self._g.nodes(data=True)}

    @property
    def edges(self) -> list[Edge]:
        return [key for _, _, key in self._g.edges(keys=True)]

    def node(self, name: str) -> Node:
        try:
            return self._g.nodes[name]["node"]
        except KeyError:
            raise GraphError(f"no node named {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def in_edges(self, name: str) -> list[Edge]:
        return [key for _, _, key in self._g.in_edges(name, keys=True)]

    def out_edges(self, name: str) -> list[Edge]:
        return [key for _, _, key in self._g.out_edges(name, keys=True)]

    def input_edge(self, name: str, port: str) -> Edge | None:
        for edge in self.in_edges(name):
            if edge.dst_port == port:
                return edge
        return None

    def nx_graph(self) -> nx.MultiDiGraph:
        """The underlying networkx graph (read it, do not change it)."""
        return self._g

    def nodes_of_type(self, type_name: str) -> list[Node]:
        return [n for n in self if n.type == type_name]

    def group_nodes(self, group: str) -> list[Node]:
        return [n for n in self if n.group == group]

    # ---------------------------------------------------------------- mutations
    def add_node(
        self,
        type: str,
        name: str | None = None,
        params: Params | None = None,
        position: Position = (0.0, 0.0),
        group: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Node:
        """Add a block of ``type``; its parameters are checked and completed with defaults."""
        try:
            spec = get_block(type)
        except BlockError as exc:
            raise GraphError(str(exc), node=name) from None
        if name is None:
            name = self.new_node_name(type)
        self._check_new_name(name)
        resolved = self._resolve(spec, name, params)
        node = Node(name, type, resolved, _pos(position), group, dict(meta or {}))
        self._insert(node)
        self._changed()
        self.events.node_added.emit(node)
        self.events.changed.emit()
        return node

    def add(self, type: str, name: str | None = None, inputs: str | Iterable[str] | None = None, **params: Any) -> str:
        """Scripting shorthand: add a node, wire ``inputs`` into its ports in order, return its name.

        >>> g = Graph(); x = g.add("Input", channels=3, height=32, width=32)
        >>> y = g.add("Conv2d", inputs=x, out_channels=16, kernel_size=3, padding=1)
        """
        node = self.add_node(type, name, params)
        sources = [inputs] if isinstance(inputs, str) else list(inputs or [])
        ports = node.input_ports()
        if len(sources) > len(ports):
            self.remove_node(node.name)
            raise GraphError(f"{type} has {len(ports)} input(s), {len(sources)} given", node=node.name)
        try:
            for src, port in zip(sources, ports):
                self.connect(src, node.name, dst_port=port)
        except GraphError:
            self.remove_node(node.name)  # a refused edit leaves nothing behind
            raise
        return node.name

    def remove_node(self, name: str) -> Node:
        node = self.node(name)
        for edge in self.in_edges(name) + self.out_edges(name):
            self.disconnect(edge)
        self._g.remove_node(name)
        self._forget_prefixes(name)
        self._changed()
        self.events.node_removed.emit(node)
        self.events.changed.emit()
        return node

    def connect(self, src: str, dst: str, src_port: str = "out", dst_port: str = "in") -> Edge:
        """Connect ``src.src_port`` to ``dst.dst_port``; refused edits raise :class:`GraphError`."""
        edge = Edge(src, dst, src_port, dst_port)
        problem = self.connection_problem(edge)
        if problem:
            raise GraphError(problem, node=dst, port=dst_port)
        self._g.add_edge(src, dst, key=edge)
        self._changed()
        self.events.connected.emit(edge)
        self.events.changed.emit()
        return edge

    def connection_problem(self, edge: Edge) -> str | None:
        """Why ``edge`` cannot be made, or ``None``: the editor shows this while dragging."""
        for name in (edge.src, edge.dst):
            if name not in self._g:
                return f"no node named {name!r}"
        src, dst = self.node(edge.src), self.node(edge.dst)
        if edge.src_port not in src.output_ports():
            return f"{edge.src} has no output port {edge.src_port!r}"
        if edge.dst_port not in dst.input_ports():
            return f"{edge.dst} has no input port {edge.dst_port!r}"
        if edge.src == edge.dst:
            return "a node cannot feed itself"
        existing = self.input_edge(edge.dst, edge.dst_port)
        if existing is not None:
            return f"input {edge.dst_port!r} of {edge.dst} is already fed by {existing.src}; disconnect it first"
        if nx.has_path(self._g, edge.dst, edge.src):
            return f"connecting {edge.src} to {edge.dst} would make a cycle"
        return None

    def disconnect(self, edge: Edge) -> None:
        if not self._g.has_edge(edge.src, edge.dst, key=edge):
            raise GraphError(f"no connection {edge}")
        self._g.remove_edge(edge.src, edge.dst, key=edge)
        self._changed()
        self.events.disconnected.emit(edge)
        self.events.changed.emit()

    def set_params(self, name: str, params: Params | None = None, **changes: Any) -> Params:
        """Change some parameters of ``name``; returns the old parameters."""
        node = self.node(name)
        changes = {**(params or {}), **changes}
        new = self._resolve(node.spec, name, {**node.params, **changes})
        dropped = set(node.input_ports()) - set(node.spec.input_ports(new))
        for edge in self.in_edges(name):
            if edge.dst_port in dropped:
                raise GraphError(
                    f"input {edge.dst_port!r} is connected to {edge.src}; disconnect it first",
                    node=name, port=edge.dst_port,
                )
        old = node.params
        if new == old:
            return old
        node.params = new
        self._changed()
        self.events.params_changed.emit(name, old, new)
        self.events.changed.emit()
        return old

    def move_node(self, name: str, position: Position) -> None:
        node = self.node(name)
        old, node.position = node.position, _pos(position)
        # Positions do not change shapes, so the version (and the analysis cache) stays.
        self.events.node_moved.emit(name, old, node.position)
        self.events.changed.emit()

    def rename_node(self, old: str, new: str) -> None:
        node = self.node(old)
        if new == old:
            return
        # Check before touching anything, so a refused rename keeps the node's place in the
        # insertion order (which breaks ties in the topological order).
        self._forget_prefixes(old)
        try:
            problem = name_problem(new) or path_conflict(new, _Without(self._g, old), self._prefixes)
        finally:
            self._prefixes.update(strict_prefixes(old))
        if problem:
            raise GraphError(problem, node=new)
        edges = self.in_edges(old) + self.out_edges(old)
        self._g.remove_node(old)
        self._forget_prefixes(old)
        node.name = new
        self._insert(node)
        for e in edges:
            e2 = Edge(new if e.src == old else e.src, new if e.dst == old else e.dst, e.src_port, e.dst_port)
            self._g.add_edge(e2.src, e2.dst, key=e2)
        self._changed()
        self.events.node_renamed.emit(old, new)
        self.events.changed.emit()

    def replace_with(self, other: Graph) -> None:
        """Become a copy of ``other`` (undo and file loading use this); emits ``reset``."""
        self.name = other.name
        self.meta = copy.deepcopy(other.meta)
        self._g = nx.MultiDiGraph()
        self._prefixes = Counter()
        for node in other:
            self._insert(replace(node, params=copy.deepcopy(node.params), meta=copy.deepcopy(node.meta)))
        for edge in other.edges:
            self._g.add_edge(edge.src, edge.dst, key=edge)
        self._changed()
        self.events.reset.emit()
        self.events.changed.emit()

    # ---------------------------------------------------------------- analysis
    def analyze(self, input_shape: Shape | None = None) -> Analysis:
        """Shapes, costs and problems of the whole graph (cached until the next edit)."""
        from convnet_studio.graph.analysis import analyze

        key = (self.version, tuple(input_shape) if input_shape else None)
        cached = self._analysis_cache.get(key)
        if cached is None:
            self._analysis_cache.clear()
            cached = self._analysis_cache[key] = analyze(self, input_shape)
        return cached

    def topological_order(self) -> list[str]:
        """Nodes in dependency order, insertion order breaking ties (stable for names)."""
        return stable_topological_order(self._g)

    # ------------------------------------------------------------- copy & JSON
    def copy(self) -> Graph:
        clone = Graph(self.name)
        clone.replace_with(self)
        return clone

    def to_dict(self) -> dict[str, Any]:
        from convnet_studio.graph.project_file import graph_to_dict

        return graph_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Graph:
        from convnet_studio.graph.project_file import graph_from_dict

        return graph_from_dict(data)

    def new_node_name(self, type: str) -> str:
        """A free name for a new ``type`` node: the block's default name, numbered if taken."""
        spec = get_block(type)
        return self.unique_name(spec.default_name or type.lower())

    def unique_name(self, base: str) -> str:
        i = 1
        while True:
            candidate = f"{base}{i}"
            if path_conflict(candidate, self._g, self._prefixes) is None and not name_problem(candidate):
                return candidate
            i += 1

    def __repr__(self) -> str:
        return f"<Graph {self.name!r}: {len(self)} nodes, {self._g.number_of_edges()} edges>"

    # ---------------------------------------------------------------- internals
    def _insert(self, node: Node) -> None:
        """Add a node without checks or events (loading and cloning use this)."""
        self._g.add_node(node.name, node=node)
        self._prefixes.update(strict_prefixes(node.name))

    def _forget_prefixes(self, name: str) -> None:
        for prefix in strict_prefixes(name):
            self._prefixes[prefix] -= 1
            if self._prefixes[prefix] <= 0:
                del self._prefixes[prefix]

    def _insert_edge(self, edge: Edge) -> None:
        self._g.add_edge(edge.src, edge.dst, key=edge)

    def _check_new_name(self, name: str) -> None:
        problem = name_problem(name) or path_conflict(name, self._g, self._prefixes)
        if problem:
            raise GraphError(problem, node=name)

    @staticmethod
    def _resolve(spec, name: str, params: Params | None) -> Params:
        try:
            return spec.resolve_params(params)
        except ParamError as exc:
            raise GraphError(exc.message, node=name, field=exc.param) from None

    def _changed(self) -> None:
        self.version += 1


class _Without:
    """``name in _Without(names, old)``: membership as if ``old`` were gone."""

    def __init__(self, names: Any, old: str) -> None:
        self._names, self._old = names, old

    def __contains__(self, name: object) -> bool:
        return name != self._old and name in self._names


def _pos(position: Iterable[float]) -> Position:
    x, y = position
    return float(x), float(y)
