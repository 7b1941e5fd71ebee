"""Training engine throughput against a minimal hand-written PyTorch loop.

    python benchmarks/bench_train.py [--model resnet20_cifar] [--steps 40] [--batch 64]

Both train the same compiled graph on the same shapes images with the same SGD settings;
the engine runs in-process through :func:`run_training` (events, metrics files, epoch
accounting, loss readback every step). Targets: engine >= 0.97x the hand loop; grad-norm
monitoring at the default interval (every 10 steps) costs <= 3%.

The engine rows are **wall time per step** (what a user waits for), at 1 and at 2 threads
(what the GUI gains by training with every core of a 2-core machine), the median of
``rounds`` interleaved rounds: wall time on a shared machine swings with other processes'
load, and interleaving lets a slow spell touch both loops alike. A row times one grad-norm
computation against one training step back to back. The start-up rows time the user's real
path from the command (or from the GUI's Start, which runs a worker process) to the first
training step, with and without the on-disk cache of the shapes set. On CUDA the rows are
wall-clock images per second (ResNet-50 at 224 px with bf16 AMP and channels_last too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch
import torch.nn.functional as F

from convnet_studio.compile import compile_graph
from convnet_studio.graph import Graph
from convnet_studio.presets import get_preset
from convnet_studio.train.config import TrainConfig
from convnet_studio.train.drawn_shapes import make_shapes
from convnet_studio.train.gradnorms import GradNormMonitor, parameter_nodes
from convnet_studio.train.worker import run_training

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_all import GPU_ROW, GPU_TARGET  # noqa: E402 - the GPU section's row, also shown unmeasured

WARMUP = 3


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def hand_loop(
    project: dict[str, Any],
    steps: int,
    batch: int,
    device: str,
    amp: bool = False,
    clock: Any = time.perf_counter,
) -> float:
    """Seconds per step of the textbook loop (no logging at all), by ``clock``.

    With ``amp`` (CUDA): bf16 autocast and channels_last, as the engine uses them.
    """
    torch.manual_seed(0)
    graph = Graph.from_dict(project)
    size = tuple(graph.analyze().input_shape[1:])
    fmt = torch.channels_last if amp else torch.contiguous_format
    model = compile_graph(graph).to(device, memory_format=fmt).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x, y = make_shapes(batch * (steps + WARMUP), seed=1)
    x = ((torch.from_numpy(x).float() - 127.5) / 74.0).to(device)
    if tuple(x.shape[-2:]) != size:  # resized once up front: the loop's best case
        x = F.interpolate(x, size=size, mode="bilinear")
    x = x.contiguous(memory_format=fmt)
    y = torch.from_numpy(y).to(device)
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if amp else nullcontext()
    for i in range(steps + WARMUP):
        if i == WARMUP:
            _sync(device)
            start = clock()
        xb, yb = x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch]
        with ctx:
            loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    _sync(device)
    return (clock() - start) / steps


def _engine_run(
    project: dict[str, Any],
    batch: int,
    device: str,
    grad_norm_every: int,
    max_steps: int,
    train_size: int,
    amp: str = "off",
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        config = TrainConfig(
            train_size=train_size,
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
            max_steps=max_steps,
            adapt_input=amp != "off",  # shapes are 32x32: resized on the GPU to 224
            channels_last=amp != "off",  # as the hand loop does
        )
        events: list[dict[str, Any]] = []
        run_training(project, config, callback=events.append)
    errors = [e for e in events if e["event"] == "error"]
    if errors:
        raise RuntimeError(f"engine run failed: {errors[0]['message']}")
    return events


def engine_wall(
    project: dict[str, Any],
    steps: int,
    batch: int,
    device: str,
    grad_norm_every: int,
    amp: str = "off",
) -> float:
    """Seconds per step of the engine, from its step events' time stamps."""
    n = steps + WARMUP
    events = _engine_run(project, batch, device, grad_norm_every, n, batch * n, amp)
    times = [e["time"] for e in events if e["event"] == "step"]
    # step k's stamp is taken when it ends: steps WARMUP+1..n span times[WARMUP-1..-1]
    return (times[-1] - times[WARMUP - 1]) / steps


def grad_norm_cost(project: dict[str, Any], batch: int, device: str) -> dict[str, float]:
    """Median time of one fused grad-norm computation and of one training step, timed
    alternately in one process so that other processes' load affects both alike."""
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
        loss.item()  # the engine's per-step readback; a sync on CUDA
        t1 = time.perf_counter()
        monitor.compute()
        t2 = time.perf_counter()
        if i >= 2:
            steps.append(t1 - t0)
            norms.append(t2 - t1)
    step, norm = statistics.median(steps), statistics.median(norms)
    return {"step_ms": 1000 * step, "norm_ms": 1000 * norm, "overhead": norm / (10 * step)}


