"""Shared look and helpers of the training plots: colours, pens, plot setup, export.

Follows the house rules for live pyqtgraph plots: plot items are created once, pens are
1 px wide, every plot clips to the view and downsamples with the ``peak`` method.
"""

from __future__ import annotations

import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from convnet_studio.ui.training.plot_frame import OutsideLegend

# Matplotlib's tab10: distinct for the first ten runs, familiar from papers.
RUN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
LAYER_COLORMAP = "viridis"


def run_color(index: int) -> str:
    return RUN_COLORS[index % len(RUN_COLORS)]


def pen(color: str, alpha: int = 255, dashed: bool = False) -> pg.QtGui.QPen:
    """A 1 px cosmetic pen (width does not scale with zoom)."""
    c = pg.mkColor(color)
    c.setAlpha(alpha)
    p = pg.mkPen(c, width=1)
    if dashed:
        p.setStyle(Qt.PenStyle.DashLine)
    return p


class SparseLogAxis(pg.AxisItem):
    """An axis whose log scale labels only what fits.

    pyqtgraph labels every minor tick of a log axis (2, 3 ... 9 in each decade), and on a
    plot 150 px tall those labels overlap into an unreadable column. Here the decades are
    always labelled; 2 and 5 only where a decade has room for them, the others only where
    it has room for all. A range within one decade has room, so its axis is never bare.
    """

    ROOM_FOR_2_5 = 70  # pixels per decade
    ROOM_FOR_ALL = 180

    def logTickStrings(self, values, scale, spacing):
        strings = super().logTickStrings(values, scale, spacing)
        if spacing is not None:  # the decades' level
            return strings
        low, high = self.range
        length = self.geometry().height() if self.orientation in ("left", "right") else self.geometry().width()
        per_decade = length / max(high - low, 1e-9)
        if per_decade >= self.ROOM_FOR_ALL:
            return strings
        # Decades can come in this level too (pyqtgraph's own levels finer than a decade).
        wanted = [(1, 2, 5)] if per_decade >= self.ROOM_FOR_2_5 else [(1,), (1, 2, 5)]
        for keep in wanted:  # a range with no decade inside it still gets labels
            kept = [text if round(10 ** (value % 1)) in keep else "" for value, text in zip(values, strings)]
            if any(kept):
                return kept
        return strings


def make_plot(title: str, x_label: str, y_label: str) -> pg.PlotWidget:
    """A plot widget set up for long live series."""
    widget = pg.PlotWidget(background="w", axisItems={"left": SparseLogAxis("left")})
    item = widget.getPlotItem()
    item.setTitle(title, size="10pt", color="#222")
    item.setLabel("bottom", x_label, color="#333")
    item.setLabel("left", y_label, color="#333")
    item.showGrid(x=False, y=False)
    item.setDownsampling(auto=True, mode="peak")
    item.setClipToView(True)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen("#555"))
        axis.setTextPen(pg.mkPen("#333"))
    widget.setMinimumSize(150, 110)
    widget.setAntialiasing(False)
    return widget


def make_legend(widget: pg.PlotWidget) -> OutsideLegend:
    """The plot's legend, to lay out under it (never over the curves); named curves join it."""
    legend = OutsideLegend()
    widget.outside_legend = legend
    return legend


def make_curve(widget: pg.PlotWidget, color: str, name: str | None = None,
               alpha: int = 255, dashed: bool = False, in_legend: bool = True
               ) -> pg.PlotDataItem:
    """A curve that skips NaN points instead of breaking the whole line; a named one joins
    the plot's legend unless ``in_legend`` is false."""
    curve = widget.getPlotItem().plot(pen=pen(color, alpha, dashed), name=name,
                                      connect="finite")
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    legend = getattr(widget, "outside_legend", None)
    if name and in_legend and legend is not None:
        legend.addItem(curve, name)
    return curve


class XFit:
    """Fixes a step plot's x range to the runs' planned length (``total_steps``).

    A growing series under x auto-range moves the axis every frame, and pyqtgraph then
    regenerates ticks and repaints the whole plot: the planned length is known from the
    ``started`` event, so the x axis can stay put while the curve fills it. The user's own
    zoom (which turns auto-range off) is kept.
    """

    def __init__(self, widget: pg.PlotWidget) -> None:
        self.widget = widget
        self.total = 0

    def update(self, runs: list) -> None:
        total = max((int(r.started.get("total_steps") or 0) for r in runs), default=0)
        if total and total != self.total:
            self.total = total
            view = self.widget.getPlotItem().getViewBox()
            view.enableAutoRange(x=False)
            view.setXRange(0, total, padding=0.01)
            view.setLimits(xMin=-0.05 * total, xMax=1.05 * total)


def layer_colors(count: int) -> list[pg.QtGui.QColor]:
    """Colours for layers first to last, along the layer colormap."""
    cmap = pg.colormap.get(LAYER_COLORMAP)
    if count <= 1:
        return [cmap.map(0.0, mode="qcolor")]
    return [cmap.map(0.9 * i / (count - 1), mode="qcolor") for i in range(count)]


def positive(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zeros and negatives become NaN (gaps), not -inf."""
    out = np.array(values, dtype=np.float64, copy=True)
    out[~(out > 0)] = np.nan
    return out


def export_plot(widget: pg.PlotWidget | pg.GraphicsLayoutWidget, path: str,
                width: int = 1200) -> str:
    """Write a plot as PNG or SVG, chosen by the file's suffix; returns the path.

    Raises:
        ValueError: an unsupported suffix.
    """
    from pyqtgraph import exporters

    item = widget.getPlotItem() if isinstance(widget, pg.PlotWidget) else widget.scene()
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".svg":
        try:
            exporters.SVGExporter(item).export(path)
        except ValueError:
            # pyqtgraph 0.14's SVG path rewriting cannot parse the path syntax newer Qt
            # writes; Qt's own SVG generator draws the same scene.
            _export_svg_qt(item, path)
        return path
    if suffix in (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"):
        exporter = exporters.ImageExporter(item)
        exporter.parameters()["width"] = width
    else:
        raise ValueError(f"cannot export a plot as {suffix or 'a file without a suffix'}: "
                         "use .png or .svg")
    exporter.export(path)
    return path


def _export_svg_qt(item: object, path: str) -> None:
    from PySide6.QtCore import QRectF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    scene = item.scene() if hasattr(item, "sceneBoundingRect") else item
    source = item.sceneBoundingRect() if hasattr(item, "sceneBoundingRect") else scene.sceneRect()
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(QSize(int(source.width()), int(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle("ConvNet Studio plot")
    painter = QPainter(generator)
    try:
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()
