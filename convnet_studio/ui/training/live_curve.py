"""A plot curve for long, growing series: min/max envelopes keep each redraw small.

pyqtgraph's own peak downsampling and clip-to-view rescan the whole array on every
``setData`` (bounds, finite checks, decimation): at a million points that is ~5 ms per
curve per frame. :class:`LiveCurve` keeps min/max envelopes of the series at a few block
sizes, extended incrementally as points arrive (append-only, O(new points)), and hands
pyqtgraph at most :data:`MAX_POINTS` points: the raw points of the visible range when they
are few enough (zoomed in), else the envelope level that fits. Peaks survive: every block
contributes its minimum and its maximum.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from convnet_studio.ui.training.buffers import GrowArray

LEVELS = (16, 256, 4096, 65536)  # block sizes of the envelopes
MAX_POINTS = 6000


class Envelope:
    """Min and max of every complete block of ``block`` points, as a zigzag line."""

    def __init__(self, block: int) -> None:
        self.block = block
        self.x = GrowArray()
        self.y = GrowArray()
        self.done = 0  # raw points folded in

    def update(self, x: np.ndarray, y: np.ndarray,
               transform: Callable[[np.ndarray], np.ndarray]) -> None:
        full = (len(x) // self.block) * self.block
        if full <= self.done:
            return
        b = self.block
        xs = x[self.done:full:b]
        ys = transform(y[self.done:full]).reshape(-1, b)
        with np.errstate(invalid="ignore"):
            lo = np.fmin.reduce(ys, axis=1)
            hi = np.fmax.reduce(ys, axis=1)
        self.x.extend(np.repeat(xs, 2))
        self.y.extend(np.column_stack([lo, hi]).ravel())
        self.done = full


class LiveCurve:
    """Wraps a ``PlotDataItem``; :meth:`set` takes the whole (growing) series each time.

    Args:
        item: the curve, created once by the plot.
        transform: applied to y slices as they are drawn or folded into the envelopes
            (e.g. non-positive values to NaN for a log axis), never to the whole series.
    """

    def __init__(self, item: object,
                 transform: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self.item = item
        self.transform = transform or (lambda a: a)
        self.levels = [Envelope(b) for b in LEVELS]
        self._x: np.ndarray = np.empty(0)
        self._y: np.ndarray = np.empty(0)
        self._range: tuple[float, float] | None = None

    def reset(self) -> None:
        """Forget the envelopes (the series was replaced, not extended)."""
        self.levels = [Envelope(b) for b in LEVELS]

    def set(self, x: np.ndarray, y: np.ndarray) -> None:
        """Show ``x``/``y`` (x ascending); cheap when they only grew since the last call."""
        if len(x) < self.levels[0].done:
            self.reset()
        self._x, self._y = x, y
        if len(x) > MAX_POINTS:
            for level in self.levels:
                level.update(x, y, self.transform)
        self._draw()

    def set_x_range(self, x_range: tuple[float, float] | None) -> None:
        """The view's visible x range changed (None: everything is visible)."""
        if x_range == self._range:
            return
        self._range = x_range
        self._draw()

    def _draw(self) -> None:
        x, y = self._x, self._y
        n = len(x)
        t = self.transform
        if n <= MAX_POINTS:
            self.item.setData(x, t(y))
            return
        i0, i1 = 0, n
        if self._range is not None:
            i0 = max(int(np.searchsorted(x, self._range[0])) - 1, 0)
            i1 = min(int(np.searchsorted(x, self._range[1])) + 1, n)
        if i1 - i0 <= MAX_POINTS:
            self.item.setData(x[i0:i1], t(y[i0:i1]))
            return
        for level in self.levels:
            b = level.block
            if (i1 - i0) // b * 2 <= MAX_POINTS or level is self.levels[-1]:
                break
        j0, j1 = (i0 // b) * 2, min((i1 // b + 1) * 2, len(level.x))
        tail = slice(max(level.done, i0), i1)  # raw points after the last complete block
        self.item.setData(np.concatenate([level.x.data[j0:j1], x[tail]]),
                          np.concatenate([level.y.data[j0:j1], t(y[tail])]))


def follow_x_range(widget: object, curves: Callable[[], list[LiveCurve]]) -> None:
    """Give ``curves()`` (LiveCurves) the visible x range whenever the user zooms or pans."""
    view = widget.getPlotItem().getViewBox()

    def on_range(_view: object, x_range: object) -> None:
        auto = view.autoRangeEnabled()[0]
        visible = None if auto else (float(x_range[0]), float(x_range[1]))
        for curve in curves():
            curve.set_x_range(visible)

    view.sigXRangeChanged.connect(on_range)
