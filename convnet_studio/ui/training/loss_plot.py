"""Loss per step, raw and smoothed (TensorBoard's EMA slider), on a linear or log axis."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from convnet_studio.ui.training.buffers import GrowArray, ema
from convnet_studio.ui.training.live_curve import LiveCurve, follow_x_range
from convnet_studio.ui.training.plot_frame import NO_RUN, PlotFrame
from convnet_studio.ui.training.plot_style import (
    XFit,
    make_curve,
    make_legend,
    make_plot,
    run_color,
)
from convnet_studio.ui.training.run_data import RunData


@dataclass
class _Series:
    """A run's curves and its smoothed loss, extended as points arrive."""

    run: RunData
    raw: LiveCurve
    smooth: LiveCurve
    smoothed: GrowArray = field(default_factory=GrowArray)
    carry: float = 0.0
    drawn: int = -1


class LossPlot(QWidget):
    """Training loss of one or more runs against the step.

    The smoothed curve is extended incrementally; moving the slider recomputes it once,
    at the next refresh.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Training loss", "step", "loss")
        self.legend = make_legend(self.plot)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 990)
        self.smoothing.setMinimumWidth(60)
        self.smoothing.setValue(600)
        self.smoothing.setToolTip("Exponential moving average weight, as in TensorBoard")
        self.smoothing_label = QLabel()
        self.log_scale = QCheckBox("Log scale")
        self.x_fit = XFit(self.plot)
        self._series: list[_Series] = []
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Smoothing"))
        controls.addWidget(self.smoothing, 1)
        controls.addWidget(self.smoothing_label)
        controls.addWidget(self.log_scale)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls)
        self.frame = PlotFrame(self.plot, NO_RUN, self.legend)
        layout.addWidget(self.frame, 1)
        self.smoothing.valueChanged.connect(self._on_smoothing_changed)
        self.log_scale.toggled.connect(self._on_log_scale_toggled)
        self._on_smoothing_changed(self.smoothing.value())
        follow_x_range(self.plot, lambda: [c for s in self._series for c in (s.raw, s.smooth)])

    @property
    def weight(self) -> float:
        return self.smoothing.value() / 1000.0

    def set_runs(self, runs: list[RunData]) -> None:
        """Show these runs (the first is the main one); curves are made here, once."""
        item = self.plot.getPlotItem()
        for s in self._series:
            item.removeItem(s.raw.item)
            item.removeItem(s.smooth.item)
        self.legend.clear()
        self._series = []
        for i, run in enumerate(runs):
            color = run_color(i)
            raw = make_curve(self.plot, color, alpha=60)
            smooth = make_curve(self.plot, color, name=run.name)
            self._series.append(_Series(run, LiveCurve(raw), LiveCurve(smooth)))
        self.refresh()

    def refresh(self) -> None:
        """Redraw the runs whose data grew (called by the dashboard's timer)."""
        self.frame.show_data(any(len(s.run.step) for s in self._series),
                             "No steps yet." if self._series else NO_RUN)
        self.x_fit.update([s.run for s in self._series])
        for s in self._series:
            n = len(s.run.step)
            if n == s.drawn:
                continue
            if n < len(s.smoothed):
                s.smoothed, s.carry = GrowArray(), 0.0
                s.smooth.reset()
            done = len(s.smoothed)
            if n > done:
                part, s.carry = ema(s.run.loss.data[done:n], self.weight, s.carry, done)
                s.smoothed.extend(part)
            x = s.run.step.data
            s.raw.set(x, s.run.loss.data)
            s.smooth.set(x, s.smoothed.data)
            s.drawn = n

    def curve_points(self, index: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The smoothed curve's data of run ``index`` (tests)."""
        x, y = self._series[index].smooth.item.getData()
        return (np.asarray(x), np.asarray(y)) if x is not None else (np.empty(0), np.empty(0))

    # ------------------------------------------------------------------ slots
    def _on_smoothing_changed(self, value: int) -> None:
        self.smoothing_label.setText(f"{value / 1000:.3f}")
        for s in self._series:
            s.smoothed, s.carry, s.drawn = GrowArray(), 0.0, -1
            s.smooth.reset()

    def _on_log_scale_toggled(self, on: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=on)
