"""Editing operations shared by the canvas, its context menu and the main window's actions.

Each operation is one undo step: simple edits push their own commands; compound edits
(expand, collapse, projection, paste, delete, duplicate, layout, splice) run through
:meth:`Document.run_compound`, which records the graph's events and undoes by their inverses.
User-facing refusals come back as one status message (``document.message``), never as an
exception in a slot.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication

from convnet_studio.graph import composite_ops, projection
from convnet_studio.graph.history import trial as trial_edit
from convnet_studio.graph.model import Edge, Graph, GraphError
from convnet_studio.graph.params import ParamError
from convnet_studio.ui.commands import (
    AddNodeCommand,
    ConnectCommand,
    DisconnectCommand,
    SetParamsCommand,
)

if TYPE_CHECKING:
    from convnet_studio.ui.document import Document

PASTE_OFFSET = 40.0
# (add node) -> "B", "A" or None; tests replace it, the default asks with a menu.
AskProjection = Callable[[str, str], "str | None"]


class Editor:
    """Edits of ``document`` on behalf of the user (the window makes one and shares it)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.ask_projection: AskProjection = _ask_projection_with_menu

    @property
    def graph(self) -> Graph:
        return self.document.graph

    def _refuse(self, message: str) -> None:
        self.document.message.emit(message)

    # ------------------------------------------------------------------ nodes
    def add_block(self, type_name: str, position: tuple[float, float]) -> str | None:
        try:
            command = AddNodeCommand(self.document, type_name, position=position)
            self.document.push(command)
        except (GraphError, ParamError) as exc:
            self._refuse(str(exc))
            return None
        self.document.set_selection([command.name])
        return command.name

    def splice(self, type_name: str, position: tuple[float, float], edge: Edge) -> str | None:
        """Add a block into the connection ``edge`` (src -> new -> dst), as one undo step."""
        if edge not in self.graph.edges:
            return self.add_block(type_name, position)

        def edit(graph: Graph) -> str:
            node = graph.add_node(type_name, graph.new_node_name(type_name),
                                  position=position)
            ports = node.input_ports()
            if not ports or not node.output_ports():
                raise GraphError(f"a {type_name} has no input and output to splice into a connection",
                                 node=node.name)
            graph.disconnect(edge)
            graph.connect(edge.src, node.name, edge.src_port, ports[0])
            graph.connect(node.name, edge.dst, node.output_ports()[0], edge.dst_port)
            place_locally(graph, node.name)
            return node.name

        try:
            name = self.document.run_compound(
                f"Insert {type_name} into {edge.src} -> {edge.dst}", edit, select=lambda n: [n]
            )
        except (GraphError, ParamError) as exc:
            self._refuse(str(exc))
            return None
        return name

    def set_params(self, name: str, changes: dict[str, Any]) -> bool:
        """Push a parameter edit; a refused value is reported and changes nothing."""
        problem = self.graph.params_problem(name, changes)
        if problem is not None:  # the model would refuse inside redo(); refuse before the push
            self._refuse(str(problem))
            return False
        self.document.push(SetParamsCommand(self.document, name, changes))
        return True

    def delete(self, names: list[str], edges: list[Edge] | None = None) -> None:
        names = [n for n in names if n in self.graph]
        edges = [
            e
            for e in (edges or [])
            if e in self.graph.edges and e.src not in names and e.dst not in names
        ]
        if not names and not edges:
            return
        if not names:
            self.disconnect(edges)
            return
        text = f"Delete {names[0]}" if len(names) == 1 else f"Delete {len(names)} nodes"

        def edit(graph: Graph) -> None:
            for edge in edges:
                graph.disconnect(edge)
            for name in names:
                graph.remove_node(name)

        self.document.run_compound(text, edit)

    def duplicate(self, names: list[str]) -> list[str]:
        return self.paste_data(self.copy_data(names), offset=PASTE_OFFSET, text="Duplicate")

    # ------------------------------------------------------------------ edges
    def connect(self, edge: Edge, replacing: Edge | None = None) -> bool:
        """Connect, offering a projection shortcut if it leaves an Add with unequal inputs."""
        kind = self._projection_choice(edge, replacing)
        stack = self.document.undo_stack
        stack.beginMacro(
            f"Connect {edge.src} to {edge.dst}" + (" with a projection" if kind else "")
        )
        try:
            if replacing is not None:
                stack.push(DisconnectCommand(self.document, replacing))
            problem = self.graph.connection_problem(edge)
            if problem:
                self._refuse(f"Connection refused: {problem}")
                return False
            stack.push(ConnectCommand(self.document, edge))
            if kind:
                self.document.run_compound(
                    "Insert projection",
                    lambda g: place_locally(g, projection.insert_projection(g, edge.dst, kind)),
                )
        except GraphError as exc:
            self._refuse(str(exc))
            return False
        finally:
            stack.endMacro()
        return True

    def disconnect(self, edges: list[Edge]) -> None:
        if not edges:
            return
        stack = self.document.undo_stack
        stack.beginMacro(
            f"Disconnect {len(edges)} connections"
            if len(edges) > 1
            else f"Disconnect {edges[0].src}"
        )
        for edge in edges:
            stack.push(DisconnectCommand(self.document, edge))
        stack.endMacro()

    def _projection_choice(self, edge: Edge, replacing: Edge | None) -> str | None:
        if edge.dst not in self.graph or self.graph.node(edge.dst).type != "Add":
            return None
        try:
            with trial_edit(self.graph) as trial:
                if replacing is not None:
                    trial.disconnect(replacing)
                trial.connect(edge.src, edge.dst, edge.src_port, edge.dst_port)
                plan = projection.projection_plan(trial, edge.dst)
        except GraphError:
            return None
        if plan is None:
            return None
        return self.ask_projection(edge.dst, plan.describe())

    def insert_projection(self, add: str, kind: str = "B") -> list[str]:
        try:
            return self.document.run_compound(
                f"Insert projection ({kind}) before {add}",
                lambda g: place_locally(g, projection.insert_projection(g, add, kind)),
            )
        except GraphError as exc:
            self._refuse(str(exc))
            return []

    # ------------------------------------------------------------------ composites
    def expand(self, name: str) -> list[str]:
        try:
            return self.document.run_compound(
                f"Expand {name}", lambda g: place_locally(g, composite_ops.expand_node(g, name)),
                select=lambda new: [n for n in new if n in self.document.selection] or [],
            )
        except GraphError as exc:
            self._refuse(str(exc))
            return []

    def collapse(self, name: str) -> str | None:
        problem = composite_ops.collapse_problem(self.graph, name)
        if problem:
            self._refuse(problem)
            return None
        try:
            return self.document.run_compound(
                f"Collapse {name}", lambda g: composite_ops.collapse_group(g, name),
                select=lambda block: [block] if any(n not in self.graph for n in self.document.selection) else self.document.selection,
            )
        except GraphError as exc:
            self._refuse(str(exc))
            return None

    # ------------------------------------------------------------------ layout
    def auto_layout(self, direction: str, aspect: float | None = None) -> None:
        """Lay the graph out in layers; with ``aspect`` (view width / height), wrap into rows."""
        from convnet_studio.graph.layout import apply_layout, wrap_for_aspect

        def edit(graph: Graph) -> None:
            wrap = wrap_for_aspect(graph, aspect, direction) if aspect else None
            graph.set_meta("layout_direction", direction)
            graph.set_meta("layout_wrap", wrap)
            apply_layout(graph, direction, wrap)

        self.document.run_compound(f"Auto layout ({direction}{', rows' if aspect else ''})", edit)

    # ------------------------------------------------------------------ clipboard
    def copy_data(self, names: list[str]) -> dict[str, Any]:
        """The selected nodes and the edges among them, as JSON-able data."""
        chosen = [n for n in names if n in self.graph]
        inside = set(chosen)
        return {
            "format": "convnet-studio-nodes",
            "nodes": [self.graph.node(n).to_dict() for n in chosen],
            "edges": [e.to_dict() for e in self.graph.edges if e.src in inside and e.dst in inside],
        }

    def copy(self, names: list[str]) -> bool:
        data = self.copy_data(names)
        if not data["nodes"]:
            return False
        # Plain JSON text, so pasting works between windows and processes. setText lets Qt
        # make the QMimeData itself: one made in Python is deleted by a Qt static destructor
        # after Python has shut down, which crashes the process on exit.
        QGuiApplication.clipboard().setText(json.dumps(data))
        return True

    def paste(self, at: QPointF | None = None) -> list[str]:
        try:
            data = json.loads(QGuiApplication.clipboard().text())
        except (TypeError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("format") != "convnet-studio-nodes":
            self._refuse("The clipboard holds no ConvNet Studio blocks")
            return []
        return self.paste_data(data, at=at)

    def paste_data(
        self,
        data: dict[str, Any],
        offset: float = PASTE_OFFSET,
        at: QPointF | None = None,
        text: str = "Paste",
    ) -> list[str]:
        """Add copies of ``data``'s nodes (renamed where taken) and their inner edges."""
        nodes = data.get("nodes") or []
        if not nodes:
            return []
        xs = [float(n.get("position", [0, 0])[0]) for n in nodes]
        ys = [float(n.get("position", [0, 0])[1]) for n in nodes]
        dx, dy = (at.x() - min(xs), at.y() - min(ys)) if at is not None else (offset, offset)

        def edit(graph: Graph) -> list[str]:
            renamed: dict[str, str] = {}
            for raw in nodes:
                name = raw["name"]
                x, y = raw.get("position", [0, 0])
                meta = copy.deepcopy(raw.get("meta") or {})
                meta.pop("origin", None)  # a pasted copy is not part of the original composite
                args = (raw["type"], raw.get("params"), (x + dx, y + dy), None, meta)
                renamed[name] = _add_under_name_or_fresh(graph, name, *args)
            for e in data.get("edges") or []:
                graph.connect(
                    renamed[e["from"]],
                    renamed[e["to"]],
                    e.get("from_port", "out"),
                    e.get("to_port", "in"),
                )
            return list(renamed.values())

        try:
            # select= makes the pasted nodes the undo step's "after" selection, so redo
            # selects them again and undo gives back the selection from before the paste.
            return self.document.run_compound(
                f"{text} {len(nodes)} node(s)", edit, select=lambda names: names
            )
        except (GraphError, ParamError, KeyError, TypeError, ValueError) as exc:
            self._refuse(f"Cannot paste: {exc}")
            return []


def place_locally(graph: Graph, new: Any) -> Any:
    """Make room for the node(s) an edit just placed, moving only what they would cover.

    Expansions and projections place their nodes near where they belong, which can be on
    top of a neighbour. Every other node stays where the user put it, except those a new
    node lands on: they step aside, along the cross axis of the layout direction, by one
    node. Only nodes near the new ones are looked at. Returns ``new``.
    """
    from convnet_studio.graph.layout import free_spot

    names = [new] if isinstance(new, str) else list(new or [])
    fresh = {n for n in names if n in graph}
    moves = free_spot(graph, fresh, graph.meta.get("layout_direction", "LR"))
    if moves:
        graph.move_nodes(moves)
    return new


def _add_under_name_or_fresh(
    graph: Graph, name: str, type_name: str, params: Any, position: Any, group: Any, meta: Any
) -> str:
    """Add under ``name`` if it is free, else under a fresh name; returns the name used."""
    if name not in graph:
        try:
            return graph.add_node(type_name, name, params, position, group, meta).name
        except GraphError:
            pass  # taken as a prefix path, or not a valid name: fall back to a fresh one
    return graph.add_node(
        type_name, graph.unique_name(_stem(name)), params, position, group, meta
    ).name


def _stem(name: str) -> str:
    """``layer1.0.conv1`` -> ``conv``: a readable base for a fresh unique name."""
    last = name.rsplit(".", 1)[-1]
    return last.rstrip("0123456789") or "node"


def _ask_projection_with_menu(add: str, plan: str) -> str | None:
    from PySide6.QtGui import QCursor
    from PySide6.QtWidgets import QMenu

    menu = QMenu()
    menu.addSection(f"{add}: inputs differ ({plan})")
    b = menu.addAction("Insert projection shortcut: 1x1 conv + BN (option B)")
    a = menu.addAction("Insert zero-padding shortcut (option A, no parameters)")
    menu.addAction("Just connect (leave the mismatch)")
    chosen = menu.exec(QCursor.pos())
    return "B" if chosen is b else ("A" if chosen is a else None)
