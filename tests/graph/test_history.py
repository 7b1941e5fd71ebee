"""Edits recorded as events and undone by their inverses; re-analysis equal to a full one."""

from __future__ import annotations

from analysis_checks import same_as_a_full_pass
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convnet_studio.graph import Edge, Graph, GraphError
from convnet_studio.graph.analysis import analyze
from convnet_studio.graph.composite_ops import collapse_group, expand_node
from convnet_studio.graph.history import recording, trial
from convnet_studio.graph.layout import apply_layout
from convnet_studio.graph.projection import insert_projection

OPS = ("add", "connect", "disconnect", "remove", "delete", "params", "move", "rename", "expand",
       "collapse", "projection", "layout", "meta", "group")


def _net() -> Graph:
    g = Graph("net")
    x = g.add("Input", "input", channels=8, height=8, width=8)
    y = g.add("BasicBlock", "layer1.0", x, planes=8)
    y = g.add("BasicBlock", "layer2.0", y, planes=16, stride=2, shortcut="B")
    z = g.add("Conv2d", "conv", y, out_channels=16, kernel_size=3, padding=1)
    a = g.add("Add", "add", [z, y])
    g.add("Output", "output", g.add("GlobalAvgPool", "pool", a))
    return g


def _edit(g: Graph, op: str, data) -> None:
    names = list(g.nodes)
    pick = lambda seq: data.draw(st.sampled_from(sorted(seq)))
    if not names and op != "add":  # deletions emptied the graph
        return
    if op == "add":
        g.add_node(pick(["ReLU", "Conv2d", "BasicBlock", "Add"]), position=(1.0, 2.0))
    elif op == "connect":
        src, dst = pick(names), pick(names)
        ports = g.node(dst).input_ports()
        if ports and g.node(src).output_ports():
            g.connect(src, dst, "out", pick(ports))
    elif op == "disconnect" and g.edges:
        g.disconnect(data.draw(st.sampled_from(g.edges)))
    elif op == "remove":
        g.remove_node(pick(names))
    elif op == "delete" and len(names) > 2:  # several nodes in one edit, as the editor deletes
        for name in data.draw(st.lists(st.sampled_from(names), min_size=2, max_size=len(names) - 1,
                                       unique=True)):
            g.remove_node(name)
    elif op == "params":
        convs = [n for n in names if g.node(n).type == "Conv2d"]
        if convs:
            g.set_params(pick(convs), out_channels=data.draw(st.integers(1, 32)))
    elif op == "move":
        g.move_node(pick(names), (data.draw(st.integers(-99, 99)), 5.0))
    elif op == "rename":
        g.rename_node(pick(names), f"r{data.draw(st.integers(0, 99))}")
    elif op == "expand":
        blocks = [n for n in names if g.node(n).spec.is_composite]
        if blocks:
            expand_node(g, pick(blocks))
    elif op == "collapse":
        groups = {g.node(n).meta["origin"]["name"] for n in names if "origin" in g.node(n).meta}
        if groups:
            collapse_group(g, pick(groups))
    elif op == "projection":
        adds = [n for n in names if g.node(n).type == "Add"]
        if adds:
            insert_projection(g, pick(adds), pick(["A", "B"]))
    elif op == "layout":
        apply_layout(g, pick(["LR", "TB"]))
    elif op == "meta":
        g.set_meta("layout_direction", pick(["LR", "TB"]))
    elif op == "group":
        g.set_node_group(pick(names), pick(["stage", "other"]))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_undo_gives_back_the_exact_graph_and_redo_the_edit(data) -> None:
    g = _net()
    records, states = [], [g.to_dict()]
    for op in data.draw(st.lists(st.sampled_from(OPS), min_size=1, max_size=10)):
        try:
            with recording(g) as record:
                _edit(g, op, data)
        except GraphError:
            assert g.to_dict() == states[-1]  # a refused edit is rolled back, exactly
            continue
        records.append(record)
        states.append(g.to_dict())
        same_as_a_full_pass(g)  # the incremental analysis equals a full one
    for record, before in zip(reversed(records), reversed(states[:-1])):
        record.undo(g)
        assert g.to_dict() == before  # node order and edge order included
        ranks = g.insertion_ranks
        assert sorted(ranks, key=ranks.__getitem__) == list(g.nodes)  # ties broken in order
        same_as_a_full_pass(g)
    for record, after in zip(records, states[1:]):
        record.redo(g)
        assert g.to_dict() == after
        same_as_a_full_pass(g)


