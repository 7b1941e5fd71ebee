"""The canvas scene: graphics items that follow the graph's events, never the reverse.

Overlay API (for the training UI, which colours nodes by gradient norm)::

    scene.set_node_overlay(name, QColor("#d33"), "|g| 3e-6")   # tint + text on the node
    scene.set_node_overlay(name, None, None)                   # remove it
    scene.clear_overlays()
    scene.set_overlay_legend("gradient norm", [(QColor, "1e-6"), (QColor, "1e-1")])
    scene.set_overlay_legend(None)                              # hide the legend

Overlays are keyed by node name and survive rebuilds (undo of a compound edit, loading).
The view draws the legend in the top-right corner of the viewport.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QPixmapCache
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from convnet_studio.graph.analysis import Analysis
from convnet_studio.graph.composite_ops import shortcut_kind
from convnet_studio.graph.events import Signal as PlainSignal
from convnet_studio.graph.model import Edge, Node
from convnet_studio.graph.registry import BlockSpec, get_block, has_block
from convnet_studio.ui.canvas.connect_drag import ConnectDrag
from convnet_studio.ui.canvas.deferred import BUDGET, Deferred
from convnet_studio.ui.canvas.edge_item import EdgeItem
from convnet_studio.ui.canvas.folding import FoldState
from convnet_studio.ui.canvas.index_room import IndexRoom
from convnet_studio.ui.canvas.node_item import NodeFace, NodeItem
from convnet_studio.ui.commands import MoveNodesCommand
from convnet_studio.ui.document import Document
from convnet_studio.ui.format import compact_shape, fmt_cost, shape_text

Legend = tuple[str, list[tuple[QColor, str]]]
# A residual block's shortcut as its face says it (the tooltip and inspector say it in full).
SHORT = {"identity": "identity", "projection": "1x1 proj.", "zero-padding": "zero-pad"}


class GraphScene(QGraphicsScene):
    """Items for every node and edge of ``document.graph``.

    ``editor`` makes the user's edits (the window creates it and hands it in; a scene on its
    own, as in the renderer, makes one). Messages for the status bar go to
    ``document.message``, the one channel (``scene.message`` is that signal).

    Signals:
        legend_changed(): the overlay legend changed (the view repaints its corner).
    """

    legend_changed = Signal()

    def __init__(self, document: Document, parent: Any = None, editor: Any = None) -> None:
        super().__init__(parent)
        self.document = document
        self.graph = document.graph
        self.direction = self.graph.meta.get("layout_direction", "LR")
        # Where an item's look changed, in scene units (see look.py): the overview follows it.
        self.look_changed = PlainSignal("look_changed")
        # Where a node's or edge's selection changed, while the overview picture is shown:
        # the selection is drawn over the picture (see overview.py), so only repainted.
        self.selection_look_changed = PlainSignal("selection_look_changed")
        self.look_wanted = False  # whether anything listens (the overview picture is shown)
        self.rebuilt = PlainSignal("rebuilt")  # every item was made again
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self.overlays: dict[str, tuple[QColor | None, str | None]] = {}
        self.legend: Legend | None = None
        self.folds = FoldState(self)
        self.index_room = IndexRoom(self)
        self.connect_drag = ConnectDrag(self)
        self._drag_pending: set[Edge] = set()  # edges of dragged nodes placed at the drop
        if editor is None:
            from convnet_studio.ui.editing import Editor

            editor = Editor(document)
        self.editor = editor
        self._syncing_selection = False
        # What the items show now, to update only what an analysis changes.
        self._last_results: dict[str, Any] = {}
        self._last_problems: dict[str, list[str]] = {}
        self._stale: set[str] = set()
        # Faces, moves and turns of off-screen items wait there and follow in slices.
        self.deferred = Deferred(self)
        # Item caches live in QPixmapCache; Qt's 10 MB default thrashes with 1000 cached items.
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), 192 * 1024))
        self._analysis: Analysis | None = None
        events = self.graph.events
        for event in (
            "node_added",
            "node_removed",
            "connected",
            "disconnected",
            "node_moved",
            "node_renamed",
            "params_changed",
            "nodes_moved",
            "meta_changed",
            "reset",
        ):
            getattr(events, event).connect(getattr(self, f"_on_{event}"))
        document.analysis_updated.connect(self._on_analysis_updated)
        document.selection_changed.connect(self._on_selection_changed)
        self._selected_items: set = set()  # as the last selectionChanged left them
        self.selectionChanged.connect(self._on_scene_selection_changed)
        self.rebuild()

    @property
    def message(self) -> Any:
        """The document's message signal: the status bar's one channel."""
        return self.document.message

    # ------------------------------------------------------------------ build
    def rebuild(self) -> None:
        """Drop every item and make them again from the graph (after ``reset``)."""
        self.look_wanted = False  # no item reports while they are all new: ``rebuilt`` says it
        self.connect_drag.cancel()
        self.folds.forget_items()
        self.clear()
        self.nodes, self.edges, self._selected_items = {}, {}, set()
        self.direction = self.graph.meta.get("layout_direction", self.direction)
        analysis = self.document.analysis()
        problems = _problems_by_node(analysis)
        self._analysis, self._last_results, self._last_problems = (
            analysis,
            dict(analysis.nodes),
            problems,
        )
        self._stale = set()
        self.deferred.reset()
        for node in self.graph:
            self._add_node_item(node, analysis, problems)
        for edge in self.graph.edges:
            self._add_edge_item(edge, analysis, problems)
        self.index_room.fit((n.position for n in self.graph),
                            len(self.edges) + sum(1 + len(item.ports) for item in self.nodes.values()))
        self.folds.refresh()
        self._on_selection_changed(self.document.selection)
        self.rebuilt.emit()

    def _add_node_item(self, node: Node, analysis: Analysis | None, problems: dict) -> NodeItem:
        item = NodeItem(node.name, self.node_face(node, analysis, problems), self.direction)
        item.setPos(*node.position)
        if node.name in self.overlays:
            item.set_overlay(*self.overlays[node.name])
        self.addItem(item)
        item.report_look()
        self.nodes[node.name] = item
        return item

    def _add_edge_item(self, edge: Edge, analysis: Analysis | None, problems: dict) -> EdgeItem:
        item = EdgeItem(edge)
        self.edges[edge] = item
        self.addItem(item)
        self._place_edge(item)
        self._update_edge_state(item, analysis, problems)
        return item

    def node_face(self, node: Node, analysis: Analysis | None, problems: dict) -> NodeFace:
        """What ``node``'s item shows, from the graph and the analysis."""
        spec = self._spec(node.type)
        result = analysis.nodes.get(node.name) if analysis else None
        in_ports = spec.input_ports(node.params) if spec else ()
        out_ports = spec.outputs if spec else ("out",)
        inputs = (
            tuple((p, result.inputs.get(p)) for p in in_ports)
            if result
            else tuple((p, None) for p in in_ports)
        )
        outputs = (
            tuple((p, result.outputs.get(p)) for p in out_ports)
            if result
            else tuple((p, None) for p in out_ports)
        )
        cost = result.cost if result else None
        out_shape = analysis.output_shape(node.name) if analysis else None
        label = spec.describe(node.params) if spec else "unknown block type"
        shortcut = ""
        if spec is not None and spec.is_composite:
            shortcut = shortcut_kind(node.type, node.params, tuple(s for _, s in inputs)) or ""
            if shortcut and shortcut != "none":  # short: the face has one line for it
                label = f"{label}, {SHORT.get(shortcut, shortcut)}"
        return NodeFace(
            type=node.type,
            category=spec.category if spec else "",
            label=label,
            shortcut=shortcut,
            shape=shape_text(out_shape),
            cost=fmt_cost(cost.params, cost.macs) if cost else "",
            inputs=inputs,
            outputs=outputs,
            problems=tuple(problems.get(node.name, ())),
            auto=node.meta.get("auto") == "projection",
            composite=bool(spec and spec.is_composite),
        )

    def _spec(self, type_name: str) -> BlockSpec | None:
        return get_block(type_name) if has_block(type_name) else None

    # ------------------------------------------------------------------ geometry
    def _place_edge(self, item: EdgeItem) -> None:
        edge = item.edge
        src, dst = self.nodes.get(edge.src), self.nodes.get(edge.dst)
        if src is None or dst is None:
            return
        p1 = self.folds.anchor(edge.src, True) or src.port_anchor(edge.src_port, True)
        p2 = self.folds.anchor(edge.dst, False) or dst.port_anchor(edge.dst_port, False)
        item.set_ends(p1, p2, self.direction)
        item.set_shown(self.folds.edge_visible(edge))

    def node_item_moved(self, item: NodeItem) -> None:
        """A node item moved (dragged, or following the model): its edges follow."""
        if self.deferred.moving:  # a batch move places each edge once afterwards
            return
        for edge in (
            self.graph.in_edges(item.name) + self.graph.out_edges(item.name)
            if item.name in self.graph
            else ()
        ):
            edge_item = self.edges.get(edge)
            if edge_item is not None:
                self._place_edge(edge_item)

    def visible_rect(self) -> QRectF:
        """The bounding box of what is shown (hidden members of folded groups excluded)."""
        return self.items_rect(visible_only=True)

    def items_rect(self, visible_only: bool = False) -> QRectF:
        """The bounding box of the nodes, edges and fold boxes (``itemsBoundingRect`` visits
        every port too and asks each item for its scene rectangle: 18,000 items in ResNet-1202).

        Node items all have one size and edges sit at the origin: positions and each edge's
        own bounds answer, in plain numbers.
        """
        self.deferred.flush()
        return self._items_box(visible_only)

    def _items_box(self, visible_only: bool = False) -> QRectF:
        """:meth:`items_rect` as the items stand, pending moves not applied first."""
        left = top = float("inf")
        right = bottom = float("-inf")
        for item in self.nodes.values():
            if visible_only and not item.isVisible():
                continue
            x, y = item.x(), item.y()
            left, top, right, bottom = min(left, x), min(top, y), max(right, x), max(bottom, y)
        rect = QRectF()
        if left <= right:
            box = NodeItem.box()
            rect = QRectF(left + box.left(), top + box.top(), right - left + box.width(), bottom - top + box.height())
        extra = [*self.edges.values(), *self.folds.items.values()]
        if self.connect_drag.temp is not None:
            extra.append(self.connect_drag.temp)
        for item in extra:
            if not visible_only or item.isVisible():
                rect = rect.united(item.sceneBoundingRect() if not isinstance(item, EdgeItem) else item.boundingRect())
        return rect

    @contextmanager
    def looks_as_one_area(self) -> Iterator[None]:
        """For a change of most items (fold all, a layout with all in view): the overview
        picture is told the one area the items cover, before and after, not each item's
        (77,000 reports for folding ResNet-1202: 0.8 s, and as much again to cluster them)."""
        if not self.look_wanted:
            yield
            return
        before = self._items_box()
        self.look_wanted = False
        try:
            yield
        finally:
            self.look_wanted = True
            self.look_changed.emit(before.united(self._items_box()))

    def place_all_edges(self) -> None:
        """Every edge on its ports; one hidden inside a folded group only hides (folding
        places them all again when it shows them: routing the hidden ones was most of
        folding ResNet-1202)."""
        for edge, item in self.edges.items():
            if self.folds.edge_visible(edge):
                self._place_edge(item)
            else:
                item.set_shown(False)

    def set_direction(self, direction: str) -> None:
        """Put ports on the left/right ("LR") or top/bottom ("TB") of the nodes.

        Items on screen turn now, the others in slices (as off-screen faces and moves do).
        """
        if direction == self.direction:
            return
        self.direction = direction
        shown = self.deferred.shown_rect()
        for name, item in self.nodes.items():
            if shown is None or shown.intersects(item.sceneBoundingRect()):
                item.set_direction(direction)
            else:
                self.deferred.turns.add(name)
        self.folds.refresh()
        self.deferred.later()

    # ------------------------------------------------------------------ overlays
    def set_node_overlay(self, name: str, color: QColor | None, text: str | None = None) -> None:
        """Tint node ``name`` with ``color`` and show ``text`` on it; ``None, None`` removes it."""
        if color is None and text is None:
            self.overlays.pop(name, None)
        else:
            self.overlays[name] = (color, text)
        item = self.nodes.get(name)
        if item is not None:
            item.set_overlay(color, text)

    def clear_overlays(self) -> None:
        for name in list(self.overlays):
            self.set_node_overlay(name, None, None)

    def set_overlay_legend(
        self, title: str | None, stops: list[tuple[QColor, str]] | None = None
    ) -> None:
        """Show a colour legend (``stops``: colour and label, low to high); ``None`` hides it."""
        self.legend = (title, list(stops or [])) if title is not None else None
        self.legend_changed.emit()

    # ------------------------------------------------------------------ folding
    def set_folded(self, group: str, folded: bool) -> None:
        self.folds.set_folded(group, folded)

    def fold_group_of(self, name: str) -> str | None:
        return self.folds.group_of(name)

    # ------------------------------------------------------------------ model events
    def _on_node_added(self, node: Node) -> None:
        self.index_room.include((node.position,))
        self._add_node_item(node, None, {})
        self._stale.add(node.name)
        self.folds.refresh_later()

    def _on_node_removed(self, node: Node) -> None:
        self.deferred.forget(node.name)
        item = self.nodes.pop(node.name, None)
        if item is not None:
            self._remove_item(item)
        self.folds.refresh_later()

    def _on_connected(self, edge: Edge) -> None:
        self._add_edge_item(edge, None, {})
        self._stale.update((edge.src, edge.dst))

    def _on_params_changed(self, name: str, old: Any, new: Any) -> None:
        self._stale.add(name)  # the label line shows parameters even where shapes stay

    def _on_disconnected(self, edge: Edge) -> None:
        item = self.edges.pop(edge, None)
        if item is not None:
            self._remove_item(item)

    def _remove_item(self, item: NodeItem | EdgeItem) -> None:
        """Take away the item of something the model dropped. A selected one leaves the
        selection, and the document knows (it drops deleted nodes itself): not news to send
        back, each time asking for the whole selection (quadratic in a big deletion)."""
        item.report_look()
        self._selected_items.discard(item)
        syncing, self._syncing_selection = self._syncing_selection, True
        try:
            self.removeItem(item)
        finally:
            self._syncing_selection = syncing

    def _on_node_moved(self, name: str, old: Any, new: Any) -> None:
        item = self.nodes.get(name)
        if self.folds.active:  # a folded display places items itself
            self.folds.refresh_later()
            return
        if item is not None and (item.pos().x(), item.pos().y()) != tuple(new):
            self.index_room.include((new,))
            item.move_to(*new)
            self.node_item_moved(item)

    def _on_nodes_moved(self, moves: dict) -> None:
        self.index_room.include(new for _old, new in moves.values())
        if self.folds.active:
            self.folds.refresh_later()
            return
        self.deferred.move(moves)

    def _on_meta_changed(self, key: str, old: Any, new: Any) -> None:
        if key == "layout_direction":
            self.set_direction(new or "LR")

    def _on_node_renamed(self, old: str, new: str) -> None:
        self.deferred.rename(old, new)
        item = self.nodes.pop(old, None)
        for edge in self.graph.in_edges(new) + self.graph.out_edges(new):  # under the old name
            gone = self.edges.pop(Edge(old if edge.src == new else edge.src, old if edge.dst == new else edge.dst,
                                       edge.src_port, edge.dst_port), None)
            if gone is not None:
                gone.report_look()
                self.removeItem(gone)
        if item is not None:
            item.set_name(new)
            self.nodes[new] = item
        for edge in self.graph.in_edges(new) + self.graph.out_edges(new):
            self._add_edge_item(edge, None, {})
        self._stale.add(new)
        if old in self.overlays:
            self.overlays[new] = self.overlays.pop(old)

    def _on_reset(self) -> None:
        self.rebuild()

    def _on_analysis_updated(self, analysis: Analysis) -> None:
        """Re-face only the nodes whose results, problems or parameters changed, and their edges."""
        problems = _problems_by_node(analysis)
        last, last_problems = self._last_results, self._last_problems
        changed = self._stale
        shown = self._analysis
        # An update from the analysis shown names the nodes it revisited; the others keep
        # their result objects. Otherwise every node's result is compared.
        if shown is not None and analysis.revisited is not None and analysis.base_serial == shown.serial:
            candidates = (n for n in analysis.revisited if n in analysis.nodes)
        else:
            candidates = iter(analysis.nodes)
        results = analysis.nodes
        for name in candidates:
            before, result = last.get(name), results[name]
            if before is not result and before != result:
                changed.add(name)
        changed.update(n for n in problems.keys() | last_problems.keys()
                       if last_problems.get(n) != problems.get(n))
        self._analysis, self._last_results, self._last_problems = (
            analysis,
            dict(analysis.nodes),
            problems,
        )
        self._stale = set()
        in_view, budget = self.deferred.in_view(), BUDGET
        for name in changed:
            if name not in self.nodes:
                continue
            if in_view is None or (budget > 0 and in_view(name)):
                self._reface(name)
                budget -= 1
            else:
                self.deferred.faces.add(name)
        self.deferred.later()
        if self.folds.folded:
            self.folds.refresh()

    def _reface(self, name: str) -> None:
        """Show the current analysis on ``name``'s item and its edges."""
        item = self.nodes.get(name)
        self.deferred.faces.discard(name)
        if item is None or name not in self.graph:
            return
        analysis, problems = self._analysis, self._last_problems
        face = self.node_face(self.graph.node(name), analysis, problems)
        before, known = item.face.shortcut, bool(item.face.inputs and item.face.inputs[0][1])
        item.set_face(face)
        if known and face.inputs[0][1] and before and face.shortcut and before != face.shortcut:
            self.document.message.emit(
                f"{name} now has a {face.shortcut} shortcut (its input is "
                f"{shape_text(face.inputs[0][1])}): its parameters and state_dict keys change"
            )
        for edge in self.graph.in_edges(name) + self.graph.out_edges(name):
            edge_item = self.edges.get(edge)
            if edge_item is not None:
                self._update_edge_state(edge_item, analysis, problems)

    def flush_faces(self) -> None:
        """Do every waiting redraw and move now (before fitting, rendering, tests)."""
        self.deferred.flush()

    def _update_edge_state(self, item: EdgeItem, analysis: Analysis | None, problems: dict) -> None:
        if analysis is None:
            return
        edge = item.edge
        result = analysis.nodes.get(edge.src)
        shape = result.outputs.get(edge.src_port) if result else None
        port_problems = (
            [p.message for p in analysis.problems_for(edge.dst) if p.port == edge.dst_port]
            if edge.dst in problems
            else []
        )
        item.set_state(compact_shape(shape), port_problems[0] if port_problems else None)

    # ------------------------------------------------------------------ selection
    def selected_names(self) -> list[str]:
        return [item.name for item in self.selectedItems() if isinstance(item, NodeItem)]

    def selected_edges(self) -> list[Edge]:
        return [item.edge for item in self.selectedItems() if isinstance(item, EdgeItem)]

    def _on_scene_selection_changed(self) -> None:
        if self._syncing_selection:  # one item of a programmatic selection: see below
            return
        self._report_selection_looks()
        self.document.set_selection(self.selected_names())

    def _report_selection_looks(self) -> None:
        # Selected items look different: report those that were or are now selected. A
        # node's or edge's selection is drawn over the overview picture, not in it.
        selected = set(self.selectedItems())
        for item in selected ^ self._selected_items:
            try:
                if not isinstance(item, (NodeItem, EdgeItem)):
                    item.report_look()
                elif self.look_wanted:
                    for area in item.look_areas():
                        self.selection_look_changed.emit(area)
            except RuntimeError:  # deleted with the scene's items (a rebuild)
                pass
        self._selected_items = selected

    def selected_items_by_kind(self) -> tuple[list[NodeItem], list[EdgeItem]]:
        """The selected node and edge items, as the last selection change left them."""
        nodes, edges = [], []
        for item in self._selected_items:
            if isinstance(item, NodeItem):
                nodes.append(item)
            elif isinstance(item, EdgeItem):
                edges.append(item)
        return nodes, edges

    def _on_selection_changed(self, names: list[str]) -> None:
        if set(names) == set(self.selected_names()):
            return
        # Qt reports each setSelected at once; handled one by one, selecting all 4,210
        # nodes of ResNet-1202 asked for the whole selection 4,210 times (2 s): the looks
        # are reported once, after the last.
        self._syncing_selection = True
        try:
            wanted = set(names)
            for item in self.selectedItems():
                if not isinstance(item, NodeItem) or item.name not in wanted:
                    item.setSelected(False)
            for name in names:
                if name in self.nodes:
                    self.nodes[name].setSelected(True)
        finally:
            self._syncing_selection = False
        self._report_selection_looks()

    # ------------------------------------------------------------------ mouse
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.connect_drag.press(event):
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.connect_drag.move(event):
            return
        before = [(item, item.pos()) for item in self._draggable()]
        super().mouseMoveEvent(event)
        moved = []
        for item, pos in before:  # Qt dragged them: report both places, move their edges
            if item.pos() != pos:
                item.report_look(NodeItem.box().translated(pos))
                item.report_look()
                moved.append(item)
        if moved:
            self._place_dragged_edges(moved)

    def _place_dragged_edges(self, moved: list[NodeItem]) -> None:
        """The edges of dragged nodes follow them: each once (an edge between two of them
        was placed twice), and while the drag goes on only those that are or were on screen;
        the rest at the drop. Dragging a stage of 500 nodes took 100 ms a mouse move."""
        edges: dict[Edge, None] = {}
        for item in moved:
            if item.name in self.graph:
                edges.update(dict.fromkeys(self.graph.in_edges(item.name)))
                edges.update(dict.fromkeys(self.graph.out_edges(item.name)))
        shown = self.deferred.shown_rect()
        for edge in edges:
            edge_item = self.edges.get(edge)
            if edge_item is None:
                continue
            ends = (self.nodes.get(edge.src), self.nodes.get(edge.dst))
            if shown is None or edge_item.boundingRect().intersects(shown) or any(
                    end is not None and shown.contains(end.pos()) for end in ends):
                self._place_edge(edge_item)
                self._drag_pending.discard(edge)
            else:
                self._drag_pending.add(edge)

    def _draggable(self) -> list[NodeItem]:
        """The node items a drag of the grabbed one moves (it, and the selection with it)."""
        grabber = self.mouseGrabberItem()
        if not isinstance(grabber, NodeItem):
            return []
        items = [item for item in self.selectedItems() if isinstance(item, NodeItem)]
        return items if grabber in items else [grabber]

    def contextMenuEvent(self, event: Any) -> None:
        from convnet_studio.ui.canvas.context_menu import show_context_menu

        show_context_menu(self, event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.connect_drag.release(event):
            return
        super().mouseReleaseEvent(event)
        self.commit_moves()

    def commit_moves(self) -> None:
        """After a drag, record where the items went as one undo step (push on release)."""
        pending, self._drag_pending = self._drag_pending, set()
        for edge in pending:  # off screen during the drag (see _place_dragged_edges)
            edge_item = self.edges.get(edge)
            if edge_item is not None:
                self._place_edge(edge_item)
        if self.folds.active:  # display positions, not the graph's: nothing was dragged
            return
        moves = {}
        for name, item in self.nodes.items():
            if name not in self.graph or name in self.deferred.moves:
                continue
            old = self.graph.node(name).position
            new = (round(item.pos().x(), 1), round(item.pos().y(), 1))
            if abs(old[0] - new[0]) > 0.05 or abs(old[1] - new[1]) > 0.05:
                moves[name] = (old, new)
        if moves:
            self.document.push(MoveNodesCommand(self.document, moves))

    def edge_at(self, pos: QPointF) -> Edge | None:
        """The visible connection under scene point ``pos`` (within its stroke), if any."""
        for item in self.items(pos):
            if isinstance(item, EdgeItem) and item.isVisible():
                return item.edge
            if isinstance(item, NodeItem):
                return None  # dropped on a node, not on the edge behind it
        return None


def _problems_by_node(analysis: Analysis | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in analysis.problems if analysis else ():
        if p.node:
            out.setdefault(p.node, []).append(f"[{p.port}] {p.message}" if p.port else p.message)
    for p in analysis.warnings if analysis else ():
        if p.node:
            out.setdefault(p.node, []).append(f"warning: {p.message}")
    return out
