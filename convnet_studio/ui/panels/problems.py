"""The problems panel: every error of the graph; clicking one selects and centres its node."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QWidget

from convnet_studio.graph.analysis import Analysis
from convnet_studio.ui.document import Document

NODE_ROLE = Qt.UserRole + 1


class ProblemsPanel(QListWidget):
    """One row per :class:`Problem`; a green line when the graph is valid."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self._shown: list[tuple] = []
        self.itemClicked.connect(self._on_item_clicked)
        self.itemActivated.connect(self._on_item_clicked)
        document.analysis_updated.connect(self._on_analysis_updated)
        self._on_analysis_updated(document.analysis())

    def _on_analysis_updated(self, analysis: Analysis) -> None:
        listed = list(analysis.problems) + list(analysis.warnings)
        rows = [(p.node, p.port, p.message) for p in listed]
        if rows == self._shown and self.count():
            return
        self._shown = rows
        self.clear()
        style = self.style()
        if not rows:
            item = QListWidgetItem(
                style.standardIcon(QStyle.SP_DialogApplyButton), "No problems: every shape fits."
            )
            item.setFlags(Qt.ItemIsEnabled)
            self.addItem(item)
            return
        warn = style.standardIcon(QStyle.SP_MessageBoxWarning)
        info = style.standardIcon(QStyle.SP_MessageBoxInformation)
        for problem in listed:
            item = QListWidgetItem(warn if problem in analysis.problems else info, str(problem))
            item.setData(NODE_ROLE, problem.node)
            item.setToolTip(
                f"{problem}\n(click to show the node)" if problem.node else str(problem)
            )
            self.addItem(item)

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        name = item.data(NODE_ROLE)
        if name and name in self.document.graph:
            self.document.focus(name)
