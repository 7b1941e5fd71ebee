"""Real runs of the engine's worker on the built-in dataset, driven from the run panel."""

from __future__ import annotations

import os
import signal

import pytest

from training_helpers import click_problem, tiny_graph, wait_for

from convnet_studio.ui.training.controller import TrainingController


@pytest.mark.slow  # a worker process
def test_run_pause_resume_stop(controller: TrainingController, qtbot) -> None:
    panel = controller.panel
    panel.settings.set_values(epochs=200)  # long enough to pause and stop it
    qtbot.mouseClick(panel.start_button, qtbot_button())
    assert controller.running and not panel.start_button.isEnabled()
    live = controller.live
    wait_for(qtbot, lambda: len(live.step) >= 5 and len(live.grad_step) >= 1)
    controller.dashboard.refresh(all_plots=True)
    assert len(controller.dashboard.loss.curve_points()[0]) >= 5
    assert controller.dashboard.grad_heatmap.image.image is not None
    qtbot.wait(300)
    assert set(controller.overlay.scene.overlays) == {"conv1", "fc"}  # coloured live

    qtbot.mouseClick(panel.pause_button, qtbot_button())
    wait_for(qtbot, lambda: live.state == "paused")
    assert panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()
    steps = len(live.step)
    qtbot.wait(400)
    assert len(live.step) == steps  # nothing moves while paused

    qtbot.mouseClick(panel.resume_button, qtbot_button())
    wait_for(qtbot, lambda: len(live.step) > steps)
    qtbot.mouseClick(panel.stop_button, qtbot_button())
    wait_for(qtbot, lambda: live.finished is not None)
    assert live.finished["reason"] == "stopped" and live.checkpoint
    assert panel.start_button.isEnabled()
    assert "step" in panel.progress.details.text()
    controller.refresh_runs()
    assert controller.runs.table.item(0, 1).text() == "stopped"
    assert os.path.exists(os.path.join(controller.record.path, "metrics.jsonl"))

    # the stopped run's weights go out with the code (the codegen command, in a child)
    results: list = []
    controller.export_finished.connect(lambda ok, text: results.append((ok, text)))
    out = os.path.join(controller.record.path, "export", "tiny_net.py")
    os.makedirs(os.path.dirname(out))
    assert controller.export_code(controller.runs.records[0], out) is not None
    wait_for(qtbot, lambda: bool(results))
    assert results[0][0], results[0][1]
    assert os.path.exists(out) and os.path.exists(out[:-3] + ".pt")


@pytest.mark.slow  # a worker process
def test_nan_run_shows_its_error(controller: TrainingController, qtbot) -> None:
    settings = controller.panel.settings
    settings.lr.setMaximum(1e13)
    settings.set_values(lr=1e12, epochs=1)
    assert controller.start()
    wait_for(qtbot, lambda: controller.live.finished is not None)
    panel = controller.panel
    assert not panel.error.isHidden() and "nonfinite" in panel.error.text()
    assert "conv1" in panel.error.text()
    assert not panel.problems.isHidden() and panel.start_button.isEnabled()


@pytest.mark.slow  # a worker process
def test_worker_death_is_reported(controller: TrainingController, qtbot) -> None:
    controller.panel.settings.set_values(epochs=500)
    assert controller.start()
    wait_for(qtbot, lambda: len(controller.live.step) >= 1)
    os.kill(controller.session.process.pid, signal.SIGKILL)
    wait_for(qtbot, lambda: controller.live.finished is not None)
    panel = controller.panel
    assert controller.live.state == "crashed"
    assert "crash" in panel.error.text() and "SIGKILL" in panel.error.text()
    assert panel.start_button.isEnabled() and panel.settings.isEnabled()


def test_graph_problems_block_the_start(qtbot, runs_root) -> None:
    from convnet_studio.ui.document import Document

    document = Document(tiny_graph(classes=3))  # 3 classes: 'shapes' has 10
    c = TrainingController(document, runs_root=runs_root)
    qtbot.addWidget(c.panel)
    c.panel.show()
    assert not c.start()
    assert c.panel.problems.count() == 1 and not c.panel.error.isHidden()
    with qtbot.waitSignal(document.focus_requested) as focused:
        click_problem(qtbot, c.panel)
    assert focused.args == ["fc"] and document.selection == ["fc"]


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


@pytest.mark.slow  # worker processes
def test_start_takes_the_spare_worker_and_a_new_one_waits_for_the_next_run(
        controller: TrainingController, qtbot, monkeypatch) -> None:
    from convnet_studio.train.spare import ENABLE_ENV
    from convnet_studio.ui.training.device_probe import BASE_DEVICES

    monkeypatch.setenv(ENABLE_ENV, "1")  # tests/conftest.py turns spares off elsewhere
    controller.panel.settings.probe.devices_found.emit(list(BASE_DEVICES))  # the probe answered
    first = controller.spare.pid
    assert first is not None
    qtbot.mouseClick(controller.panel.start_button, qtbot_button())
    process = controller.session.process
    assert process.warm and process.pid == first and not controller.spare.alive
    wait_for(qtbot, lambda: controller.live.finished is not None)
    assert controller.live.finished["reason"] == "completed"
    assert controller.spare.alive and controller.spare.pid != first  # ready for the next run
    controller.shutdown()  # the window closes: the spare goes with it
    assert not controller.spare.alive
