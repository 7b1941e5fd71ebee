"""A heatmap of log10 gradient norm, layer (first at the top) by step.

Vanishing gradients show at a glance: in a deep plain net the top rows (the first layers)
turn dark while the bottom rows stay bright; a residual net of the same depth stays even.
"""

from __future__ import annotations

import numpy as np
import numpy.ma  # noqa: F401 - np.percentile imports it on first use: 19 ms in a run's first refresh
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from convnet_studio.ui.training.plot_frame import NO_GRADS, PlotFrame
from convnet_studio.ui.training.plot_style import LAYER_COLORMAP, XFit, make_plot
from convnet_studio.ui.training.run_data import RunData

MAX_COLUMNS = 1500  # more steps than this are sampled down to this many columns
MAX_TICKS = 24


class GradHeatmap(QWidget):
    """log10 of each layer's gradient norm over the steps of one run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Grad norm (log10)", "step", "layer")
        item = self.plot.getPlotItem()
        item.invertY(True)
        item.showGrid(x=False, y=False)
        self.image = pg.ImageItem()
        self.cmap = pg.colormap.get(LAYER_COLORMAP)
        self.image.setColorMap(self.cmap)
        item.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(-4, 0), colorMap=self.cmap, interactive=False,
                                   width=12)
        self.bar.setImageItem(self.image, insert_in=item)
        self.bar.getAxis("right").setTextPen(pg.mkPen("#333"))
        axis = self.bar.getAxis("right")
        axis.setLabel("log10 ‖grad‖", color="#333")
        # Exponents read as they are: a narrow range was scaled to "-500 .. 100 (x0.001)".
        axis.enableAutoSIPrefix(False)
        self.run: RunData | None = None
        self._drawn = -1
        self._nodes: list[str] = []
        self.x_fit = XFit(self.plot)
        item.getViewBox().sigResized.connect(self._on_view_resized)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.frame = PlotFrame(self.plot, NO_GRADS)
        layout.addWidget(self.frame)

    def set_run(self, run: RunData | None) -> None:
        self.run = run
        self._drawn = -1
        self.refresh()

    def levels(self) -> tuple[float, float]:
        return tuple(self.bar.levels())  # type: ignore[return-value]

    def refresh(self) -> None:
        run = self.run
        n = len(run.grad_step) if run else 0
        self.frame.show_data(n > 0)
        if n == self._drawn:
            return
        self._drawn = n
        if run is None or n == 0:
            self.image.clear()
            return
        if run.nodes != self._nodes:
            self._set_ticks(run.nodes)
        self.x_fit.update([run])
        stride = max(1, -(-n // MAX_COLUMNS))
        rows = np.arange(n - 1, -1, -stride)[::-1]  # always include the newest step
        norms = run.grad_norms.data[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log10(norms)
        logs[~np.isfinite(logs)] = np.nan
        finite = logs[np.isfinite(logs)]
        if finite.size:
            lo, hi = np.percentile(finite, [1, 99])
            if hi - lo < 1e-6:
                lo, hi = lo - 0.5, hi + 0.5
            self.bar.setLevels((float(lo), float(hi)))
            logs = np.where(np.isfinite(logs), logs, lo)
        self.image.setImage(logs, autoLevels=False, levels=self.bar.levels())
        steps = run.grad_step.data
        x0, x1 = float(steps[rows[0]]), float(steps[-1])
        width = max(x1 - x0, 1.0)
        # one column per sampled row; stretch them over the steps they stand for
        self.image.setRect(QRectF(x0, 0.0, width * len(rows) / max(len(rows) - 1, 1),
                                  float(len(run.nodes))))

    def _set_ticks(self, nodes: list[str]) -> None:
        self._nodes = list(nodes)
        count = len(nodes)
        step = max(1, -(-count // self.max_ticks()))
        # the last layer is labelled too, unless that would crowd the previous label
        ticks = [(i + 0.5, name) for i, name in enumerate(nodes) if i % step == 0
                 or (i == count - 1 and i % step >= step // 2)]
        self.plot.getPlotItem().getAxis("left").setTicks([ticks])

    def max_ticks(self) -> int:
        """How many layer names fit down the plot without overlapping (a line apart)."""
        rows = self.plot.getPlotItem().getViewBox().height()
        line = 1.4 * self.fontMetrics().height()
        return max(2, min(MAX_TICKS, int(rows // line))) if rows > 0 else MAX_TICKS

    def _on_view_resized(self, *_: object) -> None:
        if self._nodes:
            self._set_ticks(self._nodes)
