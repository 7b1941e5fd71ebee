"""Where events go: the event stream, ``metrics.jsonl``, ``metrics.csv``, TensorBoard.

``metrics.csv`` has one row per step and per epoch event over fixed columns;
``grad_norms.csv`` one row per grad-norm event with a column per node. TensorBoard event
files are written when the optional ``tensorboard`` package is importable. Only rank 0
writes. Files are appended to, so a resumed run continues the same logs.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from convnet_studio.train import events as ev

CSV_COLUMNS = (
    "event",
    "step",
    "epoch",
    "batch",
    "loss",
    "lr",
    "img_per_s",
    "train_loss",
    "train_top1",
    "train_top5",
    "val_loss",
    "val_top1",
    "val_top5",
    "epoch_time",
    "time",
)


class MetricsLog:
    """Stamps each event with ``time`` and sends it to every sink.

    Args:
        run_dir: the run directory (None: no files).
        stream: where JSON lines go (the worker's stdout), or None.
        callback: called with each event dict (in-process use), or None.
        tensorboard: write TensorBoard event files if the package is installed.
    """

    def __init__(
        self,
        run_dir: str | None,
        stream: TextIO | None = sys.stdout,
        callback: Callable[[dict[str, Any]], None] | None = None,
        tensorboard: bool = True,
    ) -> None:
        self.start = time.monotonic()
        self.stream, self.callback = stream, callback
        self._files: list[TextIO] = []
        self._jsonl = self._csv = self._grad_csv = None
        self._grad_writer: Any = None
        self._tb: Any = None
        self._last_flush = self.start
        self.run_dir = run_dir
        if run_dir:
            os.makedirs(run_dir, exist_ok=True)
            self._jsonl = self._open("metrics.jsonl")
            self._csv_file = self._open("metrics.csv")
            self._csv = csv.DictWriter(self._csv_file, CSV_COLUMNS, extrasaction="ignore")
            if self._csv_file.tell() == 0:
                self._csv.writeheader()
            if tensorboard:
                self._tb = _summary_writer(os.path.join(run_dir, "tensorboard"))

    def _open(self, name: str) -> TextIO:
        # kept open for the whole run (closed in close()), so no context manager
        f = open(os.path.join(self.run_dir or ".", name), "a", newline="", encoding="utf-8")  # noqa: SIM115
        self._files.append(f)
        return f

    def emit(self, kind: str, /, **fields: Any) -> dict[str, Any]:
        event = {"event": kind, "time": round(time.monotonic() - self.start, 4), **fields}
        line = ev.encode(event)
        if self.stream is not None:
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except (BrokenPipeError, ValueError):
                self.stream = None  # the reader went away; keep logging to files
        if self.callback is not None:
            self.callback(event)
        if self._jsonl is not None:
            self._jsonl.write(line + "\n")
            self._write_tables(kind, event)
            now = time.monotonic()
            if kind not in (ev.STEP, ev.GRAD_NORMS) or now - self._last_flush > 2.0:
                self.flush()
                self._last_flush = now
        return event

    def _write_tables(self, kind: str, event: dict[str, Any]) -> None:
        if kind in (ev.STEP, ev.EPOCH):
            self._csv.writerow(event)
        elif kind == ev.GRAD_NORMS:
            if self._grad_writer is None:
                f = self._open("grad_norms.csv")
                self._grad_writer = csv.writer(f)
                if f.tell() == 0:
                    self._grad_writer.writerow(["step", "epoch", "total", *event["norms"]])
            self._grad_writer.writerow(
                [event["step"], event["epoch"], event["total"], *event["norms"].values()]
            )
        if self._tb is not None:
            _to_tensorboard(self._tb, kind, event)

    def flush(self) -> None:
        for f in self._files:
            f.flush()
        if self._tb is not None:
            self._tb.flush()

    def close(self) -> None:
        self.flush()
        for f in self._files:
            f.close()
        self._files = []
        if self._tb is not None:
            self._tb.close()
            self._tb = None


def _summary_writer(path: str) -> Any:
    try:
        import tensorboard  # noqa: F401  (optional: torch's writer needs it)
        from torch.utils.tensorboard import SummaryWriter
    except Exception:  # noqa: BLE001
        return None
    return SummaryWriter(path)


def _to_tensorboard(tb: Any, kind: str, event: dict[str, Any]) -> None:
    step = event.get("step", 0)
    if kind == ev.STEP:
        for key in ("loss", "lr", "img_per_s"):
            tb.add_scalar(f"train/{key}", event[key], step)
    elif kind == ev.EPOCH:
        for key in ("train_loss", "train_top1", "train_top5", "val_loss", "val_top1", "val_top5"):
            if event.get(key) is not None:
                tb.add_scalar(f"epoch/{key}", event[key], event["epoch"])
    elif kind == ev.GRAD_NORMS:
        tb.add_scalar("grad_norm/total", event["total"], step)
        for node, value in event["norms"].items():
            tb.add_scalar(f"grad_norm/{node}", value, step)
