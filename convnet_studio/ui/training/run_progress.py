"""Progress of the live run: a bar over the steps, with epoch, step, img/s and ETA."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from convnet_studio.ui.training.run_data import RunData


def format_eta(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "–"
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunProgress(QWidget):
    """Shows where a run is; :meth:`update_from` reads it off a :class:`RunData`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("idle")
        self.details = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.details)

    def update_from(self, run: RunData, state: str) -> None:
        info = run.started
        total = int(info.get("total_steps") or 0)
        epochs = int(info.get("epochs") or 0)
        steps = run.step.data
        step = int(steps[-1]) if len(steps) else 0
        epoch = int(_last_epoch(run, step, info))
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(step, max(total, 1)))
        rate = self._steps_per_second(run)
        eta = (total - step) / rate if rate > 0 and state in ("running", "paused") else math.nan
        ips = run.img_per_s.data[-20:]
        finite = ips[np.isfinite(ips)]
        ips_text = f"{float(finite.mean()):,.0f} img/s" if len(finite) else "– img/s"
        self.bar.setFormat(f"{state} · %p%")
        parts = [f"epoch {epoch}/{epochs}" if epochs else "", f"step {step:,}/{total:,}",
                 ips_text, f"ETA {format_eta(eta)}" if state in ("running", "paused") else ""]
        self.details.setText(" · ".join(p for p in parts if p))

    def reset(self, text: str = "idle") -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat(text)
        self.details.setText("")

    @staticmethod
    def _steps_per_second(run: RunData) -> float:
        steps = run.step.data
        if len(steps) < 2:
            return 0.0
        first_time = float(run.started.get("time") or 0.0)
        elapsed = run.last_time - first_time
        return (steps[-1] - steps[0] + 1) / elapsed if elapsed > 0 else 0.0


def _last_epoch(run: RunData, step: int, info: dict) -> float:
    spe = int(info.get("steps_per_epoch") or 0)
    return (step - 1) // spe + 1 if spe and step else 0
