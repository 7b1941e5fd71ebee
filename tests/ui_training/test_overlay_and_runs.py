"""Gradient colours on the editor's canvas, the runs store and list, pre-flight checks,
loading weights."""

from __future__ import annotations

import json
import os

from PySide6.QtCore import Qt
from training_helpers import tiny_graph

from convnet_studio.ui.training.gradient_overlay import GradientOverlay, norm_colors
from convnet_studio.ui.training.preflight import check
from convnet_studio.ui.training.run_data import dump_events
from convnet_studio.ui.training.run_store import RunStore, default_runs_root, graph_hash
from convnet_studio.ui.training.synthetic import synthetic_events


def test_colours_follow_log_norm() -> None:
    colors, (lo, hi) = norm_colors({"a": 1e-6, "b": 1e-3, "c": 1.0})
    assert (lo, hi) == (-6.0, 0.0)
    assert colors["a"].lightness() < colors["c"].lightness()  # viridis: dark = vanished


def test_overlay_on_the_editor_scene(qtbot) -> None:
    from convnet_studio.ui.canvas.scene import GraphScene
    from convnet_studio.ui.document import Document

    document = Document(tiny_graph())
    scene = GraphScene(document)
    overlay = GradientOverlay(scene)
    assert overlay.show({"conv1": 1e-5, "fc": 1e-1, "gone": 1.0}) == 2  # a deleted node is skipped
    assert set(scene.overlays) == {"conv1", "fc"} and "e-05" in scene.overlays["conv1"][1]
    overlay.show({"fc": 0.1})
    assert set(scene.overlays) == {"fc"}
    overlay.clear()
    assert not scene.overlays


def test_preflight_names_the_node_to_fix() -> None:
    g = tiny_graph(classes=7)
    issues = check(g, "shapes")
    assert len(issues) == 1 and issues[0].node == "fc" and "out_features to 10" in issues[0].message
    assert check(tiny_graph(), "mnist")[0].node == "input"
    assert check(tiny_graph(), "mnist", adapt_input=True) == []


def test_run_store_keeps_config_graph_and_hash(tmp_path) -> None:
    store = RunStore(str(tmp_path / "p.runs"))
    project = tiny_graph().to_dict()
    record = store.create(project, {"epochs": 1})
    for name in ("run.json", "graph.json"):
        assert os.path.exists(os.path.join(record.path, name))
    assert record.info["graph_hash"] == graph_hash(project)
    assert record.info["config"]["out"] == record.path
    moved = json.loads(json.dumps(project))
    moved["nodes"][0]["position"] = [500, 500]
    assert graph_hash(moved) == graph_hash(project)  # layout is not architecture
    assert [r.path for r in store.list()] == [record.path]
    assert default_runs_root("/x/net.cnsproj") == "/x/net.runs"


def _fake_finished_run(root: str, name: str, residual: bool) -> str:
    store = RunStore(root)
    record = store.create(tiny_graph().to_dict(), {"epochs": 1}, name=name)
    dump_events(list(synthetic_events(steps=100, nodes=2, residual=residual, seed=residual)),
                record.metrics_path)
    with open(os.path.join(record.path, "last.pt"), "wb") as f:
        f.write(b"not really a checkpoint")
    return record.path


def test_runs_list_overlays_selected_runs(controller, qtbot) -> None:
    a = _fake_finished_run(controller.runs_root, "plain", False)
    b = _fake_finished_run(controller.runs_root, "resnet", True)
    controller.refresh_runs()
    assert controller.runs.table.rowCount() == 2
    assert controller.runs.table.item(0, 1).text() == "completed"
    controller.runs.select_paths([a, b])
    assert [r.name for r in controller.dashboard.runs] == [r.name for r in controller.runs.selected()]
    loss = controller.dashboard.loss
    legend = loss.legend.names()
    assert legend == [r.name for r in controller.runs.selected()] and len(legend) == 2
    # colour the canvas from a finished run: the "colour" button under the list
    qtbot.mouseClick(controller.runs.buttons["colour"], Qt.MouseButton.LeftButton)
    assert set(controller.overlay.scene.overlays) == {"conv1", "fc"}


def test_load_weights_is_recorded_in_the_graph(controller) -> None:
    path = _fake_finished_run(controller.runs_root, "r", True)
    controller.refresh_runs()
    record = next(r for r in controller.store.list() if r.path == path)
    assert controller.load_weights(record)
    assert controller.graph.meta["weights"]["checkpoint"].endswith("last.pt")
    controller.document.undo_stack.undo()  # loading weights is one undo step
    assert "weights" not in controller.graph.meta
    controller.document.undo_stack.redo()
    assert controller.graph.meta["weights"]["checkpoint"].endswith("last.pt")
