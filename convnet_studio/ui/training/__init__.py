"""Training in the studio: run panel, live plots, runs list, gradients on the canvas.

``install_training(window)`` is the editor's hook: it adds a "Training" dock (settings,
Start / Pause / Resume / Stop, progress) under the inspector, a "Runs" dock (the runs list,
a tab beside the summary) and a "Training plots" dock (live plots), and a Training menu. Every widget also works on its own with a bare
:class:`~convnet_studio.graph.model.Graph` (see :class:`TrainingController`).
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from convnet_studio.ui.pyside_guard import guard_refcount_bug

if TYPE_CHECKING:
    from convnet_studio.ui.plugin import StudioWindow

__all__ = ["TrainingController", "install_steps", "install_training"]


def install_training(window: StudioWindow) -> Any:
    """Dock the training UI into the editor's main window; returns the controller."""
    steps = install_steps(window, background=False)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def install_steps(window: StudioWindow, background: bool = True) -> Generator[int, None, Any]:
    """:func:`install_training` in slices, for a window whose event loop must keep running.

    Yields how many milliseconds to wait before the next step (the caller's event loop runs
    in between); returns the controller. pyqtgraph and the plot modules are imported on a
    thread (seconds on a busy machine, all of it in module code that makes no Qt object),
    then each plot is made in a step of its own.
    """
    if background:
        loader = threading.Thread(target=_import_modules, name="training-import", daemon=True)
        loader.start()
        while loader.is_alive():
            yield 20
    _import_modules()
    from PySide6.QtCore import Qt

    from convnet_studio.ui.training.controller import TrainingController
    from convnet_studio.ui.training.dashboard import TrainingDashboard

    guard_refcount_bug()
    dashboard = TrainingDashboard(deferred=True)
    for _ in dashboard.build():
        yield 1  # not 0: zero-delay timers run before the posted paints
    controller = TrainingController(window.document, window.scene, parent=window,
                                    dashboard=dashboard)
    yield 0
    # The window reserves these docks before its first paint, so filling them resizes
    # nothing: a canvas that changes size repaints whole, a stall of its own on a big graph.
    right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
    docks = [window.add_dock(name, title, widget, area) for name, title, widget, area in (
        ("training", "Training", controller.panel, right),
        ("runs", "Runs", controller.runs, bottom),
        ("training_plots", "Training plots", controller.dashboard, bottom))]
    _wire(window, controller, *docks)
    return controller


def _import_modules() -> None:
    import convnet_studio.ui.training.controller  # noqa: F401 - pyqtgraph, numpy, the plots


def _wire(window: StudioWindow, controller: Any, panel_dock: Any, runs_dock: Any,
          plots_dock: Any) -> None:
    """The docks' places, the menu and the signals between the window and the controller."""
    from PySide6.QtWidgets import QApplication

    summary = getattr(window, "docks", {}).get("summary")  # the editor's own dock, if any
    if summary is None:
        window.tabifyDockWidget(plots_dock, runs_dock)
    elif runs_dock not in window.tabifiedDockWidgets(summary):  # not reserved there
        window.tabifyDockWidget(summary, runs_dock)
        summary.raise_()
    controller.docks = (panel_dock, plots_dock, runs_dock)
    controller.run_started.connect(runs_dock.raise_)
    controller.actions = _menu(window, controller)
    controller.message.connect(lambda text: window.statusBar().showMessage(text, 8000))
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(controller.shutdown)
    window.document.path_changed.connect(controller.refresh_runs)


def _menu(window: StudioWindow, controller: Any) -> dict[str, Any]:
    """The Training menu's actions (also reachable as ``controller.actions``)."""
    from PySide6.QtGui import QAction, QKeySequence

    menu = window.menus.get("training")
    if menu is None:
        menu = window.menus["training"] = window.menuBar().addMenu("&Training")
    actions = {
        "start": QAction("&Start training", window, shortcut=QKeySequence("F5")),
        "pause": QAction("&Pause", window),
        "resume": QAction("&Resume", window),
        "stop": QAction("S&top", window, shortcut=QKeySequence("Shift+F5")),
        "colour": QAction("&Colour nodes by gradient norm", window, checkable=True, checked=True),
        "clear": QAction("C&lear node colours", window),
    }
    actions["start"].triggered.connect(controller.start)
    actions["pause"].triggered.connect(controller.pause)
    actions["resume"].triggered.connect(controller.resume)
    actions["stop"].triggered.connect(controller.stop)
    actions["colour"].toggled.connect(lambda on: setattr(controller, "colour_live", on))
    actions["clear"].triggered.connect(controller.overlay.clear)
    for key in ("start", "pause", "resume", "stop"):
        menu.addAction(actions[key])
    menu.addSeparator()
    menu.addAction(actions["colour"])
    menu.addAction(actions["clear"])
    menu.addSeparator()
    for dock in controller.docks:
        menu.addAction(dock.toggleViewAction())
    return actions


def __getattr__(name: str) -> Any:
    if name == "TrainingController":
        from convnet_studio.ui.training.controller import TrainingController

        return TrainingController
    raise AttributeError(name)
