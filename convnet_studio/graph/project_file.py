"""Project files: the graph as JSON with a schema version (see docs/project-format.md).

Saving is atomic (a temporary file, then a rename), so a crash or a full disk never leaves a
half-written project. Loading only parses JSON and never runs code; a truncated, malformed,
hostile or newer file raises :class:`ProjectFileError` naming the file and the problem.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from convnet_studio.errors import UserError
from convnet_studio.graph.model import Edge, Graph, Node
from convnet_studio.graph.names import name_problem, path_conflict, strict_prefixes
from convnet_studio.graph.params import ParamError
from convnet_studio.graph.registry import get_block, has_block

FORMAT = "convnet-studio-project"
VERSION = 2
MAX_FILE_BYTES = 64 * 1024 * 1024
SUFFIX = ".cnsproj"


class ProjectFileError(UserError, ValueError):
    """A project file that cannot be read or written; the message says which and why."""


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": graph.name,
        # A copy, as the nodes' are: a snapshot must not change with the live graph (undo of
        # an edit of graph.meta, such as loading weights, compares two snapshots).
        "meta": copy.deepcopy(graph.meta),
        "nodes": [node.to_dict() for node in graph],
        "edges": [edge.to_dict() for edge in graph.edges],
    }


def dumps(graph: Graph) -> str:
    return json.dumps(graph_to_dict(graph), indent=1, sort_keys=False) + "\n"


def save_project(graph: Graph, path: str | os.PathLike[str]) -> Path:
    """Write ``graph`` to ``path`` atomically; raises :class:`ProjectFileError`."""
    path = Path(path)
    write_atomic(path, dumps(graph).encode("utf-8"))
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
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
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ProjectFileError(f"cannot write {path}: {exc.strerror or exc}") from None


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def load_project(path: str | os.PathLike[str]) -> Graph:
    """Read a project file; raises :class:`ProjectFileError` with the file's name in it."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ProjectFileError(f"{path}: {size} bytes is too large for a project file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ProjectFileError(f"{path}: is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return loads(raw)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{path}: {exc}") from None


def loads(raw: str | bytes) -> Graph:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ProjectFileError("not a project file (not UTF-8 text)") from None
    if not text.strip():
        raise ProjectFileError("the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise ProjectFileError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}{hint}") from None
    except RecursionError:
        raise ProjectFileError("not a project file (nested too deeply)") from None
    except ValueError as exc:  # e.g. a number with thousands of digits
        raise ProjectFileError(f"not a project file ({exc})") from None
    return graph_from_dict(data)


def graph_from_dict(data: Any) -> Graph:
    """Build a graph from parsed JSON, migrating older versions; raises :class:`ProjectFileError`."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectFileError(f"not a ConvNet Studio project (no \"format\": \"{FORMAT}\")")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectFileError(f"\"version\" must be a whole number, not {version!r}")
    if version > VERSION:
        raise ProjectFileError(
            f"written by a newer ConvNet Studio (format version {version}); this one reads up to {VERSION}"
        )
    if version < 1:
        raise ProjectFileError(f"unknown format version {version}")
    for old in range(version, VERSION):
        data = MIGRATIONS[old](data)
    graph = Graph(_expect(data, "name", str, "untitled"))
    graph.meta = _expect(data, "meta", dict, {})
    nodes = _expect(data, "nodes", list, None)
    edges = _expect(data, "edges", list, [])
    unknown = []
    prefixes: dict[str, int] = {}
    for i, raw in enumerate(nodes):
        node = _node_from_dict(raw, i)
        if not has_block(node.type):
            unknown.append(f"{node.type} (node {node.name})")
        problem = name_problem(node.name) or path_conflict(node.name, graph.nx_graph(), prefixes)
        if problem:
            raise ProjectFileError(f"nodes[{i}]: {problem}")
        for prefix in strict_prefixes(node.name):
            prefixes[prefix] = prefixes.get(prefix, 0) + 1
        graph._insert(node)
    if unknown:
        raise ProjectFileError("unknown block type(s): " + ", ".join(unknown))
    for i, raw in enumerate(edges):
        edge = _edge_from_dict(raw, i)
        for end in (edge.src, edge.dst):
            if end not in graph:
                raise ProjectFileError(f"edges[{i}] ({edge}) refers to a node {end!r} that is not in the file")
        graph._insert_edge(edge)
    return graph


def _node_from_dict(raw: Any, i: int) -> Node:
    where = f"nodes[{i}]"
    if not isinstance(raw, dict):
        raise ProjectFileError(f"{where} must be an object")
    name = raw.get("name")
    type_name = raw.get("type")
    if not isinstance(name, str) or not isinstance(type_name, str):
        raise ProjectFileError(f"{where} needs a \"name\" and a \"type\" (text)")
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise ProjectFileError(f"{where} ({name}): \"params\" must be an object")
    if has_block(type_name):
        # Bad values are kept as they are, so nothing the user made is lost: the analysis
        # reports them as problems on the node, and the inspector lets the user fix them.
        try:
            params = get_block(type_name).resolve_params(params)
        except ParamError:
            params = {**get_block(type_name).defaults(), **params}
    position = raw.get("position", [0.0, 0.0])
    if (
        not isinstance(position, list)
        or len(position) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position)
    ):
        raise ProjectFileError(f"{where} ({name}): \"position\" must be [x, y]")
    group = raw.get("group")
    if group is not None and not isinstance(group, str):
        raise ProjectFileError(f"{where} ({name}): \"group\" must be text")
    meta = raw.get("meta", {})
    if not isinstance(meta, dict):
        raise ProjectFileError(f"{where} ({name}): \"meta\" must be an object")
    return Node(name, type_name, params, (float(position[0]), float(position[1])), group, meta)


def _edge_from_dict(raw: Any, i: int) -> Edge:
    keys = ("from", "from_port", "to", "to_port")
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in keys):
        raise ProjectFileError(f"edges[{i}] must be an object with text fields {', '.join(keys)}")
    return Edge(raw["from"], raw["to"], raw["from_port"], raw["to_port"])


def _expect(data: dict, key: str, kind: type, default: Any) -> Any:
    value = data.get(key, default)
    if value is None or not isinstance(value, kind):
        raise ProjectFileError(f"\"{key}\" must be {'a list' if kind is list else 'an object' if kind is dict else 'text'}")
    return value


def _migrate_v1(data: dict) -> dict:
    # Version 1 kept edges as [src, src_port, dst, dst_port] lists and had no "meta".
    data = dict(data)
    data["edges"] = [
        {"from": e[0], "from_port": e[1], "to": e[2], "to_port": e[3]} if isinstance(e, list) and len(e) == 4 else e
        for e in data.get("edges", [])
    ]
    data.setdefault("meta", {})
    data["version"] = 2
    return data


MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _migrate_v1}
