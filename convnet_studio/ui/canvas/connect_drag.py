"""Dragging a connection: from an output port to an input port (or an input's edge away).

While dragging, the temporary curve asks the model whether the connection would be accepted
(``Graph.connection_problem``) and shows the reason when not; on release the edit goes
through the :class:`~convnet_studio.ui.editing.Editor`, which offers a projection shortcut
when an Add's shapes would then differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QGraphicsSceneMouseEvent

from convnet_studio.graph.model import Edge
from convnet_studio.ui.canvas.port_item import PortItem
from convnet_studio.ui.canvas.temp_edge_item import TempEdgeItem

if TYPE_CHECKING:
    from convnet_studio.ui.canvas.scene import GraphScene

HIT = 9.0  # ports are small: accept a drop this close to one


class ConnectDrag:
    """The state of one connection drag in ``scene`` (at most one at a time)."""

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self.source: PortItem | None = None
        self.detached: Edge | None = None  # an existing edge being moved off its input
        self.temp: TempEdgeItem | None = None
        self.target: PortItem | None = None
        self.problem: str | None = None

    def port_at(self, pos: QPointF) -> PortItem | None:
        rect = QRectF(pos.x() - HIT, pos.y() - HIT, 2 * HIT, 2 * HIT)
        for item in self.scene.items(rect):
            if isinstance(item, PortItem) and item.isVisible() and item.parentItem().isVisible():
                return item
        return None

    def press(self, event: QGraphicsSceneMouseEvent) -> bool:
        if event.button() != Qt.LeftButton:
            return False
        port = self.port_at(event.scenePos())
        if port is None:
            return False
        graph = self.scene.graph
        if port.is_output:
            self.start(port)
            return True
        edge = graph.input_edge(port.node_name, port.port)
        if edge is None:
            return False
        # Pick the existing connection up by its input end, as in most node editors.
        source = self.scene.nodes[edge.src].port(edge.src_port, True)
        if source is None:
            return False
        self.start(source, detached=edge)
        self.move_to(event.scenePos())
        return True

    def start(self, source: PortItem, detached: Edge | None = None) -> None:
        self.cancel()
        self.source, self.detached = source, detached
        self.temp = TempEdgeItem(source.scenePos(), self.scene.direction)
        self.scene.addItem(self.temp)
        if detached is not None and detached in self.scene.edges:
            self.scene.edges[detached].setOpacity(0.25)

    def move(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self.temp is None:
            return False
        self.move_to(event.scenePos())
        return True

    def move_to(self, pos: QPointF) -> None:
        """Follow the mouse; judge the port under it (tests drive this directly)."""
        assert self.source is not None and self.temp is not None
        target = self.port_at(pos)
        if self.target is not None and self.target is not target:
            self.target.set_highlight(False)
        self.target = target
        self.problem = self._judge(target)
        if target is not None:
            target.set_highlight(self.problem is None)
            pos = target.scenePos()
        self.temp.set_end(pos, self.problem)
        if self.problem:
            self.scene.message.emit(f"Cannot connect: {self.problem}")

    def _judge(self, target: PortItem | None) -> str | None:
        if target is None:
            return None
        if target.is_output:
            return "drop on an input port (on the other side of a block)"
        assert self.source is not None
        edge = Edge(self.source.node_name, target.node_name, self.source.port, target.port)
        if edge == self.detached:
            return None
        existing = self.scene.graph.input_edge(edge.dst, edge.dst_port)
        if existing is not None and existing == self.detached:
            return None
        return self.scene.graph.connection_problem(edge)

    def release(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self.temp is None:
            return False
        self.move_to(event.scenePos())
        self.finish()
        return True

    def finish(self) -> None:
        """Drop here: connect, refuse with the reason, or (moving an edge off) disconnect."""
        source, target, detached, problem = self.source, self.target, self.detached, self.problem
        self.cancel()
        if source is None:
            return
        editor = self.scene.editor
        if target is None:
            if detached is not None:
                editor.disconnect([detached])
            return
        if problem:
            self.scene.message.emit(f"Connection refused: {problem}")
            return
        edge = Edge(source.node_name, target.node_name, source.port, target.port)
        if edge != detached and editor.connect(edge, replacing=detached):
            # The node just connected is the one to look at next, not both ends.
            self.scene.document.set_selection([edge.dst])

    def cancel(self) -> None:
        if self.target is not None:
            self.target.set_highlight(False)
        if self.detached is not None and self.detached in self.scene.edges:
            self.scene.edges[self.detached].setOpacity(1.0)
        if self.temp is not None and self.temp.scene() is not None:
            self.scene.removeItem(self.temp)
        self.source = self.target = self.temp = None
        self.detached = None
        self.problem = None
