"""Autosave follows the edits (idle-debounced), recovery is offered however the studio was
started, and interrupted saves leave no temporary files behind."""

from __future__ import annotations

import json
import os
import shutil
import time

from convnet_studio.ui.app import _open_start_document
from convnet_studio.ui.recovery import STALE_TEMP_S, RecoveryStore


def _recovered_channels(path) -> int:
    project = json.loads(path.read_text())["project"]
    return next(n for n in project["nodes"] if n["name"] == "conv")["params"]["out_channels"]


def test_autosave_runs_once_the_edits_go_idle(window, qtbot):
    window._autosave.set_intervals(30, 60_000)
    window.editor.set_params("conv", {"out_channels": 40})
    assert window._autosave.pending and not window.recovery.file.exists()
    qtbot.waitUntil(window.recovery.file.exists, timeout=5000)
    assert _recovered_channels(window.recovery.file) == 40
    assert not window._autosave.pending


def test_a_long_burst_of_edits_is_saved_by_the_deadline(window, qtbot):
    window._autosave.set_intervals(60_000, 30)  # never idle: the deadline still saves
    window.editor.set_params("conv", {"out_channels": 41})
    qtbot.waitUntil(window.recovery.file.exists, timeout=5000)
    assert _recovered_channels(window.recovery.file) == 41


def test_each_edit_restarts_the_idle_countdown(window):
    saves = []
    window._autosave._save = lambda: saves.append(1)
    window._autosave.set_intervals(60_000, 60_000)
    window.editor.set_params("conv", {"out_channels": 42})
    first = window._autosave._idle.remainingTime()
    window.editor.set_params("conv", {"out_channels": 43})
    assert window._autosave.pending and window._autosave._idle.remainingTime() >= first - 5
    window._autosave.save_now()
    assert saves == [1] and not window._autosave.pending


def test_a_closed_window_autosaves_no_more(window, qtbot):
    window._autosave.set_intervals(10, 10)
    window.close()
    window.editor.set_params("conv", {"out_channels": 44})
    qtbot.wait(50)
    assert not window.recovery.file.exists()


def _crashed_edit(make_window, tmp_path, recovery):
    """A window that saved mine.cnsproj, edited it and crashed: its recovery file is left."""
    first = make_window(recovery=recovery)
    path = tmp_path / "mine.cnsproj"
    first.files._ask_save_path = lambda *a: str(path)
    assert first.files.save()
    first.editor.set_params("conv", {"out_channels": 48})
    shutil.copy(first.autosave(), recovery / "999999999-0.recovery.json")
    return path


def test_recovery_is_offered_when_started_with_the_same_file(make_window, tmp_path):
    recovery = tmp_path / "rec"
    path = _crashed_edit(make_window, tmp_path, recovery)
    second = make_window(recovery=recovery)
    _open_start_document(second, str(path))
    assert "mine.cnsproj" in second.asked[-1] and "instead of" not in second.asked[-1]
    doc = second.document
    assert doc.graph.node("conv").params["out_channels"] == 48
    assert doc.dirty and doc.path == path


def test_recovery_is_offered_when_started_with_another_file(make_window, tmp_path):
    recovery = tmp_path / "rec"
    _crashed_edit(make_window, tmp_path, recovery)
    other = tmp_path / "other.cnsproj"
    shutil.copy(tmp_path / "mine.cnsproj", other)
    second = make_window(recovery=recovery)
    _open_start_document(second, str(other))
    assert "instead of opening \u201cother.cnsproj\u201d" in second.asked[-1]
    assert second.document.graph.node("conv").params["out_channels"] == 48


def _old(path) -> None:
    then = time.time() - STALE_TEMP_S - 10
    os.utime(path, (then, then))


def test_temporary_files_of_interrupted_saves_are_cleaned_up(window, tmp_path):
    path = tmp_path / "mine.cnsproj"
    stale, fresh = tmp_path / ".mine.cnsproj.k1lled.tmp", tmp_path / ".mine.cnsproj.running.tmp"
    unrelated = tmp_path / ".theirs.cnsproj.k1lled.tmp"
    for temp in (stale, fresh, unrelated):
        temp.write_text("{ half a proj")
    _old(stale)
    _old(unrelated)
    window.files._ask_save_path = lambda *a: str(path)
    assert window.files.save()
    assert not stale.exists() and fresh.exists() and unrelated.exists()
    rec_temp = window.recovery.directory / ".1-0.recovery.json.x.tmp"
    window.recovery.directory.mkdir(parents=True, exist_ok=True)
    rec_temp.write_text("{")
    _old(rec_temp)
    assert RecoveryStore(window.recovery.directory).leftovers() == []
    assert not rec_temp.exists()
