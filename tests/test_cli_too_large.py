"""A network no machine can hold: every command refuses it in a sentence, before torch allocates."""

from __future__ import annotations

from pathlib import Path

import pytest

from convnet_studio.cli import main
from convnet_studio.graph import Graph
from convnet_studio.graph.project_file import save_project


def _too_large(tmp_path: Path) -> Path:
    # 2^31 - 1 filters on 4096 x 4096: about 128 PiB of activations for one image.
    g = Graph("huge")
    x = g.add("Input", "input", channels=3, height=4096, width=4096)
    x = g.add("Conv2d", "conv1", x, out_channels=2**31 - 1, padding=1)
    x = g.add("Flatten", "flat", g.add("GlobalAvgPool", "pool", x))
    g.add("Output", "output", g.add("Linear", "fc", x, out_features=4))
    return save_project(g, tmp_path / "huge.cnsproj")


@pytest.mark.parametrize("command", ["validate", "summary"])
def test_graph_commands_report_it(tmp_path: Path, capsys, command: str) -> None:
    assert main([command, str(_too_large(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "conv1" in out and "GiB" in out and "more than this machine's" in out


@pytest.mark.parametrize("fmt", ["python", "torchscript"])
def test_export_refuses_it(tmp_path: Path, capsys, fmt: str) -> None:
    code = main(["export", str(_too_large(tmp_path)), "--format", fmt, "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "is not a valid network: conv1: its" in err and "GiB" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # the check runs in the training worker, which takes seconds to start
def test_train_refuses_it(tmp_path: Path, capsys) -> None:
    code = main(["train", str(_too_large(tmp_path)), "--max-steps", "1", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code != 0 and "the graph cannot be built: conv1: its" in err and "GiB" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
