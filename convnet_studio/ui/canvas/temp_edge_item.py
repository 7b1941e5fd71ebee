"""The curve that follows the mouse while the user drags a new connection from a port.

It turns red, dashed, with the model's reason written beside the cursor, as soon as the
port under the mouse would refuse the connection (``Graph.connection_problem``).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from convnet_studio.ui.canvas.edge_item import edge_path
from convnet_studio.ui.canvas.look import ReportsLook
from convnet_studio.ui.canvas.node_item import font
from convnet_studio.ui.theme import canvas_colors


class TempEdgeItem(ReportsLook, QGraphicsItem):
    """A connection being dragged; ``problem`` is why dropping here would be refused."""

    def __init__(self, start: QPointF, direction: str) -> None:
        super().__init__()
        self.start = QPointF(start)
        self.end = QPointF(start)
        self.direction = direction
        self.problem: str | None = None
        self._path = QPainterPath(start)
        self.setZValue(10)

    def set_end(self, end: QPointF, problem: str | None) -> None:
        self.report_look()  # where it was
        self.prepareGeometryChange()
        self.end = QPointF(end)
        self.problem = problem
        self._path = edge_path(self.start, self.end, self.direction)
        self.update()

    def _text_rect(self) -> QRectF:
        if not self.problem:
            return QRectF()
        metrics = QFontMetricsF(font("body"))
        width = min(metrics.horizontalAdvance(self.problem) + 12, 420)
        lines = max(1, int(metrics.horizontalAdvance(self.problem) // 400) + 1)
        return QRectF(self.end.x() + 14, self.end.y() + 10, width, lines * metrics.height() + 8)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):
        self.report_item_change(change)
        return super().itemChange(change, value)

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().united(self._text_rect()).adjusted(-4, -4, 4, 4)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        colors = canvas_colors()
        color = colors.error if self.problem else colors.selected
        pen = QPen(color, 2.2)
        if self.problem:
            pen.setStyle(Qt.DashLine)
        painter.setPen(pen)
        painter.drawPath(self._path)
        if self.problem:
            rect = self._text_rect()
            painter.setPen(Qt.NoPen)
            painter.setBrush(QBrush(colors.edge_label_bg))
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(colors.error)
            painter.setFont(font("body"))
            painter.drawText(rect.adjusted(6, 4, -6, -4), Qt.TextWordWrap, self.problem)