def first_step_seconds(command: list[str], data_dir: str) -> float:
    """Wall seconds from starting ``command`` (JSON events on stdout) to its first step."""
    env = dict(os.environ, CONVNET_STUDIO_DATA=data_dir, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    elapsed = float("nan")
    for line in proc.stdout:
        if line.startswith('{"event":"step"'):
            elapsed = time.perf_counter() - start
            break
    proc.kill()
    proc.wait()
    return elapsed


_GUI_START = """
import sys, tempfile, time
from convnet_studio.sources import resolve_source
from convnet_studio.train.process import TrainingProcess
from convnet_studio.train.spare import SpareWorker
project = resolve_source("resnet20_cifar", 10, (3, 32, 32)).to_dict()
spare = SpareWorker()
if sys.argv[1] == "spare":  # as the Training panel does when it first shows (at launch)
    spare.prepare()
    time.sleep(float(sys.argv[2]))  # the user looks at the settings before pressing Start
start = time.perf_counter()
proc = TrainingProcess(project, {"max_steps": 1}, run_dir=tempfile.mkdtemp(), spare=spare)
proc.start()  # as the GUI's Start does: its worker process, the spare if there is one
for event in proc.events(timeout=120):
    if event["event"] == "step":
        print("start-to-step", time.perf_counter() - start, proc.warm, flush=True)
        break
proc.kill()
"""
SPARE_LEAD_S = 4.0  # how long before Start the spare was started (bench row says so)


def gui_start_seconds(mode: str, data_dir: str) -> float:
    """Seconds from the GUI's Start (a :class:`TrainingProcess`) to the first step event."""
    env = dict(os.environ, CONVNET_STUDIO_DATA=data_dir, PYTHONPATH=str(ROOT),
               CONVNET_STUDIO_SPARE_WORKER="1")
    done = subprocess.run([sys.executable, "-c", _GUI_START, mode, str(SPARE_LEAD_S)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    for line in done.stdout.splitlines():
        if line.startswith("start-to-step"):
            _, seconds, warm = line.split()
            if (warm == "True") != (mode == "spare"):
                raise RuntimeError(f"the {mode} round ran with warm={warm}")
            return float(seconds)
    raise RuntimeError(f"no first step: {done.stdout[-300:]}{done.stderr[-500:]}")


def startup_rows(rounds: int) -> list[dict[str, Any]]:
    """Train command (and GUI Start) to the first step, resnet20_cifar with the defaults."""
    cli = [sys.executable, "-m", "convnet_studio", "train", "resnet20_cifar", "--json"]
    runs: dict[str, list[float]] = {"cold": [], "warm": [], "gui": [], "spare": [], "floor": []}
    with tempfile.TemporaryDirectory() as tmp:
        warm = os.path.join(tmp, "warm")
        first_step_seconds([*cli, "--max-steps", "1", "--out", f"{tmp}/w"], warm)  # fill it
        for r in range(rounds):  # interleaved, so load drifts touch all five alike
            one = [*cli, "--max-steps", "1", "--out"]
            runs["cold"].append(first_step_seconds([*one, f"{tmp}/r{r}"], f"{tmp}/c{r}"))
            runs["warm"].append(first_step_seconds([*one, f"{tmp}/s{r}"], warm))
            runs["gui"].append(gui_start_seconds("fresh", warm))
            runs["spare"].append(gui_start_seconds("spare", warm))
            runs["floor"].append(import_seconds())
    med = {k: statistics.median(v) for k, v in runs.items()}
    what = f"resnet20_cifar, defaults, CPU, wall time, median of {rounds} rounds"

    def row(text: str, key: str) -> dict[str, Any]:
        return {"what": f"{text} ({what})", "result": f"{med[key]:.2f} s", "target": "< 3 s",
                "ok": med[key] < 3}

    return [
        row("`convnet-studio train` to the first step, first run (draws the shapes set)", "cold"),
        row("`convnet-studio train` to the first step, later runs (shapes set cached)", "warm"),
        row("GUI Start to the first step, no spare worker (Start pressed as the panel opens, or "
            "spares off): a fresh worker process, shapes set cached", "gui"),
        row(f"GUI Start to the first step, the spare worker started {SPARE_LEAD_S:.0f} s before "
            "(the Training panel starts it when it shows, at launch), shapes set cached", "spare"),
        {"what": "for scale: `python -c \"import torch, torch._dynamo\"`, what any script that "
                 "uses torch.optim pays before its first step (it imports torch._dynamo on first "
                 f"use); same rounds", "result": f"{med['floor']:.2f} s", "target": "-",
         "ok": None},
    ]


def import_seconds() -> float:
    """Wall seconds of a bare interpreter importing torch and torch._dynamo."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch, torch._dynamo"], check=True)
    return time.perf_counter() - start


def cpu_rows(project: dict[str, Any], model: str, steps: int, batch: int, rounds: int
             ) -> list[dict[str, Any]]:
    """Engine vs hand loop and grad-norm cost, wall time per step, at 1 and 2 threads."""
    rows = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        hands, offs, ons = [], [], []
        for i in range(rounds):
            # Every other round the engine goes first: a slow spell that starts mid-round
            # then hits each side as often.
            if i % 2:
                offs.append(engine_wall(project, steps, batch, "cpu", 0))
                ons.append(engine_wall(project, steps, batch, "cpu", 10))
            hands.append(hand_loop(project, steps, batch, "cpu"))
            if not i % 2:
                offs.append(engine_wall(project, steps, batch, "cpu", 0))
                ons.append(engine_wall(project, steps, batch, "cpu", 10))
        hand, off, on = (statistics.median(v) for v in (hands, offs, ons))
        # Ratios within each round, then their median (as bench_compile pairs its runs): on
        # two shared cores a slow spell shifts a whole round, and pairing cancels it out.
        speed = statistics.median(h / o for h, o in zip(hands, offs))
        cost = statistics.median(n / o - 1 for n, o in zip(ons, offs))
        where = (f"{model}, batch {batch}, cpu, {threads} thread{'s' if threads > 1 else ''}; wall time per step, "
                 f"median of {rounds} paired rounds")
        rows += [
            {
                "what": f"engine vs hand-written loop ({where})",
                "result": f"{speed:.3f}x ({1000 * off:.0f} vs {1000 * hand:.0f} ms a step, "
                f"{batch / off:.0f} img/s)",
                "target": ">= 0.97x",
                "ok": speed >= 0.97,
                "value": off,
            },
            {
                "what": f"grad-norm monitoring every 10 steps ({where})",
                "result": f"{100 * cost:+.1f}% ({batch / on:.0f} img/s)",
                "target": "<= 3%",
                "ok": cost <= 0.03,
            },
        ]
    one, two = rows[0]["value"], rows[2]["value"]
    rows.append({
        "what": f"what leaving a core free costs the GUI's training ({model}, batch {batch}, "
        f"1 thread vs 2 on {os.cpu_count()} cores)",
        "result": f"{one / two:.2f}x slower with 1 thread ({1000 * one:.0f} vs {1000 * two:.0f} ms a step)",
        "target": "-",
        "ok": None,
    })
    return rows


def run(
    model: str = "resnet20_cifar",
    steps: int = 40,
    batch: int = 64,
    rounds: int = 3,
    device: str | None = None,
) -> list[dict[str, Any]]:
    """Rows for docs/benchmarks.md (see benchmarks/run_all.py)."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    project = get_preset(model, num_classes=10, input_size=(3, 32, 32)).to_dict()
    if device == "cpu":
        # Seven paired rounds for the ratios: a few percent is the question, and one round's
        # ratio on two shared cores ranges 0.94x-1.08x for the same code (at 2 threads).
        rows = startup_rows(rounds) + cpu_rows(project, model, steps, batch, max(rounds, 7))
    else:
        hand = off = on = float("inf")
        for _ in range(rounds):
            hand = min(hand, hand_loop(project, steps, batch, device))
            off = min(off, engine_wall(project, steps, batch, device, 0))
            on = min(on, engine_wall(project, steps, batch, device, 10))
        where = f"{model}, batch {batch}, {device}; wall clock, {torch.cuda.get_device_name()}"
        rows = [
            {
                "what": f"engine vs hand-written loop ({where})",
                "result": f"{hand / off:.3f}x ({batch / off:.0f} vs {batch / hand:.0f} img/s)",
                "target": ">= 0.97x",
                "ok": hand / off >= 0.97,
            },
            {
                "what": f"grad-norm monitoring every 10 steps ({where})",
                "result": f"{100 * (on / off - 1):+.1f}% ({batch / on:.0f} img/s)",
                "target": "<= 3%",
                "ok": on / off - 1 <= 0.03,
            },
        ]
    cost = grad_norm_cost(project, batch, device)
    rows.append(
        {
            "what": f"one grad-norm call vs one training step, back to back ({model}, {device})",
            "result": f"{cost['norm_ms']:.2f} ms vs {cost['step_ms']:.0f} ms: "
            f"{100 * cost['overhead']:.3f}% at every 10 steps",
            "target": "<= 3%",
            "ok": cost["overhead"] <= 0.03,
        }
    )
    if device == "cuda":
        rows.append(resnet50_row(steps=max(steps, 20), batch=128, rounds=rounds))
    return [{k: v for k, v in row.items() if k != "value"} for row in rows]


def resnet50_row(steps: int, batch: int, rounds: int) -> dict[str, Any]:
    """ResNet-50 at 224x224 with AMP (bf16) and channels_last, engine vs hand loop."""
    project = get_preset("resnet50", num_classes=10, input_size=(3, 224, 224)).to_dict()
    hand = eng = float("inf")
    for _ in range(rounds):
        hand = min(hand, hand_loop(project, steps, batch, "cuda", amp=True))
        eng = min(eng, engine_wall(project, steps, batch, "cuda", 10, amp="bf16"))
    return {
        "what": f"{GPU_ROW.replace('batch 128', f'batch {batch}')} ({torch.cuda.get_device_name()})",
        "result": f"engine {batch / eng:.0f} img/s, hand loop {batch / hand:.0f} img/s "
        f"({hand / eng:.3f}x)",
        "target": GPU_TARGET,
        "ok": hand / eng >= 0.95,
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="resnet20_cifar")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
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
