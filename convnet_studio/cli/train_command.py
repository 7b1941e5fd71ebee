"""``convnet-studio train``: train a project file or preset from the command line.

With one process the run happens in this process (:func:`~.worker.run_training`, the
worker's own entry point), which saves starting and importing a second interpreter; with
``--nproc`` > 1 it runs under torchrun through :class:`~.process.TrainingProcess`, as the
GUI does. On a terminal a progress line shows loss, images per second and the ETA; epoch
summaries are printed as they come. ``--json`` prints the raw event stream instead.
Errors are :class:`~convnet_studio.errors.UserError`: ``convnet_studio.cli`` prints them as one
sentence on stderr with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from convnet_studio.errors import CommandError, UserError, print_error
from convnet_studio.train import events as ev
from convnet_studio.train.config import (
    AMP_MODES,
    AUGMENTS,
    DEVICES,
    OPTIMIZERS,
    RECIPES,
    SCHEDULES,
    TrainConfig,
)

# argparse dest -> TrainConfig field, for options given on the command line only
_FIELDS = (
    "dataset",
    "data_dir",
    "download",
    "epochs",
    "max_steps",
    "batch_size",
    "lr",
    "optimizer",
    "momentum",
    "nesterov",
    "weight_decay",
    "schedule",
    "milestones",
    "warmup_epochs",
    "label_smoothing",
    "grad_clip",
    "device",
    "threads",
    "amp",
    "channels_last",
    "compile",
    "grad_norm_every",
    "log_every",
    "workers",
    "seed",
    "train_size",
    "val_size",
    "augment",
    "adapt_input",
    "out",
    "resume",
)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``train`` options to ``parser`` (a subcommand parser)."""
    parser.add_argument(
        "source",
        nargs="?",
        help="project file or preset name (optional with --resume: the checkpoint holds the graph)",
    )
    d = parser.add_argument_group("data")
    d.add_argument(
        "--dataset",
        help="shapes (built in, default), cifar10, cifar100, mnist, "
        "fashionmnist or folder:PATH (one subfolder per class)",
    )
    d.add_argument(
        "--data-dir",
        help="where torchvision datasets are (default "
        "~/.cache/convnet-studio/datasets or $CONVNET_STUDIO_DATA)",
    )
    d.add_argument(
        "--download",
        action="store_true",
        default=None,
        help="download the dataset if it is missing",
    )
    d.add_argument("--augment", choices=AUGMENTS, help="augmentation preset (default auto)")
    d.add_argument(
        "--adapt-input",
        action="store_true",
        default=None,
        help="resize images and convert channels to fit the graph's Input node",
    )
    d.add_argument("--train-size", type=int, help="training images (shapes size / cap)")
    d.add_argument("--val-size", type=int, help="validation images (shapes size / cap)")
    d.add_argument("--workers", type=int, help="DataLoader workers for image folders")
    o = parser.add_argument_group("optimization")
    o.add_argument(
        "--recipe",
        choices=tuple(RECIPES),
        help="a set of defaults: quick (learns within a minute on a CPU, the default) or "
        "paper (the ResNet paper's: batch 128, lr 0.1, no warm-up, 164 epochs); options "
        "given explicitly win",
    )
    o.add_argument("--epochs", type=int)
    o.add_argument("--max-steps", type=int, help="stop after this many steps")
    o.add_argument("--batch-size", type=int, help="per process (default 64)")
    o.add_argument("--lr", type=float, help="learning rate (default 0.02)")
    o.add_argument("--optimizer", choices=OPTIMIZERS)
    o.add_argument("--momentum", type=float)
    o.add_argument("--nesterov", action="store_true", default=None)
    o.add_argument("--weight-decay", type=float)
    o.add_argument("--schedule", choices=SCHEDULES, help="lr schedule (default step)")
    o.add_argument("--milestones", type=int, nargs="+", help="epochs where step divides lr by 10")
    o.add_argument("--warmup-epochs", type=float, help="linear lr warm-up (default 0.5)")
    o.add_argument("--label-smoothing", type=float)
    o.add_argument("--grad-clip", type=float, help="clip the total gradient norm to this")
    o.add_argument("--seed", type=int)
    h = parser.add_argument_group("hardware")
    h.add_argument("--device", choices=DEVICES)
    h.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    h.add_argument(
        "--amp",
        nargs="?",
        const="auto",
        choices=AMP_MODES,
        help="mixed precision on CUDA (bf16 where supported, else fp16)",
    )
    h.add_argument("--channels-last", action="store_true", default=None)
    h.add_argument("--compile", action="store_true", default=None, help="use torch.compile")
    h.add_argument("--nproc", type=int, default=1, help="processes (DDP via torchrun)")
    r = parser.add_argument_group("output")
    r.add_argument("--out", help="run directory (default runs/NAME-TIME)")
    r.add_argument("--resume", metavar="CHECKPOINT", help="continue from a checkpoint")
    r.add_argument("--grad-norm-every", type=int, help="steps between grad-norm events (10)")
    r.add_argument("--log-every", type=int, help="steps between step events (1)")
    r.add_argument("--json", action="store_true", help="print the JSON event stream")


