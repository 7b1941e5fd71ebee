"""The block palette: every registered block, grouped by category, searchable."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidgetItem, QVBoxLayout, QWidget

from convnet_studio.graph.registry import categories, list_blocks
from convnet_studio.ui.panels.palette_tree import TYPE_ROLE, PaletteTree


class PalettePanel(QWidget):
    """Search box over a :class:`PaletteTree`.

    Signals:
        block_activated(str): a block was double-clicked (add it at the view's centre).
    """

    block_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search blocks\u2026 (e.g. conv, residual, pool)")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._categories: dict[str, QTreeWidgetItem] = {}
        self._populate()
        self.search.textChanged.connect(self._on_search_changed)
        self.tree.itemDoubleClicked.connect(self._on_item_double_clicked)

    def _populate(self) -> None:
        for category in categories():
            top = QTreeWidgetItem(self.tree, [category])
            top.setFlags(Qt.ItemIsEnabled)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self._categories[category] = top
            for spec in list_blocks(category):
                self.tree.add_block(top, spec.type, spec.description)
        self.tree.expandAll()

    def block_items(self) -> list[QTreeWidgetItem]:
        return [top.child(i) for top in self._categories.values() for i in range(top.childCount())]

    def _on_search_changed(self, text: str) -> None:
        needle = text.strip().lower()
        for category, top in self._categories.items():
            shown = 0
            for i in range(top.childCount()):
                item = top.child(i)
                haystack = f"{item.data(0, TYPE_ROLE)} {item.toolTip(0)} {category}".lower()
                hide = bool(needle) and needle not in haystack
                item.setHidden(hide)
                shown += not hide
            top.setHidden(shown == 0)

    def _on_item_double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.block_activated.emit(type_name)
