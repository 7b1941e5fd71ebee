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


def hand_loop(
    project: dict[str, Any], steps: int, batch: int, device: str, amp: bool = False
) -> float:
    """Images per second of the textbook loop (no logging at all).

    With ``amp`` (CUDA): bf16 autocast and channels_last, as the engine uses them.
    """
    from contextlib import nullcontext

    from convnet_studio.graph import Graph

    torch.manual_seed(0)
    graph = Graph.from_dict(project)
    size = graph.analyze().input_shape[1:]
    fmt = torch.channels_last if amp else torch.contiguous_format
    model = compile_graph(graph).to(device, memory_format=fmt).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x, y = make_shapes(batch * (steps + WARMUP), seed=1)
    x = ((torch.from_numpy(x).float() - 127.5) / 74.0).to(device)
    if tuple(x.shape[-2:]) != tuple(size):  # resized once up front: the loop's best case
        x = F.interpolate(x, size=tuple(size), mode="bilinear")
    x = x.contiguous(memory_format=fmt)
    y = torch.from_numpy(y).to(device)
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if amp else nullcontext()
    for i in range(steps + WARMUP):
        if i == WARMUP:
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        xb, yb = x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch]
        with ctx:
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
            adapt_input=amp != "off",  # shapes are 32x32: resized on the GPU to 224
            channels_last=amp != "off",  # as the hand loop does
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
    rows = [
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
    cost = grad_norm_cost(project, batch, device)
    rows.append(
        {
            "what": f"grad-norm call vs a training step, timed back to back ({where})",
            "result": f"{cost['norm_ms']:.2f} ms vs {cost['step_ms']:.0f} ms: "
            f"{100 * cost['overhead']:.2f}% at every 10 steps",
            "target": "<= 3%",
            "ok": cost["overhead"] <= 0.03,
        }
    )
    if device == "cuda":
        rows.append(resnet50_row(steps=max(steps, 20), batch=128, rounds=rounds))
    return rows


def grad_norm_cost(project: dict[str, Any], batch: int, device: str) -> dict[str, float]:
    """Median time of one fused grad-norm computation and of one training step.

    Timed alternately in one process, so load from other processes affects both alike:
    a steadier estimate of the monitoring overhead than comparing two whole runs.
    """
    import statistics

    from convnet_studio.graph import Graph
    from convnet_studio.train.gradnorms import GradNormMonitor, parameter_nodes

    graph = Graph.from_dict(project)
    model = compile_graph(graph).to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    monitor = GradNormMonitor(model, parameter_nodes(model, graph.topological_order()))
    x = torch.randn(batch, *graph.analyze().input_shape, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    steps, norms = [], []
    for i in range(8):
        t0 = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        float(loss)  # the engine's per-step readback; also a sync on CUDA
        t1 = time.perf_counter()
        monitor.compute()
        t2 = time.perf_counter()
        if i >= 2:
            steps.append(t1 - t0)
            norms.append(t2 - t1)
    step, norm = statistics.median(steps), statistics.median(norms)
    return {"step_ms": 1000 * step, "norm_ms": 1000 * norm, "overhead": norm / (10 * step)}


def resnet50_row(steps: int, batch: int, rounds: int) -> dict[str, Any]:
    """ResNet-50 at 224x224 with AMP (bf16) and channels_last, engine vs hand loop."""
    project = get_preset("resnet50", num_classes=10, input_size=(3, 224, 224)).to_dict()
    hand = eng = 0.0
    for _ in range(rounds):
        hand = max(hand, hand_loop(project, steps, batch, "cuda", amp=True))
        eng = max(eng, engine(project, steps, batch, "cuda", 10, amp="bf16"))
    name = torch.cuda.get_device_name()
    return {
        "what": f"ResNet-50 224px training, AMP bf16 + channels_last, batch {batch} ({name})",
        "result": f"engine {eng:.0f} img/s, hand loop {hand:.0f} img/s ({eng / hand:.3f}x)",
        "target": ">= 0.97x",
        "ok": eng / hand >= 0.97,
    }


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