def run_train_command(args: argparse.Namespace) -> int:
    """Run ``convnet-studio train``; returns the exit status."""
    # A bad source, config or checkpoint raises a UserError, which convnet_studio.cli reports.
    config, project = build_run(args)
    view = Progress(sys.stdout, json_lines=args.json)
    if args.nproc > 1:
        finished, error, interrupted = _run_torchrun(project, config, args.nproc, view)
    else:
        finished, error, interrupted = _run_here(project, config, view)
    view.close()
    if error is not None and error.get("kind") == "config" and not finished.get("step"):
        print_error(error["message"])
        return 2
    if finished.get("reason") in ("error", "crashed"):
        print_error((error or {}).get("message", "training failed"))
        return 130 if (error or {}).get("kind") == "interrupted" else 1
    if not args.json:
        view.summary(finished)
    return 130 if interrupted else 0


def _run_here(
    project: dict[str, Any] | None, config: TrainConfig, view: Progress
) -> tuple[dict[str, Any], dict[str, Any] | None, bool]:
    """Train in this process: no second interpreter to start, no torch to import twice.

    The first Ctrl-C asks for a stop after the batch (with a checkpoint); a second one
    stops at once.
    """
    from convnet_studio.train.control import Control
    from convnet_studio.train.worker import run_training

    control = Control()
    control.handle_signals(
        on_stop=lambda: view.note("stopping after this batch (Ctrl-C again to stop at once)...")
    )
    seen: dict[str, dict[str, Any]] = {}

    def on_event(event: dict[str, Any]) -> None:
        seen[event["event"]] = event
        view.show(event)

    try:
        run_training(project, config, callback=on_event, control=control)
    finally:
        control.restore_signals()
    return seen.get(ev.FINISHED, {}), seen.get(ev.ERROR), control.stop_requested


def _run_torchrun(
    project: dict[str, Any] | None, config: TrainConfig, nproc: int, view: Progress
) -> tuple[dict[str, Any], dict[str, Any] | None, bool]:
    """Train in ``nproc`` worker processes under torchrun, following their events."""
    from convnet_studio.train.process import TrainingProcess
    from convnet_studio.train.worker_paths import RunDirBusy

    proc = TrainingProcess(project, config, nproc=nproc)
    try:
        proc.start()
    except (RunDirBusy, OSError) as exc:
        return {}, {"kind": "config", "message": str(exc)}, False
    interrupted = False
    while True:
        try:
            for event in proc.events(timeout=0.5):
                view.show(event)
            if proc.finished is not None:
                break
        except KeyboardInterrupt:
            if interrupted:  # a second Ctrl-C: do not wait for the checkpoint
                proc.kill()
                continue
            interrupted = True
            view.note("stopping after this batch (Ctrl-C again to stop at once)...")
            proc.stop()
    proc.wait(30)
    return proc.finished or {}, proc.last_error, interrupted


def build_run(args: argparse.Namespace) -> tuple[TrainConfig, dict[str, Any] | None]:
    """The run config (command line over checkpoint over defaults) and the project."""
    given = {f: getattr(args, f) for f in _FIELDS if getattr(args, f, None) is not None}
    if getattr(args, "recipe", None):
        given = {**RECIPES[args.recipe], **given}
    if args.resume:
        base = _checkpoint_config(args.resume)
        config = TrainConfig.from_dict({**base, **given, "resume": args.resume})
        project = _load_source(args.source, config) if args.source else None
        return config, project
    if not args.source:
        raise CommandError("give a project file or preset name to train (or --resume CHECKPOINT)")
    config = TrainConfig.from_dict(given)
    return config, _load_source(args.source, config)


def _checkpoint_config(path: str) -> dict[str, Any]:
    from convnet_studio.train.checkpoint import load_checkpoint

    state = load_checkpoint(path)  # a CheckpointError names the file and what is wrong
    config = dict(state.get("config") or {})
    config.pop("resume", None)
    # the run continues in the checkpoint's own directory unless --out says otherwise (an
    # "out" stored relative to another working directory would split the run in two)
    config.pop("out", None)
    # a --max-steps the run has reached already would stop it again at once: resuming means
    # going on (give --max-steps again to set a new limit)
    if config.get("max_steps") is not None and state.get("step", 0) >= config["max_steps"]:
        config.pop("max_steps")
    return config


