"""Exported code never runs the project's text: names, descriptions and parameters from a
shared project file are escaped or refused, and the file imports, builds and runs."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from inert import inert_problems

from convnet_studio.codegen import InvalidGraphError, generate_python
from convnet_studio.graph import Graph, GraphError
from convnet_studio.graph.names import name_problem

PAYLOAD = 'x""";__import__("os").system("touch PWNED");"""'
HOSTILE = [
    PAYLOAD,
    '"',
    '""',
    "'''",
    "\\",
    '\\"""',
    "\x00",
    "\ud800",
    "\u2028",
    "\r",
    "\t",
    "\\N{",
    "{x}",
    "\n",
    "#",
]
hostile_text = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), max_size=5).map("".join)
SEGMENTS = ["conv", "x", "self", "torch", "F", "nn", "main", "class", "None", "lambda", "0", "1"]
segment = st.sampled_from(SEGMENTS) | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
node_names = st.builds(
    lambda parts, tail: ".".join(parts) + tail,
    st.lists(segment, min_size=1, max_size=3),
    st.sampled_from(["", "", "\n"]),
)
SETTINGS = settings(
    max_examples=int(os.environ.get("CS_HOSTILE_EXAMPLES", "25")),
    deadline=None,
    # filter_too_much: most drawn names are refused by the graph (keywords, "\n"), as they should be.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)


def _graph(name: str, description: str, names: list[str | None], params: dict) -> Graph:
    g = Graph(name)
    g.meta["description"] = description
    x = g.add("Input", channels=2, height=6, width=6)
    a = g.add("Conv2d", name=names[0], inputs=x, out_channels=3, kernel_size=3, **params)
    b = g.add("Conv2d", name=names[1], inputs=x, out_channels=3, kernel_size=3, padding=1)
    y = g.add("Add", name=names[2], inputs=[a, b])
    y = g.add("ReLU", name=names[3], inputs=y)
    y = g.add("Flatten", inputs=g.add("GlobalAvgPool", inputs=y))
    g.add("Output", inputs=g.add("Linear", name=names[4], inputs=y, out_features=4))
    return g


def _check_export(graph: Graph, load_source) -> str:
    source = generate_python(graph)
    assert inert_problems(source) == []
    assert ast.get_docstring(ast.parse(source)) is not None
    module = load_source(source)
    model = module.build_model().eval()
    with torch.no_grad():
        assert model(torch.randn(1, 2, 6, 6)).shape == (1, 4)
    return source


def test_the_reported_payload_stays_text(load_source, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    graph = _graph(PAYLOAD, PAYLOAD, [None] * 5, {"padding": 1})
    source = _check_export(graph, load_source)
    assert ast.get_docstring(ast.parse(source)).startswith(PAYLOAD)
    assert not (tmp_path / "PWNED").exists()


@SETTINGS
@given(name=hostile_text, description=hostile_text)
def test_hostile_names_and_descriptions(name: str, description: str, load_source) -> None:
    source = _check_export(_graph(name, description, [None] * 5, {"padding": 1}), load_source)
    shown = ast.get_docstring(ast.parse(source), clean=False)
    if name.replace("\n", " ").isprintable():
        assert name.replace("\n", " ").strip() in shown


@SETTINGS
@given(names=st.lists(node_names, min_size=5, max_size=5, unique=True))
def test_hostile_node_names(names: list[str], load_source) -> None:
    # A name the graph refuses on its own (a keyword, a newline) becomes an automatic name, so
    # every example exports instead of most being discarded; prefix clashes are still refused.
    names = [n if name_problem(n) is None else None for n in names]
    try:
        graph = _graph("net", "", names, {"padding": 1})
    except GraphError:
        assume(False)  # one name is a prefix path of another: refused, nothing to export
    _check_export(graph, load_source)


@SETTINGS
@given(
    value=hostile_text | st.sampled_from(["same", "valid", 1, [1, 1]]),
    key=st.sampled_from(["padding", "stride", "dilation", "bias", "groups"]),
)
def test_hostile_parameters(key: str, value, load_source) -> None:
    try:
        graph = _graph("net", "", [None] * 5, {"padding": 1, key: value})
    except GraphError as exc:
        assert key in str(exc)  # refused, naming the parameter: nothing to export
        return
    try:
        _check_export(graph, load_source)
    except InvalidGraphError:
        pass  # refused with a problem (a shape that does not fit): nothing was written


@pytest.mark.parametrize("class_name", ["class", "None", "F", "x; import os", "build_model"])
def test_a_class_name_that_is_no_identifier_is_refused(class_name: str) -> None:
    with pytest.raises(InvalidGraphError, match="cannot name the model class"):
        generate_python(_graph("net", "", [None] * 5, {"padding": 1}), class_name=class_name)


@pytest.mark.parametrize("name", ["none", "true", "f", "2²", "µ-net", "build model"])
def test_class_names_from_graph_names_are_identifiers(name: str, load_source) -> None:
    _check_export(_graph(name, "", [None] * 5, {"padding": 1}), load_source)


@pytest.mark.slow  # a fresh interpreter imports torch
def test_running_the_file_prints_its_summary(tmp_path) -> None:
    graph = _graph("tiny net", "", [None] * 5, {"padding": 1})
    path = tmp_path / "net.py"
    path.write_text(generate_python(graph), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    total = graph.analyze().total.params
    assert f"{total:,} parameters" in done.stdout
    assert "forward: input (1, 2, 6, 6) -> output (1, 4)" in done.stdout
    assert "conv1" in done.stdout and "Conv2d" in done.stdout
