"""A block on the canvas: type, name, key parameters, output shape, parameters and MACs.

Everything the item shows comes in one immutable :class:`NodeFace` from the scene, which
builds it from the graph and its analysis; the item repaints only when its face changes, and
caches its pixels (``DeviceCoordinateCache``) so panning a 1000-node graph paints bitmaps.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem, QWidget

from convnet_studio.graph.layout import NODE_SIZE
from convnet_studio.ui.canvas.look import ReportsLook
from convnet_studio.ui.canvas.port_item import PortItem
from convnet_studio.ui.theme import canvas_colors, category_color

WIDTH, HEIGHT = NODE_SIZE
_MARGIN = 10.0  # room for the port circles on the edges
_BOX = QRectF(-_MARGIN, -_MARGIN, WIDTH + 2 * _MARGIN, HEIGHT + 2 * _MARGIN)
HEADER = 22.0
_FONTS: dict[str, QFont] = {}


def font(kind: str) -> QFont:
    """Fonts are made once: building a QFont per paint is measurable with 1000 nodes."""
    if kind not in _FONTS:
        f = QFont()
        f.setPointSizeF({"header": 9.5, "name": 9.5, "body": 8.5, "small": 8.0}[kind])
        f.setBold(kind in ("header", "name"))
        _FONTS[kind] = f
    return _FONTS[kind]


@dataclass(frozen=True)
class NodeFace:
    """What a node item shows; equal faces mean nothing to repaint."""

    type: str
    category: str
    label: str
    shape: str
    cost: str
    inputs: tuple[tuple[str, tuple[int, ...] | None], ...]
    outputs: tuple[tuple[str, tuple[int, ...] | None], ...]
    problems: tuple[str, ...] = ()
    auto: bool = False
    composite: bool = False
    shortcut: str = ""  # a residual block's: identity, projection, zero-padding


# Below TINY_LOD a node is a few pixels wide: it is drawn as a block of one colour (its
# problem's red, its gradient-norm overlay's, else its category's), all that shows at that size.
TINY_LOD = 0.12
# Below this no text is legible (the body text stops at 0.35 too): box and header band only.
SMALL_LOD = 0.35


class NodeItem(ReportsLook, QGraphicsRectItem):
    """One node; its ports are child :class:`PortItem` s. ``name`` is the graph node's name.

    A rect item (no pen) only for its bounds, which Qt then reads without calling Python: it
    asks for them of every item in an area it looks up, and of every item it paints.
    """

    def __init__(self, name: str, face: NodeFace, direction: str = "LR") -> None:
        super().__init__(_BOX)
        self.setPen(Qt.NoPen)
        self.name = name
        self.face = face
        self.direction = direction
        self.overlay: tuple[QColor | None, str | None] = (None, None)
        self.ports: dict[tuple[str, bool], PortItem] = {}
        # No ``itemChange`` here and no geometry-change notices: Qt would call into Python for
        # each of ~16 changes of a node as it is built (a third of opening ResNet-1202). The
        # scene reports what moves, shows, hides, is selected, added or removed (look.py).
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self._build_ports()
        self._update_tooltip()

    # ----------------------------------------------------------------- updates
    def set_face(self, face: NodeFace) -> None:
        if face == self.face:
            return
        ports_changed = (tuple(p for p, _ in face.inputs), tuple(p for p, _ in face.outputs)) != (
            tuple(p for p, _ in self.face.inputs),
            tuple(p for p, _ in self.face.outputs),
        )
        self.face = face
        if ports_changed:
            self._build_ports()
        else:
            self._update_port_shapes()
        self._update_tooltip()
        self.update()

    def set_name(self, name: str) -> None:
        """Follow a rename of the graph node."""
        self.name = name
        self._update_tooltip()
        self.update()

    def set_direction(self, direction: str) -> None:
        if direction != self.direction:
            self.direction = direction
            self._place_ports()

    def set_overlay(self, color: QColor | None, text: str | None) -> None:
        if (color, text) != self.overlay:
            self.overlay = (color, text)
            self.update()

    def port(self, port: str, is_output: bool) -> PortItem | None:
        return self.ports.get((port, is_output))

    def port_anchor(self, port: str, is_output: bool) -> QPointF:
        item = self.ports.get((port, is_output))
        if item is not None:
            return item.scenePos()
        return self.scenePos() + QPointF(WIDTH if is_output else 0.0, HEIGHT / 2)

    # ----------------------------------------------------------------- ports
    def _build_ports(self) -> None:
        for item in self.ports.values():
            item.setParentItem(None)
            if item.scene() is not None:
                item.scene().removeItem(item)
        self.ports = {}
        for port, _ in self.face.inputs:
            self.ports[(port, False)] = PortItem(self, port, False)
        for port, _ in self.face.outputs:
            self.ports[(port, True)] = PortItem(self, port, True)
        self._place_ports()
        self._update_port_shapes()

    def _place_ports(self) -> None:
        for is_output, entries in ((False, self.face.inputs), (True, self.face.outputs)):
            n = len(entries)
            for i, (port, _) in enumerate(entries):
                item = self.ports[(port, is_output)]
                t = (i + 1) / (n + 1)
                if self.direction == "TB":
                    item.setPos(WIDTH * t, HEIGHT if is_output else 0.0)
                else:
                    item.setPos(WIDTH if is_output else 0.0, HEADER + (HEIGHT - HEADER) * t)

    def _update_port_shapes(self) -> None:
        for is_output, entries in ((False, self.face.inputs), (True, self.face.outputs)):
            for port, shape in entries:
                self.ports[(port, is_output)].set_shape(shape)

    def _update_tooltip(self) -> None:
        # Made when the pointer comes (hoverEnterEvent): a thousand re-faced nodes would
        # otherwise each build a rich-text tooltip nobody reads.
        self._tooltip_stale = True

    def tooltip_text(self) -> str:
        lines = [
            f"<b>{self.name}</b> ({self.face.type})",
            self.face.label,
            f"{self.face.shortcut} shortcut" if self.face.shortcut not in ("", "none") else "",
            self.face.shape,
            self.face.cost,
        ]
        if self.face.auto:
            lines.append(
                "<i>auto-inserted projection shortcut: edit or delete it like any block</i>"
            )
        lines += [f"<span style='color:#d23a3a'>&#9888; {p}</span>" for p in self.face.problems]
        return "<br>".join(line for line in lines if line)

    def toolTip(self) -> str:
        return self.tooltip_text()

    def hoverEnterEvent(self, event) -> None:
        if self._tooltip_stale:
            self.setToolTip(self.tooltip_text())
            self._tooltip_stale = False
        super().hoverEnterEvent(event)

    # ----------------------------------------------------------------- Qt
    @staticmethod
    def box() -> QRectF:
        """Every node item's bounds, around its position."""
        return QRectF(_BOX)

    def move_to(self, x: float, y: float) -> None:
        """Put the item at (x, y), reporting where it was and is (its edges are the caller's:
        the scene places them, once for a batch)."""
        self.report_look()
        self.setPos(x, y)
        self.report_look()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        colors = canvas_colors()
        face = self.face
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        body = QRectF(0, 0, WIDTH, HEIGHT)
        if lod < TINY_LOD:  # a few pixels wide (a whole ResNet-1202 in view): only its colour shows
            painter.fillRect(body, self.block_color())
            return
        if lod < SMALL_LOD:  # too small for any text: the box and its coloured header band
            self._paint_small(painter, body, face)
            return
        border = (
            colors.error if face.problems else (colors.auto if face.auto else colors.node_border)
        )
        if self.isSelected():
            border = colors.selected
        pen = QPen(border, 2.5 if (self.isSelected() or face.problems) else 1.2)
        if face.auto:
            pen.setStyle(Qt.DashLine)
        painter.setPen(pen)
        overlay_color, overlay_text = self.overlay
        painter.setBrush(QBrush(colors.node_fill))
        painter.drawRoundedRect(body, 7, 7)
        if overlay_color is not None:
            # A translucent wash keeps the text readable whatever colour the overlay picks.
            wash = QColor(overlay_color)
            wash.setAlpha(min(wash.alpha(), 120))
            painter.setPen(Qt.NoPen)
            painter.setBrush(wash)
            painter.drawRoundedRect(body.adjusted(1, 1, -1, -1), 6, 6)
            painter.setPen(QPen(overlay_color, 4.0))
            painter.drawLine(QPointF(4, HEIGHT - 2), QPointF(WIDTH - 4, HEIGHT - 2))
        header = QPainterPath()
        header.setFillRule(Qt.WindingFill)  # the square patch must not punch a hole (odd-even)
        header.addRoundedRect(QRectF(1, 1, WIDTH - 2, HEADER), 6, 6)
        header.addRect(QRectF(1, HEADER - 6, WIDTH - 2, 6))
        painter.fillPath(header, colors.auto if face.auto else category_color(face.category))
        painter.setPen(QColor("#ffffff"))
        painter.setFont(font("header"))
        painter.drawText(
            QRectF(8, 1, WIDTH - 40, HEADER), Qt.AlignVCenter | Qt.AlignLeft, face.type
        )
        if face.composite:  # an expander box: this block opens into layers
            box = QRectF(WIDTH - (46 if face.problems else 20), 6, 11, 11)
            painter.setPen(QPen(QColor("#ffffff"), 1.2))
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(box)
            c = box.center()
            painter.drawLine(QPointF(c.x() - 3, c.y()), QPointF(c.x() + 3, c.y()))
            painter.drawLine(QPointF(c.x(), c.y() - 3), QPointF(c.x(), c.y() + 3))
        if face.problems:
            painter.setPen(QColor("#ffe08a"))
            painter.drawText(QRectF(WIDTH - 30, 1, 24, HEADER), Qt.AlignCenter, "\u26a0")
        elif face.auto:
            painter.drawText(QRectF(WIDTH - 44, 1, 40, HEADER), Qt.AlignCenter, "auto")
        for port in self.ports.values():
            port.paint_on(painter)
        self._paint_body(painter, overlay_text)

    def block_color(self, selection: bool = True) -> QColor:
        """Its colour as a block a few pixels wide: its problem's red, else the selection's
        (unless ``selection`` is False: the overview picture draws it on top), else its
        gradient-norm overlay's (so the heatmap shows), else its category's."""
        colors = canvas_colors()
        if self.face.problems:
            return colors.error
        if selection and self.isSelected():
            return colors.selected
        return self.overlay[0] or category_color(self.face.category)

    def _paint_small(self, painter: QPainter, body: QRectF, face: NodeFace) -> None:
        colors = canvas_colors()
        border = colors.error if face.problems else (
            colors.selected if self.isSelected() else colors.node_border)
        painter.fillRect(body, border)
        painter.fillRect(body.adjusted(2, 2, -2, -2), colors.node_fill)
        band = colors.auto if face.auto else category_color(face.category)
        painter.fillRect(QRectF(2, 2, WIDTH - 4, HEADER - 2), band)
        overlay_color = self.overlay[0]
        if overlay_color is not None:  # the gradient-norm colour must still show when zoomed out
            painter.fillRect(QRectF(2, HEADER, WIDTH - 4, HEIGHT - HEADER - 2), overlay_color)

    def _paint_body(self, painter: QPainter, overlay_text: str | None) -> None:
        colors = canvas_colors()
        face = self.face
        x, w, line = 10.0, WIDTH - 20.0, 16.0
        y = HEADER + 3
        painter.setPen(colors.node_text)
        painter.setFont(font("name"))
        painter.drawText(
            QRectF(x, y, w, line),
            Qt.AlignLeft | Qt.AlignVCenter,
            _elide(self.name, "name", w, Qt.ElideLeft),
        )
        painter.setFont(font("body"))
        painter.setPen(colors.node_subtext)
        painter.drawText(
            QRectF(x, y + line, w, line),
            Qt.AlignLeft | Qt.AlignVCenter,
            _elide(face.label, "body", w),
        )
        painter.setPen(colors.error if face.problems and not face.shape else colors.node_text)
        painter.drawText(
            QRectF(x, y + 2 * line, w, line),
            Qt.AlignLeft | Qt.AlignVCenter,
            "\u2192 " + (face.shape or "?"),
        )
        painter.setFont(font("small"))
        painter.setPen(colors.node_subtext)
        text = overlay_text if overlay_text else face.cost
        painter.drawText(QRectF(x, y + 3 * line, w, line), Qt.AlignLeft | Qt.AlignVCenter, text)


def _elide(text: str, kind: str, width: float, mode: Qt.TextElideMode = Qt.ElideRight) -> str:
    """Fit ``text`` in ``width``; dotted names keep their distinctive end (``…3a.branch2.0.conv``)."""
    return QFontMetricsF(font(kind)).elidedText(text, mode, width)
