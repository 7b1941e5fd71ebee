"""The seeds, reproducible: plain vs residual nets of two depths on the shapes dataset.

    python benchmarks/seeds_experiment.py [--train-size 2560] [--epochs 3] [--batch 64]

Trains the studio's own presets plain20_cifar, plain56_cifar, resnet20_cifar and
resnet56_cifar with the training engine (CPU is fine), records the per-node gradient norms
and the training loss/error, and writes ``docs/figures/seeds_results.json`` plus two PNGs
drawn with pyqtgraph (offscreen): ``seeds_grad_norms.png`` (gradient norm of every conv by
depth, early in training) and ``seeds_train_loss.png`` (training loss per step). All four
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
    early = norms[: args.early]  # average over the first grad-norm events
    mean_norms = {n: sum(e["norms"][n] for e in early) / len(early) for n in convs}
    epochs = [e for e in events if e["event"] == "epoch"]
    return {
        "name": name,
        "seconds": round(seconds, 1),
        "convs": convs,
        "early_conv_norms": mean_norms,
        "first_conv_norm": mean_norms[convs[0]],
        "last_conv_norm": mean_norms[convs[-1]],
        "fc_norm": sum(e["norms"]["fc"] for e in early) / len(early),
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


def plot(results: list[dict[str, Any]], path_norms: Path, path_loss: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    import pyqtgraph as pg
    from pyqtgraph import exporters

    pg.mkQApp()
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    colors = {
        "plain20_cifar": (230, 140, 40),
        "plain56_cifar": (200, 30, 30),
        "resnet20_cifar": (60, 140, 230),
        "resnet56_cifar": (20, 40, 160),
    }
    for path, title, left, bottom, log_y, series in (
        (
            path_norms,
            "gradient L2 norm per node (stem conv, then each block), first steps",
            "gradient norm",
            "node depth (input side -> output side)",
            True,
            [
                (
                    r["name"],
                    np.arange(1, len(r["convs"]) + 1) / len(r["convs"]),
                    np.array(list(r["early_conv_norms"].values())),
                )
                for r in results
            ],
        ),
        (
            path_loss,
            "training loss (running mean of 9 steps)",
            "training loss",
            "step",
            False,
            [
                (r["name"], np.array(r["steps"], float), np.array(smooth(r["loss"])))
                for r in results
            ],
        ),
    ):
        plot_item = pg.PlotWidget(title=title)
        plot_item.resize(900, 520)
        plot_item.addLegend(offset=(-10, 10))
        plot_item.setLabel("left", left)
        plot_item.setLabel("bottom", bottom + (" (fraction of depth)" if log_y else ""))
        plot_item.setLogMode(y=log_y)
        plot_item.showGrid(x=True, y=True, alpha=0.3)
        for name, x, y in series:
            plot_item.plot(x, y, pen=pg.mkPen(colors[name], width=2), name=name)
        exporter = exporters.ImageExporter(plot_item.plotItem)
        exporter.parameters()["width"] = 900
        exporter.export(str(path))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-size", type=int, default=2560)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--grad-norm-every", type=int, default=2)
    parser.add_argument("--early", type=int, default=5, help="grad-norm events to average")
    parser.add_argument("--nets", nargs="+", default=list(NETS))
    args = parser.parse_args()
    FIGURES.mkdir(parents=True, exist_ok=True)
    results = []
    for name in args.nets:
        r = train(name, args)
        results.append(r)
        print(
            f"{name}: {r['seconds']} s, first conv grad {r['first_conv_norm']:.3g}, last conv "
            f"{r['last_conv_norm']:.3g}, fc {r['fc_norm']:.3g}, train error per epoch "
            f"{[round(e, 3) for e in r['train_error']]}",
            flush=True,
        )
    meta = {"args": vars(args), "torch_threads": __import__("torch").get_num_threads()}
    (FIGURES / "seeds_results.json").write_text(json.dumps({"meta": meta, "runs": results}))
    plot(results, FIGURES / "seeds_grad_norms.png", FIGURES / "seeds_train_loss.png")
    print("| net | first conv grad | last conv grad | first/last | final train error | time |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['name']} | {r['first_conv_norm']:.3g} | {r['last_conv_norm']:.3g} | "
            f"{r['first_conv_norm'] / r['last_conv_norm']:.3g} | {r['train_error'][-1]:.3f} | "
            f"{r['seconds']:.0f} s |"
        )


if __name__ == "__main__":
    main()
