"""Training in the studio: run panel, live plots, runs list, gradients on the canvas.

``install_training(window)`` is the editor's hook: it adds a "Training" dock (settings,
Start / Pause / Resume / Stop, progress) under the inspector, a "Runs" dock (the runs list,
a tab beside the summary) and a "Training plots" dock (live plots), and a Training menu. Every widget also works on its own with a bare
:class:`~convnet_studio.graph.model.Graph` (see :class:`TrainingController`).
"""

from __future__ import annotations

from typing import Any

from convnet_studio.ui.training.qt_compat import guard_refcount_bug

__all__ = ["TrainingController", "install_training"]


def install_training(window: Any) -> Any:
    """Dock the training UI into the editor's main window; returns the controller.

    Uses ``window.document``, ``window.scene`` (overlay API), ``window.add_dock`` and
    ``window.menus`` when they exist.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QApplication

    from convnet_studio.ui.training.controller import TrainingController

    guard_refcount_bug()
    controller = TrainingController(window.document, getattr(window, "scene", None),
                                    parent=window)
    right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
    panel_dock = _dock(window, "training", "Training", controller.panel, right)
    plots_dock = _dock(window, "training_plots", "Training plots", controller.dashboard, bottom)
    runs_dock = _dock(window, "runs", "Runs", controller.runs, bottom)
    summary = getattr(window, "docks", {}).get("summary")
    if summary is not None:
        window.tabifyDockWidget(summary, runs_dock)
        summary.raise_()
    else:
        window.tabifyDockWidget(plots_dock, runs_dock)
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
    menu.addAction(panel_dock.toggleViewAction())
    menu.addAction(plots_dock.toggleViewAction())
    menu.addAction(runs_dock.toggleViewAction())
    controller.actions = actions
    controller.docks = (panel_dock, plots_dock, runs_dock)
    controller.run_started.connect(runs_dock.raise_)
    message = getattr(window, "_on_message", None) or window.statusBar().showMessage
    controller.message.connect(message)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(controller.shutdown)
    document = getattr(window, "document", None)
    if document is not None and hasattr(document, "path_changed"):
        document.path_changed.connect(controller.refresh_runs)
    return controller


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
