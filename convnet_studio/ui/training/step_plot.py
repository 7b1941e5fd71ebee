"""One per-step series (learning rate, images per second) of one or more runs."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

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


class StepPlot(QWidget):
    """A plot of ``RunData.<field>`` against the step.

    Args:
        field: the :class:`RunData` buffer to draw (``"lr"`` or ``"img_per_s"``).
        title, y_label: the plot's title and axis label.
        log_y: a logarithmic y axis (learning-rate schedules read best that way).
    """

    def __init__(self, field: str, title: str, y_label: str, log_y: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.plot = make_plot(title, "step", y_label)
        self.plot.getPlotItem().setLogMode(y=log_y)
        self.legend = make_legend(self.plot)
        self.x_fit = XFit(self.plot)
        self._series: list[tuple[RunData, LiveCurve]] = []
        self._drawn: dict[int, int] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.frame = PlotFrame(self.plot, NO_RUN, self.legend)
        layout.addWidget(self.frame)
        follow_x_range(self.plot, lambda: [c for _, c in self._series])

    def set_runs(self, runs: list[RunData]) -> None:
        for _, curve in self._series:
            self.plot.getPlotItem().removeItem(curve.item)
        self.legend.clear()
        self._series, self._drawn = [], {}
        for i, run in enumerate(runs):
            curve = make_curve(self.plot, run_color(i), name=run.name)
            self._series.append((run, LiveCurve(curve)))
        self.refresh()

    def refresh(self) -> None:
        self.frame.show_data(any(len(run.step) for run, _ in self._series),
                             "No steps yet." if self._series else NO_RUN)
        self.x_fit.update([run for run, _ in self._series])
        for i, (run, curve) in enumerate(self._series):
            n = len(run.step)
            if self._drawn.get(i) != n:
                curve.set(run.step.data, getattr(run, self.field).data)
                self._drawn[i] = n
