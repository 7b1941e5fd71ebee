"""The run panel: settings, Start / Pause / Resume / Stop, progress, and what blocks a run.

Problems found before a run (graph errors, graph vs dataset) are listed here; activating
one emits :attr:`RunPanel.node_activated` so the canvas can select and centre the node.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from convnet_studio.ui.training.device_probe import DeviceProbe
from convnet_studio.ui.training.preflight import Issue
from convnet_studio.ui.training.run_data import RunData
from convnet_studio.ui.training.run_progress import RunProgress
from convnet_studio.ui.training.run_settings import RunSettings

ACTIVE_STATES = ("starting", "running", "paused", "stopping")


class RunPanel(QWidget):
    """Controls of the live run.

    Signals:
        start_requested(), pause_requested(), resume_requested(), stop_requested()
        node_activated(str): the user picked a problem that names a node.
    """

    start_requested = Signal()
    pause_requested = Signal()
    resume_requested = Signal()
    stop_requested = Signal()
    node_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None, probe: DeviceProbe | None = None) -> None:
        super().__init__(parent)
        self.settings = RunSettings(probe=probe)
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.progress = RunProgress()
        self.problems = QListWidget()
        self.problems.setWordWrap(True)
        self.problems.setMaximumHeight(110)
        self.problems.setVisible(False)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setVisible(False)
        self.state = "idle"
        scroll = self._scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.settings)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.resume_button, self.stop_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self.problems)
        self.start_button.clicked.connect(self.start_requested)
        self.pause_button.clicked.connect(self.pause_requested)
        self.resume_button.clicked.connect(self.resume_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.problems.itemActivated.connect(self._on_problem_activated)
        self.problems.itemClicked.connect(self._on_problem_activated)
        self.set_state("idle")

    def sizeHint(self) -> QSize:
        """Room for every setting without scrolling (the scroll area is for small screens)."""
        hint = super().sizeHint()
        extra = self.settings.sizeHint().height() - self._scroll.sizeHint().height()
        return QSize(max(hint.width(), self.settings.sizeHint().width() + 12),
                     hint.height() + max(0, extra))

    def set_state(self, state: str) -> None:
        """Enable the buttons that make sense in ``state`` (a status or finish reason)."""
        self.state = state
        active = state in ACTIVE_STATES
        self.start_button.setEnabled(not active)
        self.pause_button.setEnabled(state in ("running", "starting"))
        self.resume_button.setEnabled(state == "paused")
        self.stop_button.setEnabled(active and state != "stopping")
        self.settings.setEnabled(not active)
        if not active and state != "idle":
            self.progress.bar.setFormat(f"{state} · %p%")

    def set_issues(self, issues: list[Issue]) -> None:
        """List what stops the run from starting (empty hides the list)."""
        self.problems.clear()
        for issue in issues:
            item = QListWidgetItem(("⚠ " if issue.node else "• ") + issue.message)
            item.setData(Qt.ItemDataRole.UserRole, issue.node)
            item.setToolTip(issue.message + ("\n(click to show the node)" if issue.node else ""))
            self.problems.addItem(item)
        self.problems.setVisible(bool(issues))

    def show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def update_progress(self, run: RunData) -> None:
        self.progress.update_from(run, self.state)

    def _on_problem_activated(self, item: QListWidgetItem) -> None:
        node = item.data(Qt.ItemDataRole.UserRole)
        if node:
            self.node_activated.emit(node)
