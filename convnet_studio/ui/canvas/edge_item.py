"""A connection on the canvas: a curve from an output port to an input port, labelled with
the shape of the tensor it carries. Shortcuts that skip several layers run in their own lane
beside the blocks they skip (where the layered layout leaves room), not through them.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from convnet_studio.graph.layout import LAYER_GAP, ROW_GAP
from convnet_studio.graph.model import Edge
from convnet_studio.ui.canvas.look import ReportsLook
from convnet_studio.ui.canvas.node_item import font
from convnet_studio.ui.theme import canvas_colors

# From an input port to the middle of the gap above its row (port offset + half the row gap).
BACK_LANE = {"LR": 122.0, "TB": 210.0}
# A piece of curve whose box is bigger than this both ways is split for the overview's record
# of what changed (scene units): a box around a diagonal across the net would be most of it.
LOOK_PIECE = 400.0


def edge_path(p1: QPointF, p2: QPointF, direction: str = "LR") -> QPainterPath:
    """The curve between two port anchors (scene coordinates), for either flow direction."""
    if direction == "TB":  # solve in LR coordinates and mirror back
        return _swap_curves(_lr_path(QPointF(p1.y(), p1.x()), QPointF(p2.y(), p2.x()), "TB"))
    return _lr_path(p1, p2, "LR")


def _lr_path(p1: QPointF, p2: QPointF, direction: str) -> QPainterPath:
    x1, y1, x2, y2 = p1.x(), p1.y(), p2.x(), p2.y()
    dx, dy = x2 - x1, y2 - y1
    path = QPainterPath(p1)
    long = dx > 1.5 * LAYER_GAP[direction]
    if dx < -LAYER_GAP[direction] / 2:  # to the start of the next wrapped row: run between rows
        lane = y2 - BACK_LANE[direction] if dy > 0 else y2 + BACK_LANE[direction]
        path.cubicTo(QPointF(x1 + 70, y1), QPointF(x1 + 70, lane), QPointF(x1, lane))
        path.lineTo(QPointF(x2, lane))
        path.cubicTo(QPointF(x2 - 70, lane), QPointF(x2 - 70, y2), p2)
    elif long and abs(dy) < 60.0:  # source and target in line: take the side lane
        lane = y1 + ROW_GAP[direction]  # the lane the layout keeps free for shortcuts
        path.cubicTo(QPointF(x1 + 80, y1), QPointF(x1 + 40, lane), QPointF(x1 + 120, lane))
        path.lineTo(QPointF(x2 - 120, lane))
        path.cubicTo(QPointF(x2 - 40, lane), QPointF(x2 - 80, y2), p2)
    elif long:
        path.lineTo(QPointF(x2 - 160, y1))
        path.cubicTo(QPointF(x2 - 60, y1), QPointF(x2 - 100, y2), p2)
    else:
        bend = max(40.0, abs(dx) / 2)
        path.cubicTo(QPointF(x1 + bend, y1), QPointF(x2 - bend, y2), p2)
    return path


def _swap_curves(path: QPainterPath) -> QPainterPath:
    """Mirror a path across the diagonal (x <-> y), keeping its cubic segments."""
    out = QPainterPath()
    i = 0
    while i < path.elementCount():
        e = path.elementAt(i)
        if e.isMoveTo():
            out.moveTo(e.y, e.x)
        elif e.isLineTo():
            out.lineTo(e.y, e.x)
        elif e.isCurveTo():
            c2, end = path.elementAt(i + 1), path.elementAt(i + 2)
            out.cubicTo(QPointF(e.y, e.x), QPointF(c2.y, c2.x), QPointF(end.y, end.x))
            i += 2
        i += 1
    return out


def look_boxes(path: QPainterPath, margin: float) -> list[QRectF]:
    """Boxes that cover ``path`` piece by piece, each grown by ``margin``: a thin band along
    the curve, where its one bounding box may span a wrapped net's whole width and a row."""
    boxes: list[QRectF] = []
    current = (0.0, 0.0)
    i, count = 0, path.elementCount()
    while i < count:
        e = path.elementAt(i)
        if e.isMoveTo():
            current, i = (e.x, e.y), i + 1
            continue
        if e.isCurveTo():
            c2, end = path.elementAt(i + 1), path.elementAt(i + 2)
            points, i = [current, (e.x, e.y), (c2.x, c2.y), (end.x, end.y)], i + 3
        else:
            points, i = [current, (e.x, e.y)], i + 1
        boxes += [_box(piece, margin) for piece in _pieces(points)]
        current = points[-1]
    return boxes


