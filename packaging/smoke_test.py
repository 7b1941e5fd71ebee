"""Check a built application without a screen: it starts, opens a preset, trains, draws, exports.

    python packaging/smoke_test.py [APP]     # APP defaults to dist/convnet-studio/convnet-studio

Every step runs the built program itself (never this interpreter's convnet_studio), with Qt on
its offscreen platform, and prints how long it took; the first failure ends the run with exit 1.
The start-up times it prints are the ones recorded in docs/packaging.md; the window step starts
the studio with CONVNET_STUDIO_QUIT_AFTER_PAINT=1, so it measures start to first paint.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_APP = ROOT / "dist" / "convnet-studio" / "convnet-studio"
PRESET = "resnet20_cifar"


class SmokeFailure(Exception):
    """A step of the smoke test failed."""


def run_app(
    app: Path,
    *args: str,
    timeout: float = 600,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> tuple[str, float]:
    """Run the built app with ``args`` (and extra ``env``); return its stdout and wall time."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2"),
        **(env or {}),
    }
    start = time.perf_counter()
    proc = subprocess.run(
        [str(app), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SmokeFailure(
            f"`convnet-studio {' '.join(args)}` exited {proc.returncode}:\n{proc.stderr[-2000:]}"
        )
    return proc.stdout, seconds


def window_opens(app: Path) -> float:
    """Open the studio window on a preset (offscreen); it quits after its first paint."""
    env = {"CONVNET_STUDIO_QUIT_AFTER_PAINT": "1"}
    return run_app(app, PRESET, env=env)[1]


def resources_bundled(app: Path) -> float:
    """The icon, desktop entry and MIME type are inside the folder application."""
    found = list(app.parent.glob("_internal/convnet_studio/resources/convnet-studio.svg"))
    if not found:
        raise SmokeFailure("convnet_studio/resources/convnet-studio.svg is not in the build")
    return 0.0


def main(argv: list[str]) -> int:
    app = Path(argv[0]).resolve() if argv else DEFAULT_APP
    if not app.exists():
        print(f"no application at {app}: build it with packaging/build_app.sh", file=sys.stderr)
        return 1
    steps = []
    with tempfile.TemporaryDirectory(prefix="cns-smoke-") as tmp:
        work = Path(tmp)

        def step(what: str, check) -> None:
            seconds = check()
            steps.append((what, seconds))
            print(f"ok  {seconds:6.2f} s  {what}", flush=True)

        def version() -> float:
            out, seconds = run_app(app, "--version")
            if "convnet-studio" not in out:
                raise SmokeFailure(f"--version printed {out!r}")
            return seconds

        def summary() -> float:
            out, seconds = run_app(app, "summary", PRESET, "--json")
            report = json.loads(out)
            if report["total_params"] <= 0 or report["problems"]:
                raise SmokeFailure(
                    f"summary reports {report['total_params']} parameters, {report['problems']}"
                )
            return seconds

        def train() -> float:
            run_dir = work / "run"
            _, seconds = run_app(
                app,
                "train",
                PRESET,
                "--max-steps",
                "5",
                "--batch-size",
                "32",
                "--out",
                str(run_dir),
                cwd=work,
            )
            events = [
                json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()
            ]
            if not events or not (run_dir / "last.pt").exists():
                raise SmokeFailure(f"training left {sorted(p.name for p in run_dir.iterdir())}")
            return seconds

        def render() -> float:
            out_png = work / "graph.png"
            _, seconds = run_app(app, "render", PRESET, "-o", str(out_png))
            if out_png.read_bytes()[:4] != b"\x89PNG":
                raise SmokeFailure("render wrote no PNG")
            return seconds

        def export() -> float:
            out_py = work / "model.py"
            _, seconds = run_app(app, "export", PRESET, "--format", "python", "-o", str(out_py))
            if "import torch" not in out_py.read_text():
                raise SmokeFailure("export wrote no Python")
            return seconds

        try:
            step("start-up: convnet-studio --version", version)
            step(f"open a preset: convnet-studio summary {PRESET} --json", summary)
            step(f"train 5 steps on the built-in dataset: convnet-studio train {PRESET}", train)
            step(f"draw the graph offscreen: convnet-studio render {PRESET} -o graph.png", render)
            step(f"export Python code: convnet-studio export {PRESET} --format python", export)
            step(
                f"the studio window opens on {PRESET} and paints (offscreen)",
                lambda: window_opens(app),
            )
            step("icon, desktop entry and MIME type are bundled", lambda: resources_bundled(app))
        except (SmokeFailure, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as exc:
            print(f"FAIL  {exc}", file=sys.stderr)
            return 1
    print(f"smoke test passed: {app}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
