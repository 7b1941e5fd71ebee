"""The document: inspector both ways, files, title and dirty state, recovery, clipboard."""

from __future__ import annotations

import shutil

from convnet_studio.graph.model import Edge
from convnet_studio.ui.recovery import RecoveryStore


def test_inspector_edits_reach_the_model_and_undo_reaches_the_inspector(window):
    doc, inspector = window.document, window.inspector
    doc.set_selection(["conv"])
    field = inspector.fields["out_channels"]
    field.widget.setValue(24)
    field.widget.setValue(32)  # typing on: one merged undo step
    assert doc.graph.node("conv").params["out_channels"] == 32
    doc.flush()
    assert window.scene.nodes["conv"].face.shape == "32 x 32 x 32"
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.graph.node("conv").params["out_channels"] == 16
    assert field.widget.value() == 16
    inspector.fields["kernel_size"].widget.h.setValue(5)
    assert doc.graph.node("conv").params["kernel_size"] == 5


def test_inspector_refuses_bad_values_and_renames(window):
    doc, inspector = window.document, window.inspector
    doc.set_selection(["conv"])
    inspector.fields["padding"].widget.mode.setCurrentText("same")
    assert doc.graph.node("conv").params["padding"] == "same"
    inspector.name_edit.setText("not a name!")
    inspector.name_edit.editingFinished.emit()
    assert "conv" in doc.graph and inspector.error.text()
    inspector.name_edit.setText("stem_conv")
    inspector.name_edit.editingFinished.emit()
    assert "stem_conv" in doc.graph and Edge("stem_conv", "relu") in window.scene.edges
    doc.undo_stack.undo()
    assert "conv" in doc.graph and "stem_conv" not in doc.graph
    # the renamed node stays selected through the undo: the inspector shows it by its old name
    assert doc.selection == ["conv"]
    assert inspector.name == "conv" and inspector.name_edit.text() == "conv"


def test_save_open_round_trip_title_and_dirty_state(window, make_window, tmp_path):
    doc = window.document
    assert "[*]" in window.windowTitle() and not window.isWindowModified()
    window.editor.set_params("conv", {"out_channels": 8})
    assert doc.dirty and window.isWindowModified()
    path = tmp_path / "net.cnsproj"
    window.files._ask_save_path = lambda *a: str(path)
    assert window.files.save()
    assert not doc.dirty and window.windowTitle().startswith("net.cnsproj")
    other = make_window()
    assert other.files.open_path(path)
    assert other.document.graph.to_dict() == doc.graph.to_dict()
    assert str(path.resolve()) in other.files.recent()
    bad = tmp_path / "broken.cnsproj"
    bad.write_text("{ not json")
    assert not other.files.open_path(bad)
    assert other.errors and "broken.cnsproj" in other.errors[-1]
    assert other.document.path == path  # the failed open left the document alone


def test_recovery_file_is_written_and_offered_after_a_crash(make_window, tmp_path):
    recovery = tmp_path / "rec"
    first = make_window(recovery=recovery)
    first.editor.set_params("conv", {"out_channels": 40})
    written = first.autosave()
    assert written is not None and written.exists()
    # A file whose writer is gone (no such process id) is what a crash leaves behind.
    shutil.copy(written, recovery / "999999999-0.recovery.json")
    second = make_window(recovery=recovery)
    assert second.offer_recovery(ask=False)
    assert second.document.graph.node("conv").params["out_channels"] == 40
    assert second.document.dirty
    assert not (recovery / "999999999-0.recovery.json").exists()
    # Files of windows still open (this process) are never offered.
    assert RecoveryStore(recovery).leftovers() == []
    first.document.undo_stack.setClean()  # saved or undone: nothing to recover any more
    first.autosave()
    assert not written.exists()


def test_copy_paste_and_duplicate_are_one_step_each(window):
    doc, editor = window.document, window.editor
    graph = doc.graph
    doc.set_selection(["conv"])
    assert editor.copy(["conv", "relu"])
    pasted = editor.paste()
    assert len(pasted) == 2 and all(graph.node(n).type in ("Conv2d", "ReLU") for n in pasted)
    assert Edge(pasted[0], pasted[1]) in graph.edges
    assert doc.selection == pasted
    doc.undo_stack.undo()
    assert not any(n in graph for n in pasted)
    # The selection from before the paste comes back, and the inspector shows it again.
    assert doc.selection == ["conv"] and window.inspector.name == "conv"
    doc.undo_stack.redo()
    assert doc.selection == pasted
    doc.undo_stack.undo()
    dup = editor.duplicate(["relu"])
    assert len(dup) == 1 and graph.node(dup[0]).position != graph.node("relu").position
    doc.undo_stack.undo()
    assert doc.selection == ["conv"]
    doc.undo_stack.redo()
    assert doc.selection == dup


def test_delete_selection_and_undo_restores_exactly(window):
    doc, graph = window.document, window.document.graph
    before = graph.to_dict()
    doc.set_selection(["conv"])
    window.actions["delete"].trigger()
    assert "conv" not in graph and "conv" not in window.scene.nodes
    doc.undo_stack.undo()
    assert graph.to_dict() == before and "conv" in window.scene.nodes


def test_problems_panel_selects_and_centres(window):
    window.editor.disconnect([Edge("conv", "relu")])
    window.document.flush()
    panel = window.problems
    rows = [panel.item(i) for i in range(panel.count())]
    target = next(r for r in rows if "relu" in r.text())
    panel.itemClicked.emit(target)
    assert window.document.selection == ["relu"] and window.scene.nodes["relu"].isSelected()
    assert "problem" in window.status_info.validity.text()


def test_summary_input_size_reanalyses(window):
    summary, doc = window.summary, window.document
    summary.override.setChecked(True)
    summary.h.setValue(64)
    summary.w.setValue(64)
    doc.flush()
    assert doc.analysis().output_shape("conv") == (16, 64, 64)
    assert window.scene.nodes["conv"].face.shape == "16 x 64 x 64"
    assert "64" in summary.totals.text()
    summary.override.setChecked(False)
    doc.flush()
    assert doc.analysis().output_shape("conv") == (16, 32, 32)