def _pieces(points: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A Bezier segment (a line or a cubic, by its control points) cut into equal spans of its
    parameter until each piece's box is under LOOK_PIECE one way (de Casteljau's split: each
    piece lies inside its own control points' box)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    if min(w, h) <= LOOK_PIECE:
        return [points]
    k = min(64, math.ceil(max(w, h) / LOOK_PIECE))
    pieces, rest = [], points
    for n in range(k, 1, -1):
        piece, rest = _split(rest, 1 / n)
        pieces.append(piece)
    return pieces + [rest]


def _split(points: list[tuple[float, float]], t: float) -> tuple[list, list]:
    left, right, level = [points[0]], [points[-1]], points
    while len(level) > 1:
        level = [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for a, b in itertools.pairwise(level)]
        left.append(level[0])
        right.append(level[-1])
    return left, right[::-1]


def _box(points: list[tuple[float, float]], margin: float) -> QRectF:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return QRectF(min(xs) - margin, min(ys) - margin, max(xs) - min(xs) + 2 * margin, max(ys) - min(ys) + 2 * margin)


_LABEL_SIZES: dict[str, tuple[float, float]] = {}


def _label_size(text: str) -> tuple[float, float]:
    """A label's box, measured once per text: a big net has thousands of "16x32x32"."""
    size = _LABEL_SIZES.get(text)
    if size is None:
        if len(_LABEL_SIZES) > 10_000:  # names of shapes are few; a runaway set is not kept
            _LABEL_SIZES.clear()
        metrics = QFontMetricsF(font("small"))
        size = _LABEL_SIZES[text] = (metrics.horizontalAdvance(text) + 8, metrics.height() + 2)
    return size


class EdgeItem(ReportsLook, QGraphicsItem):
    """One :class:`Edge`; the scene calls :meth:`set_ends` when a node moves."""

    def __init__(self, edge: Edge) -> None:
        super().__init__()
        self.edge = edge
        self.label = ""
        self.problem: str | None = None
        self._path = QPainterPath()
        self._shape = QPainterPath()
        self._label_rect = QRectF()
        self._bounds = QRectF()
        self._look: list[QRectF] = []
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        # Cached like the nodes: a full repaint of ~600 curves in Python is the costliest part
        # of redrawing a big graph, and an edge only changes when a node at its end moves.
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setZValue(0)
        self._update_tooltip()

    def set_ends(self, p1: QPointF, p2: QPointF, direction: str) -> None:
        self.report_look()  # where it was
        self.prepareGeometryChange()
        self._path = edge_path(p1, p2, direction)
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        self._shape = stroker.createStroke(self._path)
        self._layout_label()
        self.report_look()

    def set_state(self, label: str, problem: str | None) -> None:
        if (label, problem) == (self.label, self.problem):
            return
        self.report_look()  # its old label's place
        self.prepareGeometryChange()
        self.label, self.problem = label, problem
        self._layout_label()
        self._update_tooltip()
        self.update()

    @property
    def label_text(self) -> str:
        """The shape, with a warning sign when the edge feeds a port with a problem."""
        return f"\u26a0 {self.label}" if self.problem and self.label else self.label

    def _layout_label(self) -> None:
        if self.label:
            w, h = _label_size(self.label_text)
            mid = self._path.pointAtPercent(0.5)
            self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h)
        else:
            self._label_rect = QRectF()
        self._bounds = self._path.boundingRect().united(self._label_rect).adjusted(-6, -6, 6, 6)
        self._look = look_boxes(self._path, 6)
        if self.label:
            self._look.append(self._label_rect.adjusted(-6, -6, 6, 6))

    def look_areas(self) -> list[QRectF]:
        return self._look  # the item sits at the origin: its own coordinates are the scene's

    def _update_tooltip(self) -> None:
        self._tooltip_stale = True  # made on hover, as for nodes

    def toolTip(self) -> str:  # noqa: N802 (Qt's name)
        return self.tooltip_text()

    def hoverEnterEvent(self, event) -> None:  # noqa: N802
        if getattr(self, "_tooltip_stale", True):
            self.setToolTip(self.tooltip_text())
            self._tooltip_stale = False
        super().hoverEnterEvent(event)

    def tooltip_text(self) -> str:
        text = f"{self.edge.src}.{self.edge.src_port} \u2192 {self.edge.dst}.{self.edge.dst_port}"
        if self.label:
            text += f"<br>carries {self.label}"
        if self.problem:
            text += f"<br><span style='color:#d23a3a'>&#9888; {self.problem}</span>"
        return text

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._shape

    @property
    def path(self) -> QPainterPath:
        """The curve, in scene coordinates (the item sits at the origin)."""
        return self._path

    def line_pen(self, selection: bool = True) -> QPen:
        """Red and dashed for a problem, thicker when selected (unless ``selection`` is
        False: the overview picture draws the selection over itself)."""
        colors = canvas_colors()
        selected = selection and self.isSelected()
        color = colors.error if self.problem else (colors.selected if selected else colors.edge)
        pen = QPen(color, 2.6 if selected or self.problem else 1.6)
        if self.problem:
            pen.setStyle(Qt.DashLine)
        return pen

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        colors = canvas_colors()
        painter.setPen(self.line_pen())
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if self.label and lod >= 0.45:
            painter.setPen(Qt.NoPen)
            painter.setBrush(QBrush(colors.edge_label_bg))
            painter.drawRoundedRect(self._label_rect, 4, 4)
            painter.setPen(colors.error if self.problem else colors.edge_label_text)
            painter.setFont(font("small"))
            painter.drawText(self._label_rect, Qt.AlignCenter, self.label_text)
