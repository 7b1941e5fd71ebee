"""One run's metrics in growable numpy buffers, fed by the worker's events (no Qt).

The live run and every run loaded from disk are :class:`RunData`; plots draw from it and
redraw only when :attr:`RunData.version` changed since they last looked.
"""

from __future__ import annotations

import csv
import math
import os
from typing import Any

import numpy as np

from convnet_studio.train import events as ev
from convnet_studio.ui.training.buffers import GrowArray

EPOCH_FIELDS = ("epoch", "step", "train_loss", "train_top1", "train_top5", "val_loss",
                "val_top1", "val_top5", "lr", "epoch_time", "img_per_s")


class RunData:
    """Step, epoch and gradient-norm series of one run.

    Args:
        name: the label shown in legends and the runs list.
        run_dir: the run directory, if the run has one.
    """

    def __init__(self, name: str = "run", run_dir: str | None = None) -> None:
        self.name, self.run_dir = name, run_dir
        self.step = GrowArray()
        self.loss = GrowArray()
        self.lr = GrowArray()
        self.img_per_s = GrowArray()
        self.epochs = {f: GrowArray(capacity=16) for f in EPOCH_FIELDS}
        self.nodes: list[str] = []
        self.grad_step = GrowArray()
        self.grad_total = GrowArray()
        self.grad_norms = GrowArray(cols=1)
        self.started: dict[str, Any] = {}
        self.finished: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None
        self.state = "new"
        self.checkpoint: str | None = None
        self.last_time = 0.0
        self.version = 0

    # ------------------------------------------------------------------ feeding
    def feed(self, event: dict[str, Any]) -> None:
        """Take one event of the worker's stream (see :mod:`convnet_studio.train.events`)."""
        kind = event.get("event")
        self.last_time = float(event.get("time") or self.last_time)
        if kind == ev.STEP:
            self.step.append(float(event["step"]))
            self.loss.append(_num(event.get("loss")))
            self.lr.append(_num(event.get("lr")))
            self.img_per_s.append(_num(event.get("img_per_s")))
        elif kind == ev.GRAD_NORMS:
            self._feed_grads(event)
        elif kind == ev.EPOCH:
            for f in EPOCH_FIELDS:
                self.epochs[f].append(_num(event.get(f)))
        elif kind == ev.STARTED:
            self.started = event
            self.set_nodes(list(event.get("nodes") or []))
        elif kind == ev.STATUS:
            self.state = str(event.get("state", self.state))
        elif kind == ev.CHECKPOINT:
            self.checkpoint = event.get("path")
        elif kind == ev.ERROR:
            self.error = event
        elif kind == ev.FINISHED:
            self.finished = event
            self.state = str(event.get("reason", "finished"))
            self.checkpoint = event.get("checkpoint") or self.checkpoint
        else:
            return
        self.version += 1

    def set_nodes(self, nodes: list[str]) -> None:
        if nodes != self.nodes:
            self.nodes = nodes
            self.grad_norms = GrowArray(cols=max(1, len(nodes)))
            self.grad_step = GrowArray()
            self.grad_total = GrowArray()

    def _feed_grads(self, event: dict[str, Any]) -> None:
        norms: dict[str, float] = event.get("norms") or {}
        if not self.nodes:
            self.set_nodes(list(norms))
        row = np.array([_num(norms.get(n)) for n in self.nodes], dtype=np.float64)
        if len(row) == self.grad_norms.cols:
            self.grad_step.append(float(event.get("step", len(self.grad_step) + 1)))
            self.grad_total.append(_num(event.get("total")))
            self.grad_norms.append(row)

    # ------------------------------------------------------------------ queries
    @property
    def running(self) -> bool:
        return self.finished is None and self.state not in ("new",)

    def latest_grad_norms(self) -> dict[str, float]:
        """The last gradient norm of every node, or {} before the first grad-norm event."""
        if not len(self.grad_norms):
            return {}
        row = self.grad_norms.data[-1]
        return {n: float(v) for n, v in zip(self.nodes, row)}

    def epoch_series(self, field: str) -> np.ndarray:
        return self.epochs[field].data

    def summary(self) -> dict[str, Any]:
        """Final numbers for the runs list."""
        def last(f: str) -> float:
            return self.epochs[f].last()

        return {
            "steps": int(self.step.last(0)),
            "epochs": int(last("epoch")) if len(self.epochs["epoch"]) else 0,
            "loss": self.loss.last(),
            "train_error": 1.0 - last("train_top1"),
            "val_error": 1.0 - last("val_top1"),
            "val_top1": last("val_top1"),
            "elapsed": (self.finished or {}).get("elapsed", self.last_time),
            "state": self.state,
            "error": (self.error or {}).get("message"),
        }

    # ------------------------------------------------------------------ files
    @classmethod
    def from_jsonl(cls, path: str, name: str | None = None) -> RunData:
        """Load a run's ``metrics.jsonl`` (the same events the worker streamed)."""
        run_dir = os.path.dirname(os.path.abspath(path))
        data = cls(name or os.path.basename(run_dir), run_dir)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    event = ev.decode(line)
                    if event is not None:
                        data.feed(event)
        if data.finished is None and data.state != "new":
            data.state = "interrupted"  # the worker and the GUI both went away mid-run
        return data

    def write_csv(self, path: str) -> None:
        """Steps and epochs as one table: a row per step, then a row per epoch."""
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["event", "step", "loss", "lr", "img_per_s", *EPOCH_FIELDS[0:1],
                        *EPOCH_FIELDS[2:], *(f"grad_norm:{n}" for n in self.nodes)])
            grads = dict(zip(self.grad_step.data.astype(int).tolist(), self.grad_norms.data))
            for s, lo, lr, ips in zip(self.step.data, self.loss.data, self.lr.data,
                                      self.img_per_s.data):
                g = grads.get(int(s))
                w.writerow(["step", int(s), _fmt(lo), _fmt(lr), _fmt(ips), *[""] * 10,
                            *([_fmt(v) for v in g] if g is not None else [])])
            cols = [self.epochs[f].data for f in EPOCH_FIELDS]
            for row in zip(*cols):
                w.writerow(["epoch", int(row[1]), "", "", "", int(row[0]),
                            *(_fmt(v) for v in row[2:])])


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _fmt(value: float) -> str:
    return "" if value is None else repr(float(value))


def load_events(path: str) -> list[dict[str, Any]]:
    """All events of a ``metrics.jsonl`` (tests and tools)."""
    with open(path, encoding="utf-8") as f:
        return [e for e in (ev.decode(line) for line in f) if e is not None]


def dump_events(events: list[dict[str, Any]], path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(ev.encode(e) + "\n" for e in events)


__all__ = ["EPOCH_FIELDS", "RunData", "dump_events", "load_events"]
