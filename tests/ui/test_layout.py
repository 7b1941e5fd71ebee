"""The layered auto-layout (pure Python): no overlaps, data flows one way, straight main path."""

from __future__ import annotations

import pytest

from convnet_studio.graph import Graph
from convnet_studio.graph.layout import NODE_SIZE, apply_layout, layered_layout


def _residual_chain(blocks: int = 3) -> Graph:
    g = Graph()
    x = g.add("Input", channels=3, height=32, width=32)
    x = g.add("Conv2d", inputs=x, out_channels=16, kernel_size=3, padding=1)
    for i in range(blocks):
        y = g.add("Conv2d", f"b{i}.conv1", inputs=x, out_channels=16, kernel_size=3, padding=1)
        y = g.add("ReLU", f"b{i}.relu", inputs=y)
        y = g.add("Conv2d", f"b{i}.conv2", inputs=y, out_channels=16, kernel_size=3, padding=1)
        x = g.add("Add", f"b{i}.add", inputs=[y, x])
    g.add("Output", inputs=x)
    return g


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_layout_has_no_overlaps_and_flows_forward(direction: str) -> None:
    g = _residual_chain()
    g.add("ReLU", "side", inputs="conv1")  # a branch that must not overlap the main path
    pos = layered_layout(g, direction)
    assert set(pos) == set(g.nodes)
    axis = 0 if direction == "LR" else 1
    for edge in g.edges:
        assert pos[edge.src][axis] < pos[edge.dst][axis]
    boxes = list(pos.values())
    w, h = NODE_SIZE
    for i, (x1, y1) in enumerate(boxes):
        for x2, y2 in boxes[i + 1 :]:
            assert abs(x1 - x2) >= w or abs(y1 - y2) >= h


def test_main_path_stays_straight() -> None:
    g = _residual_chain()
    pos = layered_layout(g, "LR")
    assert {pos[n][1] for n in ("input1", "b0.conv1", "b1.add", "output1")} == {0.0}


def test_apply_layout_moves_nodes_and_emits_one_event() -> None:
    g = _residual_chain(1)
    moved: list[dict] = []
    g.events.nodes_moved.connect(moved.append)
    positions = apply_layout(g, "TB")
    assert len(moved) == 1 and set(moved[0]) <= set(positions) and all(g.node(n).position == p for n, p in positions.items())
    assert layered_layout(Graph()) == {}
    with pytest.raises(ValueError):
        layered_layout(g, "RL")
