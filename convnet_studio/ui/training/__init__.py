"""Training in the studio: run panel, live plots, runs list, gradients on the canvas.

``install_training(window)`` is the editor's hook: it adds a "Training" dock (settings,
Start / Pause / Resume / Stop, progress) under the inspector, a "Runs" dock (the runs list,
a tab beside the summary) and a "Training plots" dock (live plots), and a Training menu. Every widget also works on its own with a bare
:class:`~convnet_studio.graph.model.Graph` (see :class:`TrainingController`).
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

from convnet_studio.ui.training.qt_compat import guard_refcount_bug

__all__ = ["TrainingController", "install_steps", "install_training"]


def install_training(window: Any) -> Any:
    """Dock the training UI into the editor's main window; returns the controller.

    Uses ``window.document``, ``window.scene`` (overlay API), ``window.add_dock`` and
    ``window.menus`` when they exist.
    """
    steps = install_steps(window, background=False)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def install_steps(window: Any, background: bool = True) -> Generator[int, None, Any]:
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
    from convnet_studio.ui.training.controller import TrainingController
    from convnet_studio.ui.training.dashboard import TrainingDashboard
    from PySide6.QtCore import Qt

    guard_refcount_bug()
    dashboard = TrainingDashboard(deferred=True)
    for _ in dashboard.build():
        yield 1  # not 0: zero-delay timers run before the posted paints
    controller = TrainingController(window.document, getattr(window, "scene", None),
                                    parent=window, dashboard=dashboard)
    yield 0
    # The window reserves these docks before its first paint, so filling them resizes
    # nothing: a canvas that changes size repaints whole, a stall of its own on a big graph.
    right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
    docks = [_dock(window, name, title, widget, area) for name, title, widget, area in (
        ("training", "Training", controller.panel, right),
        ("runs", "Runs", controller.runs, bottom),
        ("training_plots", "Training plots", controller.dashboard, bottom))]
    _wire(window, controller, *docks)
    return controller


def _import_modules() -> None:
    import convnet_studio.ui.training.controller  # noqa: F401 - pyqtgraph, numpy, the plots


def _wire(window: Any, controller: Any, panel_dock: Any, runs_dock: Any, plots_dock: Any
          ) -> None:
    """The docks' places, the menu and the signals between the window and the controller."""
    from PySide6.QtWidgets import QApplication

    summary = getattr(window, "docks", {}).get("summary")
    if summary is None:
        window.tabifyDockWidget(plots_dock, runs_dock)
    elif runs_dock not in window.tabifiedDockWidgets(summary):  # not reserved there
        window.tabifyDockWidget(summary, runs_dock)
        summary.raise_()
    controller.docks = (panel_dock, plots_dock, runs_dock)
    controller.run_started.connect(runs_dock.raise_)
    controller.actions = _menu(window, controller)
    message = getattr(window, "_on_message", None) or window.statusBar().showMessage
    controller.message.connect(message)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(controller.shutdown)
    document = getattr(window, "document", None)
    if document is not None and hasattr(document, "path_changed"):
        document.path_changed.connect(controller.refresh_runs)


def _menu(window: Any, controller: Any) -> dict[str, Any]:
    """The Training menu's actions (also reachable as ``controller.actions``)."""
    from PySide6.QtGui import QAction, QKeySequence

    menu = None
    menus = getattr(window, "menus", None)
    if isinstance(menus, dict):
        menu = menus.get("training")
    if menu is None:
        menu = window.menuBar().addMenu("&Training")
        if isinstance(menus, dict):
            menus["training"] = menu
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


def _dock(window: Any, name: str, title: str, widget: Any, area: Any) -> Any:
    """A dock through the editor's ``add_dock`` (remembered place), else a plain one."""
    add_dock = getattr(window, "add_dock", None)
    if add_dock is not None:
        return add_dock(name, title, widget, area)
    from PySide6.QtWidgets import QDockWidget

    dock = QDockWidget(title, window)
    dock.setObjectName(f"dock_{name}")
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def __getattr__(name: str) -> Any:
    if name == "TrainingController":
        from convnet_studio.ui.training.controller import TrainingController

        return TrainingController
    raise AttributeError(name)
