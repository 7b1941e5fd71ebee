"""A newcomer's first commands: typos refused without a window, presets validated, one unit convention."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from convnet_studio.cli import main
from convnet_studio.cli.graph_commands import summary_table
from convnet_studio.graph.blocks.arith import fmt_bytes
from convnet_studio.presets import get_preset

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("word", "named"),
    [
        ("improt", "did you mean the command 'import'?"),
        ("exprot", "did you mean the command 'export'?"),
        ("trian", "did you mean the command 'train'?"),
        ("resnet20", "did you mean the preset 'resnet20_cifar'?"),
        ("ResNet-18", "did you mean the preset 'resnet18'?"),
        ("xyzzyq", "'convnet-studio presets' for the presets"),
        ("missing.cnsproj", "no such file: missing.cnsproj"),
    ],
)
def test_an_unknown_word_is_one_line_and_no_window(capsys, word: str, named: str) -> None:
    assert main([word]) == 2
    assert main(["open", word]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("convnet-studio: error: ") and named in line for line in err)


def test_a_typo_exits_before_qt_even_without_a_display(tmp_path: Path) -> None:
    code = ("import sys; from convnet_studio.cli import main; rc = main(sys.argv[1:]); "
            "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'; sys.exit(rc)")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}  # no DISPLAY: a window would hang
    run = subprocess.run([sys.executable, "-c", code, "improt"], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=60, check=False)
    assert run.returncode == 2, run.stderr
    assert run.stdout == "" and run.stderr.count("\n") == 1 and "'import'" in run.stderr


def test_no_display_is_one_sentence(monkeypatch, capsys) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["resnet20_cifar"]) == 2
    err = capsys.readouterr().err
    assert "no display" in err and "xvfb-run" in err and "QT_QPA_PLATFORM=offscreen" in err
    assert err.count("\n") == 1


def test_validate_takes_a_preset(capsys) -> None:
    assert main(["validate", "resnet20_cifar"]) == 0
    assert capsys.readouterr().out.startswith("resnet20_cifar: valid, 17 nodes, 269,722 parameters")
    assert main(["validate", "resnet18", "--input", "3,64,64", "--num-classes", "7", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["validate", "resnet99"]) == 2
    assert "neither a project file nor a preset" in capsys.readouterr().err


def test_summary_input_counts_the_input_activations(capsys) -> None:
    tables = []
    for argv in (["summary", "resnet20_cifar"], ["summary", "resnet20_cifar", "--input", "3,32,32"]):
        assert main(argv) == 0
        tables.append(capsys.readouterr().out)
    assert tables[0] == tables[1]
    input_row = tables[1].splitlines()[2].split()
    assert input_row[:2] == ["input", "Input"] and input_row[-2:] == ["12.0", "KiB"]  # 3*32*32*4 bytes
    assert main(["summary", "resnet20_cifar", "--input", "3,32,32", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nodes"][0]["activations"] == 3 * 32 * 32
    assert data["total_activations"] == sum(n["activations"] for n in data["nodes"])


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (12288, "12.0 KiB"), (2_621_440, "2.5 MiB"),
     (5 * 2**30, "5.0 GiB"), (3 * 2**40, "3072.0 GiB")],
)
def test_one_unit_convention(n: int, text: str) -> None:
    from convnet_studio.ui import format as gui_format

    assert fmt_bytes(n) == text
    assert gui_format.fmt_bytes(n) == text


def test_gui_summary_shows_the_cli_bytes(qapp) -> None:
    from convnet_studio.ui.panels.summary_model import COLUMNS, SummaryModel

    graph = get_preset("resnet20_cifar")
    analysis = graph.analyze()
    model = SummaryModel()
    model.set_analysis(graph, analysis)
    column = COLUMNS.index("Activations")
    gui = [model.data(model.index(row, column)) for row in range(model.rowCount())]
    cli_lines = summary_table(graph, analysis).splitlines()[2:2 + len(analysis.order)]
    cli = [" ".join(line.split()[-2:]) for line in cli_lines]
    assert gui == cli and "12.0 KiB" in gui
