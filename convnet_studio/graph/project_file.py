"""Project files: the graph as JSON with a schema version (see docs/project-format.md).

Saving is atomic (a temporary file, then a rename), so a crash or a full disk never leaves a
half-written project. Loading only parses JSON and never runs code; a truncated, malformed,
hostile or newer file raises :class:`ProjectFileError` naming the file and the problem, and
nothing else escapes (see docs/trust.md for what a file from someone else can do).
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Callable

from convnet_studio.errors import UserError
from convnet_studio.graph.model import MAX_POSITION, Edge, Graph, Node
from convnet_studio.graph.names import name_problem, path_conflict, short_repr, short_text, strict_prefixes
from convnet_studio.graph.params import ParamError
from convnet_studio.graph.registry import get_block, has_block

FORMAT = "convnet-studio-project"
VERSION = 2
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64  # JSON nesting; saved files reach about 10 (node meta holding an origin's params)
MAX_NODES = 100_000
MAX_EDGES = 400_000
SUFFIX = ".cnsproj"


class ProjectFileError(UserError, ValueError):
    """A project file that cannot be read or written; the message says which and why."""


def graph_to_dict(graph: Graph, copies: bool = True) -> dict[str, Any]:
    """The project file's content. ``copies=False``: the live graph's own parameter and meta
    dicts, for encoding at once (the deep copies were most of autosaving ResNet-1202)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": graph.name,
        # A copy, as the nodes' are: a snapshot must not change with the live graph (undo of
        # an edit of graph.meta, such as loading weights, compares two snapshots).
        "meta": copy.deepcopy(graph.meta) if copies else graph.meta,
        "nodes": [node.to_dict(copies) for node in graph],
        "edges": [edge.to_dict() for edge in graph.edges],
    }


class ProjectEncoder:
    """``json.dumps(graph_to_dict(graph))`` for one graph encoded again and again (autosave).

    Each node's JSON is kept while the node is unchanged: the same node object with the same
    name, type, group and position, and the same parameter and meta dicts (the graph
    replaces those dicts on every change, never edits them in place), so encoding after an
    edit costs the nodes it changed, not ResNet-1202's 4,000 (30 ms in the GUI thread).
    """

    def __init__(self) -> None:
        self._nodes: dict[int, tuple[tuple, str]] = {}
        self._edges: dict[int, tuple[Edge, str]] = {}

    def encode(self, graph: Graph) -> str:
        kept, nodes = self._nodes, {}
        for node in graph:
            # The node itself is held in its key, so its id cannot pass to another meanwhile.
            key = (node, node.name, node.type, node.params, node.position, node.group, node.meta)
            hit = kept.get(id(node))
            if hit is None or not _unchanged(hit[0], key):
                hit = key, json.dumps(node.to_dict(copies=False))
            nodes[id(node)] = hit
        self._nodes = nodes
        # Edges are immutable: one object, one text (held beside it, so its id stays its own).
        # Read from the adjacency dicts, in the order ``graph.edges`` lists them.
        kept_edges, edges = self._edges, {}
        for nbrs in graph.nx_graph()._succ.values():
            for keys in nbrs.values():
                for edge in keys:
                    hit = kept_edges.get(id(edge))
                    edges[id(edge)] = hit if hit is not None else (edge, json.dumps(edge.to_dict()))
        self._edges = edges
        head = json.dumps({"format": FORMAT, "version": VERSION, "name": graph.name, "meta": graph.meta})
        return (f'{head[:-1]}, "nodes": [{", ".join(text for _, text in nodes.values())}], '
                f'"edges": [{", ".join(text for _, text in edges.values())}]}}')


def _unchanged(old: tuple, new: tuple) -> bool:
    return (old[0] is new[0] and old[3] is new[3] and old[6] is new[6]
            and old[1:3] == new[1:3] and old[4:6] == new[4:6])


def dumps(graph: Graph) -> str:
    return json.dumps(graph_to_dict(graph, copies=False), indent=1, sort_keys=False) + "\n"


