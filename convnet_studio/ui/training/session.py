"""The GUI's side of one training run: the engine's worker client, polled from a timer.

:class:`~convnet_studio.train.process.TrainingProcess` reads the worker's stdout on its own
threads and queues events; a :class:`QTimer` drains the queue here, in the GUI thread,
feeding a :class:`RunData`. Each tick handles at most :data:`MAX_EVENTS_PER_TICK` events
and at most :data:`TICK_BUDGET_S` seconds, so a backlog is spread over several ticks and
the event loop never stalls.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from convnet_studio.train import events as ev
from convnet_studio.ui import long_lived
from convnet_studio.ui.training.run_data import RunData

POLL_MS = 30
MAX_EVENTS_PER_TICK = 5000
TICK_BUDGET_S = 0.008
STOP_GRACE_MS = 15000
GC_HOLD_EVENTS = 5000


class TrainingSession(QObject):
    """Runs one worker and turns its events into Qt signals.

    Signals:
        state_changed(str): ``starting``, ``running``, ``paused``, ``stopping`` or a finish
            reason (``completed``, ``max_steps``, ``stopped``, ``error``, ``crashed``).
        started(dict): the ``started`` event.
        error_reported(dict): an ``error`` event (engine errors, and ``crash`` when the
            worker died without finishing).
        finished(dict): the ``finished`` event; the session is over.
        events_received(int): how many events the last tick fed into :attr:`data`.
    """

    state_changed = Signal(str)
    started = Signal(dict)
    error_reported = Signal(dict)
    finished = Signal(dict)
    events_received = Signal(int)

    def __init__(self, data: RunData, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data = data
        self.process: Any = None
        self.log_lines: list[str] = []
        self._pending = _Backlog()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_poll)
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._on_stop_overdue)
        self._done = False
        self._gc_held = False
        self._gc_reason = f"training backlog {id(self)}"  # one hold per session

    # ------------------------------------------------------------------ control
    def start(self, project: dict[str, Any] | None, config: dict[str, Any], run_dir: str,
              env: dict[str, str] | None = None, python: str | None = None,
              spare: Any = None) -> None:
        """Start the worker on ``project`` with ``config``, logging into ``run_dir``.

        Args:
            env: extra environment variables for the worker (e.g. ``CUDA_VISIBLE_DEVICES``).
            python: the interpreter to run the worker with (tests use a fake one).
            spare: a :class:`~convnet_studio.train.spare.SpareWorker` to take the worker
                from when it has one for this interpreter and environment.
        """
        from convnet_studio.train.process import TrainingProcess

        self.process = TrainingProcess(project, config, run_dir=run_dir, python=python, env=env,
                                       spare=spare)
        self.process.start()
        self.data.state = "starting"
        self.state_changed.emit("starting")
        self._timer.start()

    @property
    def active(self) -> bool:
        return self.process is not None and not self._done

    def pause(self) -> bool:
        return bool(self.active and self.process.pause())

    def resume(self) -> bool:
        return bool(self.active and self.process.resume())

    def stop(self) -> bool:
        """Ask for a clean stop; the worker is killed if it has not ended in 15 s."""
        if not self.active:
            return False
        sent = self.process.stop()
        self.state_changed.emit("stopping")
        self._kill_timer.start(STOP_GRACE_MS)
        return sent

    def kill(self) -> None:
        """End the worker at once (no checkpoint); its death is reported as a crash."""
        if self.process is not None:
            self.process.kill()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the worker and wait a little (the application is quitting)."""
        if self.active:
            self.process.stop()
            if self.process.wait(timeout) is None:
                self.process.kill()
                self.process.wait(2.0)
        self._timer.stop()

    # ------------------------------------------------------------------ slots
    def _on_poll(self) -> None:
        if self.process is None:
            return
        self._pending.extend(self.process.poll())
        self._hold_gc(len(self._pending) > GC_HOLD_EVENTS)
        deadline = time.perf_counter() + TICK_BUDGET_S
        handled = 0
        while self._pending and handled < MAX_EVENTS_PER_TICK:
            for event in self._pending.popleft_batch(256):
                self._handle(event)
                handled += 1
            if time.perf_counter() > deadline:
                break
        if handled:
            self.events_received.emit(handled)
        if not self._pending:
            self._hold_gc(False)
        if self._done and not self._pending:
            self._timer.stop()
            self._kill_timer.stop()

    def _hold_gc(self, hold: bool) -> None:
        """Pause the cyclic GC while a large backlog of event dicts is alive.

        A full collection walks every live container: with 50,000 queued events that is a
        30 ms pause in the GUI thread. The events hold no cycles and are freed by reference
        counting once handled, so collection can wait until the backlog is gone.
        """
        if hold and not self._gc_held:
            long_lived.hold(self._gc_reason)
            self._gc_held = True
        elif not hold and self._gc_held:
            long_lived.release(self._gc_reason)
            self._gc_held = False

    def _handle(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == ev.LOG:
            self.log_lines.append(str(event.get("message", "")))
            return
        self.data.feed(event)
        if kind == ev.STATUS:
            self.state_changed.emit(str(event.get("state")))
        elif kind == ev.STARTED:
            self.started.emit(event)
        elif kind == ev.ERROR:
            self.error_reported.emit(event)
        elif kind == ev.FINISHED:
            self._done = True
            self.state_changed.emit(str(event.get("reason")))
            self.finished.emit(event)

    def _on_stop_overdue(self) -> None:
        if self.active:
            self.kill()


class _Backlog(list):
    """Events received but not yet handled (a list with batch removal from the front)."""

    def popleft_batch(self, size: int) -> list[dict[str, Any]]:
        batch = self[:size]
        del self[:size]
        return batch
