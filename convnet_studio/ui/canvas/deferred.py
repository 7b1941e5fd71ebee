"""Work on canvas items the view does not show, done in slices after the visible part.

After an edit that touches thousands of nodes (a delete upstream of 2,000 layers, a layout,
a direction change), the items on screen are updated at once and the others wait here: a
zero-delay timer updates them a slice at a time, so one turn of the event loop stays short
at any graph size. Fitting, rendering and tests call :meth:`Deferred.flush` first.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt, QTimer

if TYPE_CHECKING:
    from convnet_studio.ui.canvas.scene import GraphScene

# Faces redrawn at once after an analysis (those on screen, at most this many).
BUDGET = 150
# The rest follow in slices of this many faces (moves and turns in half slices: each also
# re-routes the node's edges). A slice of 50 faces is about 10 ms, so input waits no longer.
SLICE = 50
ONE_AREA_ITEMS = 500  # a batch move of more items reports one area (GraphScene.looks_as_one_area)
Position = tuple[float, float]


class Deferred:
    """Pending faces, moves and port turns of ``scene``'s node items, by node name."""

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self.faces: set[str] = set()
        self.moves: dict[str, Position] = {}
        self.turns: set[str] = set()
        self.moving = False  # a batch is moving items: their edges are placed once, after
        self._timer = QTimer(scene)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.drain)

    def reset(self) -> None:
        self.faces, self.moves, self.turns = set(), {}, set()

    def __bool__(self) -> bool:
        return bool(self.faces or self.moves or self.turns)

    def later(self) -> None:
        if self:
            self._timer.start()

    def shown_rect(self) -> QRectF | None:
        """The part of the scene the views show, with a margin (None: no view shows it)."""
        rect = None
        for view in self.scene.views():
            if view.isVisible():
                area = view.mapToScene(view.viewport().rect()).boundingRect()
                rect = area if rect is None else rect.united(area)
        return rect.adjusted(-200, -200, 200, 200) if rect is not None else None

    def move(self, moves: dict[str, tuple[Position, Position]]) -> None:
        """Follow a batch move: items on screen (before or after) now, the others later."""
        box, nodes, now = self._shown_box(), self.scene.nodes, {}
        if box is None:
            self.apply({name: new for name, (_old, new) in moves.items() if name in nodes})
            return
        left, top, right, bottom = box
        for name, (old, new) in moves.items():
            if name not in nodes:
                continue
            if left <= old[0] <= right and top <= old[1] <= bottom or left <= new[0] <= right and top <= new[1] <= bottom:
                now[name] = new
                self.moves.pop(name, None)
            else:
                self.moves[name] = new
        self.apply(now)
        self.later()

    def apply(self, positions: dict[str, Position], turns: set[str] = frozenset()) -> None:
        """Move (and turn) items without each one re-placing its edges, then place each once."""
        if len(positions) + len(turns) > ONE_AREA_ITEMS:  # a layout with the whole net in view
            with self.scene.looks_as_one_area():
                self._apply(positions, turns)
        else:
            self._apply(positions, turns)

    def _apply(self, positions: dict[str, Position], turns: set[str]) -> None:
        scene = self.scene
        self.moving = True
        try:
            for name, new in positions.items():
                item = scene.nodes.get(name)
                if item is not None:
                    item.move_to(*new)
            for name in turns:
                item = scene.nodes.get(name)
                if item is not None:
                    item.set_direction(scene.direction)
        finally:
            self.moving = False
        g = scene.graph.nx_graph()
        touched = set()
        for name in (*positions, *turns):
            if name in g:
                for adjacency in (g._succ[name], g._pred[name]):
                    for keys in adjacency.values():
                        touched.update(keys)
        for edge in touched:
            item = scene.edges.get(edge)
            if item is not None:
                scene._place_edge(item)

    def rename(self, old: str, new: str) -> None:
        if old in self.moves:
            self.moves[new] = self.moves.pop(old)
        for pending in (self.faces, self.turns):
            if old in pending:
                pending.discard(old)
                pending.add(new)

    def forget(self, name: str) -> None:
        self.moves.pop(name, None)
        self.faces.discard(name)
        self.turns.discard(name)

    def drain(self, budget: int = SLICE) -> None:
        """One slice of the waiting work, what the view shows first."""
        moves = dict(itertools.islice(self.moves.items(), budget // 2))
        for name in moves:
            del self.moves[name]
        turns = set(itertools.islice(self.turns, budget // 2))
        self.turns -= turns
        self.apply(moves, turns)
        for name in self._faces_shown_first(budget):
            self.scene._reface(name)
        self.later()

    def in_view(self) -> Callable[[str], bool] | None:
        """Whether node ``name``'s item is in a view; None when no view shows the scene.

        Asked per node, so its cost follows the nodes asked about, not the graph's size. Node
        items all have one size: the item's position answers, without Qt's rectangles.
        """
        box = self._shown_box()
        if box is None:
            return None
        left, top, right, bottom = box
        scene, nodes = self.scene, self.scene.nodes
        # The views' scene rect (the scene's own would measure every item when asked).
        whole = max((view.sceneRect() for view in scene.views()), key=lambda r: r.width() * r.height())
        if (right - left) * (bottom - top) < 0.05 * whole.width() * whole.height():
            # A small part of a big scene in view (100 % on ResNet-1202): Qt's index names
            # the few items there at once, cheaper than a position per node of an update.
            from convnet_studio.ui.canvas.node_item import NodeItem

            shown = self.shown_rect()
            names = {item.name for item in scene.items(shown, Qt.IntersectsItemBoundingRect)
                     if isinstance(item, NodeItem)}
            return names.__contains__

        def visible(name: str) -> bool:
            item = nodes.get(name)
            if item is None:
                return False
            x, y = item.x(), item.y()
            return left <= x <= right and top <= y <= bottom

        return visible

    def _shown_box(self) -> tuple[float, float, float, float] | None:
        """Where a node item's position must lie for its box to meet the shown area."""
        from convnet_studio.ui.canvas.node_item import HEIGHT, WIDTH

        shown = self.shown_rect()
        if shown is None:
            return None
        margin = 10.0  # the port circles stand out of the box
        return (shown.left() - WIDTH - margin, shown.top() - HEIGHT - margin,
                shown.right() + margin, shown.bottom() + margin)

    def _faces_shown_first(self, budget: int) -> list[str]:
        visible = self.in_view()
        if visible is None:
            return list(itertools.islice(self.faces, budget))
        first = [name for name in self.faces if visible(name)][:budget]
        taken = set(first)
        rest = itertools.islice((n for n in self.faces if n not in taken), budget - len(first))
        return first + list(rest)

    def flush(self) -> None:
        """Do all the waiting work now."""
        moves, self.moves = self.moves, {}
        turns, self.turns = self.turns, set()
        self.apply(moves, turns)
        for name in list(self.faces):
            self.scene._reface(name)
