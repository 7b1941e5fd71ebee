"""What a resumed run may change, and applying what it changes.

Loading a checkpoint restores the optimizer's own copy of ``lr``, ``momentum``,
``weight_decay``... (they live in its ``param_groups``), so options given again on
``--resume`` would be recorded in the config yet ignored. Every option is therefore either
applied after loading (:func:`apply_hyperparameters`) or refused with a sentence
(:func:`check_resumable`), never dropped silently.
"""

from __future__ import annotations

from typing import Any

from convnet_studio.train.config import ConfigError, TrainConfig

# Fields that define which batches the run sees or how its state is shaped: changing one
# would make the checkpoint's optimizer state, data order or step count mean something else.
FIXED = (
    "dataset",
    "train_size",
    "val_size",
    "val_split",
    "batch_size",
    "optimizer",
    "schedule",
    "seed",
    "augment",
    "adapt_input",
)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_resumable(config: TrainConfig, saved: dict[str, Any]) -> None:
    """Refuse a resumed config that changes a :data:`FIXED` field of the checkpoint's run."""
    changed = [n for n in FIXED if n in saved and _norm(saved[n]) != _norm(getattr(config, n))]
    if not changed:
        return
    parts = ", ".join(f"{_flag(n)} {saved[n]!r} -> {getattr(config, n)!r}" for n in changed)
    raise ConfigError(
        f"cannot resume with a different {', '.join(_flag(n) for n in changed)} ({parts}): "
        f"a resumed run keeps its data, batches and optimizer; drop "
        f"{'that option' if len(changed) == 1 else 'those options'} or start a new run"
    )


def _norm(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def apply_hyperparameters(
    optimizer: Any, schedule: Any, config: TrainConfig, saved: dict[str, Any]
) -> None:
    """Put ``config``'s hyperparameters into a just-loaded optimizer and schedule.

    ``saved`` is the checkpoint's config. The lr follows the (possibly new) schedule from
    the new base lr at the current step, as if the run had used it all along; a plateau
    schedule restarts at a newly given lr.
    """
    for group in optimizer.param_groups:
        group["weight_decay"] = config.weight_decay
        if config.optimizer == "sgd":
            group["momentum"] = config.momentum
            group["nesterov"] = config.nesterov and config.momentum > 0
        else:
            group["betas"] = tuple(config.betas)
    sched = schedule.sched
    if schedule.kind == "plateau":
        if config.lr != saved.get("lr", config.lr):
            for group in optimizer.param_groups:
                group["lr"] = config.lr
        sched.min_lrs = [config.min_lr] * len(optimizer.param_groups)
        sched.patience, sched.factor = config.plateau_patience, config.gamma
        return
    sched.base_lrs = [config.lr] * len(optimizer.param_groups)
    lrs = [config.lr * f(sched.last_epoch) for f in sched.lr_lambdas]
    for group, lr in zip(optimizer.param_groups, lrs, strict=True):
        group["initial_lr"], group["lr"] = config.lr, lr
    sched._last_lr = lrs  # what get_last_lr() reports until the next step
