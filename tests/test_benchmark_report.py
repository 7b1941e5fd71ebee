"""benchmarks/run_all.py turns benchmark rows into docs/benchmarks.md (no benchmark is run here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_all():
    spec = importlib.util.spec_from_file_location("run_all", ROOT / "benchmarks" / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rows_are_checked_and_made_jsonable(run_all) -> None:
    row = run_all.normalize(
        {"what": "x", "result": 1.5, "target": "< 2", "ok": 1, "extra": object()}
    )
    assert row["ok"] is True and isinstance(row["extra"], str)
    assert run_all.normalize({"what": "x", "result": 1, "target": "-"})["ok"] is None
    with pytest.raises(ValueError, match="target"):
        run_all.normalize({"what": "x", "result": 1})


def test_report_puts_each_target_beside_its_result(run_all) -> None:
    rows = [
        {
            "what": "shape inference, 5000 nodes",
            "result": "41 ms",
            "target": "< 100 ms",
            "ok": True,
        },
        {
            "what": "plot frame rate",
            "result": 12.5,
            "target": ">= 30 fps",
            "ok": False,
            "note": "peak",
        },
    ]
    gpu = {"machine": {"gpu": "NVIDIA H100"}, "date": "2026-01-01", "rows": [rows[0]]}
    text = run_all.render([("bench_x", rows, 1.0)], {"cpu": "test CPU", "cores": "2"}, "today", gpu)
    assert "| shape inference, 5000 nodes | < 100 ms | 41 ms | yes |" in text
    assert "| plot frame rate | >= 30 fps | 12.5 (peak) | **NO** |" in text
    assert "cpu: test CPU; cores: 2" in text and "Date: today." in text
    assert "## GPU" in text and "gpu: NVIDIA H100" in text
    assert "No GPU results yet" in run_all.render([], {}, "today", None)


def test_every_benchmark_module_has_a_run_function(run_all) -> None:
    import ast

    for name in run_all.discover():
        tree = ast.parse((ROOT / "benchmarks" / f"{name}.py").read_text(encoding="utf-8"))
        functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert "run" in functions, f"benchmarks/{name}.py has no run() for run_all.py"


def test_update_replaces_only_the_sections_that_ran(run_all) -> None:
    old = [{"what": "a", "result": "1 ms", "target": "< 2 ms", "ok": True}]
    report = run_all.render([("bench_a", old, 1.0), ("bench_b", old, 1.0)], {"cpu": "c"}, "then", None)
    new = [{"what": "b", "result": "9 ms", "target": "< 2 ms", "ok": False}]
    text = run_all.update_report(report, [("bench_b", new, 2.0), ("bench_c", old, 1.0)], "now")
    assert text.count("`benchmarks/bench_a.py`") == 1 and "| a | < 2 ms | 1 ms | yes |" in text
    assert "| b | < 2 ms | 9 ms | **NO** |" in text and "`benchmarks/bench_c.py`" in text
    assert text.index("bench_c.py") < text.index("## GPU")
    assert "3 results, 2 met or informational, 1 missed." in text and "Date: now" in text
