"""The training worker: ``python -m convnet_studio.train.worker SPEC.json [--stop-on-eof]``.

``SPEC.json`` holds ``{"project": <project JSON or null>, "config": <TrainConfig dict>,
"run_dir": <path or null>}`` (the project may be null when resuming: the checkpoint has it).
Events go to stdout as JSON lines (see :mod:`convnet_studio.train.events`); anything else
the process prints goes to stderr. Commands are read from stdin. Under ``torchrun`` every
rank runs this module and rank 0 reports. :func:`run_training` is the same thing in-process.

``--await-spec`` (instead of ``SPEC.json``) makes a spare worker: it imports torch and
warms up first, then reads one hand-over line naming the spec (see :mod:`.spare`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from convnet_studio.train import events as ev
from convnet_studio.train.config import ConfigError, TrainConfig
from convnet_studio.train.control import Control
from convnet_studio.train.resume import check_resumable
from convnet_studio.train.worker_paths import RunDirBusy, default_run_dir, lock_run_dir


def run_training(
    project: dict[str, Any] | None,
    config: TrainConfig,
    run_dir: str | None = None,
    stream: TextIO | None = None,
    callback: Callable[[dict], None] | None = None,
    control: Control | None = None,
) -> int:
    """Train; report through ``stream``/``callback``; return 0 unless the run failed.

    Every failure becomes an ``error`` event (never an exception), and ``finished`` is
    always the last event. Rank 0 locks the run directory for the whole run, unless the
    client that started this worker holds the lock.
    """
    from convnet_studio.train.runtime import destroy_process_group, env_dist

    info = env_dist()
    run_dir = run_dir or config.out or _default_dir(project, config)
    lock, busy = None, None
    if info.is_main:
        try:
            lock = lock_run_dir(run_dir)
        except RunDirBusy as exc:
            busy = exc
    log = _open_log(None if busy else run_dir, config, info, stream, callback)
    run = _Run(control or Control())
    try:
        log.emit(ev.STATUS, state="starting", message="preparing model and data")
        if busy:
            raise ConfigError(str(busy))
        run.trainer = _prepare(project, config, run_dir, log, run.control, info)
        run.reason = run.trainer.run()
        run.code = 0
    except BaseException as exc:  # noqa: BLE001 - every failure becomes one error event
        _report(exc, run, config, info, log)
    finally:
        trainer = run.trainer
        log.emit(
            ev.FINISHED,
            reason=run.reason,
            step=trainer.step if trainer else 0,
            epoch=(trainer.epoch + (1 if trainer.batch else 0)) if trainer else 0,
            checkpoint=trainer.checkpoint_path if trainer else None,
            elapsed=round(time.monotonic() - log.start, 3),
        )
        log.close()
        destroy_process_group()
        if lock is not None:
            lock.release()
    return run.code


class _Run:
    """What the error report and the finished event need from a run in progress."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self.trainer: Any = None
        self.reason, self.code = "error", 1


def _default_dir(project: dict[str, Any] | None, config: TrainConfig) -> str:
    if config.resume:  # a resumed run continues in its checkpoint's directory
        return os.path.dirname(os.path.abspath(config.resume))
    return default_run_dir(project)


def _open_log(
    run_dir: str | None,
    config: TrainConfig,
    info: Any,
    stream: TextIO | None,
    callback: Callable[[dict], None] | None,
) -> Any:
    from convnet_studio.train.metrics import MetricsLog

    main = info.is_main
    return MetricsLog(
        run_dir if main else None,
        stream if main else None,
        callback if main else None,
        tensorboard=config.tensorboard,
    )


def _report(exc: BaseException, run: _Run, config: TrainConfig, info: Any, log: Any) -> None:
    """Emit the one ``error`` event for ``exc`` (or none for a requested stop)."""
    kind, message = _classify(exc, run, config, info)
    if kind is None:
        run.reason, run.code = "stopped", 0
        return
    if kind == "internal":
        traceback.print_exception(exc, file=sys.stderr)
    trainer = run.trainer
    step = getattr(exc, "step", None)
    if step is None and trainer is not None and kind != "config":
        step = trainer.step + 1
    log.emit(ev.ERROR, kind=kind, message=message, step=step, node=getattr(exc, "node", None))
    if isinstance(exc, (SystemExit, KeyboardInterrupt)) and kind != "interrupted":
        raise exc


