"""The training worker: ``python -m convnet_studio.train.worker SPEC.json [--stop-on-eof]``.

``SPEC.json`` holds ``{"project": <project JSON or null>, "config": <TrainConfig dict>,
"run_dir": <path or null>}`` (the project may be null when resuming: the checkpoint has it).
Events go to stdout as JSON lines (see :mod:`convnet_studio.train.events`); anything else
the process prints goes to stderr. Commands are read from stdin. Under ``torchrun`` every
rank runs this module and rank 0 reports. :func:`run_training` is the same thing in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TextIO

from convnet_studio.train import events as ev
from convnet_studio.train.config import ConfigError, TrainConfig
from convnet_studio.train.control import Control
from convnet_studio.train.worker_paths import default_run_dir


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
    always the last event.
    """
    import torch

    from convnet_studio.train.checkpoint import CheckpointError, load_checkpoint
    from convnet_studio.train.datasets import DataError
    from convnet_studio.train.engine import NonFiniteError
    from convnet_studio.train.metrics import MetricsLog
    from convnet_studio.train.model import ModelError
    from convnet_studio.train.runtime import destroy_process_group, env_dist

    info = env_dist()
    control = control or Control()
    resume_state = None
    if config.resume:
        try:
            resume_state = load_checkpoint(config.resume)
        except CheckpointError as exc:
            resume_state = exc  # reported below, once the log exists
    run_dir = (
        run_dir
        or config.out
        or (
            os.path.dirname(os.path.abspath(config.resume))
            if config.resume
            else default_run_dir(project)
        )
    )
    log = MetricsLog(
        run_dir if info.is_main else None,
        stream if info.is_main else None,
        callback if info.is_main else None,
        tensorboard=config.tensorboard,
    )
    trainer = None
    reason, code = "error", 1
    try:
        log.emit(ev.STATUS, state="starting", message="preparing model and data")
        if isinstance(resume_state, Exception):
            raise resume_state
        if resume_state is not None and project is None:
            project = resume_state["graph"]
        if project is None:
            raise ConfigError("no project to train: give a project or a checkpoint to resume")
        trainer = _prepare(project, config, run_dir, log, control, info, resume_state)
        reason = trainer.run()
        code = 0
    except KeyboardInterrupt:
        reason, code = "stopped", 0
    except (ConfigError, CheckpointError, DataError, ModelError, NonFiniteError) as exc:
        kind = {
            ConfigError: "config",
            CheckpointError: "checkpoint",
            DataError: "data",
            NonFiniteError: "nonfinite",
        }.get(type(exc), getattr(exc, "kind", "config"))
        log.emit(
            ev.ERROR,
            kind=kind,
            message=str(exc),
            step=getattr(exc, "step", None),
            node=getattr(exc, "node", None),
        )
    except getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError):  # 2.4 has no alias
        step = trainer.step + 1 if trainer else None
        log.emit(
            ev.ERROR,
            kind="out_of_memory",
            step=step,
            node=None,
            message=f"out of device memory{f' at step {step}' if step else ''} with batch "
            f"size {config.batch_size}: lower --batch-size or use --amp",
        )
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc(file=sys.stderr)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        log.emit(
            ev.ERROR,
            kind="internal",
            step=None,
            node=None,
            message=f"training failed: {type(exc).__name__}: {first}",
        )
    finally:
        log.emit(
            ev.FINISHED,
            reason=reason,
            step=trainer.step if trainer else 0,
            epoch=(trainer.epoch + (1 if trainer.batch else 0)) if trainer else 0,
            checkpoint=trainer.checkpoint_path if trainer else None,
            elapsed=round(time.monotonic() - log.start, 3),
        )
        log.close()
        destroy_process_group()
    return code


def _prepare(
    project: dict[str, Any],
    config: TrainConfig,
    run_dir: str,
    log: Any,
    control: Control,
    info: Any,
    resume_state: dict[str, Any] | None,
) -> Any:
    """Device, seeds, model, data and trainer, each checked with a readable error."""
    import numpy as np
    import torch

    from convnet_studio.train.datasets import dataset_signature, load_dataset
    from convnet_studio.train.engine import Trainer
    from convnet_studio.train.model import build_model
    from convnet_studio.train.pipeline import Pipeline
    from convnet_studio.train.runtime import (
        amp_dtype,
        apply_backend_flags,
        init_process_group,
        pick_device,
    )

    config.validate()
    if config.threads:
        torch.set_num_threads(config.threads)
    device = pick_device(config.device, info.local_rank)
    init_process_group(info, device)
    channels_last = apply_backend_flags(config, device)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    shape, classes = dataset_signature(config)
    built = build_model(project, shape, classes, config.dataset, config.adapt_input)
    bundle = load_dataset(config, image_size=built.input_shape[1:])
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    module = built.module.to(device, memory_format=memory_format)
    augment = config.augment
    if augment == "auto":
        augment = "cifar" if config.dataset.startswith("cifar") else "none"
    pipeline = Pipeline(
        bundle,
        built.input_shape,
        device,
        config.batch_size,
        augment,
        config.seed,
        info.rank,
        info.world,
        adapt=config.adapt_input,
        workers=config.workers,
        channels_last=channels_last,
    )
    trainer = Trainer(
        module,
        built.nodes,
        config,
        pipeline,
        device,
        log,
        control,
        info,
        run_dir,
        amp_dtype(config, device),
        extra_state={"graph": project, "config": config.to_dict()},
    )
    if resume_state is not None:
        trainer.load_state_dict(resume_state)
    if config.amp != "off" and device.type != "cuda":
        log.emit(
            ev.STATUS,
            state="starting",
            message=f"mixed precision is for CUDA; training in float32 on {device.type}",
        )
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
        parameters=sum(p.numel() for p in module.parameters()),
        nodes=built.nodes,
        config=config.to_dict(),
    )
    return trainer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convnet_studio.train.worker")
    parser.add_argument("spec", help="JSON file with project, config and run_dir")
    parser.add_argument(
        "--stop-on-eof",
        action="store_true",
        help="stop (with a checkpoint) when stdin closes, i.e. the client died",
    )
    args = parser.parse_args(argv)
    events_out = sys.stdout
    sys.stdout = sys.stderr  # only events on the real stdout, whatever else prints
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


if __name__ == "__main__":
    sys.exit(main())
