"""Node names by coarse column and row of their position, for the lookups an edit makes.

An expand or a projection makes room for its new nodes by moving what lies in their band
across the flow (``layout.free_spot``); finding that band by walking every node was the one
part of an expand that grew with the graph. The graph keeps this index as nodes come, go
and move.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

CELL = 256.0  # scene units: a node is 200 x 100, so a band of one row spans one or two cells
Position = tuple[float, float]


class PositionIndex:
    """Names by ``int(x // CELL)`` (axis 0) and ``int(y // CELL)`` (axis 1)."""

    def __init__(self) -> None:
        self._cells: tuple[dict[int, set[str]], dict[int, set[str]]] = ({}, {})

    @classmethod
    def of(cls, places: Iterable[tuple[str, Position]]) -> PositionIndex:
        """An index of ``(name, position)`` pairs."""
        index = cls()
        xs, ys = index._cells
        for name, (x, y) in places:
            xs.setdefault(int(x // CELL), set()).add(name)
            ys.setdefault(int(y // CELL), set()).add(name)
        return index

    def add(self, name: str, position: Position) -> None:
        for axis, cells in enumerate(self._cells):
            cells.setdefault(int(position[axis] // CELL), set()).add(name)

    def remove(self, name: str, position: Position) -> None:
        for axis in (0, 1):
            self._take(axis, name, int(position[axis] // CELL))

    def move(self, name: str, old: Position, new: Position) -> None:
        for axis, cells in enumerate(self._cells):
            before, after = int(old[axis] // CELL), int(new[axis] // CELL)
            if before != after:
                self._take(axis, name, before)
                cells.setdefault(after, set()).add(name)

    def _take(self, axis: int, name: str, key: int) -> None:
        cells = self._cells[axis]
        names = cells.get(key)
        if names is None or name not in names:
            # Not where its position says: a script set ``node.position`` itself. Found by a
            # walk, once, so the index stays whole (free_spot only asks it for candidates).
            key = next((k for k, members in cells.items() if name in members), None)
            if key is None:
                return
            names = cells[key]
        names.discard(name)
        if not names:
            del cells[key]

    def rename(self, old: str, new: str, position: Position) -> None:
        self.remove(old, position)
        self.add(new, position)

    def between(self, axis: int, low: float, high: float) -> Iterator[str]:
        """The names whose coordinate on ``axis`` may lie in ``[low, high]`` (a superset: whole
        cells); the caller checks the positions."""
        cells = self._cells[axis]
        first, last = int(low // CELL), int(high // CELL)
        if last - first + 1 > len(cells):  # a band wider than the graph: every cell
            keys = [key for key in cells if first <= key <= last]
        else:
            keys = [key for key in range(first, last + 1) if key in cells]
        for key in keys:
            yield from cells[key]
