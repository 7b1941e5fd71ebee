"""Training engine throughput against a minimal hand-written PyTorch loop.

    python benchmarks/bench_train.py [--model resnet20_cifar] [--steps 20] [--batch 64]

Both train the same compiled graph on the same shapes images with the same SGD settings.
The engine runs in-process through :func:`run_training` (events, metrics files, epoch
accounting, loss readback every step); its speed is taken from the ``time`` stamps of its
step events after a warm-up, the hand loop's from ``perf_counter``. Rounds alternate
between the variants and the best round counts, which damps noise from other processes.
Targets: engine >= 0.97x the hand loop; grad-norm monitoring at the default interval
(every 10 steps) <= 3% slower than with it off.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch
import torch.nn.functional as F

from convnet_studio.compile import compile_graph
from convnet_studio.presets import get_preset
from convnet_studio.train.config import TrainConfig
from convnet_studio.train.shapes import make_shapes
from convnet_studio.train.worker import run_training

WARMUP = 3


def hand_loop(project: dict[str, Any], steps: int, batch: int, device: str) -> float:
    """Images per second of the textbook loop (no logging at all)."""
    from convnet_studio.graph import Graph

    torch.manual_seed(0)
    model = compile_graph(Graph.from_dict(project)).to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x, y = make_shapes(batch * (steps + WARMUP), seed=1)
    x = ((torch.from_numpy(x).float() - 127.5) / 74.0).to(device)
    y = torch.from_numpy(y).to(device)
    for i in range(steps + WARMUP):
        if i == WARMUP:
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        xb, yb = x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch]
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    if device == "cuda":
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - start)


def engine(
    project: dict[str, Any],
    steps: int,
    batch: int,
    device: str,
    grad_norm_every: int,
    amp: str = "off",
) -> float:
    """Images per second of the engine, from its step events."""
    with tempfile.TemporaryDirectory() as tmp:
        config = TrainConfig(
            train_size=batch * (steps + WARMUP),
            val_size=batch,
            epochs=1,
            batch_size=batch,
            lr=0.01,
            augment="none",
            device=device,
            grad_norm_every=grad_norm_every,
            out=tmp,
            tensorboard=False,
            amp=amp,
        )
        events: list[dict[str, Any]] = []
        run_training(project, config, callback=events.append)
    times = [e["time"] for e in events if e["event"] == "step"]
    if len(times) < steps + WARMUP:
        raise RuntimeError(f"engine run failed: {[e for e in events if e['event'] == 'error']}")
    # step k's stamp is taken when it ends: steps WARMUP+1..end span times[WARMUP-1..-1]
    return steps * batch / (times[-1] - times[WARMUP - 1])


def run(
    model: str = "resnet20_cifar",
    steps: int = 10,
    batch: int = 64,
    rounds: int = 5,
    device: str | None = None,
) -> list[dict[str, Any]]:
    """Rows for docs/benchmarks.md (see benchmarks/run_all.py)."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    project = get_preset(model, num_classes=10, input_size=(3, 32, 32)).to_dict()
    best = {"hand": 0.0, "engine": 0.0, "engine_gn": 0.0}
    for _ in range(rounds):
        best["hand"] = max(best["hand"], hand_loop(project, steps, batch, device))
        best["engine"] = max(best["engine"], engine(project, steps, batch, device, 0))
        best["engine_gn"] = max(best["engine_gn"], engine(project, steps, batch, device, 10))
    ratio = best["engine"] / best["hand"]
    overhead = 1 - best["engine_gn"] / best["engine"]
    where = f"{model}, batch {batch}, {device}, {torch.get_num_threads()} threads"
    return [
        {
            "what": f"engine vs hand-written loop ({where})",
            "result": f"{ratio:.3f}x ({best['engine']:.0f} vs {best['hand']:.0f} img/s)",
            "target": ">= 0.97x",
            "ok": ratio >= 0.97,
        },
        {
            "what": f"grad-norm monitoring every 10 steps ({where})",
            "result": f"{100 * overhead:+.1f}% ({best['engine_gn']:.0f} img/s)",
            "target": "<= 3%",
            "ok": overhead <= 0.03,
        },
    ]


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="resnet20_cifar")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--device")
    args = parser.parse_args()
    rows = run(args.model, args.steps, args.batch, args.rounds, args.device)
    print("| what | result | target | ok |\n|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['what']} | {row['result']} | {row['target']} | {'yes' if row['ok'] else 'NO'} |"
        )
    return {"rows": rows}


if __name__ == "__main__":
    main()
