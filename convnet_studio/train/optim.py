"""Optimizers and learning-rate schedules from a :class:`TrainConfig`.

Step and cosine schedules are per-iteration multipliers (a :class:`LambdaLR`), so a warmup
is smooth and a run resumed mid-epoch continues on the same curve; their length is
``epochs`` (``max_steps`` stops a run early without bending the curve, which keeps a
stopped-and-resumed run identical to a straight one). Plateau steps once per epoch on the
validation loss.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from convnet_studio.train.config import TrainConfig


def build_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            params,
            lr=config.lr,
            momentum=config.momentum,
            nesterov=config.nesterov and config.momentum > 0,
            weight_decay=config.weight_decay,
        )
    cls = torch.optim.Adam if config.optimizer == "adam" else torch.optim.AdamW
    return cls(params, lr=config.lr, betas=tuple(config.betas), weight_decay=config.weight_decay)


def milestones(config: TrainConfig) -> list[int]:
    """Epochs at which the step schedule divides the lr by 10 (the paper's 50% and 75%)."""
    if config.milestones is not None:
        return sorted(int(m) for m in config.milestones)
    return [m for m in (config.epochs // 2, (config.epochs * 3) // 4) if m > 0]


def lr_factor(config: TrainConfig, steps_per_epoch: int) -> Callable[[int], float]:
    """The multiplier of the base lr at a given (0-based) step, for step/cosine/none."""
    warmup = round(config.warmup_epochs * steps_per_epoch)
    total = max(1, config.epochs * steps_per_epoch)
    marks = milestones(config)
    floor = config.min_lr / config.lr

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if config.schedule == "step":
            epoch = step // steps_per_epoch
            return config.gamma ** sum(1 for m in marks if epoch >= m)
        if config.schedule == "cosine":
            progress = min(1.0, (step - warmup) / max(1, total - warmup))
            return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        return 1.0

    return factor


class Schedule:
    """One object for both kinds: ``after_step()`` every step, ``after_epoch(val_loss)``."""

    def __init__(
        self, optimizer: torch.optim.Optimizer, config: TrainConfig, steps_per_epoch: int
    ) -> None:
        self.kind = config.schedule
        if self.kind == "plateau":
            self.sched: Any = torch.optim.lr_scheduler.ReduceLROnPlateau(
                optimizer,
                mode="min",
                factor=config.gamma,
                patience=config.plateau_patience,
                min_lr=config.min_lr,
            )
        else:
            self.sched = torch.optim.lr_scheduler.LambdaLR(
                optimizer, lr_factor(config, steps_per_epoch)
            )
        self.optimizer = optimizer

    def after_step(self) -> None:
        if self.kind != "plateau":
            self.sched.step()

    def after_epoch(self, val_loss: float) -> None:
        if self.kind == "plateau" and math.isfinite(val_loss):
            self.sched.step(val_loss)

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def state_dict(self) -> dict[str, Any]:
        return self.sched.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.sched.load_state_dict(state)
