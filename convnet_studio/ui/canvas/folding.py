"""Folded display of repeated blocks: a stage of 23 Bottlenecks as one box.

A node's fold group is ``node.group`` if set, else the part of its name before the first dot
(``layer3.5`` and ``layer3.5.conv1`` are both in ``layer3``). Folding is view state: it hides
items and re-anchors edges, and never touches the graph or the undo stack.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QPointF, QTimer

from convnet_studio.graph.model import Edge, Graph, Node
from convnet_studio.ui.canvas.fold_item import FoldItem
from convnet_studio.ui.format import fmt_cost, shape_text

if TYPE_CHECKING:
    from convnet_studio.ui.canvas.scene import GraphScene


def fold_group(node: Node) -> str | None:
    """The group ``node`` folds into, or ``None``."""
    if node.group:
        return node.group
    return node.name.split(".", 1)[0] if "." in node.name else None


def fold_title(group: str, members: list[Node]) -> str:
    """``"layer3: Bottleneck x 23"``: counts blocks (expanded ones by the block they came from)."""
    blocks: dict[str, str] = {}
    for node in members:
        origin = node.meta.get("origin") or {}
        blocks.setdefault(
            origin.get("name", node.name) if origin else node.name, origin.get("type", node.type)
        )
    types = Counter(blocks.values())
    kind, count = types.most_common(1)[0]
    if len(types) == 1:
        return f"{group}: {kind} x {count}"
    return f"{group}: {len(blocks)} blocks"


class FoldState:
    """Which groups are folded, and the :class:`FoldItem` standing for each."""

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self.folded: set[str] = set()
        self.items: dict[str, FoldItem] = {}
        self._hidden: dict[str, str] = {}  # node -> its folded group
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)

    def group_of(self, name: str) -> str | None:
        graph = self.scene.graph
        return fold_group(graph.node(name)) if name in graph else None

    def groups(self) -> dict[str, list[Node]]:
        """Foldable groups (two or more members), in graph order."""
        out: dict[str, list[Node]] = {}
        for node in self.scene.graph:
            group = fold_group(node)
            if group:
                out.setdefault(group, []).append(node)
        return {g: m for g, m in out.items() if len(m) > 1}

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
        group = self._hidden.get(name)
        return self.items[group].anchor(is_output) if group in self.items else None

    def hidden_group(self, name: str) -> str | None:
        """The folded group hiding node ``name``, if any."""
        return self._hidden.get(name)

    def edge_visible(self, edge: Edge) -> bool:
        group = self._hidden.get(edge.src)
        return group is None or group != self._hidden.get(edge.dst)

    def forget_items(self) -> None:
        """The scene is about to be cleared (it deletes our items itself)."""
        self.items = {}
        self._hidden = {}

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
        groups = self.groups() if self.folded or self.items else {}
        self.folded &= set(groups)
        hidden: dict[str, str] = {}
        for group in self.folded:
            for node in groups[group]:
                hidden[node.name] = group
        changed = hidden != self._hidden
        self._hidden = hidden
        for name, item in scene.nodes.items():
            item.setVisible(name not in hidden)
        for group in list(self.items):
            if group not in self.folded:
                scene.removeItem(self.items.pop(group))
        for group in self.folded:
            self._place_fold(group, groups[group])
        if self.folded:
            self._compact_layout()
        elif changed:
            self._restore_positions()
        if changed or self.folded:
            scene.place_all_edges()

    def _compact_layout(self) -> None:
        from convnet_studio.graph.layout import layered_layout, wrap_for_aspect

        scene = self.scene
        quotient = _Quotient(scene.graph, self._hidden)
        views = scene.views()
        size = views[0].viewport().size() if views else None
        aspect = min(4.0, max(0.8, size.width() / max(1, size.height()))) if size else 1.6
        wrap = (
            wrap_for_aspect(quotient, aspect, scene.direction) if scene.direction == "LR" else None
        )
        positions = layered_layout(quotient, scene.direction, wrap)
        for name, (x, y) in positions.items():
            item = self.items.get(name) if name in self.folded else scene.nodes.get(name)
            if item is not None:
                item.setFlag(item.GraphicsItemFlag.ItemIsMovable, False)
                item.setPos(x, y)

    def _restore_positions(self) -> None:
        for name, item in self.scene.nodes.items():
            if name in self.scene.graph:
                item.setPos(*self.scene.graph.node(name).position)
                item.setFlag(item.GraphicsItemFlag.ItemIsMovable, True)

    @property
    def active(self) -> bool:
        """Whether items show a folded display (their positions are not the graph's)."""
        return bool(self.folded)

    def _place_fold(self, group: str, members: list[Node]) -> None:
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
        title = fold_title(group, members)
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


class _QuotientEdge(NamedTuple):
    src: str
    dst: str


class _Quotient:
    """The graph with each folded group as one node (named after the group), for the layout.

    It offers what :func:`layered_layout` reads: ``nodes``, ``edges``, ``topological_order()``.
    """

    def __init__(self, graph: Graph, hidden: dict[str, str]) -> None:
        rep = {name: hidden.get(name, name) for name in graph.nodes}
        self._order = list(dict.fromkeys(rep[n] for n in graph.topological_order()))
        self.nodes = dict.fromkeys(self._order)
        edges = {(rep[e.src], rep[e.dst]) for e in graph.edges if rep[e.src] != rep[e.dst]}
        self.edges = [_QuotientEdge(a, b) for a, b in sorted(edges)]

    def topological_order(self) -> list[str]:
        return list(self._order)
