"""Run every benchmark in this folder and write docs/benchmarks.md.

    python benchmarks/run_all.py                      # all of them, then docs/benchmarks.md
    python benchmarks/run_all.py --only bench_shapes  # a subset, printed only
    python benchmarks/run_all.py --only bench_editor --update
                                                      # a subset, its sections replaced in the report
    python benchmarks/run_all.py --only bench_train --save-json benchmarks/results/gpu.json
                                                      # on a GPU machine: rows for the GPU section

Each ``benchmarks/bench_*.py`` module has a ``run()`` that returns a list of rows, each a dict
``{"what": str, "result": ..., "target": ..., "ok": bool | None}`` (``note`` optional). Every module
runs in its own interpreter, so one that crashes, hangs or leaves Qt or torch state behind costs
only its own rows. If ``benchmarks/results/gpu.json`` exists (written by ``--save-json`` on a
machine with a GPU), its rows become the report's GPU section.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import importlib.util
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPORT = ROOT / "docs" / "benchmarks.md"
GPU_JSON = HERE / "results" / "gpu.json"
# The GPU section's row (bench_train.resnet50_row), shown with its target until a GPU measures it.
GPU_ROW = ("ResNet-50 224px training, bf16 AMP + channels_last, batch 128: the engine's img/s as a "
           "share of a hand-written loop's")
GPU_TARGET = ">= 0.95x"

Row = dict[str, Any]


def discover(only: list[str] | None = None) -> list[str]:
    """Return the benchmark module names (``bench_*``) in this folder, sorted."""
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if only:
        wanted = {n.removesuffix(".py") for n in only}
        missing = wanted - set(names)
        if missing:
            raise SystemExit(f"run_all: no such benchmark: {', '.join(sorted(missing))}")
        names = [n for n in names if n in wanted]
    return names


def run_module_here(name: str) -> list[Row]:
    """Import ``benchmarks/<name>.py`` in this process and return its rows, normalized."""
    for path in (str(ROOT), str(HERE)):
        if path not in sys.path:
            sys.path.insert(0, path)
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return [normalize(row) for row in module.run()]


def run_module(name: str, timeout: float) -> tuple[list[Row], float]:
    """Run one benchmark module in a child interpreter; a failure becomes one failed row."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, str(out)]
        # A session of its own, so a timeout also ends the training workers it started.
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return [
                failed_row(name, f"did not finish in {timeout:.0f} s")
            ], time.perf_counter() - start
        elapsed = time.perf_counter() - start
        if proc.returncode != 0 or not out.exists():
            lines = (stderr or stdout or "no output").strip().splitlines()
            return [
                failed_row(name, lines[-1] if lines else f"exit code {proc.returncode}")
            ], elapsed
        return json.loads(out.read_text(encoding="utf-8")), elapsed


def failed_row(name: str, why: str) -> Row:
    return {"what": f"{name} (did not run)", "result": why, "target": "runs", "ok": False}


def normalize(row: Row) -> Row:
    """Check a row has the agreed keys and make its values JSON-able."""
    missing = {"what", "result", "target"} - set(row)
    if missing:
        raise ValueError(f"benchmark row {row!r} lacks {sorted(missing)}")
    out = {key: _jsonable(value) for key, value in row.items()}
    out["ok"] = None if row.get("ok") is None else bool(row["ok"])
    return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy and torch scalars
        return value.item()
    return str(value)


