"""The seeds, reproducible: plain vs residual nets of two depths on the shapes dataset.

    python benchmarks/seeds_experiment.py [--train-size 2560] [--epochs 3] [--batch 64]

Trains the studio's own presets plain20_cifar, plain56_cifar, resnet20_cifar and
resnet56_cifar with the training engine (CPU is fine), records the per-node gradient norms
and the training loss/error, and writes ``docs/figures/seeds_results.json`` plus two PNGs
drawn with pyqtgraph (offscreen): ``seeds_grad_norms.png`` (gradient norm of every node by
depth, averaged over the run), ``seeds_first_layer.png`` (the gradient norm reaching the first
conv, step by step) and ``seeds_train_loss.png`` (training loss per step). All four
runs use the same seed, data, batch, optimizer and schedule.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from convnet_studio.presets import get_preset
from convnet_studio.train.config import TrainConfig
from convnet_studio.train.worker import run_training

NETS = ("plain20_cifar", "plain56_cifar", "resnet20_cifar", "resnet56_cifar")
FIGURES = ROOT / "docs" / "figures"


def train(name: str, args: argparse.Namespace) -> dict[str, Any]:
    project = get_preset(name, num_classes=10, input_size=(3, 32, 32)).to_dict()
    events: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        config = TrainConfig(
            train_size=args.train_size,
            val_size=512,
            epochs=args.epochs,
            batch_size=args.batch,
            lr=args.lr,
            schedule="none",
            warmup_epochs=args.warmup_epochs,
            augment="none",
            grad_norm_every=args.grad_norm_every,
            seed=args.seed,
            out=tmp,
            tensorboard=False,
            device="cpu",
        )
        start = time.perf_counter()
        run_training(project, config, callback=events.append)
        seconds = time.perf_counter() - start
    errors = [e for e in events if e["event"] == "error"]
    if errors:
        raise SystemExit(f"{name}: {errors[0]['message']}")
    started = next(e for e in events if e["event"] == "started")
    norms = [e for e in events if e["event"] == "grad_norms"]
    # the stem conv, then one node per residual/plain block (its two convs and BNs)
    convs = [n for n in started["nodes"] if n != "fc" and not n.split(".")[-1].startswith("bn")]
    early = norms[: args.early]  # the first grad-norm events
    late = norms[-max(1, len(norms) // 5) :]  # the last fifth of the run
    epochs = [e for e in events if e["event"] == "epoch"]

    def mean(rows: list[dict[str, Any]], node: str) -> float:
        return sum(e["norms"][node] for e in rows) / len(rows)

    return {
        "name": name,
        "seconds": round(seconds, 1),
        "convs": convs,
        "mean_norms": {n: mean(norms, n) for n in convs},  # over the whole run
        "first_early": mean(early, convs[0]),
        "first_late": mean(late, convs[0]),
        "last_late": mean(late, convs[-1]),
        "norm_steps": [e["step"] for e in norms],
        "norms": {n: [e["norms"][n] for e in norms] for n in [*convs, "fc"]},
        "steps": [e["step"] for e in events if e["event"] == "step"],
        "loss": [e["loss"] for e in events if e["event"] == "step"],
        "train_error": [1 - e["train_top1"] for e in epochs],
        "val_error": [1 - e["val_top1"] for e in epochs],
    }


def smooth(values: list[float], k: int = 9) -> list[float]:
    out, acc = [], []
    for v in values:
        acc = (acc + [v])[-k:]
        out.append(sum(acc) / len(acc))
    return out


def plot(results: list[dict[str, Any]]) -> list[Path]:
    """Three PNGs in docs/figures, drawn with pyqtgraph offscreen (no matplotlib needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    import pyqtgraph as pg
    from pyqtgraph import exporters

    pg.mkQApp()
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    colors = {
        "plain20_cifar": (240, 150, 40),
        "plain56_cifar": (200, 20, 20),
        "resnet20_cifar": (80, 160, 240),
        "resnet56_cifar": (20, 40, 160),
    }

    def depth(r: dict[str, Any]) -> Any:
        return np.arange(1, len(r["convs"]) + 1) / len(r["convs"])

    def late(r: dict[str, Any]) -> Any:
        # after the first transient (deep BN plain nets explode at initialisation)
        k = max(1, len(r["norm_steps"]) // 5)
        return np.array([np.mean(r["norms"][n][-k:]) for n in r["convs"]])

    figures = [
        (
            "seeds_grad_norms.png",
            "gradient L2 norm per node (stem conv, then each block), last fifth of the run",
            "gradient norm (log)",
            "node depth (fraction of the net, input side left)",
            True,
            [(r["name"], depth(r), late(r)) for r in results],
        ),
        (
            "seeds_first_layer.png",
            "gradient L2 norm reaching the first conv (conv1)",
            "gradient norm (log)",
            "step",
            True,
            [
                (r["name"], np.array(r["norm_steps"], float), np.array(r["norms"][r["convs"][0]]))
                for r in results
            ],
        ),
        (
            "seeds_train_loss.png",
            "training loss (running mean of 9 steps)",
            "training loss",
            "step",
            False,
            [
                (r["name"], np.array(r["steps"], float), np.array(smooth(r["loss"])))
                for r in results
            ],
        ),
    ]
    paths = []
    for filename, title, left, bottom, log_y, series in figures:
        widget = pg.PlotWidget(title=title)
        widget.resize(900, 520)
        widget.addLegend(offset=(-10, 10))
        widget.setLabel("left", left)
        widget.setLabel("bottom", bottom)
        widget.setLogMode(y=log_y)
        widget.showGrid(x=True, y=True, alpha=0.3)
        for name, x, y in series:
            widget.plot(x, y, pen=pg.mkPen(colors.get(name, (0, 0, 0)), width=2), name=name)
        exporter = exporters.ImageExporter(widget.plotItem)
        exporter.parameters()["width"] = 900
        exporter.export(str(FIGURES / filename))
        paths.append(FIGURES / filename)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-size", type=int, default=3840)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--warmup-epochs", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--grad-norm-every", type=int, default=2)
    parser.add_argument("--early", type=int, default=5, help="grad-norm events to average")
    parser.add_argument("--nets", nargs="+", default=list(NETS))
    parser.add_argument("--plot-only", action="store_true", help="redraw from the saved JSON")
    args = parser.parse_args()
    FIGURES.mkdir(parents=True, exist_ok=True)
    if args.plot_only:
        plot(json.loads((FIGURES / "seeds_results.json").read_text())["runs"])
        return
    results = []
    for name in args.nets:
        r = train(name, args)
        results.append(r)
        print(
            f"{name}: {r['seconds']} s, conv1 grad early {r['first_early']:.3g} late "
            f"{r['first_late']:.3g}, train error per epoch {[round(e, 3) for e in r['train_error']]}",
            flush=True,
        )
    meta = {"args": vars(args), "torch_threads": __import__("torch").get_num_threads()}
    (FIGURES / "seeds_results.json").write_text(json.dumps({"meta": meta, "runs": results}))
    plot(results)
    print(
        "| net | conv1 grad, first steps | conv1 grad, last fifth | last block grad, last fifth "
        "| train error per epoch | train loss, last 10 steps | time |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        errors = ", ".join(f"{e:.3f}" for e in r["train_error"])
        print(
            f"| {r['name']} | {r['first_early']:.3g} | {r['first_late']:.3g} | {r['last_late']:.3g} "
            f"| {errors} | {sum(r['loss'][-10:]) / len(r['loss'][-10:]):.3f} | {r['seconds']:.0f} s |"
        )


if __name__ == "__main__":
    main()