def _classify(
    exc: BaseException, run: _Run, config: TrainConfig, info: Any
) -> tuple[str | None, str]:
    """The error kind and sentence for ``exc``; kind None: not an error (a clean stop)."""
    import torch

    from convnet_studio.train.checkpoint import CheckpointError
    from convnet_studio.train.datasets import DataError
    from convnet_studio.train.engine import NonFiniteError
    from convnet_studio.train.failures import CheckpointWriteError, Where, describe_failure
    from convnet_studio.train.model import ModelError

    trainer = run.trainer
    if isinstance(exc, KeyboardInterrupt):
        if not run.control.stop_requested:
            return None, ""  # a stop raised as an interrupt before training began
        where = trainer.checkpoint_path if trainer else None
        tail = f"the last checkpoint is {where}" if where else "no checkpoint was written"
        return "interrupted", f"interrupted: stopped at once, without a final checkpoint; {tail}"
    kinds = {
        ConfigError: "config",
        CheckpointError: "checkpoint",
        DataError: "data",
        NonFiniteError: "nonfinite",
    }
    if type(exc) in kinds or isinstance(exc, (ModelError, CheckpointWriteError)):
        return kinds.get(type(exc), getattr(exc, "kind", "config")), str(exc)
    step = trainer.step + 1 if trainer else None
    if isinstance(exc, getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)):
        at = f" at step {step}" if step else ""
        return "out_of_memory", (
            f"out of device memory{at} with batch size {config.batch_size}: lower "
            f"--batch-size or use --amp"
        )
    where = Where(
        step,
        config.batch_size,
        info.world,
        trainer.checkpoint_path if trainer else None,
        trainer.checkpoint_step if trainer else None,
    )
    known = describe_failure(exc, where)
    if known is not None:
        return known
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return "internal", f"training failed: {type(exc).__name__}: {first}"


def _import_in_background(module: str) -> None:
    """Start importing ``module`` on a thread while the main thread builds model and data.

    torch.optim's ``Optimizer.__init__`` imports ``torch._dynamo`` on its first call: 0.85 s
    of a 3 s start on a CPU. Loading and drawing the data (numpy, which releases the GIL)
    overlaps with it; the optimizer's own import then waits on the module lock until the
    thread is done, so nothing is imported twice or half.
    """
    threading.Thread(
        target=importlib.import_module, args=(module,), name=f"import {module}", daemon=True
    ).start()


def _prepare(
    project: dict[str, Any],
    config: TrainConfig,
    run_dir: str,
    log: Any,
    control: Control,
    info: Any,
) -> Any:
    """Device, seeds, model, data and trainer, each checked with a readable error."""
    import torch

    _import_in_background("torch._dynamo")
    from convnet_studio.train.checkpoint import load_checkpoint
    from convnet_studio.train.datasets import dataset_signature, describe_skipped, load_dataset
    from convnet_studio.train.model import build_model
    from convnet_studio.train.runtime import init_process_group, pick_device

    config.validate()
    resume_state = load_checkpoint(config.resume) if config.resume else None
    if resume_state is not None:
        check_resumable(config, resume_state.get("config") or {})
        project = project if project is not None else resume_state["graph"]
    if project is None:
        raise ConfigError("no project to train: give a project or a checkpoint to resume")
    if config.threads:
        torch.set_num_threads(config.threads)
    device = pick_device(config.device, info.local_rank)
    init_process_group(info, device)
    _seed_everything(config.seed)
    shape, classes = dataset_signature(config)
    built = build_model(project, shape, classes, config.dataset, config.adapt_input)
    bundle = load_dataset(config, image_size=built.input_shape[1:])
    skipped = describe_skipped(bundle)
    if skipped:
        log.emit(ev.STATUS, state="starting", message=skipped)
    trainer = _build_trainer(project, config, built, bundle, device, run_dir, log, control, info)
    if resume_state is not None:
        trainer.load_state_dict(resume_state)
    if config.amp != "off" and device.type != "cuda":
        log.emit(
            ev.STATUS,
            state="starting",
            message=f"mixed precision is for CUDA; training in float32 on {device.type}",
        )
    _emit_started(log, trainer, built, bundle, device, run_dir, config, info)
    return trainer


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _build_trainer(
    project: dict[str, Any], config: TrainConfig, built: Any, bundle: Any, device: Any,
    run_dir: str, log: Any, control: Control, info: Any,
) -> Any:
    """The model on its device, the input pipeline and the :class:`~.engine.Trainer`."""
    import torch

    from convnet_studio.train.engine import Trainer
    from convnet_studio.train.pipeline import Pipeline
    from convnet_studio.train.runtime import amp_dtype, apply_backend_flags

    channels_last = apply_backend_flags(config, device)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    module = built.module.to(device, memory_format=memory_format)
    augment = config.augment
    if augment == "auto":
        augment = "cifar" if config.dataset.startswith("cifar") else "none"
    pipeline = Pipeline(
        bundle, built.input_shape, device, config.batch_size, augment, config.seed,
        info.rank, info.world, adapt=config.adapt_input, workers=config.workers,
        channels_last=channels_last,
    )
    return Trainer(
        module, built.nodes, config, pipeline, device, log, control, info, run_dir,
        amp_dtype(config, device),
        extra_state={"graph": project, "config": config.to_dict()},
    )


