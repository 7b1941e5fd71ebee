"""Random edit sequences through the undo stack; undoing them all gives the exact original graph."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convnet_studio.ui.commands import MoveNodesCommand, RenameCommand

OPS = (
    "add",
    "connect",
    "disconnect",
    "params",
    "move",
    "delete",
    "rename",
    "duplicate",
    "layout",
    "expand",
    "paste",
)


def _apply(window, op: str, data) -> None:
    doc, editor = window.document, window.editor
    graph = doc.graph
    names = sorted(graph.nodes)
    if op == "add":
        type_name = data.draw(
            st.sampled_from(["ReLU", "Conv2d", "BatchNorm2d", "Add", "BasicBlock"])
        )
        editor.add_block(
            type_name, (data.draw(st.integers(-500, 500)), data.draw(st.integers(-500, 500)))
        )
    elif op == "connect" and names:
        src, dst = data.draw(st.sampled_from(names)), data.draw(st.sampled_from(names))
        ports = graph.node(dst).input_ports()
        if ports and graph.node(src).output_ports():
            from convnet_studio.graph.model import Edge

            edge = Edge(
                src, dst, graph.node(src).output_ports()[0], data.draw(st.sampled_from(list(ports)))
            )
            if graph.connection_problem(edge) is None:
                editor.connect(edge)
    elif op == "disconnect" and graph.edges:
        editor.disconnect([data.draw(st.sampled_from(graph.edges))])
    elif op == "params":
        convs = [n for n in names if graph.node(n).type == "Conv2d"]
        if convs:
            editor.set_params(
                data.draw(st.sampled_from(convs)), {"out_channels": data.draw(st.integers(1, 64))}
            )
    elif op == "move" and names:
        name = data.draw(st.sampled_from(names))
        old = graph.node(name).position
        doc.push(MoveNodesCommand(doc, {name: (old, (old[0] + 25.0, old[1] - 25.0))}))
    elif op == "delete" and names:
        editor.delete([data.draw(st.sampled_from(names))])
    elif op == "rename" and names:
        name = data.draw(st.sampled_from(names))
        new = f"renamed{len(names)}_{data.draw(st.integers(0, 9))}"
        if new not in graph and "." not in name:
            doc.push(RenameCommand(doc, name, new))
    elif op == "duplicate" and names:
        editor.duplicate([data.draw(st.sampled_from(names))])
    elif op == "expand":
        composites = [n for n in names if graph.node(n).type == "BasicBlock"]
        if composites:
            editor.expand(data.draw(st.sampled_from(composites)))
    elif op == "paste" and names:
        editor.copy([data.draw(st.sampled_from(names))])
        editor.paste()
    elif op == "layout":
        editor.auto_layout(data.draw(st.sampled_from(["LR", "TB"])))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_edits_then_undo_all_restore_the_original(make_window, canonical, data):
    window = make_window()
    doc = window.document
    original = canonical(doc.graph)
    for op in data.draw(st.lists(st.sampled_from(OPS), min_size=1, max_size=12)):
        _apply(window, op, data)
    final = canonical(doc.graph)
    doc.undo_stack.setIndex(0)
    assert canonical(doc.graph) == original
    assert set(window.scene.nodes) == set(doc.graph.nodes)
    assert {e for e in window.scene.edges} == set(doc.graph.edges)
    doc.undo_stack.setIndex(doc.undo_stack.count())
    assert canonical(doc.graph) == final
    assert set(window.scene.nodes) == set(doc.graph.nodes)
    window.close()
