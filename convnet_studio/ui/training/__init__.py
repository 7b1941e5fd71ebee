"""Training in the studio: run panel, live plots, runs list, gradients on the canvas.

``install_training(window)`` is the editor's hook: it adds a "Training" dock (settings,
Start / Pause / Resume / Stop, progress, the runs list), a "Training plots" dock (live
plots) and a Training menu. Every widget also works on its own with a bare
:class:`~convnet_studio.graph.model.Graph` (see :class:`TrainingController`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from convnet_studio.ui.training.qt_compat import guard_refcount_bug

if TYPE_CHECKING:
    from convnet_studio.ui.plugin import StudioWindow

__all__ = ["TrainingController", "TrainingSidebar", "install_training"]


def install_training(window: StudioWindow) -> Any:
    """Dock the training UI into the editor's main window; returns the controller."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QApplication

    from convnet_studio.ui.training.controller import TrainingController
    from convnet_studio.ui.training.workspace import TrainingSidebar

    guard_refcount_bug()
    controller = TrainingController(window.document, window.scene, parent=window)
    sidebar = TrainingSidebar(controller)
    panel_dock = window.add_dock("training", "Training", sidebar,
                                 Qt.DockWidgetArea.RightDockWidgetArea)
    plots_dock = window.add_dock("training_plots", "Training plots", controller.dashboard,
                                 Qt.DockWidgetArea.BottomDockWidgetArea)
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
    menu.addAction(panel_dock.toggleViewAction())
    menu.addAction(plots_dock.toggleViewAction())
    controller.actions = actions
    controller.docks = (panel_dock, plots_dock)
    controller.message.connect(lambda text: window.statusBar().showMessage(text, 8000))
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(controller.shutdown)
    window.document.path_changed.connect(controller.refresh_runs)
    return controller


def __getattr__(name: str) -> Any:
    if name == "TrainingController":
        from convnet_studio.ui.training.controller import TrainingController

        return TrainingController
    if name == "TrainingSidebar":
        from convnet_studio.ui.training.workspace import TrainingSidebar

        return TrainingSidebar
    raise AttributeError(name)
