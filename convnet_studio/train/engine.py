"""The training loop: one optimizer step per batch, events out, control in.

Per step the only host-device sync is reading the loss back (needed to report it and to
catch a non-finite loss before the optimizer applies it); epoch accuracy is accumulated on
the device and read once per epoch. Grad norms cost one more sync every
``grad_norm_every`` steps. Under DDP the loss and the stop/pause flags travel in one small
all-reduce per step, so every rank stops or pauses at the same step.
"""

from __future__ import annotations

import math
import os
import time
from contextlib import nullcontext
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from convnet_studio.train import events as ev
from convnet_studio.train.checkpoint import rng_state, save_checkpoint, set_rng_state
from convnet_studio.train.config import TrainConfig
from convnet_studio.train.control import Control
from convnet_studio.train.failures import Where, checkpoint_write_failure
from convnet_studio.train.gradnorms import GradNormMonitor
from convnet_studio.train.metrics import MetricsLog
from convnet_studio.train.optim import Schedule, build_optimizer
from convnet_studio.train.pipeline import Pipeline
from convnet_studio.train.resume import apply_hyperparameters
from convnet_studio.train.runtime import DistInfo


class NonFiniteError(RuntimeError):
    """The loss or a gradient became NaN/inf; ``step`` and ``node`` say where."""

    def __init__(self, message: str, step: int, node: str | None) -> None:
        super().__init__(message)
        self.step, self.node = step, node


