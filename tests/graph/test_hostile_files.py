"""Project files from someone else: each case here failed (hung, crashed or slipped through) before."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from convnet_studio.graph import Graph, GraphError
from convnet_studio.graph import project_file as pf
from convnet_studio.graph import resources
from convnet_studio.graph.project_file import FORMAT, ProjectFileError, load_project, loads, save_project

IO = [{"name": "input", "type": "Input", "params": {"channels": 3, "height": 8, "width": 8}},
      {"name": "output", "type": "Output"}]


def _file(nodes: list, edges: list | None = None, **top) -> str:
    return json.dumps({"format": FORMAT, "version": 2, "name": "f", "nodes": nodes, "edges": edges or [], **top})


def _refused(text: str, match: str) -> str:
    with pytest.raises(ProjectFileError, match=match) as info:
        loads(text)
    return str(info.value)


def _load_within(path: Path, seconds: float = 10.0):
    """load_project on a thread: a read that blocks fails the test instead of hanging it."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(load_project(path))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"load_project({path}) blocked"
    return outcome[0]


# ------------------------------------------------------------------------------ names
@pytest.mark.parametrize("name", ["conv1\n", "class", "None", "lambda", "self", "layer1.match", "a.01",
                                  "a b", "conv1;import os", "ℌ", "x" * 201, "a.True"])
def test_names_that_cannot_be_python_are_refused_on_load(name: str) -> None:
    message = _refused(_file(IO + [{"name": name, "type": "ReLU"}]), "not a valid node name")
    assert message.startswith("nodes[2]: ") and len(message) < 300


@pytest.mark.parametrize("name", ["conv1\n", "class", "features.None", "self"])
def test_names_that_cannot_be_python_are_refused_by_the_model(name: str) -> None:
    g = Graph()
    with pytest.raises(GraphError, match="not a valid node name"):
        g.add_node("ReLU", name)
    g.add_node("ReLU", "r")
    with pytest.raises(GraphError, match="not a valid node name"):
        g.rename_node("r", name)


def test_module_paths_stay_valid() -> None:
    nodes = IO + [{"name": n, "type": "ReLU"} for n in ("layer1.0.conv1", "features.10", "classifier_2")]
    assert list(loads(_file(nodes)).nodes)[2:] == ["layer1.0.conv1", "features.10", "classifier_2"]


# ------------------------------------------------------------------------ what is read
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "net.cnsproj"
    os.mkfifo(fifo)
    result = _load_within(fifo)
    assert isinstance(result, ProjectFileError) and "not a regular file" in str(result)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "net.cnsproj"
    link.symlink_to("/dev/zero")
    result = _load_within(link)
    assert isinstance(result, ProjectFileError) and "not a regular file" in str(result)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert "is a folder" in str(_load_within(tmp_path))


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="no /proc here")
def test_reading_stops_at_the_cap_when_the_size_says_nothing(monkeypatch) -> None:
    # /proc files are regular files of size 0 that hold more: only the read itself can stop.
    monkeypatch.setattr(pf, "MAX_FILE_BYTES", 100)
    with pytest.raises(ProjectFileError, match="more than 100 bytes is too large"):
        load_project("/proc/self/maps")


# --------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused_anywhere(bad: str) -> None:
    at_position = _file(IO).replace('"name": "output"', f'"position": [{bad}, 0], "name": "output"')
    _refused(at_position, "finite")
    _refused(_file(IO, meta={"x": 1}).replace('{"x": 1}', f'{{"x": [{bad}]}}'), "finite")
    _refused(_file(IO).replace('"height": 8', f'"height": {bad}'), "finite")


@pytest.mark.parametrize("position", [[1e9, 0], [0, -2e7], [10**400, 0]])
def test_positions_are_bounded(position: list) -> None:
    text = _file(IO[:1] + [{"name": "output", "type": "Output", "position": [0, 0]}])
    text = text.replace('"position": [0, 0]', f'"position": {json.dumps(position)}')
    _refused(text, r"node output: \"position\" must lie within")


def test_positions_an_unwrapped_layout_makes_load_back(make_chain) -> None:
    g = make_chain((3, 8, 8), ("ReLU", {}))
    g.move_node("l0", (5000 * 290.0, -3e6))  # 5000 layers left to right, far below
    assert loads(pf.dumps(g)).node("l0").position == (1_450_000.0, -3e6)


# ---------------------------------------------------------------------------- nesting
@pytest.mark.parametrize("where", ["params", "meta", "graph meta"])
def test_deep_nesting_is_refused_and_never_a_recursion_error(where: str) -> None:
    deep = "[" * 500 + "]" * 500
    node = {"name": "r", "type": "ReLU", "params": {}, "meta": {}}
    text = _file(IO + [node], meta={"m": 0}).replace(
        {"params": '"params": {}', "meta": '"meta": {}', "graph meta": '"m": 0'}[where],
        {"params": f'"params": {{"x": {deep}}}', "meta": f'"meta": {{"x": {deep}}}', "graph meta": f'"m": {deep}'}[where],
    )
    _refused(text, "nested more than")


# ------------------------------------------------------------------------ parameters
@pytest.mark.parametrize("value, match", [
    ('"x"', "expected a whole number"),
    ("1000000000", "at most 16"),
    (str(10**30), "beyond the largest size"),
    ("2.5", "expected a whole number"),
])
def test_params_that_drive_ports_are_refused_before_ports_exist(value: str, match: str) -> None:
    nodes = IO + [{"name": "add", "type": "Add", "params": {"num_inputs": 2}}]
    text = _file(nodes).replace('"num_inputs": 2', f'"num_inputs": {value}')
    message = _refused(text, match)
    assert "node add (Add): bad value for num_inputs" in message


