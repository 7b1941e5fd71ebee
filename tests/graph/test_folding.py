"""Folding as a computation: (graph, folded groups, direction) -> what the canvas shows."""

from __future__ import annotations

from convnet_studio.graph.folding import fold_display
from convnet_studio.presets import get_preset


def _resnet20():
    return get_preset("resnet20_cifar", input_size=32)


def test_nothing_folded_shows_every_node_where_it_is() -> None:
    display = fold_display(_resnet20(), set())
    assert display.folded == frozenset() and display.hidden == {} and display.positions == {}


def test_a_folded_stage_hides_its_members_behind_one_titled_box() -> None:
    graph = _resnet20()
    before = graph.to_dict()
    display = fold_display(graph, {"layer2", "no_such_group"})
    assert display.folded == {"layer2"}  # a group that does not exist is dropped
    assert display.titles == {"layer2": "layer2: BasicBlock x 3"}
    members = {n.name for n in graph if n.name.startswith("layer2.")}
    assert set(display.hidden) == members and set(display.hidden.values()) == {"layer2"}
    # Each shown node and the box get a place; hidden members do not.
    assert set(display.positions) == (set(graph.nodes) - members) | {"layer2"}
    assert not display.edge_visible("layer2.0", "layer2.1")
    assert display.edge_visible("layer1.2", "layer2.0")
    assert graph.to_dict() == before  # folding never touches the graph


def test_the_same_inputs_give_the_same_display() -> None:
    graph = _resnet20()
    a = fold_display(graph, {"layer1", "layer3"}, "TB", 1.0)
    b = fold_display(graph, {"layer3", "layer1"}, "TB", 1.0)
    assert a == b
    assert fold_display(graph, {"layer1"}, "LR").positions != fold_display(graph, {"layer1"}, "TB").positions
