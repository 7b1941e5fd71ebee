"""What changed in a graph since its last analysis, so the next analysis visits only that."""

from __future__ import annotations

ENDS = ("Input", "Output")  # types whose coming or going changes graph-wide problems


class ChangeSet:
    """What changed since the last analysis: which nodes' own inputs or parameters, whether
    the structure (order) changed, renames, removals; ``full`` after a reset.

    For a structural change it also keeps where it happened (``added``, ``ends``: the nodes
    at either end of a connection made or removed, ``ends_changed``: an Input or Output came
    or went), so the order and the dead branches are worked out again only there.
    """

    def __init__(self) -> None:
        self.clear()
        self.full = True

    def clear(self) -> None:
        self.full = False
        self.structural = False
        self.nodes: set[str] = set()
        self.gone: set[str] = set()
        self.renames: list[tuple[str, str]] = []
        self.added: set[str] = set()
        self.ends: set[str] = set()
        self.ends_changed = False

    def touched(self, name: str) -> None:
        """``name``'s parameters changed."""
        self.nodes.add(name)

    def node_added(self, name: str, type_name: str) -> None:
        self.nodes.add(name)
        self.added.add(name)
        self.structural = True
        self.ends_changed = self.ends_changed or type_name in ENDS

    def edge_changed(self, src: str, dst: str) -> None:
        """A connection from ``src`` to ``dst`` was made or removed."""
        self.nodes.add(dst)
        self.ends.update((src, dst))
        self.structural = True

    def removed(self, name: str, type_name: str) -> None:
        self.nodes.discard(name)
        self.added.discard(name)
        self.gone.add(name)
        self.structural = True
        self.ends_changed = self.ends_changed or type_name in ENDS

    def renamed(self, old: str, new: str, successors: list[str]) -> None:
        self.renames.append((old, new))
        self.nodes.discard(old)
        self.nodes.add(new)
        self.nodes.update(successors)  # their problems may name the source
        # The node keeps its place, so the order is the old one with the new name.

    def reset(self) -> None:
        self.full = True
