"""Numbers and figure for tutorial 3, "From VGG to ResNet", from ``convnet-studio summary --json``.

    python docs/tutorials/vgg_to_resnet.py

Runs the studio's own command line on VGG-16, VGG-19, Plain-34, ResNet-34 and ResNet-50,
groups every node by the spatial resolution of its output (a "stage"), prints the Markdown
tables the tutorial shows, and draws docs/figures/vgg_vs_resnet_stages.png (pyqtgraph,
offscreen): MACs, parameters and activation memory per stage for VGG-16 and ResNet-34.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FIGURE = ROOT / "docs" / "figures" / "vgg_vs_resnet_stages.png"
NETS = ("vgg16", "vgg19", "plain34", "resnet34", "resnet50")
COMPARED = ("vgg16", "resnet34")


def summary(preset: str) -> dict:
    """``convnet-studio summary PRESET --json``, run as a user would."""
    cmd = [sys.executable, "-m", "convnet_studio", "summary", preset, "--json"]
    return json.loads(
        subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    )


POOLS = ("MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "GlobalAvgPool")


def stages(report: dict) -> list[dict]:
    """Sum params, MACs and activations over the nodes of each stage.

    A stage is the run of nodes whose output has one H x W; a pooling node closes the stage
    before it (VGG's max-pool ends its stage), and everything after Flatten is the head.
    """
    out: dict[str, dict] = {}
    key = None
    for node in report["nodes"]:
        shape = node["output_shape"]
        if node["type"] in ("Input", "Output") or not shape:
            continue
        if len(shape) != 3:
            key = "head (vectors)"
        elif node["type"] not in POOLS or key is None:
            key = f"{shape[1]} x {shape[2]}"
        row = out.setdefault(
            key, {"stage": key, "channels": set(), "params": 0, "macs": 0, "activations": 0}
        )
        if len(shape) == 3 and node["type"] not in POOLS:
            row["channels"].add(shape[0])
        for field in ("params", "macs", "activations"):
            row[field] += node[field]
    return list(out.values())


def mib(elements: int) -> str:
    return f"{elements * 4 / 2**20:,.1f}"


def totals_table(reports: dict[str, dict]) -> str:
    lines = [
        "| Network | Parameters | MACs (G) | Activations per image (MiB, fp32) |",
        "|---|---|---|---|",
    ]
    for name, report in reports.items():
        lines.append(
            f"| `{name}` | {report['total_params']:,} | {report['total_macs'] / 1e9:.2f} | "
            f"{mib(report['total_activations'])} |"
        )
    return "\n".join(lines)


def stage_table(name: str, report: dict) -> str:
    lines = [
        f"**{name}**",
        "",
        "| Output H x W | Channels | Parameters | MACs (M) | Activations (MiB) |",
        "|---|---|---|---|---|",
    ]
    for row in stages(report):
        channels = ", ".join(str(c) for c in sorted(row["channels"])) or "-"
        lines.append(
            f"| {row['stage']} | {channels} | {row['params']:,} | {row['macs'] / 1e6:,.0f} | "
            f"{mib(row['activations'])} |"
        )
    return "\n".join(lines)


def draw(reports: dict[str, dict]) -> None:
    """Three bar charts side by side: MACs, parameters, activations per stage, VGG-16 vs ResNet-34."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    import pyqtgraph.exporters
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    keys = ["224 x 224", "112 x 112", "56 x 56", "28 x 28", "14 x 14", "7 x 7"]
    window = pg.GraphicsLayoutWidget()
    window.resize(1200, 400)
    colours = {"vgg16": (245, 158, 11), "resnet34": (20, 184, 166)}
    metrics = (
        ("macs", "MACs (G)", 1e9),
        ("params", "Parameters (M)", 1e6),
        ("activations", "Activations (MiB)", 2**18),
    )
    for col, (field, title, scale) in enumerate(metrics):
        plot = window.addPlot(row=0, col=col, title=title)
        plot.addLegend(offset=(-10, 10)) if col == 0 else None
        for i, name in enumerate(COMPARED):
            by_stage = {row["stage"]: row[field] for row in stages(reports[name])}
            values = [by_stage.get(k, 0) / scale for k in keys]
            x = [j + (i - 0.5) * 0.38 for j in range(len(keys))]
            bars = pg.BarGraphItem(
                x=x, height=values, width=0.36, brush=pg.mkBrush(*colours[name]), name=name
            )
            plot.addItem(bars)
        plot.getAxis("bottom").setTicks([[(j, k.split(" x ")[0]) for j, k in enumerate(keys)]])
        plot.setLabel("bottom", "stage (output H = W)")
    window.show()
    app.processEvents()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    exporter = pg.exporters.ImageExporter(window.scene())
    exporter.parameters()["width"] = 1200
    exporter.export(str(FIGURE))
    print(f"wrote {FIGURE.relative_to(ROOT)}")


def main() -> int:
    reports = {name: summary(name) for name in NETS}
    print(totals_table(reports), end="\n\n")
    for name in COMPARED:
        print(stage_table(name, reports[name]), end="\n\n")
    draw(reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