def _emit_started(
    log: Any, trainer: Any, built: Any, bundle: Any, device: Any, run_dir: str,
    config: TrainConfig, info: Any,
) -> None:
    log.emit(
        ev.STARTED,
        run_dir=os.path.abspath(run_dir),
        device=str(device),
        world_size=info.world,
        dataset=bundle.name,
        num_train=bundle.num_train,
        num_val=bundle.num_val,
        num_classes=bundle.num_classes,
        input_shape=list(built.input_shape),
        batch_size=config.batch_size * info.world,
        steps_per_epoch=trainer.spe,
        total_steps=trainer.total_steps,
        epochs=config.epochs,
        start_step=trainer.step,
        parameters=sum(p.numel() for p in trainer.module.parameters()),
        nodes=built.nodes,
        config=config.to_dict(),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convnet_studio.train.worker")
    parser.add_argument("spec", nargs="?", help="JSON file with project, config and run_dir")
    parser.add_argument(
        "--stop-on-eof",
        action="store_true",
        help="stop (with a checkpoint) when stdin closes, i.e. the client died",
    )
    parser.add_argument(
        "--await-spec",
        action="store_true",
        help="a spare worker: import torch first, then read the run's hand-over line on stdin",
    )
    args = parser.parse_args(argv)
    if not args.await_spec and not args.spec:
        parser.error("give the run spec (or --await-spec)")
    events_out = sys.stdout
    sys.stdout = sys.stderr  # only events on the real stdout, whatever else prints
    if args.await_spec:
        handover = _await_handover(sys.stdin, events_out)
        if handover is None:
            return 0  # the client went away (or gave up on this spare) before handing a run over
        args.spec = handover
    control = Control()
    control.handle_signals()
    rank0 = int(os.environ.get("RANK", "0")) == 0
    if rank0:  # under torchrun all ranks share stdin; only rank 0 may read commands
        control.listen(sys.stdin, stop_on_eof=args.stop_on_eof)
    try:
        with open(args.spec, encoding="utf-8") as f:
            spec = json.load(f)
        config = TrainConfig.from_dict(spec.get("config") or {})
    except (OSError, ValueError) as exc:
        events_out.write(
            ev.encode(
                {
                    "event": ev.ERROR,
                    "time": 0.0,
                    "kind": "config",
                    "message": f"cannot read the run spec {args.spec}: {exc}",
                    "step": None,
                    "node": None,
                }
            )
            + "\n"
        )
        events_out.write(
            ev.encode(
                {
                    "event": ev.FINISHED,
                    "time": 0.0,
                    "reason": "error",
                    "step": 0,
                    "epoch": 0,
                    "checkpoint": None,
                    "elapsed": 0.0,
                }
            )
            + "\n"
        )
        return 2
    return run_training(
        spec.get("project"), config, spec.get("run_dir"), stream=events_out, control=control
    )


def warm_up() -> None:
    """What every run does first and the same for all: imports and one tiny optimizer step.

    A spare worker (see :mod:`convnet_studio.train.spare`) does this before it is given its
    run: ``import torch`` and ``torch._dynamo`` (which every ``torch.optim`` optimizer imports
    on first use) are about 2.5 s of a 3 s start on a CPU.
    """
    import torch

    from convnet_studio.train import checkpoint, datasets, engine, model, pipeline  # noqa: F401

    layer = torch.nn.Conv2d(1, 1, 1)
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    layer(torch.zeros(1, 1, 2, 2)).sum().backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def _await_handover(stream: TextIO, events_out: TextIO) -> str | None:
    """Warm up, say so (``spare_ready``), then wait for the client's one hand-over line;
    the spec path, or None if the client went away.

    The line is ``{"spec": PATH, "env": {NAME: VALUE}}`` (JSON): the run's spec file and the
    variables that only the run knows (the run-directory lock the client holds). Variables
    read when torch starts (``CUDA_VISIBLE_DEVICES``) are never among them: the client keeps
    a spare only for the environment it was started in.
    """
    warm_up()
    events_out.write(ev.encode({"event": ev.SPARE_READY}) + "\n")
    events_out.flush()
    line = stream.readline()
    if not line.strip():
        return None
    try:
        handover = json.loads(line)
        spec, env = handover["spec"], handover.get("env") or {}
        if not isinstance(spec, str) or not isinstance(env, dict):
            raise ValueError("spec must be a path and env an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"the training client sent a bad hand-over line ({exc}): {line[:200]!r}")
    os.environ.update({str(k): str(v) for k, v in env.items()})
    return spec


if __name__ == "__main__":
    sys.exit(main())
