"""The training worker's event stream: one JSON object per line.

The worker (``python -m convnet_studio.train.worker``) writes these on stdout; the same
objects are appended to ``RUN_DIR/metrics.jsonl``. This module is torch-free and cheap to
import (the GUI imports it). Every event has ``"event"`` (its kind) and ``"time"`` (seconds
since the worker started). The kinds, in the order a run produces them:

``status``
    ``state``: ``"starting" | "running" | "paused" | "stopping"``; ``message``: str.
``started``
    Once, when the model and data are ready: ``run_dir``, ``device``, ``world_size``,
    ``dataset``, ``num_train``, ``num_val``, ``num_classes``, ``input_shape`` [C, H, W],
    ``batch_size`` (global), ``steps_per_epoch``, ``total_steps``, ``epochs``,
    ``start_step`` (0, or the step a resumed run continues from), ``parameters`` (count),
    ``nodes``: the parameterized node names in graph order (the keys of ``grad_norms``),
    ``config``: the full run config.
``step``
    Every ``log_every`` optimizer steps: ``step`` (1-based, global), ``epoch`` (1-based),
    ``batch`` (1-based within the epoch), ``loss`` (mean over the batch and ranks),
    ``lr``, ``img_per_s`` (this step, all ranks).
``grad_norms``
    Every ``grad_norm_every`` steps, right after the step event it belongs to: ``step``,
    ``epoch``, ``total`` (L2 norm of all gradients), ``norms``: {node: L2 norm of that node's
    gradients}, in graph order (a dict keeps the order in JSON).
``epoch``
    After each epoch: ``epoch``, ``step``, ``train_loss``, ``train_top1``, ``train_top5``,
    ``val_loss``, ``val_top1``, ``val_top5`` (accuracies are fractions in [0, 1]), ``lr``,
    ``epoch_time`` (s), ``img_per_s``.
``checkpoint``
    After a checkpoint is written: ``path``, ``epoch``, ``step``.
``error``
    ``kind`` (one of :data:`ERROR_KINDS`), ``message`` (one readable sentence), and where
    known ``step`` and ``node``. Always followed by ``finished``.
``finished``
    Always the last event: ``reason`` (one of :data:`FINISH_REASONS`), ``step``, ``epoch``,
    ``checkpoint`` (path of the last checkpoint or null), ``elapsed`` (s).

A spare worker (``--await-spec``) writes ``spare_ready`` once it has warmed up, before it
is handed a run; the client reads or drops it, and consumers never see it.

The client (:class:`convnet_studio.train.process.TrainingProcess`) adds ``log`` events
(``message``: a stdout line that was not JSON) and, when the worker dies without a
``finished``, synthesizes ``error`` (kind ``"crash"``) and ``finished`` (reason ``"crashed"``).
"""

from __future__ import annotations

import json
import math
from typing import Any

STATUS = "status"
STARTED = "started"
STEP = "step"
GRAD_NORMS = "grad_norms"
EPOCH = "epoch"
CHECKPOINT = "checkpoint"
ERROR = "error"
FINISHED = "finished"
LOG = "log"
SPARE_READY = "spare_ready"  # not a run's event: see the module's docstring

EVENT_KINDS = (STATUS, STARTED, STEP, GRAD_NORMS, EPOCH, CHECKPOINT, ERROR, FINISHED, LOG)
STATES = ("starting", "running", "paused", "stopping")
ERROR_KINDS = (
    "config",  # a bad run config (unknown optimizer, negative lr...)
    "checkpoint",  # the checkpoint to resume from is missing or unreadable
    "graph",  # the graph has problems or does not compile
    "data",  # the dataset is missing or unreadable
    "shape",  # graph input/output does not fit the dataset
    "nonfinite",  # loss or gradient became NaN/inf
    "out_of_memory",  # device memory or RAM: lower the batch size
    "disk_full",  # no space for a checkpoint or the logs; the last good checkpoint is named
    "crash",  # the worker (or a process of a distributed run) died
    "interrupted",  # stopped at once by a second Ctrl-C or a kill, without a final checkpoint
    "internal",  # anything else; the message names the exception
)
FINISH_REASONS = ("completed", "max_steps", "stopped", "error", "crashed")

# Commands the client writes to the worker's stdin, one per line.
COMMANDS = ("stop", "pause", "resume")


def _clean(value: Any) -> Any:
    """NaN/inf are not JSON: write them as strings the reader turns back into floats."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def encode(event: dict[str, Any]) -> str:
    """One event as a single JSON line (no trailing newline)."""
    try:
        return json.dumps(event, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(_clean(event), separators=(",", ":"))


_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _restore(value: Any) -> Any:
    if isinstance(value, str) and value in _NONFINITE:
        return _NONFINITE[value]
    if isinstance(value, dict):
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value


def decode(line: str) -> dict[str, Any] | None:
    """Parse one line; ``None`` if it is not an event (so callers can show it as a log line)."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(event, dict) or "event" not in event:
        return None
    for key in ("loss", "total", "train_loss", "val_loss", "norms"):
        if key in event:
            event[key] = _restore(event[key])
    return event
