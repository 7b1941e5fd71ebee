"""One picture of the whole scene, drawn instead of its items when zoomed far out.

Below :data:`OVERVIEW_ZOOM` every node is a few pixels wide and is drawn as a block of its
colour (see ``NodeItem.paint``), yet Qt still visits and paints every item each frame: about
100 ms for the 7,000 items of an expanded ResNet-1202, where a frame has 16 ms. So the view
draws this picture instead. It is rendered once, just under ``OVERVIEW_ZOOM`` (or less, for a graph
too big for :data:`MAX_PIXELS`), and kept current by re-rendering only the regions the scene
reports as changed (``QGraphicsScene.changed``): an edit, a selection or an overlay colour.

It listens to ``changed`` only while it is shown. A receiver on that signal makes Qt send
every item update through it instead of straight to the views, which made big edits (an
undo that re-faces 2,000 nodes) several times slower at ordinary zoom. Crossing back below
``OVERVIEW_ZOOM`` renders the whole picture again (about 100 ms on ResNet-1202).
"""

from __future__ import annotations

import math

from PySide6.QtCore import SIGNAL, SLOT, QMetaObject, QObject, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsView

from convnet_studio.ui.canvas.node_item import TINY_LOD

OVERVIEW_ZOOM = TINY_LOD  # below it a node is a colour block, which the picture shows as well
# The picture is rendered just under TINY_LOD, so that its nodes are drawn as those blocks too.
RENDER_SCALE = TINY_LOD * 0.98
MAX_PIXELS = 16_000_000  # 64 MB; an expanded ResNet-1202 takes 8.6 million pixels (34 MB)
MAX_DIRTY = 400  # more changed regions than this in one go: render the whole picture again


class SceneOverview(QObject):
    """The scene's items as one image, in scene coordinates ``rect`` at ``scale``."""

    def __init__(self, view: QGraphicsView) -> None:
        super().__init__(view)
        self.view = view
        self.scene = view.scene()
        self.image: QImage | None = None
        self.rect = QRectF()
        self.scale = RENDER_SCALE
        self.active = False
        self._dirty: list[QRectF] = []
        self._stale = True

    def invalidate(self) -> None:
        """Render the whole picture again before it is next drawn (a new document)."""
        self._stale = True
        self._dirty.clear()

    def set_active(self, active: bool) -> None:
        """Start (render afresh, then follow changes) or stop (free the image) showing it."""
        if active == self.active:
            return
        self.active = active
        if active:
            self.invalidate()
            self.scene.changed.connect(self._on_changed)
            # A scene.update() made while ``changed`` had no receiver leaves Qt's "update all"
            # flag set, and then the scene never emits ``changed`` again; Qt clears the flag when
            # it emits, so emit now (the slot is Qt's own; invokeMethod is False if it is gone).
            QMetaObject.invokeMethod(self.scene, "_q_emitUpdated", Qt.DirectConnection)
            return
        self.scene.changed.disconnect(self._on_changed)
        # Qt connected the view's updateScene to ``changed`` when it first had a receiver;
        # while that stays, item updates go the slow way round (see the module docstring).
        QObject.disconnect(self.scene, SIGNAL("changed(QList<QRectF>)"), self.view, SLOT("updateScene(QList<QRectF>)"))
        self.image = None

    def paint(self, painter: QPainter, exposed: QRectF) -> None:
        """Draw the part of the picture inside ``exposed`` (scene coordinates)."""
        self._bring_up_to_date()
        if self.image is None:
            return
        target = exposed.intersected(self.rect)
        if target.isEmpty():
            return
        source = self._to_image(target)
        painter.drawImage(target, self.image, source)

    # ---------------------------------------------------------------- keeping it current
    def _on_changed(self, regions: list[QRectF]) -> None:
        # Qt does not connect the view to ``changed`` a second time: repaint it from here.
        self.view.viewport().update()
        if self._stale or self.image is None:
            return
        for region in regions:
            if not self.rect.contains(region):  # something moved past the picture's edge
                self._stale = True
                return
            self._dirty.append(region)
        if len(self._dirty) > MAX_DIRTY:
            self.invalidate()

    def _bring_up_to_date(self) -> None:
        if self._stale:
            self._render_all()
        elif self._dirty:
            dirty, self._dirty = self._dirty, []
            self._render_regions(dirty)

    def _render_all(self) -> None:
        self._stale = False
        self._dirty.clear()
        bounds = self.scene.itemsBoundingRect()
        if bounds.isEmpty():
            self.image = None
            return
        # A margin, so that a node dragged a little past the edge does not re-render it all.
        self.rect = bounds.adjusted(-400, -400, 400, 400)
        area = self.rect.width() * self.rect.height()
        self.scale = min(RENDER_SCALE, math.sqrt(MAX_PIXELS / area))
        size = (max(1, math.ceil(self.rect.width() * self.scale)), max(1, math.ceil(self.rect.height() * self.scale)))
        self.image = QImage(*size, QImage.Format_ARGB32_Premultiplied)
        self._render_regions([self.rect])

    def _render_regions(self, regions: list[QRectF]) -> None:
        assert self.image is not None
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.Antialiasing)
        for region in regions:
            # Whole pixels, so that a region's edge does not leave a seam of half-cleared pixels.
            pixels = self._to_image(region).toAlignedRect().adjusted(-1, -1, 1, 1).intersected(self.image.rect())
            if pixels.isEmpty():
                continue
            painter.setClipRect(pixels)
            painter.setCompositionMode(QPainter.CompositionMode_Source)
            painter.fillRect(pixels, Qt.transparent)
            painter.setCompositionMode(QPainter.CompositionMode_SourceOver)
            self.scene.render(painter, QRectF(pixels), self._to_scene(pixels), Qt.IgnoreAspectRatio)
        painter.end()

    def _to_image(self, rect: QRectF) -> QRectF:
        top_left = (rect.topLeft() - self.rect.topLeft()) * self.scale
        return QRectF(top_left, rect.size() * self.scale)

    def _to_scene(self, pixels: QRect) -> QRectF:
        rect = QRectF(pixels)
        top_left = self.rect.topLeft() + QPointF(rect.left(), rect.top()) / self.scale
        return QRectF(top_left, rect.size() / self.scale)
