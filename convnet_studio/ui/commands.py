"""Undo commands: every edit in the studio is one of these, and each calls the graph model.

Commands hold node names and the model's events, never graphics items (QtNodes' rule), so they
stay valid whatever the canvas rebuilds. None of them is ever pushed from inside a model-event
handler (ryvencore's lesson): views push commands only in response to the user.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from convnet_studio.graph.history import EditRecord, recording
from convnet_studio.graph.model import Edge

if TYPE_CHECKING:
    from convnet_studio.ui.document import Document

Position = tuple[float, float]

# Ids for mergeWith: consecutive edits of the same field (typing in a spin box) are one step.
SET_PARAMS_ID = 1001


class AddNodeCommand(QUndoCommand):
    """Add one node (from the palette, or a paste of one)."""

    def __init__(
        self,
        document: Document,
        type: str,
        name: str | None = None,
        params: dict[str, Any] | None = None,
        position: Position = (0.0, 0.0),
        group: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        graph = document.graph
        self.name = name or graph.new_node_name(type)
        super().__init__(f"Add {type} {self.name}")
        self._graph = graph
        self._kwargs = {
            "type": type,
            "name": self.name,
            "params": copy.deepcopy(params),
            "position": position,
            "group": group,
            "meta": copy.deepcopy(meta),
        }

    def redo(self) -> None:
        self._graph.add_node(**copy.deepcopy(self._kwargs))

    def undo(self) -> None:
        self._graph.remove_node(self.name)


class ConnectCommand(QUndoCommand):
    """Connect two ports; check :meth:`Graph.connection_problem` before pushing."""

    def __init__(self, document: Document, edge: Edge) -> None:
        super().__init__(f"Connect {edge.src} to {edge.dst}")
        self._graph = document.graph
        self.edge = edge

    def redo(self) -> None:
        self._graph.connect(self.edge.src, self.edge.dst, self.edge.src_port, self.edge.dst_port)

    def undo(self) -> None:
        self._graph.disconnect(self.edge)


class DisconnectCommand(QUndoCommand):
    """Remove one connection."""

    def __init__(self, document: Document, edge: Edge) -> None:
        super().__init__(f"Disconnect {edge.src} from {edge.dst}")
        self._graph = document.graph
        self.edge = edge

    def redo(self) -> None:
        # Recorded, so undo puts the edge back in its place among the node's edges.
        with recording(self._graph) as self._record:
            self._graph.disconnect(self.edge)

    def undo(self) -> None:
        self._record.undo(self._graph)


class SetParamsCommand(QUndoCommand):
    """Change parameters of one node; consecutive edits of the same fields merge."""

    def __init__(self, document: Document, name: str, changes: dict[str, Any]) -> None:
        super().__init__(f"Edit {name}: {', '.join(sorted(changes))}")
        self._graph = document.graph
        self.name = name
        self.old = copy.deepcopy(document.graph.node(name).params)
        self.new = {**self.old, **copy.deepcopy(changes)}
        self._fields = frozenset(changes)

    def id(self) -> int:
        return SET_PARAMS_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParamsCommand) or (other.name, other._fields) != (
            self.name,
            self._fields,
        ):
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self._graph.set_params(self.name, copy.deepcopy(self.new))

    def undo(self) -> None:
        self._graph.set_params(self.name, copy.deepcopy(self.old))


class MoveNodesCommand(QUndoCommand):
    """Move nodes (a whole drag of a selection, or a layout) as one step."""

    def __init__(
        self, document: Document, moves: dict[str, tuple[Position, Position]], text: str = ""
    ) -> None:
        super().__init__(
            text or (f"Move {next(iter(moves))}" if len(moves) == 1 else f"Move {len(moves)} nodes")
        )
        self._graph = document.graph
        self.moves = dict(moves)

    def redo(self) -> None:
        for name, (_old, new) in self.moves.items():
            self._graph.move_node(name, new)

    def undo(self) -> None:
        for name, (old, _new) in self.moves.items():
            self._graph.move_node(name, old)


class RenameCommand(QUndoCommand):
    """Rename a node (edges follow it; it keeps its place in the graph's order)."""

    def __init__(self, document: Document, old: str, new: str) -> None:
        super().__init__(f"Rename {old} to {new}")
        self._document = document
        self._graph = document.graph
        self.old, self.new = old, new

    def redo(self) -> None:
        self._graph.rename_node(self.old, self.new)

    def undo(self) -> None:
        self._graph.rename_node(self.new, self.old)


class RecordedCommand(QUndoCommand):
    """A compound edit stored as the graph events it caused (:mod:`convnet_studio.graph.history`).

    Used for expand, collapse, projection, paste, delete, layout and loading weights: undo
    replays the inverse events, redo the events, so the canvas updates only the items the
    edit touched. The selection before and after the edit come back with it.
    """

    def __init__(
        self,
        document: Document,
        text: str,
        record: EditRecord,
        selection: tuple[list[str], list[str]],
        applied: bool = False,
    ) -> None:
        super().__init__(text)
        self._document = document
        self.record = record
        self.selection_before, self.selection_after = selection
        # ``Document.run_compound`` has already made the edit; the push's redo must not redo it.
        self._skip_redo = applied

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.record.redo(self._document.graph)
        self._document.set_selection(self.selection_after)

    def undo(self) -> None:
        self.record.undo(self._document.graph)
        self._document.set_selection(self.selection_before)

