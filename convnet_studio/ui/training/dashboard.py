"""The live plots of a run, redrawn from a timer, with PNG/SVG and CSV export.

Events only append to numpy buffers (:class:`RunData`); the dashboard's timer redraws at
most :data:`REFRESH_HZ` times a second, and only the plots whose data grew, so a fast
stream of steps never turns into a storm of repaints.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QMessageBox,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from convnet_studio.ui.training.epoch_plot import EpochPlot
from convnet_studio.ui.training.grad_heatmap import GradHeatmap
from convnet_studio.ui.training.grad_norm_plot import GradNormPlot
from convnet_studio.ui.training.loss_plot import LossPlot
from convnet_studio.ui.training.plot_style import export_plot
from convnet_studio.ui.training.run_data import RunData
from convnet_studio.ui.training.step_plot import StepPlot

REFRESH_HZ = 20


class TrainingDashboard(QWidget):
    """Loss, accuracy, learning rate, throughput and gradient plots of the shown runs.

    Signals:
        message(str): a line for the status bar (exports).
    """

    message = Signal(str)

    def __init__(self, parent: QWidget | None = None, deferred: bool = False) -> None:
        """Args:
            deferred: make the plots later, one per :meth:`build` step (the window's
                start-up does, so no single step holds its event loop long).
        """
        super().__init__(parent)
        self.runs: list[RunData] = []
        self.built = False
        self.tabs = QTabWidget()
        self._pages = (QWidget(), QWidget())
        self.tabs.addTab(self._pages[0], "Overview")
        self.tabs.addTab(self._pages[1], "Learning rate && throughput")
        export_png = QToolButton()
        export_png.setText("Export plots…")
        export_png.setToolTip("Save every plot as PNG or SVG")
        export_csv = QToolButton()
        export_csv.setText("Export CSV…")
        export_csv.setToolTip("Save the shown run's metrics as CSV")
        export_png.clicked.connect(self._on_export_plots_clicked)
        export_csv.clicked.connect(self._on_export_csv_clicked)
        self.tabs.setCornerWidget(self._row(export_png, export_csv), Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // REFRESH_HZ)
        self.timer.timeout.connect(self._on_timer)
        self.timer.start()
        if not deferred:
            for _ in self.build():
                pass

    def build(self) -> Iterator[None]:
        """Make the plots, yielding after each (a pyqtgraph plot costs tens of ms)."""
        overview, rates = (self._grid_of(page) for page in self._pages)
        for name, make, grid, row, col in (
                ("loss", LossPlot, overview, 0, 0), ("accuracy", EpochPlot, overview, 0, 1),
                ("grad_lines", GradNormPlot, overview, 1, 0),
                ("grad_heatmap", GradHeatmap, overview, 1, 1),
                ("lr", lambda: StepPlot("lr", "Learning rate", "lr", log_y=True), rates, 0, 0),
                ("throughput", lambda: StepPlot("img_per_s", "Throughput", "images / s"),
                 rates, 0, 1)):
            plot = make()
            setattr(self, name, plot)
            grid.addWidget(plot, row, col)
            grid.setColumnStretch(col, 1)
            grid.setRowStretch(row, 1)
            yield
        self.built = True
        self.set_runs(self.runs)

    @staticmethod
    def _grid_of(page: QWidget) -> QGridLayout:
        grid = QGridLayout(page)
        grid.setContentsMargins(2, 2, 2, 2)
        return grid

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 4, 0)
        for w in widgets:
            row.addWidget(w)
        return box

    @property
    def plots(self) -> dict[str, object]:
        """Every plot widget by a short name (its export file name); none until built."""
        if not self.built:
            return {}
        return {"loss": self.loss, "accuracy": self.accuracy, "lr": self.lr,
                "throughput": self.throughput, "grad_norms": self.grad_lines,
                "grad_heatmap": self.grad_heatmap}

    def set_runs(self, runs: list[RunData]) -> None:
        """Show ``runs`` overlaid; the gradient plots show the first one."""
        self.runs = list(runs)
        if not self.built:  # shown once the plots exist
            return
        for plot in (self.loss, self.accuracy, self.lr, self.throughput):
            plot.set_runs(self.runs)
        self.grad_lines.set_run(self.runs[0] if self.runs else None)
        self.grad_heatmap.set_run(self.runs[0] if self.runs else None)

    def refresh(self, all_plots: bool = False) -> None:
        """Redraw plots whose data grew (only visible ones unless ``all_plots``).

        A plot's first data replaces its placeholder, and its first paint (axes, labels,
        curves made) takes 10-20 ms: in one refresh only one plot does that, the others on
        the following ticks, so a run's first events never stall the window 50 ms at once.
        """
        appeared = False
        for plot in self.plots.values():
            if not (all_plots or plot.isVisible()):
                continue
            was_empty = plot.frame.empty
            if was_empty and appeared and not all_plots:
                continue
            plot.refresh()
            appeared = appeared or (was_empty and not plot.frame.empty)

    def export_all(self, folder: str, suffix: str = ".png") -> list[str]:
        """Write every plot to ``folder`` as ``<name><suffix>``; returns the paths."""
        self.refresh(all_plots=True)
        os.makedirs(folder, exist_ok=True)
        return [export_plot(plot.plot, os.path.join(folder, name + suffix))
                for name, plot in self.plots.items()]

    # ------------------------------------------------------------------ slots
    def _on_timer(self) -> None:
        self.refresh()

    def _on_export_plots_clicked(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export plots (one file per plot; the name is a prefix)", "training.png",
            "PNG image (*.png);;SVG vector image (*.svg)")
        if not path:
            return
        base, suffix = os.path.splitext(path)
        suffix = suffix or (".svg" if "svg" in chosen else ".png")
        self.refresh(all_plots=True)
        written = [export_plot(plot.plot, f"{base}-{name}{suffix}")
                   for name, plot in self.plots.items()]
        self.message.emit(f"exported {len(written)} plots to {os.path.dirname(path)}")

    def _on_export_csv_clicked(self) -> None:
        if not self.runs:
            QMessageBox.information(self, "Export metrics", "There is no run to export yet.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics", "metrics.csv",
                                              "CSV (*.csv)")
        if path:
            self.runs[0].write_csv(path)
            self.message.emit(f"metrics of {self.runs[0].name} written to {path}")
