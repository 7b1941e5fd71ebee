"""Loads the training UI into a shown window in slices, so its event loop never stalls.

The training plugin costs seconds on a busy machine (pyqtgraph, numpy, six plots). Done in
one go after the first paint, the window froze for that long (issue 14). The plugin's
``install_steps(window)`` generator does one slice per call and says how long to wait
before the next; this loader runs it from single-shot timers, so paints, input and the
canvas keep going in between. A plugin without steps is installed in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QTimer


class PluginLoader(QObject):
    """Runs the training plugin's install steps; calls ``done(controller or None)`` at the end.

    Args:
        window: the main window (``statusBar()`` gets a line if the plugin fails).
        sliced: step from the event loop (a shown window); else install at once.
        done: called once with the plugin's controller, or None if it is missing or broke.
    """

    def __init__(self, window: Any, sliced: bool, done: Callable[[Any], None]) -> None:
        super().__init__(window)
        self.window = window
        self.done = done
        self.steps = _steps(window, sliced)
        if sliced:
            QTimer.singleShot(0, self._on_step)
        else:
            while self.steps is not None:
                self._on_step()

    def _on_step(self) -> None:
        if self.steps is None:
            return
        try:
            wait = next(self.steps)
        except StopIteration as finished:
            self._finish(finished.value)
            return
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not take the editor down
            self.window.statusBar().showMessage(
                f"Training panel unavailable: {type(exc).__name__}: {exc}", 15000)
            self._finish(None)
            return
        if self.steps is not None and wait is not None and self.parent() is not None:
            QTimer.singleShot(int(wait), self._on_step)

    def _finish(self, controller: Any) -> None:
        self.steps = None
        self.done(controller)


def _steps(window: Any, sliced: bool) -> Generator[int, None, Any] | None:
    try:
        from convnet_studio.ui import training
    except ImportError:
        return None
    steps = getattr(training, "install_steps", None)
    if steps is not None:
        return steps(window, background=sliced)
    install = getattr(training, "install_training", None)
    return _one_step(install, window) if install is not None else None


def _one_step(install: Callable[[Any], Any], window: Any) -> Generator[int, None, Any]:
    return install(window)
    yield 0  # noqa: unreachable - makes this a generator
