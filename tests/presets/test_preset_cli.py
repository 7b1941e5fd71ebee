"""The ``presets`` command, presets as SOURCE for ``summary``, and the generated docs page."""

from __future__ import annotations

import json
from pathlib import Path

from convnet_studio.cli import main
from convnet_studio.presets import preset_names
from convnet_studio.presets.doc import render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "presets.md"


def test_presets_lists_every_preset(capsys) -> None:
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in preset_names():
        assert f"\n{name} " in out
    assert "25.6M" in out and "4.089" in out


def test_presets_json(capsys) -> None:
    assert main(["presets", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == preset_names()
    resnet50 = rows[preset_names().index("resnet50")]
    assert resnet50["params"] == 25_557_032 and resnet50["macs"] == 4_089_184_256
    assert resnet50["input"] == [3, 224, 224] and resnet50["torchvision"] == "resnet50"
    assert main(["presets", "--json", "--family", "GoogLeNet"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == [
        "googlenet",
        "googlenet_paper",
    ]


def test_summary_of_resnet50_reports_its_parameters(capsys) -> None:
    assert main(["summary", "resnet50", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_params"] == 25_557_032


def test_summary_takes_class_count_and_input(capsys) -> None:
    assert main(["summary", "resnet18", "--num-classes", "10", "--input", "3,32,32", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nodes"][-2]["name"] == "fc" and data["nodes"][-2]["output_shape"] == [10]


def test_preset_errors_are_one_sentence(capsys) -> None:
    assert main(["summary", "vgg11", "--input", "3,8,8"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("convnet-studio: error: vgg11 cannot take a 3 x 8 x 8 input")
        and "Traceback" not in err
    )


def test_docs_page_is_up_to_date() -> None:
    assert DOCS.read_text() == render(), (
        "run: python -m convnet_studio.presets.doc > docs/presets.md"
    )