class Trainer:
    """Trains ``module`` on ``pipeline`` as ``config`` says, reporting through ``log``.

    Args:
        module: the bare model (already on ``device``); DDP and torch.compile wrap it here.
        nodes: parameterized node names in graph order (grad-norm grouping).
        run_dir: where ``last.pt`` goes (None: no checkpoints).
        extra_state: stored in every checkpoint (the graph JSON and the config).
    """

    def __init__(
        self,
        module: nn.Module,
        nodes: list[str],
        config: TrainConfig,
        pipeline: Pipeline,
        device: torch.device,
        log: MetricsLog | None,
        control: Control,
        info: DistInfo | None = None,
        run_dir: str | None = None,
        amp: torch.dtype | None = None,
        extra_state: dict[str, Any] | None = None,
    ) -> None:
        self.module, self.config, self.pipeline = module, config, pipeline
        self.device, self.log, self.control = device, log, control
        self.info = info or DistInfo()
        info = self.info
        self.run_dir, self.amp, self.extra_state = run_dir, amp, extra_state or {}
        self.model: nn.Module = module
        if info.enabled:
            ids = [device.index] if device.type == "cuda" else None
            self.model = nn.parallel.DistributedDataParallel(module, device_ids=ids)
        if config.compile:
            self.model = torch.compile(self.model)
        self.optimizer = build_optimizer(module, config)
        self.spe = pipeline.steps_per_epoch
        self.schedule = Schedule(self.optimizer, config, self.spe)
        self.scaler = torch.amp.GradScaler("cuda") if amp == torch.float16 else None
        self.monitor = GradNormMonitor(module, nodes)
        self.params = [p for p in module.parameters() if p.requires_grad]
        self.step = self.epoch = self.batch = 0
        self.acc: dict[str, float] = {}
        self.stop_after_epoch = False
        self.checkpoint_path: str | None = None  # the last good checkpoint, and its step
        self.checkpoint_step: int | None = None
        self.total_steps = config.epochs * self.spe
        if config.max_steps is not None:
            self.total_steps = min(self.total_steps, config.max_steps)
        self.k = 5  # top-k accuracy (fewer when there are fewer classes)

    # ------------------------------------------------------------- reporting
    def emit(self, kind: str, /, **fields: Any) -> None:
        if self.info.is_main and self.log is not None:
            self.log.emit(kind, **fields)

    # ----------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.module.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler else None,
            "rng": rng_state(),
            "pipeline": self.pipeline.state_dict(),
            "step": self.step,
            "epoch": self.epoch,
            "batch": self.batch,
            "acc": dict(self.acc),
            "world_size": self.info.world,
            **self.extra_state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.module.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        # options given again on --resume win over the loaded optimizer's copies
        apply_hyperparameters(self.optimizer, self.schedule, self.config, state.get("config") or {})
        if self.scaler and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        set_rng_state(state["rng"])
        self.pipeline.load_state_dict(state["pipeline"])
        self.step, self.epoch, self.batch = state["step"], state["epoch"], state["batch"]
        self.acc = dict(state.get("acc") or {})
        self.checkpoint_path, self.checkpoint_step = self.config.resume, self.step
        if self.batch >= self.spe:  # stopped right at an epoch's end
            self.epoch, self.batch, self.acc = self.epoch + 1, 0, {}

    def save(self) -> None:
        if self.run_dir is None or not self.info.is_main:
            return
        path = os.path.join(self.run_dir, "last.pt")
        try:
            save_checkpoint(path, self.state_dict())
        except OSError as exc:  # the write is atomic: the last good checkpoint is intact
            where = Where(self.step, self.config.batch_size, self.info.world,
                          self.checkpoint_path, self.checkpoint_step)
            raise checkpoint_write_failure(exc, path, where) from None
        self.checkpoint_path, self.checkpoint_step = path, self.step
        # epoch: the one in progress when mid-epoch, else the number of epochs completed
        self.emit(
            ev.CHECKPOINT, path=path, epoch=self.epoch + (1 if self.batch else 0), step=self.step
        )

    # ------------------------------------------------------------------ loop
    def run(self) -> str:
        """Train until done, stopped or ``max_steps``; returns the finish reason."""
        self.emit(ev.STATUS, state="running", message="training")
        while self.epoch < self.config.epochs:
            reason = self._train_epoch()
            if reason == "stopped":
                self.emit(ev.STATUS, state="stopping", message="writing the last checkpoint")
            if reason is not None:
                self.save()
                return reason
            self.epoch, self.batch, self.acc = self.epoch + 1, 0, {}
            if (
                self.stop_after_epoch
                or self.epoch % self.config.checkpoint_every == 0
                or self.epoch == self.config.epochs
            ):
                self.save()
            if self.stop_after_epoch:
                return "stopped"
            if self.config.max_steps is not None and self.step >= self.config.max_steps:
                return "max_steps"
        return "completed"

    def _train_epoch(self) -> str | None:
        self.model.train()
        start = time.perf_counter()
        dev = self.device
        sums = self.acc or {"loss": 0.0, "n": 0.0, "top1": 0.0, "top5": 0.0}
        correct = torch.zeros(2, device=dev)  # top1, top5 on the device: no per-step sync
        every, gn_every = self.config.log_every, self.config.grad_norm_every
        images = 0
        last = time.perf_counter()
        for x, y in self.pipeline.train_batches(self.epoch, self.batch):
            loss, out = self._forward_backward(x, y)
            loss_value, stop, pause = self._sync(loss.detach())
            self.batch += 1
            if not math.isfinite(loss_value):
                self._raise_nonfinite(f"the loss became {loss_value}")
            want_norms = gn_every > 0 and (self.step + 1) % gn_every == 0
            norms = self._unscale_clip_norms(want_norms)
            self._optimizer_step()
            with torch.no_grad():
                correct += _topk_correct(out.detach(), y, self.k)
            self.step += 1
            n = x.shape[0] * self.info.world
            sums["loss"] += loss_value * n
            sums["n"] += n
            images += n
            now = time.perf_counter()
            if self.step % every == 0 or self.batch == self.spe:
                self.emit(
                    ev.STEP,
                    step=self.step,
                    epoch=self.epoch + 1,
                    batch=self.batch,
                    loss=loss_value,
                    lr=self.schedule.lr,
                    img_per_s=round(n / max(now - last, 1e-9), 2),
                )
            last = now
            if norms is not None:
                self.emit(
                    ev.GRAD_NORMS,
                    step=self.step,
                    epoch=self.epoch + 1,
                    total=norms[0],
                    norms=norms[1],
                )
            if self.batch == self.spe:  # the epoch is complete: report it before stopping
                self.stop_after_epoch = stop or (pause and self._pause())
                continue
            at_max = self.config.max_steps is not None and self.step >= self.config.max_steps
            if stop or at_max or (pause and self._pause()):
                self._fold(sums, correct)
                return "max_steps" if at_max and not stop else "stopped"
        self._fold(sums, correct)
        self._end_epoch(time.perf_counter() - start, images)
        return None

    def _forward_backward(
        self, x: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        ctx = torch.autocast(self.device.type, dtype=self.amp) if self.amp else nullcontext()
        with ctx:
            out = self.model(x)
            loss = F.cross_entropy(out, y, label_smoothing=self.config.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        (self.scaler.scale(loss) if self.scaler else loss).backward()
        return loss, out

    def _sync(self, loss: torch.Tensor) -> tuple[float, bool, bool]:
        """Loss (mean over ranks) and the stop/pause flags, in one readback."""
        stop, pause = self.control.stop_requested, self.control.pause_requested
        if not self.info.enabled:
            return float(loss), stop, pause
        main = self.info.is_main
        t = torch.stack(
            [
                loss.float(),
                torch.tensor(float(stop and main), device=loss.device),
                torch.tensor(float(pause and main), device=loss.device),
            ]
        )
        dist.all_reduce(t)
        value, stop_f, pause_f = t.tolist()
        return value / self.info.world, stop_f > 0, pause_f > 0

    def _unscale_clip_norms(self, want_norms: bool) -> tuple[float, dict[str, float]] | None:
        clip = self.config.grad_clip
        if self.scaler and (want_norms or clip):
            self.scaler.unscale_(self.optimizer)
        if clip:
            torch.nn.utils.clip_grad_norm_(self.params, clip, foreach=True)
        if not want_norms:
            return None
        total, norms = self.monitor.compute()
        # With fp16 an inf gradient is routine: the GradScaler skips that step.
        if not math.isfinite(total) and self.scaler is None:
            self._raise_nonfinite("a gradient became non-finite")
        return total, norms

    def _optimizer_step(self) -> None:
        if self.scaler:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.schedule.after_step()

    def _raise_nonfinite(self, what: str) -> None:
        node = self.monitor.first_nonfinite()
        step = self.step + 1
        where = f"; the first node with a non-finite gradient is {node!r}" if node else ""
        raise NonFiniteError(
            f"{what} at step {step} (epoch {self.epoch + 1}){where}: lower the learning rate "
            f"(now {self.schedule.lr:g}) or set gradient clipping",
            step,
            node,
        )

    def _fold(self, sums: dict[str, float], correct: torch.Tensor) -> None:
        if self.info.enabled:
            dist.all_reduce(correct)
        top1, top5 = correct.tolist()
        sums["top1"] += top1
        sums["top5"] += top5
        self.acc = sums

    def _pause(self) -> bool:
        """Wait while paused; True if a stop came meanwhile."""
        self.emit(ev.STATUS, state="paused", message="paused")
        while True:
            if self.info.is_main:
                self.control.wait(0.2)
            stop, pause = self.control.stop_requested, self.control.pause_requested
            if self.info.enabled:
                t = torch.tensor(
                    [float(stop and self.info.is_main), float(pause and self.info.is_main)],
                    device=self.device,
                )
                dist.all_reduce(t)
                stop, pause = (v > 0 for v in t.tolist())
            if stop:
                return True
            if not pause:
                self.emit(ev.STATUS, state="running", message="resumed")
                return False

    def _end_epoch(self, seconds: float, images: int) -> None:
        a = self.acc
        val = self.validate()
        self.schedule.after_epoch(val["loss"])
        n = max(a["n"], 1.0)
        self.emit(
            ev.EPOCH,
            epoch=self.epoch + 1,
            step=self.step,
            train_loss=a["loss"] / n,
            train_top1=a["top1"] / n,
            train_top5=a["top5"] / n,
            val_loss=val["loss"],
            val_top1=val["top1"],
            val_top5=val["top5"],
            lr=self.schedule.lr,
            epoch_time=round(seconds, 3),
            img_per_s=round(images / max(seconds, 1e-9), 2),
        )

    @torch.no_grad()
    def validate(self) -> dict[str, float]:
        """Loss and top-1/top-5 accuracy on the validation set (sharded across ranks)."""
        self.model.eval()
        ctx = torch.autocast(self.device.type, dtype=self.amp) if self.amp else nullcontext()
        wide = torch.float32 if self.device.type == "mps" else torch.float64  # MPS has no f64
        t = torch.zeros(4, device=self.device, dtype=wide)  # loss sum, top1, top5, n
        model = self.module if self.info.enabled else self.model  # no DDP sync in eval
        for x, y in self.pipeline.val_batches():
            with ctx:
                out = model(x)
            t[0] += F.cross_entropy(out.float(), y, reduction="sum")
            t[1:3] += _topk_correct(out, y, self.k)
            t[3] += y.shape[0]
        if self.info.enabled:
            dist.all_reduce(t)
        loss, top1, top5, n = t.tolist()
        self.model.train()
        n = max(n, 1.0)
        return {"loss": loss / n, "top1": top1 / n, "top5": top5 / n}


def _topk_correct(out: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
    """Counts of top-1 and top-k hits in a batch, as a 2-vector on the device."""
    k = min(k, out.shape[1])
    top = out.topk(k, dim=1).indices
    hits = top == y[:, None]
    return torch.stack([hits[:, 0].sum(), hits.any(dim=1).sum()]).float()
