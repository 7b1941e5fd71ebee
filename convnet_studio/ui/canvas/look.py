"""Canvas items tell their scene where their look changed, for the overview picture.

Qt repaints a view where an item changed only where that view last painted the item; zoomed
far out the view draws one picture instead of the items (``overview.py``), so Qt's record
is empty and a removed or moved node would stay in the picture. Every change of an item's
look (its face, selection, position, visibility, being added or removed) is reported here
instead, as the scene area it covered: the scene's ``look_changed`` signal carries it.

Nodes and edges do not override ``itemChange`` (Qt would call into Python for every flag,
child and position as 9,000 items are built): the scene reports their additions, removals,
moves, visibility and selection where it makes them. Fold boxes and the connection being
dragged, few, report from ``itemChange``.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem

_REPORTED = {
    QGraphicsItem.ItemPositionChange,  # where it was
    QGraphicsItem.ItemPositionHasChanged,  # where it is
    QGraphicsItem.ItemSelectedHasChanged,
    QGraphicsItem.ItemVisibleHasChanged,
    QGraphicsItem.ItemSceneChange,  # added, or about to be removed
    QGraphicsItem.ItemSceneHasChanged,
}


class ReportsLook:
    """Mix into a QGraphicsItem of a GraphScene, before the Qt class."""

    def report_look(self, rect: QRectF | None = None) -> None:
        scene = self.scene()  # type: ignore[attr-defined]
        # Only while the picture is shown: building 9,000 items reports each several times.
        if scene is not None and scene.look_wanted:
            for area in (rect,) if rect is not None else self.look_areas():
                scene.look_changed.emit(area)  # type: ignore[attr-defined]

    def look_areas(self) -> list[QRectF]:
        """The scene areas the item covers (an edge: a thin band along its curve, where its
        bounding box would be the whole width of a wrapped net)."""
        return [self.sceneBoundingRect()]  # type: ignore[attr-defined]

    def update(self, *args) -> None:  # our own calls, when a face or overlay changes
        self.report_look()
        super().update(*args)  # type: ignore[misc]

    def report_item_change(self, change: QGraphicsItem.GraphicsItemChange) -> None:
        """Call from ``itemChange`` (items there are few: fold boxes, a dragged connection)."""
        if change in _REPORTED:
            self.report_look()

    def set_shown(self, visible: bool) -> None:
        """``setVisible``, reporting the area it leaves or takes."""
        if visible != self.isVisible():  # type: ignore[attr-defined]
            self.report_look()
            self.setVisible(visible)  # type: ignore[attr-defined]
            self.report_look()
