"""The layout's crossing-reduction sweeps stop early only where the full six would change
nothing: the positions equal those of the plain algorithm on any graph."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from convnet_studio.graph import Graph
from convnet_studio.graph import layout as layout_module


def _reference_order_layers(layers: list[list], succ: dict, pred: dict) -> None:
    """Six alternating barycentre sweeps, every layer sorted every time (the textbook form)."""
    for sweep in range(layout_module._SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        for i in indices:
            fixed = layers[i - 1] if downward else layers[i + 1]
            rank = {name: j for j, name in enumerate(fixed)}
            neighbours = pred if downward else succ
            current = {name: j for j, name in enumerate(layers[i])}

            def barycentre(name, rank=rank, neighbours=neighbours, current=current):
                ranks = [rank[n] for n in neighbours[name] if n in rank]
                return sum(ranks) / len(ranks) if ranks else float(current[name])

            layers[i].sort(key=barycentre)


@st.composite
def dags(draw: st.DrawFn) -> Graph:
    g = Graph("dag")
    g.add("Input", "input", channels=4, height=8, width=8)
    names = ["input"]
    for i in range(draw(st.integers(1, 40))):
        if len(names) > 1 and draw(st.booleans()):
            a, b = draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
            names.append(g.add("Add", f"add{i}", [a, b]))
        else:
            names.append(g.add("ReLU", f"relu{i}", draw(st.sampled_from(names))))
    return g


@settings(max_examples=80, deadline=None)
@given(dags(), st.sampled_from(["LR", "TB"]), st.sampled_from([None, 3]))
def test_early_stopping_sweeps_give_the_plain_algorithms_positions(graph, direction, wrap) -> None:
    assert _layout(graph, direction, wrap) == _layout(graph, direction, wrap,
                                                      _order_layers=_reference_order_layers)


def _layout(graph, direction, wrap, **steps):
    """The layout's positions, with any of its steps replaced by ``steps`` (name -> function)."""
    real = {name: getattr(layout_module, name) for name in steps}
    for name, step in steps.items():
        setattr(layout_module, name, step)
    try:
        layout_module._LAST.clear()
        return layout_module.layered_layout(graph, direction, wrap)
    finally:
        for name, step in real.items():
            setattr(layout_module, name, step)
        layout_module._LAST.clear()


def _reference_place_layer(members, neighbours, offsets, gap, blend=1.0) -> None:
    """Each member at the lower median of its placed neighbours, pushed ``gap`` apart, the
    layer shifted back by its real members' mean displacement (no shortcuts)."""
    desired = []
    for j, name in enumerate(members):
        known = sorted(offsets[n] for n in neighbours[name] if n in offsets)
        fallback = 0.0 if len(members) == 1 else (j - (len(members) - 1) / 2) * gap
        target = known[(len(known) - 1) // 2] if known else fallback
        if name in offsets:
            target = offsets[name] * (1 - blend) + target * blend
        desired.append(target)
    placed: list[float] = []
    for target in desired:
        placed.append(target if not placed else max(target, placed[-1] + gap))
    real = [(d, p) for name, d, p in zip(members, desired, placed) if isinstance(name, str)] or list(
        zip(desired, placed))
    shift = sum(d - p for d, p in real) / len(real)
    for name, value in zip(members, placed):
        offsets[name] = value + shift


@settings(max_examples=80, deadline=None)
@given(dags(), st.sampled_from(["LR", "TB"]), st.sampled_from([None, 3]))
def test_placing_with_shortcuts_gives_the_plain_placements(graph, direction, wrap) -> None:
    assert _layout(graph, direction, wrap) == _layout(graph, direction, wrap,
                                                      _place_layer=_reference_place_layer)
