"""A node's port: a small circle on the node's edge, coloured by the tensor type it carries.

The circle is painted by the parent :class:`NodeItem` into its cached pixmap (a thousand
ports each painting themselves cost more than the rest of a repaint); the port item has no
contents of its own and exists for hit-testing, tooltips and the cursor.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from convnet_studio.ui.theme import canvas_colors

RADIUS = 6.0


class PortItem(QGraphicsRectItem):
    """One input or output port of a :class:`NodeItem` (its parent item).

    ``kind`` is ``"map"`` (C x H x W), ``"vector"`` (F) or ``"unknown"`` (no shape yet): the
    port's colour, so a user sees at a glance which ports can meet.

    A rect item without pen, brush or contents, for its bounds: Qt asks every item it finds
    in an area for them, and a Python ``boundingRect`` made that most of a lookup's cost.
    """

    def __init__(self, parent: QGraphicsItem, port: str, is_output: bool) -> None:
        r = RADIUS + 2
        super().__init__(-r, -r, 2 * r, 2 * r, parent)
        self.setPen(Qt.NoPen)
        self.port = port
        self.is_output = is_output
        self.kind = "unknown"
        self.highlight = False
        self.setAcceptHoverEvents(True)
        self.setFlag(QGraphicsItem.ItemHasNoContents, True)
        self.setZValue(2)
        self.setCursor(Qt.CrossCursor)

    @property
    def node_name(self) -> str:
        return self.parentItem().name  # type: ignore[union-attr]

    def set_shape(self, shape: tuple[int, ...] | None) -> None:
        if getattr(self, "_shape_shown", ()) == shape:
            return
        self._shape_shown = shape
        self._tooltip_stale = True  # made when the pointer comes, as for nodes and edges
        kind = "unknown" if shape is None else ("map" if len(shape) == 3 else "vector")
        if kind != self.kind:
            self.kind = kind
            self.parentItem().update()

    def tooltip_text(self) -> str:
        from convnet_studio.graph.blocks.arith import fmt_shape

        shape = getattr(self, "_shape_shown", None)
        direction = "output" if self.is_output else "input"
        return f"{direction} {self.port}: " + (fmt_shape(shape) if shape else "shape unknown")

    def toolTip(self) -> str:  # noqa: N802 (Qt's name)
        return self.tooltip_text()

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if getattr(self, "_tooltip_stale", True):
            self.setToolTip(self.tooltip_text())
            self._tooltip_stale = False
        super().hoverEnterEvent(event)

    def set_highlight(self, on: bool) -> None:
        if on != self.highlight:
            self.highlight = on
            self.parentItem().update()

    def paint_on(self, painter: QPainter) -> None:
        """Draw the circle in the parent's coordinates (called from ``NodeItem.paint``)."""
        colors = canvas_colors()
        fill = {"map": colors.port_map, "vector": colors.port_vector}.get(
            self.kind, colors.port_unknown
        )
        painter.setPen(QPen(colors.selected if self.highlight else colors.node_fill, 2.0))
        painter.setBrush(QBrush(fill))
        r = RADIUS + (1.5 if self.highlight else 0.0)
        painter.drawEllipse(self.pos(), r, r)
