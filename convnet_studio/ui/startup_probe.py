"""Measures the real start-up for the benchmark: first paint, plugin loaded, event-loop gaps.

``CONVNET_STUDIO_STARTUP_PROBE=SECONDS`` makes ``run_app`` print, as wall-clock times
(``time.time()``, so the parent process can subtract its spawn time):

- ``first-paint T``: the canvas painted for the first time;
- ``plugins-ready T``: the training UI finished loading (its docks are in the window);
- ``max-gap G AT``: the longest stretch (seconds) the event loop went without running a
  5 ms timer, from the loop's start until SECONDS after process start, and when it ended;
- ``max-gap-after-paint G AT``: the same, leaving out the stretch that holds the first paint
  (what a user feels once the window is on screen);

then quits. Nothing is switched off: the training plugin loads as it does for a user.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer

TICK_MS = 5


class StartupProbe(QObject):
    def __init__(self, app: Any, window: Any, seconds: float, started: float) -> None:
        super().__init__(window)
        self.app, self.window = app, window
        self.until = started + seconds
        self.last: float | None = None
        self.gap, self.gap_at = 0.0, 0.0
        self.late_gap, self.late_gap_at = 0.0, 0.0
        self.first_paint_tick: float | None = None
        self.painted = False
        self.ready = False
        window.view.viewport().installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_tick)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            print(f"first-paint {time.time():.4f}", flush=True)
            print(f"title {self.window.windowTitle()}", flush=True)
        return False

    def _on_tick(self) -> None:
        now = time.time()
        if self.last is not None and now - self.last > self.gap:
            self.gap, self.gap_at = now - self.last, now
        if self.painted and self.first_paint_tick is None:
            self.first_paint_tick = now  # the tick that ends the first paint's stretch
        elif self.first_paint_tick is not None and now - self.last > self.late_gap:
            self.late_gap, self.late_gap_at = now - self.last, now
        self.last = now
        if not self.ready and getattr(self.window, "training", None) is not None:
            self.ready = True
            print(f"plugins-ready {now:.4f}", flush=True)
        if now >= self.until:
            self.timer.stop()
            print(f"max-gap {self.gap:.4f} {self.gap_at:.4f}", flush=True)
            print(f"max-gap-after-paint {self.late_gap:.4f} {self.late_gap_at:.4f}", flush=True)
            self.app.quit()