def _load_source(source: str, config: TrainConfig) -> dict[str, Any]:
    """A project file, or a preset built for the dataset's classes and image size."""
    from convnet_studio.sources import looks_like_file, resolve_source
    from convnet_studio.train.signature import dataset_signature

    if looks_like_file(source):
        try:
            return resolve_source(source).to_dict()
        except UserError as exc:  # missing, unreadable or invalid: say which file
            raise CommandError(f"cannot load project {source}: {exc}") from None
    shape, classes = dataset_signature(config)
    # folders have no fixed size (H = 0): keep the preset's own input size
    return resolve_source(source, classes, shape if shape[1] else None).to_dict()


class Progress:
    """Renders events: a live line on a terminal, epoch summaries, or raw JSON lines."""

    def __init__(self, out: TextIO, json_lines: bool = False) -> None:
        self.out, self.json_lines = out, json_lines
        self.tty = out.isatty() and not json_lines
        self.total = self.epochs = 0
        self.start_step = 0
        self.t0: float | None = None
        self.rate: float | None = None  # smoothed img/s
        self.live = False
        self.drawn = 0.0
        self.run_dir = ""
        self.loss: float | None = None  # the last step's loss
        self.val: dict[str, Any] | None = None  # the last epoch event

    def show(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == ev.STEP:
            self.loss = event["loss"]
        elif kind == ev.EPOCH:
            self.val = event
        elif kind == ev.STARTED:
            self.run_dir = event["run_dir"]
        if self.json_lines:
            self.out.write(ev.encode(event) + "\n")
            self.out.flush()
            return
        if kind == ev.STARTED:
            self.total, self.epochs = event["total_steps"], event["epochs"]
            self.start_step, self.t0 = event["start_step"], time.monotonic()
            self._line(
                f"training on {event['device']} (x{event['world_size']}): "
                f"{event['dataset']}, {event['num_train']} images, "
                f"{event['parameters']:,} parameters, {self.total} steps -> "
                f"{event['run_dir']}"
            )
        elif kind == ev.STEP and self.tty:
            self._step(event)
        elif kind == ev.EPOCH:
            self._line(
                f"epoch {event['epoch']}/{self.epochs}: train loss "
                f"{event['train_loss']:.4f} top1 {100 * event['train_top1']:.1f}% | val "
                f"loss {event['val_loss']:.4f} top1 {100 * event['val_top1']:.1f}% "
                f"top5 {100 * event['val_top5']:.1f}% | {event['epoch_time']:.1f} s"
            )
        elif kind == ev.STATUS and event["state"] == "paused":
            self._line("paused")
        elif kind == ev.LOG:
            self._line(event["message"])

    def _step(self, event: dict[str, Any]) -> None:
        rate = event["img_per_s"]
        self.rate = rate if self.rate is None else 0.9 * self.rate + 0.1 * rate
        done = event["step"]
        frac = done / max(self.total, 1)
        eta = ""
        if self.t0 is not None and done > self.start_step:
            per_step = (time.monotonic() - self.t0) / (done - self.start_step)
            eta = _clock(per_step * max(self.total - done, 0))
        now = time.monotonic()
        if now - self.drawn < 0.1 and done < self.total:  # redraw at most 10 times a second
            return
        self.drawn = now
        bar = "#" * int(24 * frac) + "." * (24 - int(24 * frac))
        text = (
            f"\repoch {event['epoch']}/{self.epochs} [{bar}] {done}/{self.total} "
            f"loss {event['loss']:.4f} {self.rate:,.0f} img/s ETA {eta}"
        )
        self.out.write(text + " " * 4)
        self.out.flush()
        self.live = True

    def _line(self, text: str) -> None:
        if self.live:
            self.out.write("\n")
            self.live = False
        self.out.write(text + "\n")
        self.out.flush()

    def summary(self, finished: dict[str, Any]) -> None:
        """The last lines: why the run ended, where it stands, and where it is."""
        step, reason = finished.get("step", 0), finished.get("reason")
        why = {
            "completed": f"finished all {self.epochs} epochs at step {step}",
            "max_steps": f"stopped at step {step} (--max-steps)",
            "stopped": f"stopped at step {step} (asked to stop)",
        }.get(str(reason), f"ended at step {step} ({reason})")
        stand = [f"loss {self.loss:.2f}"] if self.loss is not None else []
        if self.val is not None:
            after = "" if self.val["step"] == step else f" after epoch {self.val['epoch']}"
            stand.append(f"val top-1 {100 * self.val['val_top1']:.0f}%{after}")
        self._line(f"{why}: {', '.join(stand)}" if stand else why)
        if finished.get("checkpoint"):
            self._line(
                f"run directory: {self.run_dir}  (continue with: convnet-studio train "
                f"--resume {finished['checkpoint']})"
            )

    def note(self, text: str) -> None:
        if not self.json_lines:
            self._line(text)

    def close(self) -> None:
        if self.live:
            self.out.write("\n")
            self.live = False


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )
