"""Opening is transactional: a file that fails anywhere (reading, copying, analysing, the
views' rebuild) leaves the open document exactly as it was, and the user is told why."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ui_graphs import small_graph

from convnet_studio.graph.project_file import graph_to_dict, load_project


def _state(window) -> tuple:
    doc = window.document
    return doc.graph.to_dict(), doc.path, doc.dirty, doc.undo_stack.count()


def _edited(window, tmp_path: Path):
    """The window with a saved file and one unsaved edit: the work a failed open must keep."""
    path = tmp_path / "mine.cnsproj"
    window.files._ask_save_path = lambda *a: str(path)
    assert window.files.save()
    window.editor.set_params("conv", {"out_channels": 24})
    return window


def _nested(depth: int) -> object:
    nested: object = 1
    for _ in range(depth):
        nested = [nested]
    return nested


def _deep_project(depth: int) -> dict:
    data = graph_to_dict(small_graph())
    next(n for n in data["nodes"] if n["name"] == "conv")["params"]["extra"] = _nested(depth)
    return data


def test_params_nested_500_deep_leave_the_document_alone(window, tmp_path):
    _edited(window, tmp_path)
    before = _state(window)
    deep = tmp_path / "deep.cnsproj"
    deep.write_text(json.dumps(_deep_project(500)))
    assert not window.files.open_path(deep)
    assert _state(window) == before
    assert window.errors and "deep.cnsproj" in window.errors[-1]
    assert window.document.undo_stack.canUndo()  # the history survived
    assert set(window.scene.nodes) == set(window.document.graph.nodes)


def test_a_view_that_fails_to_rebuild_rolls_the_open_back(window, tmp_path):
    _edited(window, tmp_path)
    before = _state(window)
    other = tmp_path / "other.cnsproj"
    other.write_text(json.dumps(graph_to_dict(small_graph())).replace('"conv"', '"stem"'))
    calls = []

    def fail_once() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a view broke")

    window.document.graph.events.reset.connect(fail_once)
    assert not window.files.open_path(other)
    assert _state(window) == before and "conv" in window.scene.nodes
    assert "RuntimeError: a view broke" in window.errors[-1]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _containers(value: object) -> list:
    """Every dict and list in ``value``, itself first."""
    if isinstance(value, dict):
        return [value] + [c for v in value.values() for c in _containers(v)]
    if isinstance(value, list):
        return [value] + [c for v in value for c in _containers(v)]
    return []


@st.composite
def project_like(draw) -> object:
    """Any JSON value, or a real project with one value somewhere replaced or added."""
    if draw(st.booleans()):
        return draw(json_values)
    data = graph_to_dict(small_graph())
    holder = draw(st.sampled_from([c for c in _containers(data) if c]))
    keys = sorted(holder) if isinstance(holder, dict) else list(range(len(holder)))
    key = draw(st.sampled_from(keys))
    if isinstance(holder, dict) and draw(st.booleans()):
        key = draw(st.sampled_from(["extra", "meta", "x"]) | st.text(max_size=4))  # a new key
    holder[key] = draw(json_values | st.integers(100, 900).map(_nested))
    return data


@settings(
    max_examples=int(os.environ.get("CS_OPEN_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(value=project_like())
def test_any_json_opens_or_leaves_the_document_exactly_as_it_was(window, tmp_path, value):
    if (
        window.document.path is None
        or not window.document.dirty
        or "conv" not in window.document.graph
    ):
        window.document.replace_graph(small_graph())
        _edited(window, tmp_path)
    before = _state(window)
    errors = len(window.errors)
    path = tmp_path / "any.cnsproj"
    path.write_text(json.dumps(value))
    if window.files.open_path(path):
        assert window.document.path == path and not window.document.dirty
        assert window.document.graph.to_dict() == load_project(path).to_dict()
        assert set(window.scene.nodes) == set(window.document.graph.nodes)
    else:
        assert _state(window) == before
        assert len(window.errors) == errors + 1


@pytest.mark.parametrize("kind", ["preset", "recovery"])
def test_other_ways_of_replacing_the_document_are_transactional(
    window, tmp_path, kind, monkeypatch
):
    _edited(window, tmp_path)
    before = _state(window)
    monkeypatch.setattr(
        "convnet_studio.ui.document._checked",
        lambda graph: (_ for _ in ()).throw(RecursionError("maximum recursion depth exceeded")),
    )
    if kind == "preset":
        assert not window.files.open_preset("resnet20_cifar")
    else:
        window.recovery.save(small_graph(), None)
        window.recovery.file.rename(window.recovery.directory / "999999999-0.recovery.json")
        assert not window.offer_recovery(ask=False)
    assert _state(window) == before
