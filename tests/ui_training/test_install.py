"""The editor's hook: ``install_training(window)`` docks the panels into the real window."""

from __future__ import annotations

import subprocess
import sys

import pytest
from training_helpers import click_problem


def test_install_into_the_main_window(qtbot, tmp_path, runs_root) -> None:
    main_window = pytest.importorskip("convnet_studio.ui.main_window")
    from PySide6.QtCore import QSettings
    from training_helpers import tiny_graph

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = main_window.MainWindow(tiny_graph(), settings=settings,
                                    recovery_dir=tmp_path / "rec")
    qtbot.addWidget(window)
    window.show()  # the window installs plugins after its first paint
    qtbot.waitUntil(lambda: window.training is not None or bool(window.statusBar().currentMessage()),
                    timeout=10000)
    controller = window.training
    assert controller is not None, window.statusBar().currentMessage()
    assert "training" in window.docks and "training_plots" in window.docks
    assert controller.graph is window.document.graph
    assert "training" in window.menus
    # the live colouring reaches the real canvas
    controller.overlay.show({"conv1": 1e-3, "fc": 1.0})
    assert set(window.scene.overlays) == {"conv1", "fc"}
    # problems found before a run select the node on the canvas
    window.document.graph.set_params("fc", out_features=4)
    assert not controller.start()
    click_problem(qtbot, controller.panel)
    assert window.document.selection == ["fc"]


def test_installing_does_not_import_torch() -> None:
    code = ("import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
            "from PySide6.QtWidgets import QApplication, QMainWindow; app = QApplication([])\n"
            "from convnet_studio.graph.model import Graph\n"
            "from convnet_studio.ui.document import Document\n"
            "from convnet_studio.ui.training.controller import TrainingController\n"
            "c = TrainingController(Document(Graph('g')), runs_root='/tmp/none')\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr


def test_the_window_loads_the_plugin_in_slices(qtbot, tmp_path, runs_root) -> None:
    """Issue 14: imports on a thread, then one plot per step, each step back to the loop."""
    main_window = pytest.importorskip("convnet_studio.ui.main_window")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QLabel
    from training_helpers import tiny_graph

    from convnet_studio.ui.training import install_steps

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = main_window.MainWindow(tiny_graph(), settings=settings,
                                    recovery_dir=tmp_path / "rec")
    qtbot.addWidget(window)
    # the docks are reserved before the first paint, so filling them resizes nothing
    assert isinstance(window.docks["training_plots"].widget(), QLabel)
    window._plugins_pending = False  # drive the steps here instead
    steps = install_steps(window)
    count = 0
    while True:
        try:
            next(steps)
        except StopIteration as done:
            controller = done.value
            break
        count += 1
    assert count >= 7  # at least: the import, six plots
    assert window.docks["training_plots"].widget() is controller.dashboard
    assert window.docks["training"].widget() is controller.panel
    assert controller.dashboard.built and len(controller.dashboard.plots) == 6
    controller.shutdown()
