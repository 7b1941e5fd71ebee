"""Stop / pause / resume requests reaching the worker.

Commands arrive as lines on stdin (``stop``, ``pause``, ``resume``; see
:data:`convnet_studio.train.events.COMMANDS`), read by a daemon thread; SIGINT and SIGTERM
also mean stop. The training loop polls :class:`Control` between batches, so a stop takes
effect within one batch. With ``stop_on_eof`` a closed stdin (the client died) stops the
run too, so an orphaned worker saves a checkpoint and exits instead of running forever.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO


class Control:
    """Thread-safe flags set by commands and signals, read by the training loop."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._wake = threading.Event()
        self._saved: dict[int, Any] = {}

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def pause_requested(self) -> bool:
        return self._paused.is_set()

    def request(self, command: str) -> None:
        command = command.strip().lower()
        if command == "stop":
            self._stop.set()
        elif command == "pause":
            self._paused.set()
        elif command == "resume":
            self._paused.clear()
        self._wake.set()

    def wait(self, timeout: float) -> None:
        """Sleep until the next command or ``timeout`` seconds (the pause loop uses this)."""
        self._wake.wait(timeout)
        self._wake.clear()

    def listen(self, stream: TextIO | None = None, stop_on_eof: bool = False) -> None:
        """Read commands from ``stream`` (stdin by default) on a daemon thread."""
        stream = stream or sys.stdin

        def read() -> None:
            try:
                for line in stream:
                    self.request(line)
            except (OSError, ValueError):
                pass
            if stop_on_eof:
                self.request("stop")

        threading.Thread(target=read, name="control-reader", daemon=True).start()

    def handle_signals(self, on_stop: Callable[[], None] | None = None) -> None:
        """SIGINT/SIGTERM request a clean stop (then ``on_stop`` is called); a second one
        interrupts at once (KeyboardInterrupt)."""
        if threading.current_thread() is not threading.main_thread():
            return

        def on_signal(signum: int, frame: object) -> None:
            if self._stop.is_set():
                signal.signal(signum, signal.SIG_DFL)
                raise KeyboardInterrupt
            self.request("stop")
            if on_stop is not None:
                on_stop()

        for sig in (signal.SIGINT, signal.SIGTERM):
            self._saved.setdefault(sig, signal.getsignal(sig))
            signal.signal(sig, on_signal)

    def restore_signals(self) -> None:
        """Put back the handlers :meth:`handle_signals` replaced (in-process runs)."""
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)
        self._saved.clear()
