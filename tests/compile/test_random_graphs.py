"""Random valid graphs: the compiled module's real shape at every node equals the inferred one."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapecheck import check_graph

from convnet_studio.graph import Graph

_K = st.sampled_from([1, 2, 3, [1, 3], [3, 1], 5])


def _layer(draw, c: int):
    """A random single-input layer for a C-channel feature map: (type, params)."""
    kind = draw(st.sampled_from(["conv", "conv", "pool", "bn", "act", "composite"]))
    if kind == "conv":
        stride = draw(st.sampled_from([1, 1, 2, [2, 1]]))
        padding = draw(st.sampled_from(["same", "valid", 0, 1, [1, 0]] if stride == 1 else [0, 1, [0, 2]]))
        groups = draw(st.sampled_from([g for g in (1, 2, 4) if c % g == 0]))
        return "Conv2d", dict(out_channels=groups * draw(st.integers(1, 4)), kernel_size=draw(_K), stride=stride,
                              padding=padding, dilation=draw(st.sampled_from([1, 1, 2])), groups=groups,
                              bias=draw(st.booleans()))
    if kind == "pool":
        k = draw(st.sampled_from([2, 3]))
        return draw(st.sampled_from(["MaxPool2d", "AvgPool2d"])), dict(
            kernel_size=k, stride=draw(st.sampled_from([0, 1, 2])), padding=draw(st.integers(0, k // 2)),
            ceil_mode=draw(st.booleans()))
    if kind == "bn":
        return "BatchNorm2d", {}
    if kind == "act":
        return draw(st.sampled_from(["ReLU", "LeakyReLU", "GELU", "SiLU", "Sigmoid", "Tanh", "Hardswish",
                                     "Dropout", "Identity", "LocalResponseNorm"])), {}
    return draw(st.sampled_from([
        ("BasicBlock", dict(planes=draw(st.integers(2, 8)), stride=draw(st.sampled_from([1, 2])),
                            shortcut=draw(st.sampled_from(["B", "A", "C", "none"])))),
        ("Bottleneck", dict(planes=draw(st.integers(1, 4)), stride=draw(st.sampled_from([1, 2])))),
        ("ConvBNReLU", dict(out_channels=draw(st.integers(2, 8)))),
        ("InceptionModule", dict(ch1x1=2, ch3x3red=3, ch3x3=4, ch5x5red=2, ch5x5=3, pool_proj=2)),
        ("VGGStage", dict(channels=4, num_convs=draw(st.integers(1, 2)), batch_norm=draw(st.booleans()))),
    ]))


@st.composite
def valid_graphs(draw) -> Graph:
    g = Graph("random")
    size = draw(st.integers(6, 20))
    x = g.add("Input", "input", channels=draw(st.sampled_from([1, 3, 4])), height=size, width=size + draw(st.integers(0, 3)))
    maps = [x]  # nodes producing a C x H x W map
    for i in range(draw(st.integers(1, 8))):
        src = draw(st.sampled_from(maps))
        shape = g.analyze().output_shape(src)
        merge = draw(st.sampled_from([None, None, "Add", "Concat"]))
        if merge:
            mates = [m for m in maps if g.analyze().output_shape(m) == shape or
                     (merge == "Concat" and g.analyze().output_shape(m)[1:] == shape[1:])]
            name = g.add(merge, f"n{i}", [src, draw(st.sampled_from(mates))], num_inputs=2)
        else:
            type_name, params = _layer(draw, shape[0])
            name = g.add(type_name, f"n{i}", src, **params)
        if g.analyze().problems_for(name):
            g.remove_node(name)  # that layer does not fit here (e.g. the map is too small)
        else:
            maps.append(name)
    last = maps[-1]
    if draw(st.booleans()):
        last = g.add("Linear", "fc", g.add("Flatten", "flatten", last), out_features=3)
    g.add("Output", "output", last)
    return g


# Even 'same' kernels make PyTorch pad a copy (and say so): a cost, not a shape difference.
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_graphs())
def test_real_shapes_equal_inferred(graph: Graph) -> None:
    assert graph.analyze().ok, graph.analyze().problems
    check_graph(graph)


# The studio counts a conv's and a Linear's multiply-accumulates and nothing else (BatchNorm,
# pooling, activations and adds are 0), as PyTorch's flop counter does (2 FLOPs per MAC).
@pytest.mark.slow  # FlopCounterMode dispatches every op through Python: seconds for 20 graphs
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_graphs())
def test_macs_equal_pytorchs_flop_counter(graph: Graph) -> None:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from convnet_studio.compile import compile_graph

    analysis = graph.analyze()
    model = compile_graph(graph, init=False).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *analysis.input_shape))
    assert counter.get_total_flops() == 2 * analysis.total.macs
