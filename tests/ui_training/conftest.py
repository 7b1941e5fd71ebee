"""Fixtures for the training UI tests: a tiny trainable graph in a real document and scene."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from training_helpers import TINY_CONFIG, tiny_graph

from convnet_studio.graph.model import Graph
from convnet_studio.ui.pyside_guard import guard_refcount_bug

guard_refcount_bug()


@pytest.fixture
def graph() -> Graph:
    return tiny_graph()


@pytest.fixture
def runs_root(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    root = str(tmp_path / "runs")
    monkeypatch.setenv("CONVNET_STUDIO_RUNS", root)
    return root


@pytest.fixture
def controller(qtbot: Any, graph: Graph, runs_root: str) -> Any:
    from convnet_studio.ui.canvas.scene import GraphScene
    from convnet_studio.ui.document import Document
    from convnet_studio.ui.training.controller import TrainingController

    document = Document(graph)  # the editor's document and canvas: edits are undo steps
    c = TrainingController(document, scene=GraphScene(document), runs_root=runs_root)
    qtbot.addWidget(c.panel)
    qtbot.addWidget(c.dashboard)
    qtbot.addWidget(c.runs)
    c.panel.settings.set_values(**TINY_CONFIG)
    yield c
    c.shutdown()