def test_rename_keeps_the_place_in_the_order() -> None:
    g = _net()
    order = list(g.nodes)
    g.rename_node("conv", "conv_b")
    assert list(g.nodes) == [("conv_b" if n == "conv" else n) for n in order]
    assert [str(e) for e in g.in_edges("add")][0].startswith("conv_b")


def test_trial_edits_leave_nothing_behind() -> None:
    g = _net()
    before = g.to_dict()
    with trial(g):
        g.remove_node("conv")
        g.connect("layer2.0", "add", "out", "in0")
    assert g.to_dict() == before


def test_a_parameter_edit_visits_only_what_it_changes() -> None:
    g = _net()
    first = g.analyze()
    g.set_params("conv", kernel_size=1, padding=0)  # same output shape
    second = g.analyze()
    assert second == analyze(g)
    changed = {n for n in second.nodes if second.nodes[n] is not first.nodes[n]}
    assert changed == {"conv"}  # the Add downstream keeps its result object


def test_undo_takes_back_the_analysis_from_before() -> None:
    g = _net()
    before = g.analyze()
    with recording(g) as record:
        g.remove_node("layer1.0")
    g.analyze()
    record.undo(g)
    assert g.analyze() is before


def test_edge_places_survive_remove_and_undo() -> None:
    g = _net()
    g.connect("input", "conv", "out", "in") if g.input_edge("conv", "in") is None else None
    before = g.to_dict()
    with recording(g) as record:
        g.remove_node("layer2.0")
    record.undo(g)
    assert g.to_dict() == before
    assert Edge("layer2.0", "add", "out", "in1") in g.edges


def test_replace_by_taking_a_scratch_graph_keeps_its_analysis_and_stays_exact() -> None:
    from convnet_studio.presets import get_preset

    staged = get_preset("resnet20_cifar")
    analysis = staged.analyze()
    target = Graph("old")
    target.add("Input", "input", channels=1, height=4, width=4)
    target.replace_with(staged, take=True)
    assert target.analyze() is analysis  # taken over, not computed again
    assert target.analyze() == analyze(target)
    target.set_params("layer1.0", planes=32)  # later edits re-analyse from it incrementally
    assert target.analyze() == analyze(target)
    assert [n.name for n in target] == [n.name for n in staged]


def test_positions_that_the_canvas_cannot_draw_are_refused_naming_the_node() -> None:
    import pytest

    from convnet_studio.graph import GraphError

    g = Graph("g")
    g.add("Input", "input", channels=1, height=4, width=4)
    before = g.to_dict()
    for bad in [(float("nan"), 0.0), (0.0, float("inf")), (2e7, 0.0)]:
        with pytest.raises(GraphError, match=r"^input\.position: position .* must be finite"):
            g.move_node("input", bad)
        with pytest.raises(GraphError, match=r"^input\.position"):
            g.move_nodes({"input": bad})
        with pytest.raises(GraphError, match=r"^x\.position"):
            g.add_node("ReLU", "x", None, bad)
    assert g.to_dict() == before  # nothing half-done


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_autosave_encoder_always_writes_the_graph_as_it_is(data) -> None:
    """It keeps each node's JSON while the node is unchanged: after any edit, undo or redo
    its text must still read back as the graph."""
    import json

    from convnet_studio.graph.project_file import ProjectEncoder

    g, encoder = _net(), ProjectEncoder()
    assert json.loads(encoder.encode(g)) == g.to_dict()
    records = []
    for op in data.draw(st.lists(st.sampled_from((*OPS, "node_meta")), min_size=1, max_size=10)):
        try:
            with recording(g) as record:
                if op == "node_meta":
                    g.set_node_meta(data.draw(st.sampled_from(sorted(g.nodes))), "note",
                                    data.draw(st.sampled_from([None, "a", {"b": [1]}])))
                else:
                    _edit(g, op, data)
        except GraphError:
            continue
        records.append(record)
        assert json.loads(encoder.encode(g)) == g.to_dict()
    for record in reversed(records):
        record.undo(g)
        assert json.loads(encoder.encode(g)) == g.to_dict()
    for record in records:
        record.redo(g)
        assert json.loads(encoder.encode(g)) == g.to_dict()
