"""The gradient-norm heatmaps of tutorial 1, drawn by the studio's own heatmap widget.

    python docs/tutorials/why_resnets_figures.py [RESULTS_JSON [OUT_PNG]]

Reads the runs that ``python benchmarks/seeds_experiment.py`` recorded in
docs/figures/seeds_results.json (every node's gradient norm at every grad-norm step), feeds them
to the Training panel's :class:`GradHeatmap` exactly as a live run would, and writes
docs/figures/seeds_heatmap.png: Plain-56 above ResNet-56, on one colour scale. It also prints
the table of gradient norms that the tutorial shows. No training happens here.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS = ROOT / "docs" / "figures" / "seeds_results.json"
FIGURE = ROOT / "docs" / "figures" / "seeds_heatmap.png"
NETS = ("plain56_cifar", "resnet56_cifar")


def run_data(run: dict):
    """A RunData fed with the recorded run's events, as the Training panel builds it live."""
    from convnet_studio.ui.training.run_data import RunData

    data = RunData(run["name"])
    nodes = list(run["norms"])
    data.feed({"event": "started", "nodes": nodes, "time": 0.0})
    for i, step in enumerate(run["norm_steps"]):
        norms = {node: run["norms"][node][i] for node in nodes}
        data.feed({"event": "grad_norms", "step": step, "norms": norms, "time": 0.0})
    return data


def findings_table(runs: dict[str, dict]) -> str:
    """Markdown: each net's gradient at its first conv and at its last block, early and late."""
    lines = [
        (
            "| Network | conv1, first 5 records | conv1, last fifth | last block, last fifth "
            "| conv1 / last block (last fifth) | training error, last epoch |"
        ),
        "|---|---|---|---|---|---|",
    ]
    for name, run in runs.items():
        norms = run["norms"]
        blocks = [n for n in norms if n != "fc"]
        first, last = norms[blocks[0]], norms[blocks[-1]]
        tail = max(1, len(first) // 5)
        early = sum(first[:5]) / len(first[:5])
        first_late = sum(first[-tail:]) / tail
        last_late = sum(last[-tail:]) / tail
        error = run["train_error"][-1] if run.get("train_error") else float("nan")
        lines.append(
            f"| `{name}` | {early:.3g} | {first_late:.3g} | {last_late:.3g} | "
            f"{first_late / last_late:.3g} | {100 * error:.1f}% |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    results = Path(argv[0]) if argv else RESULTS
    figure = Path(argv[1]) if len(argv) > 1 else FIGURE
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

    from convnet_studio.ui.training.grad_heatmap import GradHeatmap

    runs = {run["name"]: run for run in json.loads(results.read_text(encoding="utf-8"))["runs"]}
    missing = [name for name in NETS if name not in runs or "norms" not in runs[name]]
    if missing:
        print(
            f"{results} has no per-step norms for {missing}: run "
            "python benchmarks/seeds_experiment.py first",
            file=sys.stderr,
        )
        return 1
    print(findings_table({name: run for name, run in runs.items() if "norms" in run}), end="\n\n")
    app = QApplication.instance() or QApplication([])
    page = QWidget()
    page.setStyleSheet("background: white")
    layout = QVBoxLayout(page)
    maps = []
    for name in NETS:
        heatmap = GradHeatmap()
        heatmap.set_run(run_data(runs[name]))
        heatmap.plot.setTitle(f"{name}: log10 gradient norm, layer (first at the top) by step")
        layout.addWidget(heatmap)
        maps.append(heatmap)
    # One colour scale for both, so dark means the same small gradient in each.
    lows, highs = zip(*(m.levels() for m in maps))
    levels = (min(lows), max(highs))
    for heatmap in maps:
        heatmap.bar.setLevels(levels)
        heatmap.image.setLevels(levels)
    page.resize(1100, 900)
    page.show()
    app.processEvents()
    figure.parent.mkdir(parents=True, exist_ok=True)
    if not page.grab().save(str(figure)):
        print(f"could not write {figure}", file=sys.stderr)
        return 1
    print(f"wrote {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
