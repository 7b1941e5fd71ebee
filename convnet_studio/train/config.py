"""The run config: every knob of a training run, JSON-able and torch-free.

Defaults are chosen for a first run that shows learning within a minute on two CPU cores
(see docs/training.md, "The defaults"): the ResNet paper's optimizer (SGD, momentum 0.9,
weight decay 1e-4, lr divided by 10 at 50% and 75% of the epochs) with a lower lr (0.02)
after a half-epoch warm-up, batch 64, and a 5,000-image shapes set. The paper's own recipe
is one option away: :data:`RECIPES` ``["paper"]`` (``--recipe paper``). The GUI and the CLI
build a :class:`TrainConfig`, the worker receives it as JSON (``to_dict``/``from_dict``)
and stores it in checkpoints.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

from convnet_studio.errors import UserError

DATASETS = ("shapes", "cifar10", "cifar100", "mnist", "fashionmnist")  # plus "folder:PATH"
OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("step", "cosine", "plateau", "none")
AUGMENTS = ("auto", "none", "cifar", "imagenet")
DEVICES = ("auto", "cpu", "cuda", "mps")
AMP_MODES = ("off", "auto", "bf16", "fp16")


# Named sets of defaults; options given explicitly win over them.
RECIPES: dict[str, dict[str, Any]] = {
    "quick": {},  # the defaults below
    # He et al. 2015, section 4.2: batch 128, lr 0.1 from the first step, 64k iterations
    # (about 164 epochs of CIFAR-10's 45k training images), lr / 10 at 50% and 75%
    "paper": {
        "lr": 0.1,
        "batch_size": 128,
        "warmup_epochs": 0.0,
        "epochs": 164,
    },
}


class ConfigError(UserError, ValueError):
    """A run config that cannot work; the message is one sentence naming the field."""


def default_data_dir() -> str:
    """Where torchvision datasets live unless ``data_dir`` says otherwise."""
    env = os.environ.get("CONVNET_STUDIO_DATA")
    if env:
        return env
    return os.path.join(os.path.expanduser("~"), ".cache", "convnet-studio", "datasets")


@dataclass
class TrainConfig:
    """A training run's settings (all JSON-able).

    Data: ``dataset`` is one of :data:`DATASETS` or ``"folder:PATH"``; ``train_size`` and
    ``val_size`` size the built-in shapes set (and cap other sets when given); ``augment``
    ``"auto"`` picks ``"cifar"`` for CIFAR, ``"imagenet"`` for folders and ``"none"``
    otherwise; ``adapt_input`` resizes images and repeats/averages channels to fit the
    graph's Input node instead of refusing a mismatch.
    Length: ``epochs``, and ``max_steps`` to stop earlier (a checkpoint is written there).
    Hardware: ``device``, ``threads`` (CPU threads, 0 = torch's default), ``amp`` (``"auto"`` = bf16 where supported, else fp16 with a
    GradScaler; CUDA only), ``channels_last`` (None = on for CUDA), ``compile``.
    Monitoring: ``log_every`` steps per step event, ``grad_norm_every`` steps per
    grad-norm event (0 disables).
    """

    dataset: str = "shapes"
    data_dir: str | None = None
    download: bool = False
    train_size: int | None = None
    val_size: int | None = None
    val_split: float = 0.1
    augment: str = "auto"
    adapt_input: bool = False
    workers: int = 0

    epochs: int = 10
    max_steps: int | None = None
    batch_size: int = 64  # small batches: more steps, so learning shows sooner on a CPU

    optimizer: str = "sgd"
    lr: float = 0.02  # at 0.1 a ResNet-20 on shapes sits at chance for hundreds of steps
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.999)
    schedule: str = "step"
    milestones: list[int] | None = None  # epochs; None = at 50% and 75% of the run
    gamma: float = 0.1
    warmup_epochs: float = 0.5  # linear from lr/steps to lr: steadies the first steps
    min_lr: float = 0.0
    plateau_patience: int = 5
    label_smoothing: float = 0.0
    grad_clip: float | None = None

    device: str = "auto"
    amp: str = "off"
    channels_last: bool | None = None
    cudnn_benchmark: bool = True
    compile: bool = False
    threads: int = 0  # CPU threads for torch; 0 = torch's default (every core)

    log_every: int = 1
    grad_norm_every: int = 10
    seed: int = 0
    out: str | None = None
    resume: str | None = None
    checkpoint_every: int = 1
    tensorboard: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["betas"] = list(self.betas)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build and validate; unknown keys are refused so typos do not pass silently."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown config field(s): {', '.join(unknown)}")
        values = dict(data)
        if "betas" in values:
            values["betas"] = tuple(values["betas"])
        config = cls(**values)
        config.validate()
        return config

    def replace(self, **changes: Any) -> TrainConfig:
        config = dataclasses.replace(self, **changes)
        config.validate()
        return config

    @property
    def data_root(self) -> str:
        return self.data_dir or default_data_dir()

    def validate(self) -> None:
        """Raise :class:`ConfigError` on the first field that cannot work."""
        if self.dataset not in DATASETS and not self.dataset.startswith("folder:"):
            raise ConfigError(
                f"dataset must be one of {', '.join(DATASETS)} or folder:PATH, not {self.dataset!r}"
            )
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("schedule", self.schedule, SCHEDULES)
        _choice("augment", self.augment, AUGMENTS)
        _choice("device", self.device, DEVICES)
        _choice("amp", self.amp, AMP_MODES)
        for name in ("epochs", "batch_size", "log_every", "checkpoint_every"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.threads < 0:
            raise ConfigError(f"threads must be 0 (torch's default) or more, not {self.threads}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError(f"max_steps must be at least 1, not {self.max_steps}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be positive, not {self.lr}")
        if self.grad_norm_every < 0:
            raise ConfigError("grad_norm_every must be 0 (off) or a positive step count")
        if not 0 <= self.label_smoothing < 1:
            raise ConfigError("label_smoothing must be in [0, 1)")
        if not 0 < self.val_split < 1:
            raise ConfigError("val_split must be between 0 and 1")
        if self.grad_clip is not None and self.grad_clip <= 0:
            raise ConfigError("grad_clip must be positive (or unset)")
        for name in ("train_size", "val_size"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be at least 1, not {value}")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
