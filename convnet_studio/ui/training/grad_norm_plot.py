"""Per-layer gradient norms against the step: a line per layer on a log axis.

Layers are coloured first (dark) to last (yellow); the list beside the plot picks which
are drawn. By default a handful spread from the first layer to the last are shown, which
is enough to see whether the gradient reaching the first layers shrinks.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from convnet_studio.ui.training.live_curve import LiveCurve, follow_x_range
from convnet_studio.ui.training.plot_frame import NO_GRADS, PlotFrame
from convnet_studio.ui.training.plot_style import (
    XFit,
    layer_colors,
    make_curve,
    make_legend,
    make_plot,
    positive,
)
from convnet_studio.ui.training.run_data import RunData

DEFAULT_SHOWN = 6


def spread(count: int, k: int = DEFAULT_SHOWN) -> list[int]:
    """``k`` indices spread evenly over ``range(count)``, always with the first and last."""
    if count <= k:
        return list(range(count))
    return sorted({round(i * (count - 1) / (k - 1)) for i in range(k)})


class GradNormPlot(QWidget):
    """Gradient L2 norm per layer (and the total) of one run, log scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Grad norms", "step", "‖grad‖ (L2)")
        self.plot.getPlotItem().setLogMode(y=True)
        self.legend = make_legend(self.plot)
        self.layers = QListWidget()
        self.layers.setToolTip("Layers to draw, first to last")
        self.run: RunData | None = None
        self._nodes: list[str] = []
        self._curves: list[LiveCurve | None] = []
        self._colors: list = []
        self._total = LiveCurve(make_curve(self.plot, "#000000", alpha=140, dashed=True),
                                positive)
        follow_x_range(self.plot, lambda: [c for c in (*self._curves, self._total) if c])
        self._drawn = -1
        self.x_fit = XFit(self.plot)
        buttons = QHBoxLayout()
        for text, slot in (("All", self._on_all_clicked), ("None", self._on_none_clicked),
                           ("Spread", self._on_spread_clicked)):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        side = self._side = QWidget()
        side.setMaximumWidth(155)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.layers, 1)
        side_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.frame = PlotFrame(self.plot, NO_GRADS,
                               self.legend)
        splitter.addWidget(self.frame)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)
        self.layers.itemChanged.connect(self._on_layer_toggled)

    def set_run(self, run: RunData | None) -> None:
        self.run = run
        self._drawn = -1
        self._sync_nodes()
        self.refresh()

    def selected(self) -> list[str]:
        return [self._nodes[i] for i in range(self.layers.count())
                if self.layers.item(i).checkState() == Qt.CheckState.Checked]

    def set_selected(self, names: list[str]) -> None:
        wanted = set(names)
        self.layers.blockSignals(True)
        for i in range(self.layers.count()):
            state = Qt.CheckState.Checked if self._nodes[i] in wanted else Qt.CheckState.Unchecked
            self.layers.item(i).setCheckState(state)
        self.layers.blockSignals(False)
        self._apply_visibility()

    def _sync_nodes(self) -> None:
        nodes = list(self.run.nodes) if self.run else []
        if nodes == self._nodes:
            return
        item = self.plot.getPlotItem()
        for curve in self._curves:
            if curve is not None and curve.item.scene() is not None:
                item.removeItem(curve.item)
        self.legend.clear()
        self._nodes, self._curves = nodes, []
        self.layers.blockSignals(True)
        self.layers.clear()
        shown = set(spread(len(nodes)))
        self._colors = layer_colors(len(nodes))
        self._curves = [None] * len(nodes)  # made when a layer is first ticked, then kept
        for i, (name, color) in enumerate(zip(nodes, self._colors)):
            entry = QListWidgetItem(name)
            entry.setForeground(color.darker(120))
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if i in shown else Qt.CheckState.Unchecked)
            self.layers.addItem(entry)
        self.layers.blockSignals(False)
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        self.legend.clear()
        item = self.plot.getPlotItem()
        for i, curve in enumerate(self._curves):
            on = self.layers.item(i).checkState() == Qt.CheckState.Checked
            if curve is None:
                if not on:
                    continue
                curve = self._curves[i] = LiveCurve(make_curve(self.plot, self._colors[i].name()),
                                                    positive)
            shown = curve.item.scene() is not None
            # hidden layers leave the plot: 100 idle curves still cost range updates
            if on and not shown:
                item.addItem(curve.item)
            elif shown and not on:
                item.removeItem(curve.item)
            curve.item.setVisible(on)
            if on:
                self.legend.addItem(curve.item, self._nodes[i])
        self.legend.addItem(self._total.item, "total")
        self._drawn = -1
        self.refresh()

    def refresh(self) -> None:
        run = self.run
        has_data = run is not None and len(run.grad_step) > 0
        self.frame.show_data(has_data)
        if self._side.isHidden() == has_data:  # the layer list only beside a plot
            self._side.setVisible(has_data)
        if run is None:
            self._total.set(np.empty(0), np.empty(0))
            return
        if run.nodes != self._nodes:
            self._sync_nodes()
        self.x_fit.update([run])
        n = len(run.grad_step)
        if n == self._drawn:
            return
        x = run.grad_step.data
        norms = run.grad_norms.data
        with np.errstate(invalid="ignore"):
            for i, curve in enumerate(self._curves):
                if curve is not None and curve.item.isVisible() and i < norms.shape[1]:
                    curve.set(x, norms[:, i])
            self._total.set(x, run.grad_total.data)
        self._drawn = n

    # ------------------------------------------------------------------ slots
    def _on_layer_toggled(self, item: QListWidgetItem) -> None:
        self._apply_visibility()

    def _on_all_clicked(self) -> None:
        self.set_selected(self._nodes)

    def _on_none_clicked(self) -> None:
        self.set_selected([])

    def _on_spread_clicked(self) -> None:
        self.set_selected([self._nodes[i] for i in spread(len(self._nodes))])
