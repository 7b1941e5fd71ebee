"""Fuzzing the loader: whatever a file holds, it loads into a working graph or raises ProjectFileError.

Three sources of input: random bytes, any JSON value, and real project files with one value
somewhere replaced by random JSON (which reaches every check past the header).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convnet_studio.graph import Graph, list_blocks
from convnet_studio.graph.project_file import FORMAT, ProjectFileError, dumps, loads

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

_SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.sampled_from([0, 1, 2, 16, 17, -1, 10**9, 2**63])
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10)
    | st.sampled_from(["in", "out", "in0", "in1", "same", "valid", "Conv2d", "Add", "input", "output", "B"])
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8) | st.sampled_from(
        ["name", "type", "params", "position", "meta", "group", "from", "to", "num_inputs", "origin"]), inner,
        max_size=4),
    max_leaves=12,
)
# Deep nesting (a copy of the graph recursed once per level) and non-finite numbers.
DEEP = st.integers(1, 700).map(lambda depth: json.loads("[" * depth + "]" * depth))
ODD = st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, 10**400])
VALUES = JSON | DEEP | ODD | st.lists(ODD | DEEP, min_size=1, max_size=2)


def _sample() -> dict[str, Any]:
    """A small real project touching every kind of block."""
    g = Graph("sample")
    x = g.add("Input", "input", channels=4, height=8, width=8)
    y = g.add("Conv2d", "conv", x, out_channels=4, padding=1)
    z = g.add("Add", "add", [y, x])
    z = g.add("Bottleneck", "layer1.0", z, planes=1)
    z = g.add("Concat", "cat", [z, z], num_inputs=2)
    z = g.add("MaxPool2d", "pool", z)
    z = g.add("Linear", "fc", g.add("Flatten", "flat", z), out_features=3)
    g.add("Output", "output", z)
    g.node("conv").meta["origin"] = {"name": "blk", "type": "ConvBNReLU", "params": {}}
    g.meta = {"description": "fuzz"}
    return json.loads(dumps(g))


SAMPLE = _sample()


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, prefix + (i,))
    return found


PATHS = _paths(SAMPLE)[1:]


def _replace(data: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replace(data[path[0]], path[1:], new)
    return copy


def _no_constant(name: str) -> None:
    raise AssertionError(f"saved {name}: not standard JSON")


def _check(text: str | bytes) -> None:
    try:
        graph = loads(text)
    except ProjectFileError as exc:
        assert len(str(exc)) < 1000
        return
    # A loaded graph works everywhere: its ports and labels (the canvas), analysis, copies,
    # saving as standard JSON and loading again.
    for node in graph:
        node.input_ports(), node.output_ports(), node.spec.describe(node.params)
        assert all(abs(v) <= 1e7 for v in node.position)
    graph.analyze()
    json.loads(dumps(graph), parse_constant=_no_constant)
    assert graph.copy().to_dict() == graph.to_dict()
    assert loads(dumps(graph)).to_dict() == graph.to_dict()


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes(raw: bytes) -> None:
    _check(raw)


@FUZZ
@given(VALUES)
def test_any_json_value(value: Any) -> None:
    _check(json.dumps(value))
    _check(json.dumps({"format": FORMAT, "version": 2, "nodes": value}))


@FUZZ
@given(st.sampled_from(PATHS), VALUES)
def test_a_real_file_with_one_value_replaced(path: tuple, value: Any) -> None:
    _check(json.dumps(_replace(SAMPLE, path, value)))


_TYPES = [spec.type for spec in list_blocks()]
_PARAM_NAMES = sorted({p.name for spec in list_blocks() for p in spec.params})


@FUZZ
@given(st.lists(st.fixed_dictionaries({
    "name": st.sampled_from(["input", "output", "a", "b", "a.b", "layer1.0", "class", "a\n"]),
    "type": st.sampled_from(_TYPES),
    "params": st.dictionaries(st.sampled_from(_PARAM_NAMES), VALUES, max_size=3),
}), max_size=5), st.lists(st.fixed_dictionaries({
    "from": st.sampled_from(["input", "a", "b", "a.b", "layer1.0"]),
    "from_port": st.sampled_from(["out", "in"]),
    "to": st.sampled_from(["output", "a", "b", "a.b", "layer1.0"]),
    "to_port": st.sampled_from(["in", "in0", "in1", "in2", "out"]),
}), max_size=6))
def test_random_nodes_and_edges(nodes: list, edges: list) -> None:
    _check(json.dumps({"format": FORMAT, "version": 2, "nodes": nodes, "edges": edges}))
