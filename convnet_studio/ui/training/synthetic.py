"""Synthetic event streams shaped like the worker's, for tests, benchmarks and demos.

Nothing is trained: the numbers are drawn so that a "plain" run shows vanishing gradients
in its first layers and a higher error than a "residual" one, as in the ResNet paper.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from convnet_studio.train import events as ev


def synthetic_events(steps: int = 200, nodes: int = 8, steps_per_epoch: int = 50,
                     grad_every: int = 10, residual: bool = True, seed: int = 0,
                     nan_at: int | None = None, name: str = "synthetic"
                     ) -> Iterator[dict[str, Any]]:
    """Yield a whole run's events: ``started``, steps, grad norms, epochs, ``finished``.

    Args:
        steps: optimizer steps in the run.
        nodes: parameterized layers (``conv1`` ... ``fc``).
        steps_per_epoch: an ``epoch`` event every this many steps.
        grad_every: a ``grad_norms`` event every this many steps.
        residual: gradients stay even across depth (else they shrink towards the input).
        nan_at: the loss becomes NaN at this step and the run ends with an error.
    """
    rng = np.random.default_rng(seed)
    names = [f"conv{i + 1}" for i in range(nodes - 1)] + ["fc"]
    epochs = max(1, math.ceil(steps / steps_per_epoch))
    t = 0.0
    yield {"event": ev.STATUS, "time": t, "state": "starting", "message": "preparing"}
    yield {"event": ev.STARTED, "time": t, "run_dir": None, "device": "cpu", "world_size": 1,
           "dataset": "shapes", "num_train": steps_per_epoch * 32, "num_val": 320,
           "num_classes": 10, "input_shape": [3, 32, 32], "batch_size": 32,
           "steps_per_epoch": steps_per_epoch, "total_steps": steps, "epochs": epochs,
           "start_step": 0, "parameters": 1000, "nodes": names, "config": {"name": name}}
    yield {"event": ev.STATUS, "time": t, "state": "running", "message": "training"}
    floor = 0.15 if residual else 0.45
    decay = 0.97 if residual else 0.6
    for step in range(1, steps + 1):
        t += 0.01
        epoch = (step - 1) // steps_per_epoch + 1
        progress = step / steps
        loss = floor + 2.2 * math.exp(-4 * progress) + rng.normal(0, 0.08)
        if nan_at is not None and step >= nan_at:
            yield {"event": ev.STEP, "time": t, "step": step, "epoch": epoch,
                   "batch": (step - 1) % steps_per_epoch + 1, "loss": math.nan, "lr": 0.1,
                   "img_per_s": 3000.0}
            yield {"event": ev.ERROR, "time": t, "kind": "nonfinite", "step": step,
                   "node": names[0], "message": f"the loss became nan at step {step}; the "
                   f"first non-finite gradient is in node {names[0]!r}: lower the learning rate"}
            yield {"event": ev.FINISHED, "time": t, "reason": "error", "step": step,
                   "epoch": epoch, "checkpoint": None, "elapsed": t}
            return
        lr = 0.1 * (0.1 ** int(progress / 0.5)) * (0.1 ** int(progress / 0.75))
        yield {"event": ev.STEP, "time": t, "step": step, "epoch": epoch,
               "batch": (step - 1) % steps_per_epoch + 1, "loss": max(loss, 0.01), "lr": lr,
               "img_per_s": float(3000 + rng.normal(0, 150))}
        if grad_every and step % grad_every == 0:
            scale = 0.5 + math.exp(-3 * progress)
            norms = {n: float(scale * decay ** (nodes - 1 - i) * math.exp(rng.normal(0, 0.2)))
                     for i, n in enumerate(names)}
            total = math.sqrt(sum(v * v for v in norms.values()))
            yield {"event": ev.GRAD_NORMS, "time": t, "step": step, "epoch": epoch,
                   "total": total, "norms": norms}
        if step % steps_per_epoch == 0 or step == steps:
            err = floor * 0.5 + 0.8 * math.exp(-3 * progress)
            yield {"event": ev.EPOCH, "time": t, "epoch": epoch, "step": step,
                   "train_loss": loss, "train_top1": 1 - err, "train_top5": 1.0,
                   "val_loss": loss + 0.1, "val_top1": 1 - err - 0.05, "val_top5": 1.0,
                   "lr": lr, "epoch_time": 0.5, "img_per_s": 3000.0}
    yield {"event": ev.FINISHED, "time": t, "reason": "completed", "step": steps,
           "epoch": epochs, "checkpoint": None, "elapsed": t}
