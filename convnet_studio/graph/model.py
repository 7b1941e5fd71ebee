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

from convnet_studio.graph import ordered
from convnet_studio.graph.changes import ChangeSet
from convnet_studio.errors import UserError
from convnet_studio.graph.events import GraphEvents
from convnet_studio.graph.names import name_problem, path_conflict, strict_prefixes
from convnet_studio.graph.params import ParamError
from convnet_studio.graph.registry import BlockError, Params, Shape, get_block, has_block
from convnet_studio.graph.spatial import PositionIndex
from convnet_studio.graph.toposort import stable_topological_order

if TYPE_CHECKING:
    from convnet_studio.graph.analysis import Analysis

Position = tuple[float, float]


MAX_POSITION = 1e7  # canvas units: an unwrapped layout of 30,000 layers still fits


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

    def to_dict(self, copies: bool = True) -> dict[str, Any]:
        """The node as the project file has it (``copies=False``: its own dicts, to encode)."""
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "params": copy.deepcopy(self.params) if copies else self.params,
            "position": [float(self.position[0]), float(self.position[1])],
        }
        if self.group:
            data["group"] = self.group
        if self.meta:
            data["meta"] = copy.deepcopy(self.meta) if copies else self.meta
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
        # prefix -> the names under it ("layer1.0" -> layer1.0.conv1, ...), for blocks.
        self._under: dict[str, set[str]] = {}
        # name -> a number rising with the insertion order (see ``insertion_ranks``).
        self._ranks: dict[str, int] = {}
        self._next_rank = 0
        self._places = PositionIndex()
        self.version = 0
        self._analysis_cache: dict[Any, Analysis] = {}
        # name -> (params dict, its resolved form), kept by the analysis between passes.
        self._resolved_params: dict[str, tuple[Params, Params]] = {}
        # What changed since the last analysis, so the next one visits only that.
        self.changes = ChangeSet()
        # While an edit is recorded (:mod:`convnet_studio.graph.history`), each mutation
        # appends its event with the old state here, so undo replays the inverses.
        self._journal: list[tuple] | None = None

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
        # A list, so a loop may change the graph (cheaper than building ``nodes``).
        return iter([data["node"] for data in self._g._node.values()])

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

    def names_under(self, prefix: str) -> list[str]:
        """The nodes named ``prefix.*`` (``layer1.0`` -> ``layer1.0.conv1``...), in graph order."""
        under = self._under.get(prefix)
        if not under:
            return []
        return sorted(under, key=self._ranks.__getitem__)

    def names_near(self, axis: int, low: float, high: float) -> list[str]:
        """The nodes whose position on ``axis`` (0: x, 1: y) may lie in ``[low, high]``, in
        insertion order: a superset, from a coarse grid, without walking every node."""
        return sorted(self._places.between(axis, low, high), key=self._ranks.__getitem__)

    @property
    def insertion_ranks(self) -> dict[str, int]:
        """Name -> a number that rises with the insertion order (read it, do not change it):
        the order of a few nodes without walking all of them."""
        return self._ranks

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
        node = Node(name, type, resolved, _pos(position, name), group, dict(meta or {}))
        self._insert(node)
        if self._journal is not None:
            self._log("add", _snapshot(node))
        self._added(node)
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
        if self._journal is not None:
            self._log("remove", _snapshot(node), ordered.index_of(self._g._node, name))
        self._g.remove_node(name)
        del self._ranks[name]
        self._places.remove(name, node.position)
        self._forget_prefixes(name)
        self._changed()
        self.changes.removed(name, node.type)
        self.events.node_removed.emit(node)
        self.events.changed.emit()
        return node

    def connect(self, src: str, dst: str, src_port: str = "out", dst_port: str = "in") -> Edge:
        """Connect ``src.src_port`` to ``dst.dst_port``; refused edits raise :class:`GraphError`."""
        edge = Edge(src, dst, src_port, dst_port)
        problem = self.connection_problem(edge)
        if problem:
            raise GraphError(problem, node=dst, port=dst_port)
        return self._connect_acyclic(edge)

    def _connect_acyclic(self, edge: Edge) -> Edge:
        """Connect without the cycle check, for edits that cannot close one (replacing a
        block by its expansion or back): that check walks everything downstream."""
        problem = self._port_problem(edge)
        if problem:
            raise GraphError(problem, node=edge.dst, port=edge.dst_port)
        self._g.add_edge(edge.src, edge.dst, key=edge)
        self._log("connect", edge)
        self._connected(edge)
        return edge

    def connection_problem(self, edge: Edge) -> str | None:
        """Why ``edge`` cannot be made, or ``None``: the editor shows this while dragging."""
        problem = self._port_problem(edge)
        if problem:
            return problem
        if nx.has_path(self._g, edge.dst, edge.src):
            return f"connecting {edge.src} to {edge.dst} would make a cycle"
        return None

    def _port_problem(self, edge: Edge) -> str | None:
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
        return None

    def disconnect(self, edge: Edge) -> None:
        if not self._g.has_edge(edge.src, edge.dst, key=edge):
            raise GraphError(f"no connection {edge}")
        if self._journal is not None:
            self._log("disconnect", edge, ordered.edge_place(self._g, edge))
        self._g.remove_edge(edge.src, edge.dst, key=edge)
        self._changed()
        self.changes.edge_changed(edge.src, edge.dst)
        self.events.disconnected.emit(edge)
        self.events.changed.emit()

    def params_problem(self, name: str, changes: Params) -> GraphError | None:
        """Why changing ``changes`` of ``name`` is refused (``.field``, ``.message``), or None.

        The one place that decides (a value out of range, a port that would vanish while it
        is connected); views ask it before an edit, and :meth:`set_params` refuses the same.
        """
        try:
            self._checked_params(name, changes)
        except GraphError as exc:
            return exc
        return None

    def set_params(self, name: str, params: Params | None = None, **changes: Any) -> Params:
        """Change some parameters of ``name``; returns the old parameters."""
        node = self.node(name)
        new = self._checked_params(name, {**(params or {}), **changes})
        old = node.params
        if new == old:
            return old
        self._assign_params(name, new)
        return old

    def _checked_params(self, name: str, changes: Params) -> Params:
        node = self.node(name)
        new = self._resolve(node.spec, name, {**node.params, **changes})
        dropped = set(node.input_ports()) - set(node.spec.input_ports(new))
        for edge in self.in_edges(name):
            if edge.dst_port in dropped:
                raise GraphError(
                    f"input {edge.dst_port!r} is connected to {edge.src}; disconnect it first",
                    node=name, port=edge.dst_port,
                )
        return new

    def _assign_params(self, name: str, new: Params) -> None:
        """Set parameters as given (undo restores exactly what was there) and emit."""
        node = self.node(name)
        old = node.params
        self._log("params", name, old, new)
        node.params = new
        self._changed()
        self.changes.touched(name)
        self.events.params_changed.emit(name, old, new)
        self.events.changed.emit()

    def move_node(self, name: str, position: Position) -> None:
        node = self.node(name)
        old, node.position = node.position, _pos(position, name)
        self._places.move(name, old, node.position)
        self._log("move", name, old, node.position)
        # Positions do not change shapes, so the version (and the analysis cache) stays.
        self.events.node_moved.emit(name, old, node.position)
        self.events.changed.emit()

    def move_nodes(self, positions: dict[str, Position]) -> None:
        """Move many nodes as one change (a layout): one ``nodes_moved`` event."""
        moves: dict[str, tuple[Position, Position]] = {}
        nodes = self._g._node  # one lookup a node: a layout of ResNet-1202 moves 4,000
        for name, position in positions.items():
            if name not in nodes:
                self.node(name)  # raises the GraphError that names it
            node = nodes[name]["node"]
            new = _pos(position, name)
            if new != node.position:
                moves[name] = (node.position, new)
        self._apply_moves(moves)

    def _apply_moves(self, moves: dict[str, tuple[Position, Position]]) -> None:
        """Apply checked ``{name: (old, new)}`` moves (a layout, or its undo or redo)."""
        if not moves:
            return
        nodes = self._g._node
        for name, (_old, new) in moves.items():
            nodes[name]["node"].position = new
        if 2 * len(moves) > len(nodes):  # a layout: filing every node afresh is quicker
            self._places = PositionIndex.of((name, data["node"].position) for name, data in nodes.items())
        else:
            for name, (old, new) in moves.items():
                self._places.move(name, old, new)
        self._log("moves", moves)
        self.events.nodes_moved.emit(moves)
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
            self._add_prefixes(old)
        if problem:
            raise GraphError(problem, node=new)
        # In place: the node keeps its position in the insertion order, so undoing a rename
        # gives back exactly the graph before it.
        self._forget_prefixes(old)
        ordered.relabel_node(self._g, old, new, lambda e: Edge(
            new if e.src == old else e.src, new if e.dst == old else e.dst, e.src_port, e.dst_port))
        node.name = new
        self._ranks[new] = self._ranks.pop(old)
        self._places.rename(old, new, node.position)
        self._add_prefixes(new)
        self._log("rename", old, new)
        self._changed()
        self.changes.renamed(old, new, list(self._g._succ[new]))
        self.events.node_renamed.emit(old, new)
        self.events.changed.emit()

    def set_node_group(self, name: str, group: str | None) -> None:
        node = self.node(name)
        self._log("group", name, node.group, group)
        node.group = group
        self.events.changed.emit()

    def set_node_meta(self, name: str, key: str, value: Any) -> None:
        node = self.node(name)
        self._log("node_meta", name, key, copy.deepcopy(node.meta.get(key)), copy.deepcopy(value))
        # A new dict, never changed in place (as params): the autosave's encoder keeps a
        # node's JSON while its dicts are the same objects.
        meta = {k: v for k, v in node.meta.items() if k != key}
        if value is not None:
            meta[key] = value
        node.meta = meta
        self.events.changed.emit()

    def set_meta(self, key: str, value: Any) -> None:
        """Set a document fact (``layout_direction``, ``weights``...); None removes it.

        Emits ``meta_changed(key, old, new)``: views (the canvas's port sides) follow it.
        """
        old = copy.deepcopy(self.meta.get(key))
        if old == value:
            return
        self._log("meta", key, old, copy.deepcopy(value))
        if value is None:
            self.meta.pop(key, None)
        else:
            self.meta[key] = copy.deepcopy(value)
        self.events.meta_changed.emit(key, old, value)
        self.events.changed.emit()

    def replace_with(self, other: Graph, take: bool = False) -> None:
        """Become a copy of ``other`` (file loading uses this); emits ``reset``.

        ``take``: ``other`` is the caller's own scratch graph, used no more: its nodes are
        taken as they are instead of copied (opening a 4,000-node file copies it once, not twice).
        """
        if self._journal is not None:
            self._log("replace", self.to_dict(), other.to_dict())
        self.name = other.name
        self.meta = other.meta if take else copy.deepcopy(other.meta)
        _drop_views(self._g)
        self._g = nx.MultiDiGraph()
        self._prefixes = Counter()
        self._under = {}
        self._ranks, self._next_rank = {}, 0
        self._places = PositionIndex()
        for node in other:
            self._insert(node if take else replace(
                node, params=copy.deepcopy(node.params), meta=copy.deepcopy(node.meta)))
        for edge in other.edges:
            self._g.add_edge(edge.src, edge.dst, key=edge)
        self._changed()
        self.changes.reset()
        if take:  # same nodes, so other's current analysis is this graph's: no second pass
            checkpoint = other.analysis_checkpoint()
            if checkpoint is not None:
                self._resolved_params = other._resolved_params
                self.adopt_analysis(checkpoint)
            _drop_views(other._g)
        self.events.reset.emit()
        self.events.changed.emit()

    # ---------------------------------------------------------------- analysis
    def analyze(self, input_shape: Shape | None = None) -> Analysis:
        """Shapes, costs and problems of the whole graph (cached until the next edit)."""
        from convnet_studio.graph.incremental import reanalyze

        key = (self.version, tuple(input_shape) if input_shape else None)
        cached = self._analysis_cache.get(key)
        if cached is None:
            cached = reanalyze(self, input_shape)
            self._analysis_cache.clear()
            self._analysis_cache[key] = cached
        return cached

    def analysis_checkpoint(self) -> Any:
        """The last analysis if it is still current (nothing changed since), else None."""
        last = getattr(self, "_last_analysis", None)
        changes = self.changes
        if last is None or changes.full or changes.nodes or changes.gone or changes.structural:
            return None
        return last

    def adopt_analysis(self, checkpoint: Any) -> None:
        """Take ``checkpoint`` (from :meth:`analysis_checkpoint`) as the current analysis.

        Only for a graph whose content is again exactly what it was then (undo, redo).
        """
        if checkpoint is None:
            return
        key, analysis = checkpoint
        self._last_analysis = checkpoint
        self.changes.clear()
        self._analysis_cache.clear()
        self._analysis_cache[(self.version, key)] = analysis

    def topological_order(self) -> list[str]:
        """Nodes in dependency order, insertion order breaking ties (stable for names).

        The last analysis's order while no node or connection came, went or was renamed
        since (a layout right after an edit need not sort 4,000 nodes again)."""
        last, changes = getattr(self, "_last_analysis", None), self.changes
        if last is not None and not (changes.full or changes.structural or changes.renames):
            structure = last[1].structure
            if structure is not None:
                return list(structure.order)
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
            if self.name_conflict(candidate) is None and not name_problem(candidate):
                return candidate
            i += 1

    def name_conflict(self, name: str) -> str | None:
        """Why ``name`` cannot be a new node's (taken, or a group of nodes, or inside a node);
        None if it is free. Looked up in the kept set of name prefixes, not over every node."""
        return path_conflict(name, self._g, self._prefixes)

    def __repr__(self) -> str:
        return f"<Graph {self.name!r}: {len(self)} nodes, {self._g.number_of_edges()} edges>"

    # ---------------------------------------------------------------- internals
    def _insert(self, node: Node) -> None:
        """Add a node without checks or events (loading and cloning use this)."""
        self._g.add_node(node.name, node=node)
        self._ranks[node.name] = self._next_rank
        self._next_rank += 1
        self._places.add(node.name, node.position)
        self._add_prefixes(node.name)

    def _add_prefixes(self, name: str) -> None:
        for prefix in strict_prefixes(name):
            self._prefixes[prefix] += 1
            self._under.setdefault(prefix, set()).add(name)

    def _forget_prefixes(self, name: str) -> None:
        for prefix in strict_prefixes(name):
            self._prefixes[prefix] -= 1
            self._under[prefix].discard(name)
            if self._prefixes[prefix] <= 0:
                del self._prefixes[prefix]
                del self._under[prefix]

    def _insert_edge(self, edge: Edge) -> None:
        self._g.add_edge(edge.src, edge.dst, key=edge)

    def _log(self, *op: Any) -> None:
        if self._journal is not None:
            self._journal.append(op)

    def _added(self, node: Node) -> None:
        self._changed()
        self.changes.node_added(node.name, node.type)
        self.events.node_added.emit(node)
        self.events.changed.emit()

    def _connected(self, edge: Edge) -> None:
        self._changed()
        self.changes.edge_changed(edge.src, edge.dst)
        self.events.connected.emit(edge)
        self.events.changed.emit()

    def _restore_node(self, node: Node, index: int | None) -> None:
        """Put a removed node back at ``index`` of the insertion order (undo uses this)."""
        node = _snapshot(node)
        ordered.insert_node(self._g, node.name, {"node": node}, index)
        self._places.add(node.name, node.position)
        if index is None or index >= len(self._g) - 1:
            self._ranks[node.name] = self._next_rank
            self._next_rank += 1
        else:  # between two others: number them all again (undo of a removal, once)
            self._ranks = {name: i for i, name in enumerate(self._g._node)}
            self._next_rank = len(self._ranks)
        self._add_prefixes(node.name)
        self._added(node)

    def _restore_nodes(self, restores: list[tuple[Node, int | None]]) -> None:
        """:meth:`_restore_node` for each ``(node, index)`` in turn, the node order rebuilt
        once (undo of deleting many nodes)."""
        nodes = [(_snapshot(node), index) for node, index in restores]
        order = list(self._g._node)
        for node, index in nodes:
            if index is None or index >= len(order):
                order.append(node.name)
            else:
                order.insert(index, node.name)
        ordered.insert_nodes(self._g, {node.name: {"node": node} for node, _ in nodes}, order)
        self._ranks = {name: i for i, name in enumerate(order)}
        self._next_rank = len(self._ranks)
        for node, _ in nodes:
            self._places.add(node.name, node.position)
            self._add_prefixes(node.name)
        for node, _ in nodes:
            self._added(node)

    def _restore_edge(self, edge: Edge, place: ordered.EdgePlace | None) -> None:
        """Put a removed edge back where it was, without the checks it passed then."""
        ordered.insert_edge(self._g, edge, place)
        self._connected(edge)

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


