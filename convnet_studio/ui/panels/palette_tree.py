"""The palette's tree: categories of blocks, each row two lines (type, then description)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
)

from convnet_studio.ui.canvas.view import PALETTE_MIME

TYPE_ROLE = Qt.UserRole + 1
DESCRIPTION_ROLE = Qt.UserRole + 2


class _TwoLineDelegate(QStyledItemDelegate):
    """Block rows show the type in bold and a one-line description under it, elided."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(TYPE_ROLE):
            size.setHeight(option.fontMetrics.height() * 2 + 8)
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if not index.data(TYPE_ROLE):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        option.text = ""
        option.widget.style().drawControl(QStyle.CE_ItemViewItem, option, painter, option.widget)
        selected = bool(option.state & QStyle.State_Selected)
        palette = option.palette
        rect = option.rect.adjusted(4, 3, -4, -3)
        half = rect.height() // 2
        painter.save()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(palette.highlightedText().color() if selected else palette.text().color())
        painter.drawText(
            QRect(rect.left(), rect.top(), rect.width(), half),
            Qt.AlignVCenter,
            index.data(TYPE_ROLE),
        )
        painter.setFont(option.font)
        painter.setPen(
            palette.highlightedText().color() if selected else palette.placeholderText().color()
        )
        text = option.fontMetrics.elidedText(
            index.data(DESCRIPTION_ROLE), Qt.ElideRight, rect.width()
        )
        painter.drawText(
            QRect(rect.left(), rect.top() + half, rect.width(), half), Qt.AlignVCenter, text
        )
        painter.restore()


class PaletteTree(QTreeWidget):
    """Drags a block type out with the :data:`PALETTE_MIME` mime type (the canvas accepts it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setHeaderHidden(True)
        self.setRootIsDecorated(True)
        self.setIndentation(12)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setItemDelegate(_TwoLineDelegate(self))
        self.setUniformRowHeights(False)

    def add_block(
        self, parent: QTreeWidgetItem, type_name: str, description: str
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [type_name])
        item.setData(0, TYPE_ROLE, type_name)
        item.setData(0, DESCRIPTION_ROLE, description)
        item.setToolTip(
            0,
            f"<b>{type_name}</b><br>{description}<br><i>drag onto the canvas, or double-click</i>",
        )
        item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
        return item

    def mimeTypes(self) -> list[str]:
        return [PALETTE_MIME]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        mime = QMimeData()
        types = [i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)]
        if types:
            mime.setData(PALETTE_MIME, types[0].encode("utf-8"))
            mime.setText(types[0])
        return mime
