"""Training state belongs to its document, and runs of different networks overlay (GUI only).

The worker is a fake (``fake_worker.py``) that replays a synthetic run in a fraction of a
second, so these tests drive the real window, controller and session quickly.
"""

from __future__ import annotations

import pytest
from fake_worker import fake_python
from training_helpers import TINY_CONFIG, tiny_graph, wait_for

main_window = pytest.importorskip("convnet_studio.ui.main_window")


@pytest.fixture
def studio(qtbot, tmp_path, runs_root):
    """The real window with the training UI, its worker replaced by the fake one."""
    from PySide6.QtCore import QSettings

    from convnet_studio.ui.training import install_training

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = main_window.MainWindow(tiny_graph("nan_net"), settings=settings,
                                    recovery_dir=tmp_path / "rec", install_plugins=False)
    qtbot.addWidget(window)
    controller = install_training(window)
    controller.python = fake_python(str(tmp_path))
    controller.panel.settings.set_values(**TINY_CONFIG)
    yield window, controller
    controller.shutdown()


def train(qtbot, controller) -> None:
    assert controller.start(), controller.panel.error.text()
    wait_for(qtbot, lambda: controller.live.finished is not None)
    controller._on_tick()


def test_another_document_shows_none_of_the_previous_runs(studio, qtbot) -> None:
    window, controller = studio
    train(qtbot, controller)  # ends in a NaN: an error message and gradient colours
    panel, dashboard = controller.panel, controller.dashboard
    assert window.scene.overlays and dashboard.runs and not panel.error.isHidden()
    assert "step" in panel.progress.details.text()
    window.files.new()
    assert window.scene.overlays == {} and dashboard.runs == []
    assert panel.error.isHidden() and panel.problems.isHidden()
    assert panel.progress.details.text() == "" and panel.progress.bar.format() == "idle"
    assert controller.runs.table.rowCount() == 0  # "untitled" has no runs
    assert panel.start_button.isEnabled()
    # the same network again lists its run, but shows nothing until the user picks it
    window.document.replace_graph(tiny_graph("nan_net"))
    assert controller.runs.table.rowCount() == 1 and dashboard.runs == []
    assert window.scene.overlays == {}


def test_a_run_still_going_trains_on_in_the_background(studio, qtbot) -> None:
    window, controller = studio
    window.document.replace_graph(tiny_graph("slow_net"))
    assert controller.start()
    live = controller.live
    wait_for(qtbot, lambda: len(live.grad_step) >= 1)
    qtbot.wait(300)  # the live colouring ticks
    assert window.scene.overlays
    window.files.new()
    assert controller.running and window.scene.overlays == {}
    assert "background" in controller.panel.progress.bar.format()
    assert controller.panel.stop_button.isEnabled()  # it can still be stopped
    wait_for(qtbot, lambda: live.finished is not None)
    qtbot.wait(300)
    assert window.scene.overlays == {} and controller.dashboard.runs == []
    assert controller.panel.progress.bar.format() == "idle"
    assert controller.panel.start_button.isEnabled()
    window.document.replace_graph(tiny_graph("slow_net"))
    assert [r.info["status"] for r in controller.runs.records] == ["completed"]


def test_runs_of_two_networks_overlay_from_the_gui(studio, qtbot) -> None:
    window, controller = studio
    runs = controller.runs
    names = ("plain20_cifar", "resnet20_cifar")
    for name in names:
        assert window.files.open_preset(name)
        train(qtbot, controller)
        assert [r.network for r in runs.records] == [name]  # this document's runs only
    runs.all_networks.setChecked(True)
    assert {r.network for r in runs.records} == set(names)
    assert all(name in runs.table.item(i, 0).text() for i, name in
               enumerate(r.network for r in runs.records))
    runs.table.selectAll()
    assert {r.name.split()[0] for r in controller.dashboard.runs} == set(names)
    assert len(controller.dashboard.loss._series) == 2
    runs.all_networks.setChecked(False)
    assert [r.network for r in runs.records] == ["resnet20_cifar"]
