"""The canvas view: pan (middle drag, or space + drag), zoom (wheel, keys), fit, a grid,
drops from the palette, and the overlay legend drawn in the viewport's corner.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QStyle, QStyleOptionRubberBand, QWidget

from convnet_studio.ui.canvas.node_item import HEIGHT, WIDTH, font
from convnet_studio.ui.canvas.overview import OVERVIEW_ZOOM, SceneOverview
from convnet_studio.ui.canvas.scene import GraphScene
from convnet_studio.ui.theme import canvas_colors

PALETTE_MIME = "application/x-convnet-studio-block"
GRID = 25.0
MIN_ZOOM, MAX_ZOOM = 0.03, 3.0
MARGIN = 4000.0  # room to pan past the graph's edges


MAX_GRID_LINES = 200  # per axis, in the painted area


class GraphView(QGraphicsView):
    """Shows a :class:`GraphScene`; every edit still goes through the scene's editor."""

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.graph_scene = scene
        self.setRenderHints(
            QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        # The grid is drawn per exposed rect; caching the background would smear it on pan.
        self.setCacheMode(QGraphicsView.CacheNone)
        self.setOptimizationFlag(QGraphicsView.DontSavePainterState, True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self._pan_from: QPoint | None = None
        self._space = False
        self.overview = SceneOverview(scene)
        self._changed_box: list[float] | None = None  # scene area changed since the last paint
        scene.legend_changed.connect(self.viewport().update)
        scene.document.focus_requested.connect(self._on_focus_requested)
        scene.document.graph.events.reset.connect(self.update_scene_rect)
        scene.rebuilt.connect(self.overview.invalidate)
        scene.look_changed.connect(self._on_look_changed)
        scene.selection_look_changed.connect(self._on_selection_look_changed)
        self.update_scene_rect()

    # ------------------------------------------------------------------ zoom & pan
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        self.scale(target / self.zoom(), target / self.zoom())

    def reset_zoom(self) -> None:
        self.resetTransform()

    def fit_all(self) -> None:
        """Zoom to show the whole graph (never above 100 %, so small graphs stay crisp)."""
        rect = self.graph_scene.visible_rect()
        if rect.isEmpty():
            return
        self.update_scene_rect()
        self.fitInView(rect.adjusted(-30, -30, 30, 30), Qt.KeepAspectRatio)
        if self.zoom() > 1.0:
            self.resetTransform()
            self.centerOn(rect.center())

    def update_scene_rect(self) -> None:
        self.graph_scene.flush_faces()
        rect = self.graph_scene.items_rect()
        if rect.isEmpty():
            rect = QRectF(0, 0, WIDTH, HEIGHT)
        self.setSceneRect(rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))

    def center_on_node(self, name: str) -> None:
        scene = self.graph_scene
        group = scene.folds.hidden_group(name)
        if group is not None:
            scene.set_folded(group, False)
        item = scene.nodes.get(name)
        if item is not None:
            self.ensureVisible(item.sceneBoundingRect(), 40, 40)
            self.centerOn(item)

    def _on_focus_requested(self, name: str) -> None:
        self.center_on_node(name)

    def _on_look_changed(self, area: QRectF) -> None:
        # Qt repaints only where it last painted an item, which it has not done while the
        # picture is shown: repaint the changed area from the picture, rendered again there.
        if self.overview.image is None:
            return
        self.overview.mark_stale(area)
        self._repaint_area(area)

    def _on_selection_look_changed(self, area: QRectF) -> None:
        # Drawn over the picture (SceneOverview._paint_selection): only repainted.
        if self.overview.image is not None:
            self._repaint_area(area)

    def _repaint_area(self, area: QRectF) -> None:
        # One growing box, not each area: Qt would paint the region of hundreds of areas,
        # and a whole viewport costs a rescaled picture (two thirds of an expand's paint).
        box, x1, y1, x2, y2 = self._changed_box, area.left(), area.top(), area.right(), area.bottom()
        if box is None:
            box = self._changed_box = [x1, y1, x2, y2]
        elif box[0] <= x1 and box[1] <= y1 and x2 <= box[2] and y2 <= box[3]:
            return  # inside what is already waiting for the paint
        else:
            box[0], box[1], box[2], box[3] = min(box[0], x1), min(box[1], y1), max(box[2], x2), max(box[3], y2)
        rect = self.mapFromScene(QRectF(box[0], box[1], box[2] - box[0], box[3] - box[1])).boundingRect()
        self.viewport().update(rect.adjusted(-2, -2, 2, 2))

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015**delta)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setDragMode(QGraphicsView.ScrollHandDrag)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setDragMode(QGraphicsView.RubberBandDrag)
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MiddleButton:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            now = event.position().toPoint()
            delta = now - self._pan_from
            self._pan_from = now
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ------------------------------------------------------------------ palette drops
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if not event.mimeData().hasFormat(PALETTE_MIME):
            super().dropEvent(event)
            return
        type_name = bytes(event.mimeData().data(PALETTE_MIME)).decode("utf-8")
        point = self.mapToScene(event.position().toPoint())
        at = point - QPointF(WIDTH / 2, HEIGHT / 2)
        edge = self.graph_scene.edge_at(point)
        position = (round(at.x()), round(at.y()))
        if edge is not None:  # dropped on a connection: splice the block into it
            self.graph_scene.editor.splice(type_name, position, edge)
        else:
            self.graph_scene.editor.add_block(type_name, position)
        event.acceptProposedAction()
        self.setFocus()

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        """Zoomed far out: the grid, the scene's one picture and the legend; zoomed in, Qt
        paints the items."""
        overview = self.overview
        self._changed_box = None
        overview.set_active(self.zoom() < OVERVIEW_ZOOM)
        if not overview.active:
            super().paintEvent(event)
            return
        exposed = self.mapToScene(event.rect()).boundingRect()
        painter = QPainter(self.viewport())
        painter.setRenderHints(self.renderHints())
        painter.setTransform(self.viewportTransform())
        self.drawBackground(painter, exposed)
        overview.paint(painter, exposed)
        self.drawForeground(painter, exposed)
        band = self.rubberBandRect()
        if not band.isEmpty():  # Qt draws it in the paintEvent this one replaces
            painter.resetTransform()
            option = QStyleOptionRubberBand()
            option.initFrom(self.viewport())
            option.rect = band
            option.shape = option.shape.Rectangle
            self.style().drawControl(QStyle.CE_RubberBand, option, painter, self.viewport())
        painter.end()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        colors = canvas_colors()
        painter.fillRect(rect, colors.background)
        step = GRID if self.zoom() >= 0.5 else GRID * 5
        # Zoomed out over a far-flung graph (a node at 1e7) the grid would take millions of
        # lines and freeze the window: coarsen it by fives until a few hundred remain.
        while max(rect.width(), rect.height()) / step > MAX_GRID_LINES:
            step *= 5
        left, top = int(rect.left() // step) * step, int(rect.top() // step) * step
        minor, major = [], []
        x = left
        while x < rect.right():
            (major if round(x / step) % 5 == 0 else minor).append(
                (QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            )
            x += step
        y = top
        while y < rect.bottom():
            (major if round(y / step) % 5 == 0 else minor).append(
                (QPointF(rect.left(), y), QPointF(rect.right(), y))
            )
            y += step
        # Axis-aligned hairlines need no antialiasing, which made each long line cost ~40 us
        # (a quarter of an edit's repaint); one call draws each colour's lines.
        antialiased = painter.testRenderHint(QPainter.Antialiasing)
        painter.setRenderHint(QPainter.Antialiasing, False)
        for lines, color in ((minor, colors.grid), (major, colors.grid_major)):
            painter.setPen(QPen(color, 0))
            painter.drawLines([QLineF(a, b) for a, b in lines])
        painter.setRenderHint(QPainter.Antialiasing, antialiased)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        legend = self.graph_scene.legend
        if not legend:
            return
        title, stops = legend
        painter.save()
        painter.resetTransform()
        colors = canvas_colors()
        title_font, label_font = font("name"), font("small")
        # Sized to its text, in the bottom-right corner: layouts fill the canvas from the top
        # left, so that corner is the one least likely to hide a node.
        label_width = max((QFontMetrics(label_font).horizontalAdvance(t) for _, t in stops), default=0)
        width = max(QFontMetrics(title_font).horizontalAdvance(title) + 20, label_width + 54, 120)
        row = 18
        height = 30 + row * len(stops)
        viewport = self.viewport()
        box = QRectF(viewport.width() - width - 12, viewport.height() - height - 12, width, height)
        painter.setPen(QPen(colors.node_border, 1))
        fill = QColor(colors.node_fill)
        fill.setAlpha(235)
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(box, 6, 6)
        painter.setFont(title_font)
        painter.setPen(colors.node_text)
        painter.drawText(box.adjusted(10, 6, -10, 0), Qt.AlignTop | Qt.AlignLeft, title)
        painter.setFont(label_font)
        for i, (color, label) in enumerate(stops):
            y = box.top() + 28 + i * row
            painter.fillRect(QRectF(box.left() + 10, y + 3, 26, row - 6), color)
            painter.drawText(
                QRectF(box.left() + 44, y, width - 54, row), Qt.AlignVCenter | Qt.AlignLeft, label
            )
        painter.restore()
