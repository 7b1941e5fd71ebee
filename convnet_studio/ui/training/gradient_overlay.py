"""Colour the canvas's nodes by their latest gradient norm (log scale), with a legend.

Talks to the editor's scene through its overlay API (``set_node_overlay(name, color,
text)``, ``clear_overlays()``, ``set_overlay_legend(title, stops)``); any object with those
methods will do, so tests can pass a fake scene.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from convnet_studio.ui.training.plot_style import LAYER_COLORMAP

LEGEND_TITLE = "grad norm (log)"
LEGEND_STOPS = 5


def norm_colors(norms: dict[str, float], colormap: str = LAYER_COLORMAP
                ) -> tuple[dict[str, QColor], tuple[float, float]]:
    """A colour per node from log10 of its norm, and the (low, high) log10 range used.

    Zero or non-finite norms get the colour of the low end (a vanished gradient).
    """
    cmap = pg.colormap.get(colormap)
    logs = {n: math.log10(v) for n, v in norms.items() if v > 0 and math.isfinite(v)}
    if logs:
        lo, hi = min(logs.values()), max(logs.values())
    else:
        lo, hi = -6.0, 0.0
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    colors = {}
    for name in norms:
        t = (logs[name] - lo) / (hi - lo) if name in logs else 0.0
        colors[name] = cmap.map(float(np.clip(t, 0.0, 1.0)), mode="qcolor")
    return colors, (lo, hi)


def legend_stops(lo: float, hi: float) -> list[tuple[QColor, str]]:
    """Colour stops from 10**lo to 10**hi, labelled with as few digits as keep them apart.

    A narrow range (all norms within a factor of two) would print the same ``2e-01`` five
    times: more digits are used until the labels differ, and stops that still read the
    same are dropped.
    """
    cmap = pg.colormap.get(LAYER_COLORMAP)
    ts = [i / (LEGEND_STOPS - 1) for i in range(LEGEND_STOPS)]
    values = [10 ** (lo + t * (hi - lo)) for t in ts]
    for digits in range(4):
        labels = [f"{v:.{digits}e}" for v in values]
        if len(set(labels)) == len(labels):
            break
    stops, seen = [], set()
    for t, label in zip(ts, labels):
        if label not in seen:
            seen.add(label)
            stops.append((cmap.map(t, mode="qcolor"), label))
    return stops


class GradientOverlay:
    """Shows gradient norms on a scene; :meth:`show` again updates, :meth:`clear` removes.

    Args:
        scene: the editor's :class:`~convnet_studio.ui.canvas.scene.GraphScene`, or None
            (a controller with no canvas).
    """

    def __init__(self, scene: Any = None) -> None:
        self.scene = scene
        self.shown: dict[str, QColor] = {}
        self.range: tuple[float, float] | None = None

    @property
    def available(self) -> bool:
        return self.scene is not None

    def show(self, norms: dict[str, float]) -> int:
        """Colour the nodes named in ``norms`` (others are cleared); returns how many."""
        if not self.available:
            return 0
        colors, (lo, hi) = norm_colors(norms)
        known = self.scene.document.graph
        for name in list(self.shown):
            if name not in colors:
                self.scene.set_node_overlay(name, None, None)
        self.shown = {}
        for name, color in colors.items():
            if name not in known:
                continue  # the graph changed since the run; skip nodes that are gone
            self.scene.set_node_overlay(name, color, f"‖g‖ {norms[name]:.1e}")
            self.shown[name] = color
        self.range = (lo, hi)
        self.scene.set_overlay_legend(LEGEND_TITLE, legend_stops(lo, hi))
        return len(self.shown)

    def clear(self) -> None:
        if not self.available:
            return
        for name in self.shown:
            self.scene.set_node_overlay(name, None, None)
        self.shown = {}
        self.range = None
        self.scene.set_overlay_legend(None)
