"""One picture of the whole scene, drawn instead of its items when zoomed far out.

Below :data:`OVERVIEW_ZOOM` every node is a few pixels wide and is drawn as a block of its
colour (see ``NodeItem.paint``), yet Qt still visits and paints every item each frame: about
100 ms for the 9,000 items of an expanded ResNet-1202, where a frame has 16 ms. So the view
draws this picture instead, at every paint. It is rendered once, just under ``OVERVIEW_ZOOM``
(or less, for a graph too big for :data:`MAX_PIXELS`), in bulk from the items' own colours,
and only its stale parts are rendered again before it is drawn.

What is stale is learnt without ``QGraphicsScene.changed``: a receiver on that signal makes
Qt send every item update through it and report each removal as the whole scene changed,
which made edits several times slower. Instead each item reports where its look changed
(``look.py``), on screen or off it: that area is stale (:meth:`SceneOverview.mark_stale`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRect, QRectF, QSizeF, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from convnet_studio.ui.canvas.edge_item import EdgeItem
from convnet_studio.ui.canvas.fold_item import FoldItem
from convnet_studio.ui.canvas.node_item import HEIGHT, TINY_LOD, WIDTH, NodeItem
from convnet_studio.ui.canvas.temp_edge_item import TempEdgeItem
from convnet_studio.ui.theme import canvas_colors

if TYPE_CHECKING:
    from convnet_studio.ui.canvas.scene import GraphScene

OVERVIEW_ZOOM = TINY_LOD  # below it a node is a colour block, which the picture shows as well
# The picture is rendered just under TINY_LOD, so that its nodes are drawn as those blocks too.
RENDER_SCALE = TINY_LOD * 0.98
MAX_PIXELS = 16_000_000  # 64 MB; an expanded ResNet-1202 takes 8.6 million pixels (34 MB)
MARGIN = 1500.0  # scene units around the items, so that an expand or a drag stays inside
MAX_STALE = 1000  # areas kept as reported; past that, merged into clusters


class SceneOverview(QObject):
    """The scene's items as one image of the scene rect ``rect`` at ``scale`` pixels per unit."""

    def __init__(self, scene: GraphScene) -> None:
        super().__init__(scene)
        self.scene = scene
        self.image: QImage | None = None
        self.rect = QRectF()
        self.scale = RENDER_SCALE
        self.active = False
        # Scene areas to render again, as reported: a QRegion would merge each of an edit's
        # hundreds of small areas into an ever more complex shape (a third of an expand).
        self._stale: list[QRectF] = []
        self._stale_box: list[float] | None = None  # around them, for the picture's growth

    def set_active(self, active: bool) -> None:
        """Start showing the picture (rendered afresh) or stop (its image freed)."""
        if active != self.active:
            self.active = active
            self._set_image(None)

    def invalidate(self) -> None:
        """Render the whole picture again before it is next drawn (a new document)."""
        self._set_image(None)

    def mark_stale(self, area: QRectF) -> None:
        """``area`` (scene units) changed, in view or not: render it again before it is shown."""
        if self.image is not None:
            self._stale.append(area)
            box, x1, y1, x2, y2 = self._stale_box, area.left(), area.top(), area.right(), area.bottom()
            if box is None:
                self._stale_box = [x1, y1, x2, y2]
            else:
                box[0], box[1], box[2], box[3] = min(box[0], x1), min(box[1], y1), max(box[2], x2), max(box[3], y2)
            if len(self._stale) > MAX_STALE:  # changes out of view pile up: keep them as clusters
                self._stale = clusters(self._stale, most=MAX_STALE // 4, cell=1000.0)

    def is_stale(self, point: QPointF) -> bool:
        """Whether the picture waits to be rendered again at ``point`` (scene units)."""
        return any(area.contains(point) for area in self._stale)

    def paint(self, painter: QPainter, exposed: QRectF) -> None:
        """Draw the part of the picture inside ``exposed`` (scene units)."""
        # An item that changed outside the picture (an expand pushed a row past its margin) is
        # stale there: the picture grows to cover it.
        if self.image is None:
            self._render_all()
        elif self._stale_box is not None:
            x1, y1, x2, y2 = self._stale_box
            stale = QRectF(x1, y1, x2 - x1, y2 - y1)
            if not self.rect.contains(stale):
                self._grow_to(stale)
        if self.image is None:
            return
        todo = [area for area in self._stale if area.intersects(exposed)]
        if todo:
            self._stale = [area for area in self._stale if not area.intersects(exposed)]
            if not self._stale:
                self._stale_box = None
            self._render_areas(todo)
        target = exposed.intersected(self.rect)
        if not target.isEmpty():
            painter.drawImage(target, self.image, self._to_image(target))
        self._paint_selection(painter, exposed)

    def _paint_selection(self, painter: QPainter, exposed: QRectF) -> None:
        """The selected edges and node blocks, over the picture: a selection is no change
        of the picture, so selecting all of ResNet-1202 or sweeping a rubber band over it
        renders nothing again (it took 100-200 ms a step). A problem's red shows instead."""
        nodes, edges = self.scene.selected_items_by_kind()
        path = QPainterPath()
        pen = None
        for item in edges:
            if item.isVisible() and not item.problem and item.boundingRect().intersects(exposed):
                pen = pen or item.line_pen()
                path.addPath(item.path)
        if pen is not None:
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawPath(path)
        colour = canvas_colors().selected
        for item in nodes:
            if item.isVisible() and not item.face.problems:
                block = QRectF(item.pos(), QSizeF(WIDTH, HEIGHT))
                if block.intersects(exposed):
                    painter.fillRect(block, colour)

    def _set_image(self, image: QImage | None) -> None:
        self.image = image
        self.scene.look_wanted = image is not None  # items report their changes while it is

    # ---------------------------------------------------------------- rendering
    def _render_all(self) -> None:
        self._stale, self._stale_box = [], None
        bounds = self.scene.items_rect()
        if bounds.isEmpty():
            self._set_image(None)
            return
        self.rect = bounds.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        area = self.rect.width() * self.rect.height()
        self.scale = min(RENDER_SCALE, math.sqrt(MAX_PIXELS / area))
        size = (max(1, math.ceil(self.rect.width() * self.scale)), max(1, math.ceil(self.rect.height() * self.scale)))
        self._set_image(QImage(*size, QImage.Format_ARGB32_Premultiplied))
        self._render_areas([self.rect])

    def _grow_to(self, area: QRectF) -> None:
        """Make the picture cover ``area`` too (an expand pushed a row past its edge): the
        old pixels are kept, the new part starts empty and the stale parts are rendered."""
        # Room to spare, a quarter of the picture on the side it grows: expanding every block
        # of a net one by one lengthens its rows 600 times, and each growth copies the image.
        grow_x, grow_y = max(MARGIN, self.rect.width() / 4), max(MARGIN, self.rect.height() / 4)
        united = self.rect.united(area)
        rect = united.adjusted(
            -grow_x if united.left() < self.rect.left() else 0, -grow_y if united.top() < self.rect.top() else 0,
            grow_x if united.right() > self.rect.right() else 0, grow_y if united.bottom() > self.rect.bottom() else 0,
        )
        if rect.width() * rect.height() * self.scale ** 2 > MAX_PIXELS:
            rect = united.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)  # no room to spare then
        if rect.width() * rect.height() * self.scale ** 2 > MAX_PIXELS:
            self._render_all()  # it would be too big at this scale: made again, smaller
            return
        old, old_rect = self.image, self.rect
        self.rect = rect
        size = (math.ceil(rect.width() * self.scale), math.ceil(rect.height() * self.scale))
        image = QImage(*size, QImage.Format_ARGB32_Premultiplied)
        image.fill(Qt.transparent)
        painter = QPainter(image)
        painter.drawImage(self._to_image(old_rect).topLeft(), old)
        painter.end()
        self._set_image(image)

    def _render_areas(self, areas: list[QRectF]) -> None:
        """Render ``areas`` (scene units) again."""
        assert self.image is not None
        bounds = self.image.rect()
        # Whole pixels, so that no seam of half-cleared pixels is left.
        pixels = [QRectF(box) for area in areas
                  if not (box := self._to_image(area).toAlignedRect().adjusted(-1, -1, 1, 1) & bounds).isEmpty()]
        if not pixels:
            return
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.Antialiasing)
        to_image = QTransform.fromTranslate(-self.rect.left(), -self.rect.top()) * QTransform.fromScale(self.scale, self.scale)
        # Cluster by cluster: an edit's stale areas are scattered (a block, the long edges
        # into it), and the items in their one bounding box could be a fifth of the net.
        # Each cluster's box is cleared and painted whole, clipped to the box: a clip of
        # any other shape makes Qt draw antialiased curves a hundred times slower.
        for cluster in clusters(pixels):
            box = cluster.toAlignedRect()
            painter.resetTransform()  # the clip is in pixels; _paint_items sets its transform
            painter.setClipRect(box)
            painter.setCompositionMode(QPainter.CompositionMode_Source)
            painter.fillRect(box, Qt.transparent)
            painter.setCompositionMode(QPainter.CompositionMode_SourceOver)
            self._paint_items(painter, self._to_scene(box), to_image)
        painter.end()

    def _paint_items(self, painter: QPainter, area: QRectF, to_image: QTransform) -> None:
        """The items in ``area`` as they look this small: edges, then nodes as colour blocks.

        Drawn here in bulk from each item's own colours (``EdgeItem.line_pen``,
        ``NodeItem.block_color``), one path per pen: painting 9,000 items one by one cost
        half a second. Not ``QGraphicsScene.render`` either: it reuses each item's cached
        pixels for "no widget", which Qt does not refresh when the item changes.
        """
        found = self._items_in(area)
        painter.setWorldTransform(to_image)
        painter.setBrush(Qt.NoBrush)
        paths: dict[tuple, tuple[QPen, QPainterPath]] = {}
        for item in found:
            # Qt's index finds an edge by its box; a long one is drawn only where it runs.
            if isinstance(item, EdgeItem) and item.isVisible() and any(area.intersects(box) for box in item.look_areas()):
                pen = item.line_pen(False)
                key = (pen.color().rgba(), pen.widthF(), int(pen.style().value))
                paths.setdefault(key, (pen, QPainterPath()))[1].addPath(item.path)
        for pen, path in paths.values():
            painter.setPen(pen)
            painter.drawPath(path)
        for item in found:
            if isinstance(item, NodeItem) and item.isVisible():
                painter.fillRect(QRectF(item.pos(), QSizeF(WIDTH, HEIGHT)), item.block_color(False))
        # A folded stage's box and a connection being dragged: few, drawn as they draw.
        option = QStyleOptionGraphicsItem()
        for item in found:
            if isinstance(item, (FoldItem, TempEdgeItem)) and item.isVisible():
                painter.setWorldTransform(item.sceneTransform() * to_image)
                option.exposedRect = item.boundingRect()
                item.paint(painter, option, None)

    def _items_in(self, area: QRectF) -> list:
        """The items whose bounds meet ``area``: from Qt's index for a small area, else from
        the scene's own lists (Qt's list would hold every port too, twice the items)."""
        if area.width() * area.height() < 0.2 * self.rect.width() * self.rect.height():
            return self.scene.items(area, Qt.IntersectsItemBoundingRect)
        scene = self.scene
        # Edges sit at the origin (their bounds are scene bounds) and node items all have one
        # size: no scene rectangle is asked of Qt for the 9,000 items of ResNet-1202.
        found: list = [item for item in scene.edges.values() if area.intersects(item.boundingRect())]
        box = NodeItem.box()
        left, top = area.left() - box.right(), area.top() - box.bottom()
        right, bottom = area.right() - box.left(), area.bottom() - box.top()
        found += [item for item in scene.nodes.values() if left <= item.x() <= right and top <= item.y() <= bottom]
        others = [*scene.folds.items.values()]
        if scene.connect_drag.temp is not None:
            others.append(scene.connect_drag.temp)
        return found + [item for item in others if area.intersects(item.sceneBoundingRect())]

    def _to_image(self, rect: QRectF) -> QRectF:
        top_left = (rect.topLeft() - self.rect.topLeft()) * self.scale
        return QRectF(top_left, rect.size() * self.scale)

    def _to_scene(self, pixels: QRect) -> QRectF:
        rect = QRectF(pixels)
        top_left = self.rect.topLeft() + QPointF(rect.left(), rect.top()) / self.scale
        return QRectF(top_left, rect.size() / self.scale)


