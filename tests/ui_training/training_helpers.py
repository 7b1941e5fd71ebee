"""Helpers of the training UI tests (a module of its own: conftest modules are not for import)."""

from __future__ import annotations

import time
from typing import Any

from convnet_studio.graph.model import Graph

# A few steps of a 2-layer net on a small slice of the built-in set: seconds, not minutes.
TINY_CONFIG = {"epochs": 2, "batch_size": 16, "train_size": 256, "grad_norm_every": 1}


def tiny_graph(name: str = "tiny", classes: int = 10) -> Graph:
    """Conv -> ReLU -> global pool -> Linear: trains on 'shapes' in milliseconds a step."""
    g = Graph(name)
    g.add("Input", "input", channels=3, height=32, width=32)
    g.add("Conv2d", "conv1", "input", out_channels=8, kernel_size=3, padding=1)
    g.add("ReLU", "relu1", "conv1")
    g.add("GlobalAvgPool", "pool", "relu1")
    g.add("Flatten", "flat", "pool")
    g.add("Linear", "fc", "flat", out_features=classes)
    g.add("Output", "output", "fc")
    return g


def click_problem(qtbot: Any, panel: Any, row: int = 0) -> None:
    """Click a problem in the run panel's list, as the user does."""
    from PySide6.QtCore import Qt

    problems = panel.problems
    rect = problems.visualItemRect(problems.item(row))
    qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def wait_for(qtbot: Any, condition: Any, timeout: float = 60.0) -> None:
    """Let the event loop run until ``condition()`` (generous: CI machines are busy)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the training worker")
        qtbot.wait(20)
