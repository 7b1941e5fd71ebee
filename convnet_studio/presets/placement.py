"""Canvas positions for a freshly built preset, left to right."""

from __future__ import annotations

from convnet_studio.graph.model import Graph

COLUMN = 220.0
ROW = 140.0


def place_nodes(graph: Graph) -> None:
    """Give every node a readable left-to-right position.

    Uses the editor's layered layout when the graph package has one; otherwise a grid: the
    column is the node's depth (longest path from the input), the row its rank in that
    column, so a chain is one line and parallel branches stack.
    """
    try:
        from convnet_studio.graph.layout import apply_layout
    except ImportError:
        apply_layout = None
    if apply_layout is not None:
        apply_layout(graph)
        return
    for name, (x, y) in grid_positions(graph).items():
        graph.move_node(name, (x, y))


def grid_positions(graph: Graph) -> dict[str, tuple[float, float]]:
    """Name -> (x, y) by topological depth and rank within the depth."""
    depth: dict[str, int] = {}
    rows: dict[int, int] = {}
    positions = {}
    for name in graph.topological_order():
        column = max((depth[e.src] + 1 for e in graph.in_edges(name)), default=0)
        depth[name] = column
        row = rows.get(column, 0)
        rows[column] = row + 1
        positions[name] = (column * COLUMN, row * ROW)
    return positions