def clusters(rects: list, most: int = 32, cell: float = 128.0) -> list[QRectF]:
    """``rects`` (QRectF) gathered into a few boxes that waste little area: first by
    the ``cell`` of a grid their centre falls in, then neighbouring boxes merged where their
    union is not much bigger than they are. Past ``most`` boxes, their bounding box is the one.
    Plain numbers, not Qt calls: an expand reports hundreds of areas."""
    cells: dict[tuple[int, int], list[float]] = {}
    for rect in rects:
        x1, y1, x2, y2 = rect.left(), rect.top(), rect.right(), rect.bottom()
        key = (int((x1 + x2) / 2 // cell), int((y1 + y2) / 2 // cell))
        box = cells.get(key)
        if box is None:
            cells[key] = [x1, y1, x2, y2]
        else:
            box[0], box[1], box[2], box[3] = min(box[0], x1), min(box[1], y1), max(box[2], x2), max(box[3], y2)
    boxes: list[list[float]] = []
    for key in sorted(cells):
        b = cells[key]
        for box in boxes:
            united = (min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3]))
            if _area(united) <= 2 * (_area(box) + _area(b)) + cell * cell:
                box[:] = united
                break
        else:
            boxes.append(b)
    if len(boxes) > most:
        boxes = [[min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]]
    return [QRectF(x1, y1, x2 - x1, y2 - y1) for x1, y1, x2, y2 in boxes]


def _area(box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])
