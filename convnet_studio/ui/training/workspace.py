"""The "Training" dock: the run panel above the runs list, split so either can grow."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget


class TrainingSidebar(QWidget):
    """Lays out a controller's run panel and runs list one above the other."""

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(controller.panel)
        self.splitter.addWidget(controller.runs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
