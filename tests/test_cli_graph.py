"""``convnet-studio validate`` and ``summary``: exit codes, lines, JSON, and one-sentence errors."""

from __future__ import annotations

import os

import json
import subprocess
import sys
from pathlib import Path

import pytest

from convnet_studio.cli import main
from convnet_studio.graph import Graph
from convnet_studio.graph.project_file import save_project


def _good(tmp_path: Path) -> Path:
    g = Graph("good")
    x = g.add("Input", "input", channels=3, height=32, width=32)
    x = g.add("Conv2d", "conv", x, out_channels=8, kernel_size=3, padding=1, bias=False)
    x = g.add("Flatten", "flatten", g.add("GlobalAvgPool", "pool", x))
    g.add("Output", "output", g.add("Linear", "fc", x, out_features=10))
    return save_project(g, tmp_path / "good.cnsproj")


def _bad(tmp_path: Path) -> Path:
    g = Graph("bad")
    x = g.add("Input", "input", channels=3, height=8, width=8)
    y = g.add("Conv2d", "conv", x, out_channels=16, kernel_size=3, padding=1)
    g.add("Output", "output", g.add("Add", "add", [y, x]))
    g.add_node("ReLU", "loose")
    return save_project(g, tmp_path / "bad.cnsproj")


def test_validate_ok(tmp_path: Path, capsys) -> None:
    path = _good(tmp_path)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid, 6 nodes" in out and f"{3 * 8 * 9 + 8 * 10 + 10:,} parameters" in out


def test_validate_problems(tmp_path: Path, capsys) -> None:
    assert main(["validate", str(_bad(tmp_path))]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    node, port, message = lines[0].split("\t")
    assert (node, port) == ("add", "in1") and message.startswith("channel mismatch")
    assert lines[1].split("\t")[:2] == ["loose", "in"]


def test_validate_json(tmp_path: Path, capsys) -> None:
    assert main(["validate", str(_bad(tmp_path)), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert [set(p) for p in problems] == [{"node", "port", "message"}] * 2
    assert problems[0]["node"] == "add" and problems[0]["port"] == "in1"
    assert main(["validate", str(_good(tmp_path)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_validate_at_another_input_size(tmp_path: Path, capsys) -> None:
    g = Graph("small")
    x = g.add("Input", "input", channels=3, height=8, width=8)
    g.add("Output", "output", g.add("Conv2d", "conv", x, kernel_size=5))
    path = save_project(g, tmp_path / "s.cnsproj")
    assert main(["validate", str(path)]) == 0
    assert main(["validate", str(path), "--input", "3,4,4"]) == 1
    assert "conv\tin\tConv2d: the H axis shrinks below 1" in capsys.readouterr().out


def test_summary_json(tmp_path: Path, capsys) -> None:
    assert main(["summary", str(_good(tmp_path)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"nodes", "total_params", "total_macs"} <= set(data)
    assert all({"name", "type", "output_shape", "params", "macs"} <= set(n) for n in data["nodes"])
    conv = next(n for n in data["nodes"] if n["name"] == "conv")
    assert conv == {**conv, "type": "Conv2d", "output_shape": [8, 32, 32], "params": 216, "macs": 216 * 32 * 32}
    assert data["total_params"] == 216 + 90 and data["total_macs"] == 216 * 32 * 32 + 80


def test_summary_table_and_input(tmp_path: Path, capsys) -> None:
    assert main(["summary", str(_good(tmp_path)), "--input", "3,64,64"]) == 0
    out = capsys.readouterr().out
    assert "8 x 64 x 64" in out and "total" in out and "FLOPs = 2 x MACs" in out


def test_summary_of_a_preset(capsys) -> None:
    pytest.importorskip("convnet_studio.presets.catalog")
    assert main(["summary", "resnet18", "--json", "--input", "3,64,64", "--num-classes", "7"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nodes"][-1]["output_shape"] == [7]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "missing.cnsproj"], "no such file"),
        (["summary", "missing.cnsproj"], "no such file"),
        (["summary", "no_such_preset"], "neither a project file nor a preset"),
        (["validate", "{good}", "--input", "3,x,4"], "--input must be C,H,W"),
        (["validate", "{garbage}"], "not valid JSON"),
    ],
)
def test_errors_are_one_sentence(tmp_path: Path, capsys, argv: list[str], message: str) -> None:
    garbage = tmp_path / "garbage.cnsproj"
    garbage.write_text("{oops", "utf-8")
    argv = [a.format(good=_good(tmp_path), garbage=garbage) for a in argv]
    code = main(argv)
    captured = capsys.readouterr()
    assert code not in (0, 1)
    assert captured.err.startswith("convnet-studio: error: ") and message in captured.err
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1


def test_subprocess_exit_codes_and_no_torch(tmp_path: Path) -> None:
    path = _bad(tmp_path)
    code = ("import sys; from convnet_studio.cli import main; rc = main(sys.argv[1:]); "
            "assert 'torch' not in sys.modules, 'validate loaded torch'; sys.exit(rc)")
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-c", code, "validate", str(path)], capture_output=True, text=True,
                         cwd=root, timeout=120)
    assert run.returncode == 1 and run.stdout.startswith("add\tin1\t") and run.stderr == ""
    run = subprocess.run([sys.executable, "-m", "convnet_studio", "validate", str(tmp_path / "nope.cnsproj")],
                         capture_output=True, text=True, cwd=root, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "no such file" in run.stderr


def test_a_closed_pipe_is_not_an_error() -> None:
    """``convnet-studio summary resnet152 | head -1`` ends quietly."""
    import fcntl
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    # A pipe smaller than the output, so the command is still writing when the reader leaves.
    fcntl.fcntl(write_end, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)
    proc = subprocess.Popen(
        [sys.executable, "-m", "convnet_studio", "summary", "resnet152"],
        stdout=write_end,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        reader.read(100)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert b"error" not in err
