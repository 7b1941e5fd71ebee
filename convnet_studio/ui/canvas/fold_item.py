"""A folded group of repeated blocks, drawn as one box ("layer3: Bottleneck x 23").

Folding is a view of the graph, not an edit: the member nodes are hidden, edges that enter
or leave the group attach to this box, and double-clicking it unfolds the group.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from convnet_studio.ui.canvas.look import ReportsLook
from convnet_studio.ui.canvas.node_item import HEADER, HEIGHT, WIDTH, font
from convnet_studio.ui.theme import canvas_colors


class FoldItem(ReportsLook, QGraphicsItem):
    """The box standing for the folded group ``group``."""

    def __init__(self, group: str, title: str, detail: str, direction: str) -> None:
        super().__init__()
        self.group = group
        self.title = title
        self.detail = detail
        self.direction = direction
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setZValue(1)
        self.setToolTip(f"<b>{title}</b><br>{detail}<br>double-click to unfold")

    def anchor(self, is_output: bool) -> QPointF:
        if self.direction == "TB":
            return self.scenePos() + QPointF(WIDTH / 2, HEIGHT if is_output else 0.0)
        return self.scenePos() + QPointF(WIDTH if is_output else 0.0, HEIGHT / 2)

    def boundingRect(self) -> QRectF:
        return QRectF(-4, -4, WIDTH + 14, HEIGHT + 14)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):
        self.report_item_change(change)
        return super().itemChange(change, value)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.scene().set_folded(self.group, False)  # type: ignore[attr-defined]

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        colors = canvas_colors()
        border = colors.selected if self.isSelected() else colors.node_border
        painter.setBrush(QBrush(colors.fold_fill))
        for offset in (8.0, 4.0, 0.0):  # a stack of cards: "many blocks in here"
            painter.setPen(QPen(border, 1.2))
            painter.drawRoundedRect(QRectF(offset, offset, WIDTH, HEIGHT), 7, 7)
        painter.setPen(colors.node_text)
        painter.setFont(font("header"))
        painter.drawText(
            QRectF(10, 4, WIDTH - 16, HEADER), Qt.AlignVCenter | Qt.AlignLeft, self.title
        )
        painter.setFont(font("body"))
        painter.setPen(colors.node_subtext)
        painter.drawText(
            QRectF(10, HEADER + 6, WIDTH - 16, HEIGHT - HEADER - 10),
            Qt.AlignLeft | Qt.TextWordWrap,
            self.detail,
        )
