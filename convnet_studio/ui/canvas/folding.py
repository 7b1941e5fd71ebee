"""The canvas's side of folding: applies a :class:`~convnet_studio.graph.folding.FoldDisplay`.

What is folded, hidden and where it sits is computed by ``graph.folding.fold_display`` from
(graph, folded groups, direction); here items are hidden, one :class:`FoldItem` stands for
each folded group, and edges are re-anchored. Folding is view state: it never touches the
graph or the undo stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QTimer

from convnet_studio.graph.folding import FoldDisplay, fold_display, fold_group, fold_groups
from convnet_studio.graph.model import Edge, Node
from convnet_studio.ui.canvas.fold_item import FoldItem
from convnet_studio.ui.canvas.node_item import NodeItem
from convnet_studio.ui.format import fmt_cost, shape_text

if TYPE_CHECKING:
    from convnet_studio.ui.canvas.scene import GraphScene


class FoldState:
    """Which groups are folded, and the :class:`FoldItem` standing for each."""

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self.folded: set[str] = set()
        self.items: dict[str, FoldItem] = {}
        self.display = FoldDisplay()  # what is shown now
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)

    def group_of(self, name: str) -> str | None:
        graph = self.scene.graph
        return fold_group(graph.node(name)) if name in graph else None

    def groups(self) -> dict[str, list[Node]]:
        """Foldable groups (two or more members), in graph order."""
        return fold_groups(self.scene.graph)

    def set_folded(self, group: str, folded: bool) -> None:
        if folded:
            self.folded.add(group)
        else:
            self.folded.discard(group)
        self.refresh()

    def fold_all(self, folded: bool) -> None:
        self.folded = set(self.groups()) if folded else set()
        self.refresh()

    def anchor(self, name: str, is_output: bool) -> QPointF | None:
        group = self.display.hidden.get(name)
        return self.items[group].anchor(is_output) if group in self.items else None

    def hidden_group(self, name: str) -> str | None:
        """The folded group hiding node ``name``, if any."""
        return self.display.hidden.get(name)

    def edge_visible(self, edge: Edge) -> bool:
        return self.display.edge_visible(edge.src, edge.dst)

    def forget_items(self) -> None:
        """The scene is about to be cleared (it deletes our items itself)."""
        self.items = {}
        self.display = FoldDisplay()

    def refresh_later(self) -> None:
        if self.folded:
            self._timer.start()

    def refresh(self) -> None:
        """Hide folded members, lay out what is shown compactly, re-anchor edges.

        While anything is folded, the visible items sit at a compact layout of the folded
        graph (display only: the graph's positions stay as they are, and nodes cannot be
        dragged until everything is unfolded again).
        """
        self._timer.stop()
        scene = self.scene
        display = fold_display(scene.graph, self.folded, scene.direction, self._aspect())
        with scene.looks_as_one_area():
            self._apply(display)

    def _apply(self, display: FoldDisplay) -> None:
        scene = self.scene
        changed = display.hidden != self.display.hidden
        self.display, self.folded = display, set(display.folded)
        for name, item in scene.nodes.items():
            item.set_shown(name not in display.hidden)
        for group in list(self.items):
            if group not in display.folded:
                scene.removeItem(self.items.pop(group))
        for group in display.folded:
            self._place_fold(group, display.members[group], display.titles[group])
        if display.folded:
            self._move_to(display.positions)
        elif changed:
            self._restore_positions()
        if changed or display.folded:
            scene.place_all_edges()

    def _aspect(self) -> float:
        views = self.scene.views()
        size = views[0].viewport().size() if views else None
        return min(4.0, max(0.8, size.width() / max(1, size.height()))) if size else 1.6

    def _move_to(self, positions: dict[str, tuple[float, float]]) -> None:
        for name, (x, y) in positions.items():
            item = self.items.get(name) if name in self.display.folded else self.scene.nodes.get(name)
            if item is not None:
                item.setFlag(item.GraphicsItemFlag.ItemIsMovable, False)
                if isinstance(item, NodeItem):
                    item.move_to(x, y)
                else:
                    item.setPos(x, y)

    def _restore_positions(self) -> None:
        for name, item in self.scene.nodes.items():
            if name in self.scene.graph:
                item.move_to(*self.scene.graph.node(name).position)
                item.setFlag(item.GraphicsItemFlag.ItemIsMovable, True)

    @property
    def active(self) -> bool:
        """Whether items show a folded display (their positions are not the graph's)."""
        return bool(self.folded)

    def _place_fold(self, group: str, members: list[Node], title: str) -> None:
        scene = self.scene
        analysis = scene.document.analysis()
        params = macs = 0
        for node in members:
            result = analysis.nodes.get(node.name)
            if result:
                params, macs = params + result.cost.params, macs + result.cost.macs
        last = members[-1].name
        detail = (
            f"\u2192 {shape_text(analysis.output_shape(last)) or '?'}\n{fmt_cost(params, macs)}"
        )
        item = self.items.get(group)
        if item is None or (item.title, item.detail, item.direction) != (
            title,
            detail,
            scene.direction,
        ):
            if item is not None:
                scene.removeItem(item)
            item = self.items[group] = FoldItem(group, title, detail, scene.direction)
            scene.addItem(item)
