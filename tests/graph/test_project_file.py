"""Project files: round trips, atomic saves, and every kind of bad file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convnet_studio.graph import Graph, list_blocks
from convnet_studio.graph import project_file as pf
from convnet_studio.graph.project_file import (
    FORMAT,
    VERSION,
    ProjectFileError,
    dumps,
    load_project,
    loads,
    save_project,
)


def _sample(make_chain) -> Graph:
    g = make_chain((3, 16, 16), ("Conv2d", dict(out_channels=8, kernel_size=[1, 3], padding="same")),
                   ("Bottleneck", dict(planes=2, stride=2)))
    g.meta = {"description": "tiny", "preset": None}
    g.node("l0").group = "stem"
    g.node("l1").meta["note"] = {"x": [1, 2.5, "é"]}
    g.move_node("l1", (10.5, -3))
    return g


def test_round_trip(tmp_path: Path, make_chain) -> None:
    g = _sample(make_chain)
    path = save_project(g, tmp_path / f"net{pf.SUFFIX}")
    loaded = load_project(path)
    assert loaded.to_dict() == g.to_dict()
    assert list(loaded.nodes) == list(g.nodes) and loaded.edges == g.edges
    data = json.loads(path.read_text("utf-8"))
    assert data["format"] == FORMAT and data["version"] == VERSION


# Random graphs: any block, any node names, random params taken from the schema, random
# wiring through the model's own checks, random JSON meta.
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_TYPES = [spec.type for spec in list_blocks()]


@st.composite
def random_graphs(draw) -> Graph:
    g = Graph(draw(st.text(max_size=12)))
    g.meta = draw(st.dictionaries(st.text(max_size=6), _JSON, max_size=3))
    for i in range(draw(st.integers(0, 12))):
        type_name = draw(st.sampled_from(_TYPES))
        name = draw(st.sampled_from([f"n{i}", f"blk{i % 3}.n{i}", f"layer{i % 2}.{i}.conv"]))
        if name in g or any(n.startswith(name + ".") for n in g.nodes):
            continue
        try:
            g.add_node(type_name, name, position=(draw(st.floats(-1e4, 1e4)), i),
                       group=draw(st.none() | st.sampled_from(["g1", "stage"])),
                       meta=draw(st.dictionaries(st.sampled_from(["note", "origin", "auto"]), _JSON, max_size=2)))
        except Exception:
            continue
    names = list(g.nodes)
    for _ in range(draw(st.integers(0, 15)) if names else 0):
        src, dst = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        ports = g.node(dst).input_ports()
        if ports:
            try:
                g.connect(src, dst, dst_port=draw(st.sampled_from(ports)))
            except Exception:
                pass
    return g


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_round_trip_random(g: Graph) -> None:
    text = dumps(g)
    loaded = loads(text)
    assert loaded.to_dict() == g.to_dict()
    assert dumps(loaded) == text


def test_atomic_save_keeps_the_original(tmp_path: Path, make_chain, monkeypatch) -> None:
    path = tmp_path / "net.cnsproj"
    save_project(make_chain((3, 8, 8)), path)
    original = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(ProjectFileError, match="No space left"):
        save_project(_sample(make_chain), path)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.cnsproj"]  # no temp left


def test_atomic_save_when_rename_fails(tmp_path: Path, make_chain, monkeypatch) -> None:
    path = tmp_path / "net.cnsproj"
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(13, "Permission denied")))
    with pytest.raises(ProjectFileError, match="Permission denied"):
        save_project(make_chain((3, 8, 8)), path)
    assert list(tmp_path.iterdir()) == []


def test_save_into_missing_folder(tmp_path: Path, make_chain) -> None:
    with pytest.raises(ProjectFileError, match="cannot write"):
        save_project(make_chain((3, 8, 8)), tmp_path / "nope" / "net.cnsproj")


def _bad(tmp_path: Path, content: bytes | str, match: str) -> None:
    path = tmp_path / "bad.cnsproj"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    with pytest.raises(ProjectFileError, match=match) as info:
        load_project(path)
    assert str(path) in str(info.value)


def test_truncated(tmp_path: Path, make_chain) -> None:
    text = dumps(_sample(make_chain))
    _bad(tmp_path, text[: len(text) // 2], "truncated")


def test_malformed(tmp_path: Path) -> None:
    _bad(tmp_path, "{nodes: []}", "not valid JSON at line 1, column 2")
    _bad(tmp_path, "", "empty")
    _bad(tmp_path, "[1, 2]", "not a ConvNet Studio project")


def test_wrong_format(tmp_path: Path) -> None:
    _bad(tmp_path, json.dumps({"format": "keras", "version": 2}), "not a ConvNet Studio project")
    _bad(tmp_path, json.dumps({"format": FORMAT, "version": "2"}), "whole number")
    _bad(tmp_path, json.dumps({"format": FORMAT, "version": 0}), "unknown format version")
    _bad(tmp_path, json.dumps({"format": FORMAT, "version": 2, "nodes": {}}), '"nodes" must be a list')
    _bad(tmp_path, json.dumps({"format": FORMAT, "version": 2, "nodes": [5]}), r"nodes\[0\] must be an object")
    _bad(tmp_path, json.dumps({"format": FORMAT, "version": 2, "nodes": [], "edges": [["a"]]}), r"edges\[0\]")


def test_newer_version(tmp_path: Path) -> None:
    _bad(tmp_path, json.dumps({"format": FORMAT, "version": VERSION + 1, "nodes": []}), "newer ConvNet Studio")


def test_v1_is_migrated(tmp_path: Path, make_chain) -> None:
    g = make_chain((3, 8, 8), ("ReLU", {}))
    v2 = g.to_dict()
    v1 = {key: value for key, value in v2.items() if key != "meta"}
    v1["version"] = 1
    v1["edges"] = [[e["from"], e["from_port"], e["to"], e["to_port"]] for e in v2["edges"]]
    path = tmp_path / "old.cnsproj"
    path.write_text(json.dumps(v1), "utf-8")
    assert load_project(path).to_dict() == v2


def test_edges_to_missing_nodes(tmp_path: Path) -> None:
    data = {"format": FORMAT, "version": 2, "nodes": [{"name": "a", "type": "ReLU"}],
            "edges": [{"from": "a", "from_port": "out", "to": "ghost", "to_port": "in"}]}
    _bad(tmp_path, json.dumps(data), "'ghost' that is not in the file")


def test_hostile_nesting_and_encoding(tmp_path: Path) -> None:
    _bad(tmp_path, "[" * 200_000 + "]" * 200_000, "nested too deeply")
    _bad(tmp_path, b"\xff\xfe\x00{", "not UTF-8")
    _bad(tmp_path, '{"format": "' + FORMAT + '", "version": ' + "9" * 5000 + "}", "not a project file")


def test_hostile_size(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(pf, "MAX_FILE_BYTES", 100)
    _bad(tmp_path, json.dumps({"format": FORMAT, "pad": "x" * 200}), "too large")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "a/b", "C:\\x", "__class__", "layer1.__init__", "forward", "", "a..b", "os.system"],
)
def test_hostile_names(tmp_path: Path, name: str) -> None:
    data = {"format": FORMAT, "version": 2, "nodes": [{"name": name, "type": "ReLU"}]}
    if name == "os.system":  # a valid module path: loads as a plain node, runs nothing
        assert list(loads(json.dumps(data)).nodes) == ["os.system"]
        return
    _bad(tmp_path, json.dumps(data), "not a valid node name")


def test_duplicate_and_prefix_names(tmp_path: Path) -> None:
    nodes = [{"name": "a", "type": "ReLU"}, {"name": "a.b", "type": "ReLU"}]
    _bad(tmp_path, json.dumps({"format": FORMAT, "version": 2, "nodes": nodes}), "inside the node 'a'")
    nodes = [{"name": "a", "type": "ReLU"}, {"name": "a", "type": "ReLU"}]
    _bad(tmp_path, json.dumps({"format": FORMAT, "version": 2, "nodes": nodes}), "already exists")


def test_unknown_block_types_are_all_named(tmp_path: Path) -> None:
    nodes = [{"name": "x", "type": "__import__('os')"}, {"name": "y", "type": "Transformer"}]
    _bad(tmp_path, json.dumps({"format": FORMAT, "version": 2, "nodes": nodes}),
         r"unknown block type\(s\): __import__\('os'\) \(node x\), Transformer \(node y\)")


def test_bad_fields(tmp_path: Path) -> None:
    base = {"name": "a", "type": "ReLU"}
    for extra, match in [({"params": []}, "params"), ({"position": [1]}, "position"),
                         ({"position": [True, 1]}, "position"), ({"group": 3}, "group"), ({"meta": "x"}, "meta")]:
        _bad(tmp_path, json.dumps({"format": FORMAT, "version": 2, "nodes": [{**base, **extra}]}), match)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="no such file"):
        load_project(tmp_path / "missing.cnsproj")
    with pytest.raises(ProjectFileError, match="is a folder"):
        load_project(tmp_path)


def test_saved_file_follows_the_umask_and_keeps_existing_permissions(tmp_path: Path, make_chain) -> None:
    path = tmp_path / "net.cnsproj"
    old = os.umask(0o022)
    try:
        save_project(make_chain((3, 8, 8)), path)
        assert path.stat().st_mode & 0o777 == 0o644
        path.chmod(0o640)
        save_project(make_chain((3, 8, 8)), path)
        assert path.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)


def test_a_snapshot_does_not_follow_later_edits_of_the_graph_meta() -> None:
    g = Graph("m")
    g.meta["note"] = {"a": 1}
    snapshot = g.to_dict()
    g.meta["note"]["a"] = 2
    g.meta["weights"] = {"checkpoint": "last.pt"}
    assert snapshot["meta"] == {"note": {"a": 1}}
