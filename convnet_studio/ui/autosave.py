"""When to autosave: shortly after the edits stop, and now and then during a long burst.

A crash a few seconds after an edit must not lose it, yet writing on every keystroke of a
drag would be wasteful: the recovery file is written ``idle_ms`` after the last change, and
at the latest ``max_wait_ms`` after the first unsaved one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from convnet_studio.ui.document import Document

IDLE_MS = 2_000
MAX_WAIT_MS = 10_000


class Autosaver(QObject):
    """Calls ``save`` once the document's edits go idle (tests shorten the intervals)."""

    def __init__(self, document: Document, save: Callable[[], object], parent: QObject) -> None:
        super().__init__(parent)
        self._save = save
        self._idle = self._timer(IDLE_MS)
        self._deadline = self._timer(MAX_WAIT_MS)
        self._stopped = False
        # Every edit is an undo command; merged ones (a drag, typing) signal the index too.
        document.undo_stack.indexChanged.connect(self._on_edited)

    def _timer(self, interval: int) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(interval)
        timer.timeout.connect(self.save_now)
        return timer

    def set_intervals(self, idle_ms: int, max_wait_ms: int) -> None:
        self._idle.setInterval(idle_ms)
        self._deadline.setInterval(max_wait_ms)

    @property
    def pending(self) -> bool:
        return self._idle.isActive()

    def save_now(self) -> None:
        self._idle.stop()
        self._deadline.stop()
        if not self._stopped:
            self._save()

    def stop(self) -> None:
        """No more autosaves (the window is closing)."""
        self._stopped = True
        self._idle.stop()
        self._deadline.stop()

    def _on_edited(self, *_: object) -> None:
        if self._stopped:
            return
        self._idle.start()  # restarts: the countdown begins at the last edit
        if not self._deadline.isActive():
            self._deadline.start()
