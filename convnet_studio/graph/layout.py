"""Layered auto-layout (a small Sugiyama): layers by longest path, barycentre ordering.

Pure Python, no Qt: the editor, the renderer and the presets all use it. Positions are the
top-left corners of node boxes of :data:`NODE_SIZE`, in scene units, left to right ("LR",
data flows along x) or top to bottom ("TB"). Long edges (residual shortcuts) get virtual
nodes in the layers they cross, so the shortcut gets a lane of its own beside the main path
instead of running through the blocks it skips.
"""

from __future__ import annotations

import math
import weakref
from collections import defaultdict
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from convnet_studio.graph.model import Graph

NODE_SIZE = (190.0, 92.0)  # width, height of a node box on the canvas
# Distance between consecutive layers (along the data flow) and between neighbours in a layer.
LAYER_GAP = {"LR": 290.0, "TB": 150.0}
ROW_GAP = {"LR": 130.0, "TB": 230.0}
DIRECTIONS = ("LR", "TB")
_SWEEPS = 6

Positions = dict[str, tuple[float, float]]


def layered_layout(graph: Graph, direction: str = "LR", wrap: int | None = None) -> Positions:
    """Positions for every node of ``graph`` (name -> top-left ``(x, y)``).

    Args:
        graph: the graph to lay out (not changed).
        direction: ``"LR"`` (inputs on the left) or ``"TB"`` (inputs at the top).
        wrap: at most this many layers per row (column for "TB"); a deep network then reads
            like lines of text instead of one very long line. ``None``: no wrapping.

    Returns:
        ``{name: (x, y)}`` for every node; an empty dict for an empty graph.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    core = _core(graph, direction)
    if core is None:
        return {}
    layers, offsets = core
    per_row = max(1, wrap) if wrap else len(layers)
    band = _band_size(layers, offsets, direction)
    positions: Positions = {}
    for index, members in enumerate(layers):
        row, column = divmod(index, per_row)
        along = column * LAYER_GAP[direction]
        for name in members:
            if isinstance(name, str):
                across = offsets[name] + row * band
                positions[name] = (along, across) if direction == "LR" else (across, along)
    return positions


# The last layout's graph (weakly), (version, direction, size) and (layers, offsets): wrapping a preset
# asks for the same layout twice (once to measure it, once to apply it).
_LAST: dict[tuple, tuple] = {}


def _core(graph: Graph, direction: str) -> tuple | None:
    """Layers and cross-axis offsets, which do not depend on wrapping or positions."""
    version = getattr(graph, "version", None)  # None: a stand-in (the folded view's quotient)
    key = (version, direction, len(graph) if version is not None else 0)
    last = _LAST.get("graph")
    if key[0] is not None and last is not None and last() is graph and _LAST.get("key") == key:
        return _LAST["core"]
    order = _acyclic_order(graph)
    if not order:
        return None
    succ, pred = _adjacency(graph, order)
    layer = _longest_path_layers(order, pred)
    layers, succ, pred = _add_virtual_nodes(order, layer, succ, pred)
    _order_layers(layers, succ, pred)
    offsets = _assign_offsets(layers, pred, succ, ROW_GAP[direction])
    if key[0] is not None:
        _LAST.update(graph=weakref.ref(graph), key=key, core=(layers, offsets))
    return layers, offsets


def wrap_for_aspect(graph: Graph, aspect: float, direction: str = "LR") -> int | None:
    """The ``wrap`` whose layout best fills a view of ``aspect`` (width / height), or None.

    Returns None when the unwrapped layout already fits (or the graph is empty).
    """
    order = _acyclic_order(graph)
    if not order:
        return None
    depth = max(_longest_path_layers(order, _adjacency(graph, order)[1]).values()) + 1
    if depth <= 1:
        return None
    axis = 1 if direction == "LR" else 0
    cross = [p[axis] for p in layered_layout(graph, direction).values()]
    w = NODE_SIZE[0] if direction == "LR" else NODE_SIZE[1]
    across = max(cross) - min(cross) + NODE_SIZE[axis] + ROW_GAP[direction]
    target = aspect if direction == "LR" else 1.0 / aspect
    best, best_score = None, None
    for rows in range(1, depth + 1):
        per_row = -(-depth // rows)
        width = per_row * LAYER_GAP[direction] - (LAYER_GAP[direction] - w)
        score = abs(math.log(width / (rows * across)) - math.log(target))
        if best_score is None or score < best_score - 1e-9:
            best, best_score = (None if rows == 1 else per_row), score
    return best


def apply_layout(graph: Graph, direction: str = "LR", wrap: int | None = None) -> Positions:
    """Move every node of ``graph`` to its :func:`layered_layout` position; returns them."""
    positions = layered_layout(graph, direction, wrap)
    graph.move_nodes(positions)  # one event (and one undo record) for the whole layout
    return positions


# ------------------------------------------------------------------------------ steps
def _acyclic_order(graph: Graph) -> list[str]:
    """Nodes in topological order; a graph with a cycle falls back to insertion order."""
    try:
        return graph.topological_order()
    except nx.NetworkXUnfeasible:
        return list(graph.nodes)


def _adjacency(graph: Graph, order: list[str]) -> tuple[dict, dict]:
    rank = {name: i for i, name in enumerate(order)}
    succ: dict[object, list] = defaultdict(list)
    pred: dict[object, list] = defaultdict(list)
    for edge in graph.edges:
        # Edges against the order (only possible in a cyclic graph) are ignored for layering.
        if rank[edge.src] < rank[edge.dst] and edge.dst not in succ[edge.src]:
            succ[edge.src].append(edge.dst)
            pred[edge.dst].append(edge.src)
    return succ, pred


def _longest_path_layers(order: list[str], pred: dict) -> dict[str, int]:
    layer: dict[str, int] = {}
    for name in order:
        layer[name] = max((layer[p] + 1 for p in pred[name]), default=0)
    return layer


def _add_virtual_nodes(order: list[str], layer: dict[str, int], succ: dict, pred: dict):
    """Split edges longer than one layer with virtual nodes (tuples, never strings)."""
    layers: list[list] = [[] for _ in range(max(layer.values()) + 1)]
    for name in order:
        layers[layer[name]].append(name)
    new_succ: dict[object, list] = defaultdict(list)
    new_pred: dict[object, list] = defaultdict(list)
    for src in order:
        for dst in succ[src]:
            previous: object = src
            for step in range(layer[src] + 1, layer[dst]):
                virtual = ("v", src, dst, step)
                layers[step].append(virtual)
                new_succ[previous].append(virtual)
                new_pred[virtual].append(previous)
                previous = virtual
            new_succ[previous].append(dst)
            new_pred[dst].append(previous)
    return layers, new_succ, new_pred


def _order_layers(layers: list[list], succ: dict, pred: dict) -> None:
    """Reduce crossings with alternating barycentre sweeps (stable sorts keep ties in order).

    A sweep reads only the layers as the last one left them: once a downward and an upward
    sweep in a row move nothing, every later sweep would repeat them, so they are skipped
    (a ResNet settles after two; a layer of one node is never sorted).
    """
    still = 0
    for sweep in range(_SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        neighbours = pred if downward else succ
        moved = False
        for i in indices:
            members = layers[i]
            if len(members) < 2:
                continue
            fixed = layers[i - 1] if downward else layers[i + 1]
            rank = {name: j for j, name in enumerate(fixed)}
            keys = []
            for j, name in enumerate(members):
                linked = neighbours[name]
                if len(linked) == 1:  # most members: the barycentre of one is its rank
                    keys.append(rank.get(linked[0], j))
                else:
                    keys.append(_barycentre(name, rank, neighbours, j))
            if any(a > b for a, b in zip(keys, keys[1:])):
                order = sorted(range(len(members)), key=keys.__getitem__)  # stable, as list.sort
                layers[i] = [members[j] for j in order]
                moved = True
        still = 0 if moved else still + 1
        if still == 2:
            return


def _barycentre(name: object, rank: dict, neighbours: dict, position: int) -> float:
    ranks = [rank[n] for n in neighbours[name] if n in rank]
    return sum(ranks) / len(ranks) if ranks else float(position)




def _assign_offsets(layers: list[list], pred: dict, succ: dict, gap: float) -> dict[object, float]:
    """Cross-axis offsets: each node near its neighbours' mean, never closer than ``gap``.

    Two passes (from the inputs, then back from the outputs) let a branch's first node line up
    with the node it comes from, and a merge line up with the branches it joins.
    """
    offsets: dict[object, float] = {}
    for members in layers:
        _place_layer(members, pred, offsets, gap)
    for members in reversed(layers[:-1]):
        _place_layer(members, succ, offsets, gap, blend=0.5)
    _normalise(offsets, layers)
    return offsets


def _place_layer(
    members: list, neighbours: dict, offsets: dict, gap: float, blend: float = 1.0
) -> None:
    # Called for every layer twice: a deep net's 4,000 layers, most with one or two members
    # whose one neighbour is placed (the shortcuts' lanes), so those cases skip the sorts.
    if len(members) == 1:  # most layers of a deep chain: nothing to spread or shift
        name = members[0]
        target = _median_placed(neighbours[name], offsets, 0.0)
        offsets[name] = offsets[name] * (1 - blend) + target * blend if name in offsets else target
        return
    desired = []
    middle = (len(members) - 1) / 2
    for j, name in enumerate(members):
        # The lower median keeps a main path straight where a shortcut lane joins it.
        target = _median_placed(neighbours[name], offsets, None)
        if target is None:
            target = (j - middle) * gap
        if name in offsets:
            target = offsets[name] * (1 - blend) + target * blend
        desired.append(target)
    placed = [desired[0]]
    for target in desired[1:]:
        placed.append(max(target, placed[-1] + gap))
    if placed == desired:  # nothing pushed apart: no shift
        for name, value in zip(members, desired):
            offsets[name] = value
        return
    # Shift the layer back so the mean displacement of its real nodes is zero: virtual
    # nodes (shortcut lanes) give way, so the blocks stay in line.
    real = [
        (d, p) for name, d, p in zip(members, desired, placed) if isinstance(name, str)
    ] or list(zip(desired, placed))
    shift = sum(d - p for d, p in real) / len(real)
    for name, value in zip(members, placed):
        offsets[name] = value + shift


def _median_placed(names: list, offsets: dict, default: float | None) -> float | None:
    """The lower median of the placed ``names``' offsets (``default`` if none is placed)."""
    if len(names) == 1:
        return offsets.get(names[0], default)
    known = sorted(offsets[n] for n in names if n in offsets)
    return known[(len(known) - 1) // 2] if known else default


def _band_size(layers: list[list], offsets: dict, direction: str) -> float:
    """How far apart wrapped rows are: the widest cross extent plus a gap for the return edges."""
    real = [offsets[n] for members in layers for n in members if n in offsets]
    extent = (max(real) - min(real)) if real else 0.0
    size = NODE_SIZE[1] if direction == "LR" else NODE_SIZE[0]
    return extent + size + ROW_GAP[direction]


def _normalise(offsets: dict, layers: list[list]) -> None:
    """Snap to whole units and start the cross axis at zero."""
    real = [offsets[n] for members in layers for n in members if isinstance(n, str)]
    low = min(real) if real else 0.0
    for name, value in offsets.items():
        offsets[name] = float(round(value - low))


def free_spot(graph: Graph, fresh: set[str], direction: str = "LR") -> Positions:
    """Moves that clear the space the ``fresh`` nodes took, leaving every other node alone.

    The nodes in the way, and those after them along the data flow in the same band across
    it, step along the flow by as much as the fresh nodes need: the rest of that row keeps
    its shape, and nodes elsewhere (the user's own arrangement) stay where they are.

    Returns:
        ``{name: new position}`` for the nodes to move (empty if nothing is in the way).
    """
    if not fresh:
        return {}
    along = 0 if direction == "LR" else 1
    across = 1 - along
    gap = {0: LAYER_GAP["LR"] - NODE_SIZE[0], 1: LAYER_GAP["TB"] - NODE_SIZE[1]}[along]
    spots = [graph.node(n).position for n in fresh]
    low = [min(p[k] for p in spots) for k in (0, 1)]
    high = [max(p[k] for p in spots) + NODE_SIZE[k] for k in (0, 1)]
    # The others in the fresh nodes' band across the flow (from the graph's grid of places:
    # walking every node was the one part of an expand that grew with the graph).
    band_low, band_high = low[across] - NODE_SIZE[across], high[across]
    nodes = graph.nx_graph()._node
    band = [(name, p) for name in graph.names_near(across, band_low, band_high)
            if band_low < (p := nodes[name]["node"].position)[across] < band_high and name not in fresh]
    blocking = [p[along] for _, p in band if p[along] < high[along] + gap and p[along] + NODE_SIZE[along] > low[along]]
    if not blocking:
        return {}
    start = min(blocking)
    shift = high[along] + gap - start
    moves: Positions = {}
    for name, p in band:
        if p[along] >= start:
            moved = list(p)
            moved[along] += shift
            moves[name] = (moved[0], moved[1])
    return moves