def machine_info() -> dict[str, str]:
    """Describe this machine: CPU model, cores, OS, Python, torch and Qt versions, GPUs."""
    info = {
        "cpu": _cpu_model(),
        "cores": f"{len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}",
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": platform.python_version(),
    }
    if hasattr(os, "getloadavg"):  # other work on the machine skews the timings; say how much
        info["load average before the run"] = "{:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min)".format(
            *os.getloadavg()
        )
    try:
        import torch

        info["torch"] = torch.__version__
        if torch.cuda.is_available():
            names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
            info["gpu"] = ", ".join(names)
    except ImportError:
        info["torch"] = "not installed"
    try:
        import PySide6

        info["qt"] = f"PySide6 {PySide6.__version__}"
    except ImportError:
        pass
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fmt(value: Any) -> str:
    """Format a result or target for a Markdown cell."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(rows: list[Row]) -> list[str]:
    """Markdown table: what, target, result, met."""
    lines = ["| Benchmark | Target | Result | Met |", "|---|---|---|---|"]
    for row in rows:
        met = {True: "yes", False: "**NO**", None: "-"}[row.get("ok")]
        result = fmt(row["result"])
        if row.get("note"):
            result += f" ({fmt(row['note'])})"
        lines.append(f"| {fmt(row['what'])} | {fmt(row['target'])} | {result} | {met} |")
    return lines


def machine_lines(info: dict[str, str], date: str) -> list[str]:
    keys = ["cpu", "cores", "gpu", "os", "python", "torch", "qt", "load average before the run"]
    parts = [f"{k}: {info[k]}" for k in keys if k in info]
    return [f"Machine: {'; '.join(parts)}.", "", f"Date: {date}."]


def render(
    sections: list[tuple[str, list[Row], float]],
    info: dict[str, str],
    date: str,
    gpu: dict[str, Any] | None,
) -> str:
    """The whole docs/benchmarks.md."""
    rows = [row for _, section_rows, _ in sections for row in section_rows]
    missed = sum(1 for row in rows if row.get("ok") is False)
    out = [
        "# Benchmarks",
        "",
        (
            "Generated by `python benchmarks/run_all.py`; do not edit by hand. Each row shows the "
            "target beside the result; **NO** marks a target that was missed."
        ),
        "",
        *machine_lines(info, date),
        "",
        f"{len(rows)} results, {len(rows) - missed} met or informational, {missed} missed.",
    ]
    for name, section_rows, seconds in sections:
        out += [
            "",
            f"## {_title(name)}",
            "",
            f"`benchmarks/{name}.py`, ran in {seconds:.1f} s.",
            "",
        ]
        out += table(section_rows)
    out += ["", "## GPU", ""]
    if gpu:
        out += machine_lines(gpu.get("machine", {}), gpu.get("date", "unknown")) + [""]
        out += table([normalize(row) for row in gpu.get("rows", [])])
    else:
        out.append(
            "No GPU results yet: no machine with a GPU has run it. On one, run "
            "`python benchmarks/run_all.py --only bench_train --save-json benchmarks/results/gpu.json`, "
            "commit the JSON file, and run `python benchmarks/run_all.py` again."
        )
        out += [""] + table([{"what": GPU_ROW, "target": GPU_TARGET, "ok": None,
                              "result": "not measured (no GPU here)"}])
    return "\n".join(out) + "\n"


def update_report(
    text: str, sections: list[tuple[str, list[Row], float]], date: str, load: str | None = None
) -> str:
    """``text`` (a report) with the sections of ``sections`` replaced (or added before the GPU
    section), the others kept as they were measured; the date and the counts are updated."""
    fresh = render(sections, {}, date, None).split("\n## ")
    new = {name: part for name, part in zip((n for n, _, _ in sections), fresh[1:])}
    if load:  # the machine line's load is the other sections': say this run's beside it
        new = {n: p.replace(" s.\n", f" s, load average before the run {load}.\n", 1) for n, p in new.items()}
    parts = text.rstrip("\n").split("\n## ")
    for name, part in new.items():
        marker = f"`benchmarks/{name}.py`"
        index = next((i for i, old in enumerate(parts) if marker in old), None)
        if index is None:
            index = next((i for i, old in enumerate(parts) if old.startswith("GPU")), len(parts))
            parts.insert(index, part)
        else:
            parts[index] = part
    out = "\n## ".join(parts) + "\n"
    lines = out.splitlines()
    gpu = lines.index("## GPU") if "## GPU" in lines else len(lines)  # counted apart, as render does
    body = [ln for ln in lines[:gpu] if ln.startswith("| ") and not ln.startswith("| Benchmark")]
    missed = sum(1 for ln in body if ln.rstrip().endswith("| **NO** |"))
    for i, line in enumerate(lines):
        if line.startswith("Date: "):
            lines[i] = f"Date: {date} (sections {', '.join(new)}; the others as dated before)."
        elif line.endswith("missed.") and "results," in line:
            lines[i] = f"{len(body)} results, {len(body) - missed} met or informational, {missed} missed."
    return "\n".join(lines) + "\n"


def _title(name: str) -> str:
    """The first line of the module's docstring, else a title made from its name."""
    path = HERE / f"{name}.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) if path.exists() else None
    first = doc.strip().splitlines()[0].strip().rstrip(".") if doc and doc.strip() else ""
    return first or name.removeprefix("bench_").replace("_", " ").capitalize()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these bench_* modules")
    parser.add_argument(
        "--output",
        type=Path,
        help="Markdown report (default: docs/benchmarks.md, unless --only is given)",
    )
    parser.add_argument(
        "--save-json",
        type=Path,
        metavar="PATH",
        help="also write the rows and the machine as JSON (for the GPU section)",
    )
    parser.add_argument("--no-report", action="store_true", help="do not write the Markdown report")
    parser.add_argument(
        "--update",
        action="store_true",
        help="with --only: replace just these modules' sections in docs/benchmarks.md",
    )
    parser.add_argument("--timeout", type=float, default=1200, help="seconds allowed per module")
    parser.add_argument("--child", nargs=2, metavar=("MODULE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        name, out = args.child
        Path(out).write_text(json.dumps(run_module_here(name)), encoding="utf-8")
        return 0

    info = machine_info()
    sections = []
    for name in discover(args.only):
        print(f"running {name} ...", flush=True)
        rows, seconds = run_module(name, args.timeout)
        sections.append((name, rows, seconds))
        for row in rows:
            print(
                f"  {row['what']}: {fmt(row['result'])} (target {fmt(row['target'])})", flush=True
            )
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if args.save_json:
        args.save_json.parent.mkdir(parents=True, exist_ok=True)
        rows = [row for _, section_rows, _ in sections for row in section_rows]
        args.save_json.write_text(
            json.dumps({"machine": info, "date": date, "rows": rows}, indent=1) + "\n"
        )
    output = args.output or (None if args.only else REPORT)
    if args.update and args.only and not args.no_report:
        target = args.output or REPORT
        load = info.get("load average before the run")
        text = update_report(target.read_text(encoding="utf-8"), sections, date, load)
        target.write_text(text, encoding="utf-8")
        print(f"updated {target}")
        output = None
    if output and not args.no_report:
        gpu = json.loads(GPU_JSON.read_text(encoding="utf-8")) if GPU_JSON.exists() else None
        output.write_text(render(sections, info, date, gpu), encoding="utf-8")
        print(f"wrote {output}")
    missed = [row["what"] for _, rows, _ in sections for row in rows if row.get("ok") is False]
    print(f"{len(missed)} target(s) missed" + (f": {'; '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
