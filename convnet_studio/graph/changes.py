"""What changed in a graph since its last analysis, so the next analysis visits only that."""

from __future__ import annotations


class ChangeSet:
    """What changed since the last analysis: which nodes' own inputs or parameters, whether
    the structure (order) changed, renames, removals; ``full`` after a reset."""

    def __init__(self) -> None:
        self.clear()
        self.full = True

    def clear(self) -> None:
        self.full = False
        self.structural = False
        self.nodes: set[str] = set()
        self.gone: set[str] = set()
        self.renames: list[tuple[str, str]] = []

    def touched(self, name: str, structural: bool = False) -> None:
        self.nodes.add(name)
        self.structural = self.structural or structural

    def removed(self, name: str) -> None:
        self.nodes.discard(name)
        self.gone.add(name)
        self.structural = True

    def renamed(self, old: str, new: str, successors: list[str]) -> None:
        self.renames.append((old, new))
        self.nodes.discard(old)
        self.nodes.add(new)
        self.nodes.update(successors)  # their problems may name the source
        # The node keeps its place, so the order is the old one with the new name.

    def reset(self) -> None:
        self.full = True