def _snapshot(node: Node) -> Node:
    """A copy of ``node`` that later edits of the live node cannot change."""
    return replace(node, meta=copy.deepcopy(node.meta))


class _Without:
    """``name in _Without(names, old)``: membership as if ``old`` were gone."""

    def __init__(self, names: Any, old: str) -> None:
        self._names, self._old = names, old

    def __contains__(self, name: object) -> bool:
        return name != self._old and name in self._names


def _drop_views(g: nx.MultiDiGraph) -> None:
    """Forget the views networkx caches on a graph (``g.nodes`` holds ``g``: a cycle).

    Without it a dropped graph of 4,000 nodes (the document before an open) waited, with
    its 50,000 dicts, for Python's full collection: a 100-250 ms pause at some later edit.
    Reference counting frees it at once instead; a graph still in use makes them again.
    """
    for name, value in list(vars(g).items()):
        if not name.startswith("_") and type(value).__module__.startswith("networkx.classes."):
            del g.__dict__[name]


def _pos(position: Iterable[float], name: str) -> Position:
    """``position`` as floats; NaN, infinity or a point beyond the canvas is refused: the
    canvas could not draw or fit it (a script or plugin passing one gets a GraphError)."""
    x, y = position
    x, y = float(x), float(y)
    if not (abs(x) <= MAX_POSITION and abs(y) <= MAX_POSITION):  # False for NaN too
        raise GraphError(f"position ({x}, {y}) must be finite and within ±{MAX_POSITION:,.0f} "
                         "on the canvas", node=name, field="position")
    return x, y
