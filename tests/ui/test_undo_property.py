"""Random edit sequences through the undo stack; undoing them all gives the exact original graph.

After every undo the graph's JSON equals the one before that edit (node and edge order
included), the analysis equals a full one, and every node's face shows what a fresh analysis
says (the canvas followed the inverse events item by item).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convnet_studio.ui.canvas.scene import _problems_by_node
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
    "projection",
    "collapse",
    "splice",
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
    elif op == "projection":
        adds = [n for n in names if graph.node(n).type == "Add"]
        if adds:
            editor.insert_projection(data.draw(st.sampled_from(adds)), data.draw(st.sampled_from("AB")))
    elif op == "collapse":
        expanded = sorted({graph.node(n).meta["origin"]["name"] for n in names if "origin" in graph.node(n).meta})
        if expanded:
            editor.collapse(data.draw(st.sampled_from(expanded)))
    elif op == "splice" and graph.edges:
        edge = data.draw(st.sampled_from(graph.edges))
        editor.splice(data.draw(st.sampled_from(["ReLU", "BatchNorm2d", "Conv2d"])), (10.0, 10.0), edge)


def _faces_match_a_fresh_analysis(window) -> None:
    from convnet_studio.graph.analysis import analyze

    scene, graph = window.scene, window.document.graph
    window.document.flush()
    scene.flush_faces()
    fresh = analyze(graph, window.document.input_shape)
    assert graph.analyze(window.document.input_shape) == fresh
    problems = _problems_by_node(fresh)
    for name, item in scene.nodes.items():
        assert item.face == scene.node_face(graph.node(name), fresh, problems), name


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_edits_then_undo_all_restore_the_original(make_window, canonical, data):
    window = make_window(_start_graph())
    doc = window.document
    original = canonical(doc.graph)
    states = []
    for op in data.draw(st.lists(st.sampled_from(OPS), min_size=1, max_size=12)):
        before, count = doc.graph.to_dict(), doc.undo_stack.count()
        _apply(window, op, data)
        doc.flush()
        if doc.undo_stack.count() > count:
            states.append(before)
    final = canonical(doc.graph)
    for before in reversed(states):
        doc.undo_stack.undo()
        assert doc.graph.to_dict() == before
        _faces_match_a_fresh_analysis(window)
    assert canonical(doc.graph) == original
    assert set(window.scene.nodes) == set(doc.graph.nodes)
    assert {e for e in window.scene.edges} == set(doc.graph.edges)
    doc.undo_stack.setIndex(doc.undo_stack.count())
    assert canonical(doc.graph) == final
    assert set(window.scene.nodes) == set(doc.graph.nodes)
    _faces_match_a_fresh_analysis(window)
    window.close()


def _start_graph():
    """The small test graph plus an expanded block and a residual Add, so that collapse and
    projection have something to work on from the first step."""
    from convnet_studio.graph import Graph
    from convnet_studio.graph.composite_ops import expand_node

    g = Graph("small")
    x = g.add("Input", "input1", channels=3, height=32, width=32)
    c = g.add("Conv2d", "conv", inputs=x, out_channels=16, kernel_size=3, padding=1)
    r = g.add("ReLU", "relu", inputs=c)
    b = g.add("BasicBlock", "layer1.0", r, planes=16)
    g.add("Output", "output", inputs=b)
    g.add("Add", "add", [c, x])  # 16 vs 3 channels: a projection fixes it
    for i, name in enumerate(g.nodes):
        g.move_node(name, (i * 290.0, 0.0))
    expand_node(g, "layer1.0")
    return g