def test_param_sizes_stay_within_pytorch_limits() -> None:
    g = Graph()
    with pytest.raises(GraphError, match="beyond the largest size"):
        g.add_node("Conv2d", "c", {"stride": 2**63})
    with pytest.raises(GraphError, match="more than 0"):
        g.add_node("BatchNorm2d", "bn", {"eps": 0.0})


# --------------------------------------------------------------------- long strings
@pytest.mark.parametrize("field", ["type", "name", "params key", "version", "edge end", "port"])
def test_long_user_strings_are_cut_in_messages(field: str) -> None:
    huge = "T" * 5_000_000
    node = {"name": "r", "type": "ReLU"}
    version = 2
    edges: list = []
    if field == "type":
        node["type"] = huge
    elif field == "name":
        node["name"] = huge
    elif field == "params key":
        node["params"] = {huge: 1}
    elif field == "version":
        version = huge  # type: ignore[assignment]
    elif field == "edge end":
        edges = [{"from": huge, "from_port": "out", "to": "r", "to_port": "in"}]
    else:
        edges = [{"from": "input", "from_port": "out", "to": "r", "to_port": huge}]
    text = json.dumps({"format": FORMAT, "version": version, "nodes": IO + [node], "edges": edges})
    with pytest.raises(ProjectFileError) as info:
        loads(text)
    message = str(info.value)
    assert len(message) < 400 and ("…" in message or "..." in message)


# ------------------------------------------------------------------- complete graphs
def test_a_loaded_graph_is_complete_and_analysed() -> None:
    g = loads(_file(IO + [{"name": "r", "type": "ReLU"}],
                    [{"from": "input", "from_port": "out", "to": "r", "to_port": "in"},
                     {"from": "r", "from_port": "out", "to": "output", "to_port": "in"}]))
    assert g.node("r").params == {} and g.analyze().ok
    other = Graph()
    other.replace_with(g)  # what opening a file into the window does
    assert other.to_dict() == g.to_dict()


# ----------------------------------------------------------------------------- saving
def test_saving_through_a_symlink_writes_its_target(tmp_path: Path, make_chain) -> None:
    target = tmp_path / "real.cnsproj"
    save_project(make_chain((3, 8, 8)), target)
    link = tmp_path / "link.cnsproj"
    link.symlink_to(target.name)
    save_project(make_chain((3, 8, 8), ("ReLU", {})), link)
    assert link.is_symlink() and os.readlink(link) == target.name
    assert "l0" in load_project(target).nodes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.cnsproj", "real.cnsproj"]


def test_an_interrupted_save_leaves_no_temp_file(tmp_path: Path, make_chain, monkeypatch) -> None:
    path = tmp_path / "net.cnsproj"
    save_project(make_chain((3, 8, 8)), path)
    original = path.read_bytes()

    def interrupt(*args) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_project(make_chain((3, 8, 8), ("ReLU", {})), path)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["net.cnsproj"]


# -------------------------------------------------------------------------- resources
def _huge_conv() -> str:
    nodes = IO + [{"name": "conv1", "type": "Conv2d", "params": {"out_channels": 10**9, "padding": 1}}]
    edges = [{"from": "input", "from_port": "out", "to": "conv1", "to_port": "in"},
             {"from": "conv1", "from_port": "out", "to": "output", "to_port": "in"}]
    return _file(nodes, edges)


def test_a_network_too_large_for_the_machine_is_a_problem_naming_node_and_size(monkeypatch) -> None:
    monkeypatch.setattr(resources, "machine_memory", lambda: 16 * resources.GIB)
    problems = loads(_huge_conv()).analyze().problems
    assert [(p.node, p.kind) for p in problems] == [("conv1", "resources"), ("conv1", "resources")]
    assert "its parameters need 104.3 GiB" in problems[0].message and "16.0 GiB" in problems[0].message
    assert "activations for one image need 238.4 GiB" in problems[1].message


def test_a_network_that_fits_has_no_resource_problem(monkeypatch, make_chain) -> None:
    monkeypatch.setattr(resources, "machine_memory", lambda: 16 * resources.GIB)
    assert make_chain((3, 224, 224), ("Conv2d", {"out_channels": 512})).analyze().ok


def test_the_whole_network_counts_and_the_largest_node_is_named(monkeypatch, make_chain) -> None:
    # 2,131,000 parameters in all (8.1 MiB), the largest layer 2,002,000 (7.6 MiB)
    monkeypatch.setattr(resources, "machine_memory", lambda: 8 * 1024**2)
    g = make_chain((8, 4, 4), ("Flatten", {}), ("Linear", {"out_features": 1000}), ("Linear", {"out_features": 2000}))
    (p,) = g.analyze().problems
    assert p.node == "l2" and "and the whole network's" in p.message


# ----------------------------------------------------- dicts that never were JSON text
def test_a_dict_from_a_checkpoint_gets_the_same_checks() -> None:
    # Training resumes a checkpoint's graph with Graph.from_dict: no JSON parser ran on it.
    base = json.loads(_file(IO))
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    for bad, match in [({"x": float("nan")}, "finite"), ({"x": (1, 2)}, "tuple is not JSON"),
                       ({"x": deep}, "nested more than"), ({1: 2}, "key is not text")]:
        with pytest.raises(ProjectFileError, match=match):
            Graph.from_dict({**base, "meta": bad})
