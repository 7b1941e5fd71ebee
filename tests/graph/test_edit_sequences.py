"""Random edit sequences: the events always mirror the state, refused edits change nothing."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convnet_studio.graph import Edge, Graph, GraphError
from convnet_studio.graph.model import Node

TYPES = ["Conv2d", "ReLU", "BatchNorm2d", "Add", "Concat", "MaxPool2d", "Bottleneck"]
NAMES = ["a", "b", "c", "a.b", "a.c", "b.x.y", "layer1.0", "layer1.1", "conv1", "forward", "1bad"]
PARAMS = [{"out_channels": 8}, {"out_channels": 0}, {"num_inputs": 3}, {"kernel_size": [1, 3]},
          {"eps": 0.01}, {"planes": 4}, {"stride": 2}, {"nope": 1}]


class Shadow:
    """A graph rebuilt only from events: must always equal the real one."""

    def __init__(self, graph: Graph) -> None:
        self.nodes: dict[str, dict] = {n.name: n.to_dict() for n in graph}
        self.edges: set[Edge] = set(graph.edges)
        ev = graph.events
        ev.node_added.connect(lambda node: self.nodes.__setitem__(node.name, node.to_dict()))
        ev.node_removed.connect(lambda node: self.nodes.pop(node.name))
        # Not the set's bound methods: a rename replaces the set.
        ev.connected.connect(lambda edge: self.edges.add(edge))
        ev.disconnected.connect(lambda edge: self.edges.remove(edge))
        ev.params_changed.connect(lambda name, old, new: self.nodes[name].__setitem__("params", copy.deepcopy(new)))
        ev.node_moved.connect(lambda name, old, new: self.nodes[name].__setitem__("position", list(new)))
        ev.node_renamed.connect(self._renamed)

    def _renamed(self, old: str, new: str) -> None:
        self.nodes[new] = {**self.nodes.pop(old), "name": new}
        rename = {old: new}
        self.edges = {Edge(rename.get(e.src, e.src), rename.get(e.dst, e.dst), e.src_port, e.dst_port)
                      for e in self.edges}

    def canonical(self) -> tuple:
        return sorted(self.nodes.items()), sorted(map(str, self.edges))


def _canonical(graph: Graph) -> tuple:
    d = graph.to_dict()
    return sorted((n["name"], n) for n in d["nodes"]), sorted(map(str, graph.edges))


def _edit(graph: Graph, data: st.DataObject) -> None:
    names = sorted(graph.nodes) or ["a"]
    op = data.draw(st.sampled_from(["add", "add", "remove", "connect", "connect", "disconnect", "params", "rename",
                                    "move"]))
    pick = lambda: data.draw(st.sampled_from(names))  # noqa: E731
    if op == "add":
        graph.add_node(data.draw(st.sampled_from(TYPES)), data.draw(st.sampled_from(NAMES + [None])))
    elif op == "remove":
        graph.remove_node(pick())
    elif op == "connect":
        dst = pick()
        ports = graph.node(dst).input_ports() if dst in graph else ("in",)
        graph.connect(pick(), dst, dst_port=data.draw(st.sampled_from(list(ports) or ["in"])))
    elif op == "disconnect":
        edges = graph.edges
        graph.disconnect(data.draw(st.sampled_from(edges)) if edges else Edge("a", "b"))
    elif op == "params":
        graph.set_params(pick(), data.draw(st.sampled_from(PARAMS)))
    elif op == "rename":
        graph.rename_node(pick(), data.draw(st.sampled_from(NAMES)))
    else:
        graph.move_node(pick(), (data.draw(st.integers(-500, 500)), 3.5))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_events_mirror_state(data: st.DataObject) -> None:
    graph = Graph("fuzz")
    shadow = Shadow(graph)
    for _ in range(data.draw(st.integers(5, 40))):
        before, version = _canonical(graph), graph.version
        try:
            _edit(graph, data)
        except GraphError:
            assert _canonical(graph) == before and graph.version == version
        assert shadow.canonical() == _canonical(graph)
        _check_invariants(graph)
    Graph.from_dict(graph.to_dict())  # whatever the edits made still saves and loads


def _check_invariants(graph: Graph) -> None:
    names = set(graph.nodes)
    for name in names:
        assert not any(name.startswith(other + ".") for other in names), name
    seen = set()
    for edge in graph.edges:
        assert edge.dst_port in graph.node(edge.dst).input_ports()
        assert (edge.dst, edge.dst_port) not in seen
        seen.add((edge.dst, edge.dst_port))
    assert len(graph.topological_order()) == len(graph)  # acyclic
    ranks = graph.insertion_ranks  # rise with the insertion order, whatever the edits did
    assert sorted(ranks, key=ranks.__getitem__) == list(graph.nx_graph()._node)
    for node in graph:  # the grid of places finds every node where it is, and only there
        for axis in (0, 1):
            near = graph.names_near(axis, node.position[axis], node.position[axis])
            assert node.name in near
            assert all(abs(graph.node(n).position[axis] - node.position[axis]) < 256 for n in near)
    assert all(isinstance(n, Node) for n in graph)
    graph.analyze()  # never raises, whatever the graph


def test_an_update_names_its_base_and_the_nodes_it_revisited() -> None:
    from convnet_studio.presets import get_preset

    graph = get_preset("resnet20_cifar", input_size=32)
    first = graph.analyze()
    assert first.revisited is None  # a full pass
    graph.set_params("fc", out_features=7)
    update = graph.analyze()
    assert update.base_serial == first.serial and update.serial > first.serial
    assert update.revisited == {"fc", "output"}  # the Output's input changed with it
    assert all(update.nodes[n] is first.nodes[n] for n in update.nodes if n not in update.revisited)


def test_the_grid_of_places_survives_a_position_set_behind_the_graphs_back() -> None:
    """``node.position = ...`` from a script skips the graph; the next move still works and
    the grid then finds the node where it is."""
    graph = Graph("g")
    graph.add_node("ReLU", "a", position=(0.0, 0.0))
    graph.node("a").position = (5000.0, 5000.0)  # not through the graph
    graph.move_node("a", (9000.0, 100.0))
    assert graph.names_near(0, 9000.0, 9000.0) == ["a"] and graph.names_near(1, 100.0, 100.0) == ["a"]
    assert graph.names_near(0, 0.0, 5000.0) == []
    graph.remove_node("a")
    assert graph.names_near(0, -1e7, 1e7) == []
