"""A fixed rectangle and depth for Qt's item index, with room for the graph to grow.

Qt's scene keeps its items in a BSP tree over the scene rectangle. Left to itself it grows
that rectangle whenever an item moves past it and sizes the tree by the number of items,
and each time it rebuilds the whole tree, asking every item for its bounds (edges answer in
Python): a 20 ms stall in whichever edit of ResNet-1202 crossed a threshold. So the scene
gets a rectangle around the graph with as much room again, and a depth for its item
count; both change only on a rebuild, or when a node lands outside (the room doubles).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsScene

ROOM = 5000.0  # scene units around a small graph
Position = tuple[float, float]


class IndexRoom:
    """Keeps ``scene``'s rectangle and BSP depth fixed while the graph stays inside."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene

    def fit(self, positions: Iterable[Position], items: int) -> None:
        """After a rebuild: a rectangle around ``positions`` with room, a depth for ``items``."""
        box = _box(positions)
        if box is None:
            box = QRectF(0, 0, 1, 1)
        self._set(_with_room(box))
        # Qt's own choice for this many items (about ten per leaf), fixed from now on.
        self.scene.setBspTreeDepth(max(5, int(math.log2(max(items, 1) / 10)) if items > 10 else 5))
        # Qt indexes new items at its first lookup: let that be part of opening the document,
        # not of the user's first edit (20 ms for ResNet-1202's 18,000 items).
        self.scene.items(QRectF(0, 0, 1, 1))

    def include(self, positions: Iterable[Position]) -> None:
        """Nodes were placed at ``positions``: grow the rectangle if one is outside it."""
        rect = self.scene.sceneRect()
        left, top, right, bottom = rect.left(), rect.top(), rect.right() - ROOM / 10, rect.bottom() - ROOM / 10
        outside = [(x, y) for x, y in positions if not (left <= x <= right and top <= y <= bottom)]
        if outside:
            self._set(_with_room(rect.united(_box(outside))))

    def _set(self, rect: QRectF) -> None:
        if rect != self.scene.sceneRect():
            self.scene.setSceneRect(rect)


def _box(positions: Iterable[Position]) -> QRectF | None:
    xs, ys = [], []
    for x, y in positions:
        xs.append(x)
        ys.append(y)
    if not xs:
        return None
    return QRectF(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


def _with_room(box: QRectF) -> QRectF:
    """``box`` grown by half its size (at least ROOM) on every side."""
    dx, dy = max(ROOM, box.width() / 2), max(ROOM, box.height() / 2)
    return box.adjusted(-dx, -dy, dx, dy)
