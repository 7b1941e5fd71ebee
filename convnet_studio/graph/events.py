"""A tiny observer mechanism, so views can follow the model without the model knowing them."""

from __future__ import annotations

from typing import Any, Callable


class Signal:
    """A list of callbacks called in order with the emitted arguments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> None:
        if slot not in self._slots:
            self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any]) -> None:
        if slot in self._slots:
            self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        for slot in list(self._slots):
            slot(*args)

    def __repr__(self) -> str:
        return f"Signal({self.name!r}, {len(self._slots)} slots)"


class GraphEvents:
    """The events a :class:`~convnet_studio.graph.model.Graph` emits after each mutation.

    - ``node_added(node)``
    - ``node_removed(node)``  (the removed :class:`Node`, with its last state)
    - ``connected(edge)`` / ``disconnected(edge)``
    - ``params_changed(name, old_params, new_params)``
    - ``node_moved(name, old_position, new_position)``
    - ``nodes_moved(moves)``: many nodes at once (a layout), ``{name: (old, new)}``
    - ``node_renamed(old_name, new_name)``
    - ``meta_changed(key, old, new)``: a document fact such as ``layout_direction``
    - ``reset()``: the whole graph was replaced (e.g. loaded); views rebuild.
    - ``changed()``: after any of the above, once per mutation.
    """

    def __init__(self) -> None:
        self.node_added = Signal("node_added")
        self.node_removed = Signal("node_removed")
        self.connected = Signal("connected")
        self.disconnected = Signal("disconnected")
        self.params_changed = Signal("params_changed")
        self.node_moved = Signal("node_moved")
        self.node_renamed = Signal("node_renamed")
        self.nodes_moved = Signal("nodes_moved")
        self.meta_changed = Signal("meta_changed")
        self.reset = Signal("reset")
        self.changed = Signal("changed")
