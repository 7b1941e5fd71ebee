"""Train and validation accuracy (or error) per epoch, for one run or several overlaid."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from convnet_studio.ui.training.plot_frame import NO_RUN, PlotFrame
from convnet_studio.ui.training.plot_style import make_curve, make_legend, make_plot, run_color
from convnet_studio.ui.training.run_data import RunData


class EpochPlot(QWidget):
    """Accuracy or error (%) per epoch: dashed for training, solid for validation.

    The ResNet paper draws its CIFAR figure the same way (thin dashed training error,
    bold test error), so overlaying Plain-20/56 and ResNet-20/56 runs reproduces it.
    """

    MODES = ("Error (%)", "Accuracy (%)")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Accuracy per epoch", "epoch", "error (%)")
        self.legend = make_legend(self.plot)
        self.mode = QComboBox()
        self.mode.addItems(self.MODES)
        self._series: list[tuple[RunData, object, object]] = []
        self._drawn: dict[int, int] = {}
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Show"))
        controls.addWidget(self.mode)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls)
        self.frame = PlotFrame(self.plot, NO_RUN, self.legend)
        layout.addWidget(self.frame, 1)
        self.mode.currentIndexChanged.connect(self._on_mode_changed)
        self._on_mode_changed(0)

    @property
    def show_error(self) -> bool:
        return self.mode.currentIndex() == 0

    def set_runs(self, runs: list[RunData]) -> None:
        item = self.plot.getPlotItem()
        for _, train, val in self._series:
            item.removeItem(train)
            item.removeItem(val)
        self.legend.clear()
        self._series, self._drawn = [], {}
        for i, run in enumerate(runs):
            color = run_color(i)
            # the title says which line is which: the legend names only the runs
            label = run.name if len(runs) > 1 else ""
            train = make_curve(self.plot, color, name=f"{label} train".strip(), dashed=True,
                               in_legend=False)
            val = make_curve(self.plot, color, name=f"{label} validation".strip(),
                             in_legend=False)
            self.legend.addItem(val, run.name)
            for curve in (train, val):
                curve.setSymbol("o")
                curve.setSymbolSize(4)
                curve.setSymbolPen(None)
                curve.setSymbolBrush(color)
            self._series.append((run, train, val))
        self.refresh()

    def refresh(self) -> None:
        self.frame.show_data(any(len(run.epochs["epoch"]) for run, _, _ in self._series),
                             "Errors appear when the first epoch ends." if self._series
                             else NO_RUN)
        for i, (run, train, val) in enumerate(self._series):
            n = len(run.epochs["epoch"])
            if self._drawn.get(i) == n:
                continue
            x = run.epoch_series("epoch")
            for curve, field in ((train, "train_top1"), (val, "val_top1")):
                acc = run.epoch_series(field)
                y = 100.0 * (1.0 - acc) if self.show_error else 100.0 * acc
                curve.setData(x, y)
            self._drawn[i] = n

    def _on_mode_changed(self, index: int) -> None:
        word = "error" if index == 0 else "accuracy"
        self.plot.getPlotItem().setTitle(f"{word.capitalize()} per epoch (╌ train)",
                                         size="10pt", color="#222")
        self.plot.getPlotItem().setLabel("left", f"{word} (%)")
        self._drawn = {}
        self.refresh()
