"""Fixtures for the studio's Qt tests: a window with its own settings and recovery folder."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings
from ui_graphs import small_graph

from convnet_studio.graph import Graph


def canonical_form(graph: Graph) -> dict:
    """A graph's JSON with edges as a set: the order of edges in a port map carries no meaning."""
    data = graph.to_dict()
    data["edges"] = sorted(tuple(sorted(e.items())) for e in data["edges"])
    return data


@pytest.fixture
def canonical():
    return canonical_form


@pytest.fixture
def make_window(qtbot, tmp_path: Path, monkeypatch):
    """Build MainWindows on a graph, with no plugins, dialogs recorded instead of shown."""
    from PySide6.QtWidgets import QMessageBox

    from convnet_studio.ui.file_actions import FileActions
    from convnet_studio.ui.main_window import MainWindow

    errors: list[str] = []
    monkeypatch.setattr(FileActions, "_error", lambda self, title, message: errors.append(message))
    # Modal questions would block the test run: answer "Discard" and record that one was asked.
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda *a, **k: asked.append(a[2]) or QMessageBox.Discard
    )
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.Yes
    )

    def make(graph: Graph | None = None, recovery: Path | None = None) -> MainWindow:
        settings = QSettings(str(tmp_path / f"settings{len(errors)}.ini"), QSettings.IniFormat)
        window = MainWindow(
            graph if graph is not None else small_graph(),
            settings=settings,
            recovery_dir=recovery or tmp_path / "recovery",
            install_plugins=False,
        )
        window.errors = errors
        window.asked = asked
        window.editor.ask_projection = lambda add, plan: None
        qtbot.addWidget(window)
        window.document.flush()
        return window

    return make


@pytest.fixture
def window(make_window):
    return make_window()
