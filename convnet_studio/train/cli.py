"""``convnet-studio train``: train a project file or preset from the command line.

The run happens in a worker process (:class:`~.process.TrainingProcess`), exactly as from
the GUI. On a terminal a progress line shows loss, images per second and the ETA; epoch
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
    o.add_argument("--epochs", type=int)
    o.add_argument("--max-steps", type=int, help="stop after this many steps")
    o.add_argument("--batch-size", type=int, help="per process (default 128)")
    o.add_argument("--lr", type=float, help="learning rate (default 0.1)")
    o.add_argument("--optimizer", choices=OPTIMIZERS)
    o.add_argument("--momentum", type=float)
    o.add_argument("--nesterov", action="store_true", default=None)
    o.add_argument("--weight-decay", type=float)
    o.add_argument("--schedule", choices=SCHEDULES, help="lr schedule (default step)")
    o.add_argument("--milestones", type=int, nargs="+", help="epochs where step divides lr by 10")
    o.add_argument("--warmup-epochs", type=float)
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
    from convnet_studio.train.process import TrainingProcess

    # A bad source, config or checkpoint raises a UserError, which convnet_studio.cli reports.
    config, project = build_run(args)
    proc = TrainingProcess(project, config, nproc=args.nproc)
    proc.start()
    view = Progress(sys.stdout, json_lines=args.json)
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
                break
            interrupted = True
            view.note("stopping after this batch (Ctrl-C again to kill)...")
            proc.stop()
    proc.wait(30)
    view.close()
    finished = proc.finished or {}
    if finished.get("reason") in ("error", "crashed"):
        message = (proc.last_error or {}).get("message", "training failed")
        print_error(message)
        return 1
    if finished.get("checkpoint") and not args.json:
        print(f"run directory: {proc.run_dir}  (checkpoint {finished['checkpoint']})")
    return 130 if interrupted else 0


def build_run(args: argparse.Namespace) -> tuple[TrainConfig, dict[str, Any] | None]:
    """The run config (command line over checkpoint over defaults) and the project."""
    given = {f: getattr(args, f) for f in _FIELDS if getattr(args, f, None) is not None}
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

    def show(self, event: dict[str, Any]) -> None:
        kind = event["event"]
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