def save_project(graph: Graph, path: str | os.PathLike[str]) -> Path:
    """Write ``graph`` to ``path`` atomically; raises :class:`ProjectFileError`."""
    path = Path(path)
    write_atomic(path, dumps(graph).encode("utf-8"))
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    Through a symlink, the link's target is written (a rename would replace the link itself);
    the temporary file is removed on any failure, an interrupt included.
    """
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ProjectFileError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); a saved project should follow the umask.
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ProjectFileError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def load_project(path: str | os.PathLike[str]) -> Graph:
    """Read a project file into a complete, checked graph.

    Raises:
        ProjectFileError: for anything else than a readable, well-formed project, with the
            file's name and the node and field at fault in the message. No other exception
            escapes, and nothing that is not a regular file is read (no FIFO, no device).
    """
    path = Path(path)
    raw = _read_capped(path)
    try:
        return loads(raw)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{path}: {exc}") from None


def _read_capped(path: Path) -> bytes:
    """The file's bytes; refuses what is not a regular file before opening it, reads at most the cap."""
    try:
        _check_regular(path, os.stat(path))
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, open returns at once.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ProjectFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise ProjectFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        _check_regular(path, os.fstat(fd))
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ProjectFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise ProjectFileError(f"{path}: more than {MAX_FILE_BYTES:,} bytes is too large for a project file")
    return b"".join(chunks)


