"""Folded display of repeated blocks, computed: a stage of 23 Bottlenecks as one box.

A node's fold group is ``node.group`` if set, else the part of its name before the first dot
(``layer3.5`` and ``layer3.5.conv1`` are both in ``layer3``). :func:`fold_display` turns
(graph, folded groups, direction) into what the canvas shows: which nodes are hidden, one
titled box per folded group, and a compact layout of the folded graph. It is a pure function
of its arguments; the canvas applies the result (``ui/canvas/folding.py``) and folding never
touches the graph or the undo stack.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from convnet_studio.graph.layout import layered_layout, wrap_for_aspect
from convnet_studio.graph.model import Graph, Node


def fold_group(node: Node) -> str | None:
    """The group ``node`` folds into, or ``None``."""
    if node.group:
        return node.group
    return node.name.split(".", 1)[0] if "." in node.name else None


def fold_groups(graph: Graph) -> dict[str, list[Node]]:
    """Foldable groups (two or more members), in graph order."""
    out: dict[str, list[Node]] = {}
    for node in graph:
        group = fold_group(node)
        if group:
            out.setdefault(group, []).append(node)
    return {g: m for g, m in out.items() if len(m) > 1}


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


@dataclass(frozen=True)
class FoldDisplay:
    """What a folded canvas shows.

    Attributes:
        folded: the groups folded (those asked for that exist, two members or more).
        hidden: node -> the folded group that hides it.
        members: folded group -> its nodes, in graph order.
        titles: folded group -> its box's title.
        positions: shown node or folded group -> its display position; empty when nothing is
            folded (every item then sits at its node's own position).
    """

    folded: frozenset[str] = frozenset()
    hidden: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[Node]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)

    def edge_visible(self, src: str, dst: str) -> bool:
        """An edge inside one folded group is hidden with it."""
        group = self.hidden.get(src)
        return group is None or group != self.hidden.get(dst)


def fold_display(graph: Graph, folded: set[str], direction: str = "LR", aspect: float = 1.6) -> FoldDisplay:
    """Fold ``folded`` groups of ``graph``, laid out in ``direction`` for a view of ``aspect``."""
    groups = fold_groups(graph) if folded else {}
    shown = frozenset(folded) & set(groups)
    if not shown:
        return FoldDisplay()
    hidden = {node.name: group for group in shown for node in groups[group]}
    quotient = _Quotient(graph, hidden)
    wrap = wrap_for_aspect(quotient, aspect, direction) if direction == "LR" else None
    return FoldDisplay(
        folded=shown,
        hidden=hidden,
        members={group: groups[group] for group in shown},
        titles={group: fold_title(group, groups[group]) for group in shown},
        positions=layered_layout(quotient, direction, wrap),
    )


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
