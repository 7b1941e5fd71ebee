"""One picture of the whole scene, drawn instead of its items when zoomed far out.

Below :data:`OVERVIEW_ZOOM` every node is a few pixels wide and is drawn as a block of its
colour (see ``NodeItem.paint``), yet Qt still visits and paints every item each frame: about
100 ms for the 7,000 items of an expanded ResNet-1202, where a frame has 16 ms. So when the
view's transform changes (a zoom, a scroll) it draws this picture instead. It is rendered
once, just under ``OVERVIEW_ZOOM`` (or less, for a graph too big for :data:`MAX_PIXELS`), and
only its stale parts are rendered again before it is drawn.

What is stale is learnt without ``QGraphicsScene.changed``: a receiver on that signal makes
Qt send every item update through it and report each removal as the whole scene changed,
which made edits several times slower. Instead:

- an edit in view reaches the view as Qt's usual update of the changed region; the view
  paints that region from the items themselves (cheap: few items) and marks it stale here;
- for what the view does not show, any change to the document marks everything outside the
  view stale (:meth:`SceneOverview.note_change`).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QRegion, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QStyleOptionGraphicsItem

from convnet_studio.ui.canvas.node_item import TINY_LOD

OVERVIEW_ZOOM = TINY_LOD  # below it a node is a colour block, which the picture shows as well
# The picture is rendered just under TINY_LOD, so that its nodes are drawn as those blocks too.
RENDER_SCALE = TINY_LOD * 0.98
MAX_PIXELS = 16_000_000  # 64 MB; an expanded ResNet-1202 takes 8.6 million pixels (34 MB)
MARGIN = 400.0  # scene units around the items, so a node dragged a little out stays inside


class SceneOverview(QObject):
    """The scene's items as one image of the scene rect ``rect`` at ``scale`` pixels per unit."""

    def __init__(self, scene: QGraphicsScene) -> None:
        super().__init__(scene)
        self.scene = scene
        self.image: QImage | None = None
        self.rect = QRectF()
        self.scale = RENDER_SCALE
        self.active = False
        self._stale = QRegion()  # scene units, rounded out to whole units
        self._shown = QRectF()  # what the view showed when it last drew the picture
        self._bounds_known = False  # the items still fit in ``rect`` (unchanged since checked)

    def set_active(self, active: bool) -> None:
        """Start showing the picture (rendered afresh) or stop (its image freed)."""
        if active != self.active:
            self.active = active
            self.image = None

    def invalidate(self) -> None:
        """Render the whole picture again before it is next drawn (a new document)."""
        self.image = None

    def mark_stale(self, area: QRectF) -> None:
        """``area`` (scene units) changed on screen: render it again before the next use."""
        if self.image is not None:
            self._stale += QRegion(area.toAlignedRect())
            self._bounds_known = False

    def note_change(self, *_args) -> None:
        """The document changed: what the view did not show may be stale."""
        if self.image is not None and not self._shown.contains(self.rect):
            outside = QRegion(self.rect.toAlignedRect()) - QRegion(self._shown.toAlignedRect())
            self._stale += outside
        self._bounds_known = False

    def paint(self, painter: QPainter, exposed: QRectF, shown: QRectF) -> None:
        """Draw the part of the picture inside ``exposed``; the view shows ``shown``."""
        if self.image is None or not (self._bounds_known or self.rect.contains(self.scene.itemsBoundingRect())):
            self._render_all()
        self._bounds_known = True
        if self.image is None:
            return
        todo = self._stale & QRegion(exposed.toAlignedRect())
        if not todo.isEmpty():
            self._render_regions([QRectF(r) for r in todo])
            self._stale -= todo
        self._shown = shown
        target = exposed.intersected(self.rect)
        if not target.isEmpty():
            painter.drawImage(target, self.image, self._to_image(target))

    # ---------------------------------------------------------------- rendering
    def _render_all(self) -> None:
        self._stale = QRegion()
        bounds = self.scene.itemsBoundingRect()
        if bounds.isEmpty():
            self.image = None
            return
        self.rect = bounds.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        area = self.rect.width() * self.rect.height()
        self.scale = min(RENDER_SCALE, math.sqrt(MAX_PIXELS / area))
        size = (max(1, math.ceil(self.rect.width() * self.scale)), max(1, math.ceil(self.rect.height() * self.scale)))
        self.image = QImage(*size, QImage.Format_ARGB32_Premultiplied)
        self._render_regions([self.rect])

    def _render_regions(self, regions: list[QRectF]) -> None:
        assert self.image is not None
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.Antialiasing)
        to_image = QTransform.fromTranslate(-self.rect.left(), -self.rect.top()) * QTransform.fromScale(self.scale, self.scale)
        for region in regions:
            # Whole pixels, so that a region's edge does not leave a seam of half-cleared pixels.
            pixels = self._to_image(region).toAlignedRect().adjusted(-1, -1, 1, 1).intersected(self.image.rect())
            if pixels.isEmpty():
                continue
            painter.resetTransform()
            painter.setClipRect(pixels)
            painter.setCompositionMode(QPainter.CompositionMode_Source)
            painter.fillRect(pixels, Qt.transparent)
            painter.setCompositionMode(QPainter.CompositionMode_SourceOver)
            self._paint_items(painter, self._to_scene(pixels), to_image)
        painter.end()

    def _paint_items(self, painter: QPainter, area: QRectF, to_image: QTransform) -> None:
        """Each item in ``area`` painted by its own ``paint``, bottom to top.

        Not ``QGraphicsScene.render``: that reuses each item's cached pixels for "no widget",
        which Qt does not refresh when the item changes (a selected node stayed unselected).
        """
        option = QStyleOptionGraphicsItem()
        for item in self.scene.items(area, Qt.IntersectsItemBoundingRect, Qt.AscendingOrder):
            if not item.isVisible() or item.flags() & QGraphicsItem.ItemHasNoContents:
                continue
            painter.setWorldTransform(item.sceneTransform() * to_image)
            option.exposedRect = item.boundingRect()
            item.paint(painter, option, None)

    def _to_image(self, rect: QRectF) -> QRectF:
        top_left = (rect.topLeft() - self.rect.topLeft()) * self.scale
        return QRectF(top_left, rect.size() * self.scale)

    def _to_scene(self, pixels: QRect) -> QRectF:
        rect = QRectF(pixels)
        top_left = self.rect.topLeft() + QPointF(rect.left(), rect.top()) / self.scale
        return QRectF(top_left, rect.size() / self.scale)