def _check_regular(path: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise ProjectFileError(f"{path}: is a folder, not a project file")
    if not stat.S_ISREG(info.st_mode):
        raise ProjectFileError(f"{path}: is not a regular file (a device, pipe or socket), so it is not read")
    if info.st_size > MAX_FILE_BYTES:
        raise ProjectFileError(f"{path}: {info.st_size:,} bytes is too large for a project file")


def loads(raw: str | bytes) -> Graph:
    """Parse a project from text; raises :class:`ProjectFileError` (and nothing else)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ProjectFileError("not a project file (not UTF-8 text)") from None
    if not text.strip():
        raise ProjectFileError("the file is empty")
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise ProjectFileError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}{hint}") from None
    except RecursionError:
        raise ProjectFileError("not a project file (nested too deeply)") from None
    except ProjectFileError:
        raise
    except ValueError as exc:  # e.g. a number with thousands of digits
        raise ProjectFileError(f"not a project file ({short_text(str(exc), 120)})") from None
    return graph_from_dict(data)


def _refuse_constant(name: str) -> Any:
    raise ProjectFileError(f"{name} is not a number a project file may hold (only finite numbers are)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProjectFileError(f"the number {short_text(text)} is too large (only finite numbers are allowed)")
    return value


def _check_plain_json(data: Any) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH`, non-finite numbers and non-JSON values.

    Iterative, so a deep document cannot raise RecursionError here. Parsed text passes the
    type checks by construction; a dict from elsewhere (a checkpoint's graph) may not.
    """
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProjectFileError(f"not a project file (nested more than {MAX_DEPTH} levels deep)")
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                raise ProjectFileError("not a project file (an object key is not text)")
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ProjectFileError(f"{value} is not a number a project file may hold (only finite numbers are)")
        elif value is not None and not isinstance(value, (str, int, float)):
            raise ProjectFileError(f"not a project file (a {type(value).__name__} is not JSON)")


def graph_from_dict(data: Any) -> Graph:
    """Build and check a graph from parsed JSON, migrating older versions.

    Every node's parameters are resolved (a value its block refuses is an error naming the
    node and the field), positions are finite and bounded, every edge joins existing ports,
    and the graph is analysed once, so what is returned works everywhere.

    Raises:
        ProjectFileError: naming the node, edge or field at fault.
    """
    _check_plain_json(data)
    data = _migrated(data)
    graph = Graph(_expect(data, "name", str, "untitled"))
    graph.meta = _expect(data, "meta", dict, {})
    nodes = _expect(data, "nodes", list, None)
    edges = _expect(data, "edges", list, [])
    if len(nodes) > MAX_NODES or len(edges) > MAX_EDGES:
        raise ProjectFileError(f"more than {MAX_NODES:,} nodes or {MAX_EDGES:,} edges is not a network the studio can show")
    _add_nodes(graph, nodes)
    for i, raw in enumerate(edges):
        graph._insert_edge(_edge_from_dict(raw, i, graph))
    try:
        graph.analyze()
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        # A safety net for the promise above: the checks before should leave nothing to find.
        raise ProjectFileError(f"the network cannot be analysed ({type(exc).__name__}: {short_text(str(exc))})") from None
    return graph


def _migrated(data: Any) -> dict:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectFileError(f"not a ConvNet Studio project (no \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectFileError(f"\"version\" must be a whole number, not {short_repr(version)}")
    if version > VERSION:
        raise ProjectFileError(
            f"written by a newer ConvNet Studio (format version {version}); this one reads up to {VERSION}"
        )
    if version < 1:
        raise ProjectFileError(f"unknown format version {version}")
    for old in range(version, VERSION):
        data = MIGRATIONS[old](data)
    return data


def _add_nodes(graph: Graph, nodes: list) -> None:
    unknown = []
    prefixes: dict[str, int] = {}
    for i, raw in enumerate(nodes):
        node = _node_from_dict(raw, i)
        if node is None:
            unknown.append(f"{short_text(raw['type'])} (node {raw['name']})")
            continue
        problem = path_conflict(node.name, graph.nx_graph(), prefixes)
        if problem:
            raise ProjectFileError(f"nodes[{i}]: {problem}")
        for prefix in strict_prefixes(node.name):
            prefixes[prefix] = prefixes.get(prefix, 0) + 1
        graph._insert(node)
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ProjectFileError("unknown block type(s): " + ", ".join(unknown[:5]) + more)


def _node_from_dict(raw: Any, i: int) -> Node | None:
    """The node ``raw`` describes, or ``None`` if its block type is unknown."""
    where = f"nodes[{i}]"
    if not isinstance(raw, dict):
        raise ProjectFileError(f"{where} must be an object")
    name = raw.get("name")
    type_name = raw.get("type")
    if not isinstance(name, str) or not isinstance(type_name, str):
        raise ProjectFileError(f"{where} needs a \"name\" and a \"type\" (text)")
    problem = name_problem(name)
    if problem:
        raise ProjectFileError(f"{where}: {problem}")
    where = f"node {name}"
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise ProjectFileError(f"{where}: \"params\" must be an object")
    position = _position(raw.get("position", [0.0, 0.0]), where)
    group = raw.get("group")
    if group is not None and not isinstance(group, str):
        raise ProjectFileError(f"{where}: \"group\" must be text")
    meta = raw.get("meta", {})
    if not isinstance(meta, dict):
        raise ProjectFileError(f"{where}: \"meta\" must be an object")
    if not has_block(type_name):
        return None
    try:
        # Before anything reads them: ports and the canvas follow the parameters.
        params = get_block(type_name).resolve_params(params)
    except ParamError as exc:
        raise ProjectFileError(f"{where} ({type_name}): bad value for {exc.param}: {exc.message}") from None
    return Node(name, type_name, params, position, group, meta)


def _position(value: Any, where: str) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        raise ProjectFileError(f"{where}: \"position\" must be [x, y]")
    if not all(abs(v) <= MAX_POSITION for v in value):
        raise ProjectFileError(f"{where}: \"position\" must lie within ±{MAX_POSITION:,.0f} on the canvas")
    return float(value[0]), float(value[1])


def _edge_from_dict(raw: Any, i: int, graph: Graph) -> Edge:
    keys = ("from", "from_port", "to", "to_port")
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in keys):
        raise ProjectFileError(f"edges[{i}] must be an object with text fields {', '.join(keys)}")
    edge = Edge(raw["from"], raw["to"], raw["from_port"], raw["to_port"])
    for end in (edge.src, edge.dst):
        if end not in graph:
            raise ProjectFileError(f"edges[{i}] refers to a node {short_repr(end)} that is not in the file")
    # Cycles and doubly fed ports are kept (the analysis shows them on the canvas); a port
    # that does not exist has nowhere to show and is refused.
    if edge.src_port not in graph.node(edge.src).output_ports():
        raise ProjectFileError(f"edges[{i}]: {edge.src} has no output port {short_repr(edge.src_port)}")
    if edge.dst_port not in graph.node(edge.dst).input_ports():
        raise ProjectFileError(f"edges[{i}]: {edge.dst} has no input port {short_repr(edge.dst_port)}")
    return edge


def _expect(data: dict, key: str, kind: type, default: Any) -> Any:
    value = data.get(key, default)
    if value is None or not isinstance(value, kind):
        raise ProjectFileError(f"\"{key}\" must be {'a list' if kind is list else 'an object' if kind is dict else 'text'}")
    return value


def _migrate_v1(data: dict) -> dict:
    # Version 1 kept edges as [src, src_port, dst, dst_port] lists and had no "meta".
    data = dict(data)
    edges = data.get("edges", [])
    if isinstance(edges, list):
        data["edges"] = [
            {"from": e[0], "from_port": e[1], "to": e[2], "to_port": e[3]} if isinstance(e, list) and len(e) == 4 else e
            for e in edges
        ]
    data.setdefault("meta", {})
    data["version"] = 2
    return data


MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _migrate_v1}
