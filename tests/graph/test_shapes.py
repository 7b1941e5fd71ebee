"""Shape inference with PyTorch's exact arithmetic: floor, ceil_mode, dilation, padding."""

from __future__ import annotations

import pytest

from convnet_studio.graph.blocks.arith import fmt_shape, pool_out, same_padding


def _out(make_chain, shape, type_name, **params):
    g = make_chain(shape, (type_name, params))
    a = g.analyze()
    assert a.ok, a.problems
    return a.output_shape("l0")


@pytest.mark.parametrize(
    ("shape", "params", "expected"),
    [
        ((3, 224, 224), dict(out_channels=64, kernel_size=7, stride=2, padding=3), (64, 112, 112)),
        ((3, 32, 32), dict(out_channels=8, kernel_size=3), (8, 30, 30)),  # no padding: -2
        ((3, 32, 32), dict(out_channels=8, kernel_size=3, stride=2), (8, 15, 15)),  # floor(29/2)+1
        ((3, 32, 32), dict(out_channels=8, kernel_size=3, dilation=2), (8, 28, 28)),  # span 5
        ((3, 32, 32), dict(out_channels=8, kernel_size=[1, 7], padding=[0, 3]), (8, 32, 32)),
        ((3, 17, 9), dict(out_channels=8, kernel_size=[3, 1], stride=[2, 1]), (8, 8, 9)),
        ((3, 17, 9), dict(out_channels=8, kernel_size=4, padding="same"), (8, 17, 9)),  # even kernel
        ((3, 17, 9), dict(out_channels=8, kernel_size=3, dilation=3, padding="same"), (8, 17, 9)),
        ((3, 17, 9), dict(out_channels=8, kernel_size=3, padding="valid"), (8, 15, 7)),
        ((8, 16, 16), dict(out_channels=16, kernel_size=3, padding=1, groups=4), (16, 16, 16)),
        ((8, 16, 16), dict(out_channels=8, kernel_size=3, padding=1, groups=8), (8, 16, 16)),  # depthwise
    ],
)
def test_conv_shapes(make_chain, shape, params, expected) -> None:
    assert _out(make_chain, shape, "Conv2d", **params) == expected


@pytest.mark.parametrize(
    ("size", "params", "expected"),
    [
        (112, dict(kernel_size=3, stride=2, padding=1), 56),  # ResNet's max-pool
        (112, dict(kernel_size=3, stride=2, ceil_mode=True), 56),  # GoogLeNet's: ceil(109/2)+1
        (111, dict(kernel_size=3, stride=2), 55),
        (111, dict(kernel_size=3, stride=2, ceil_mode=True), 55),
        (6, dict(kernel_size=3, stride=2), 2),
        (6, dict(kernel_size=3, stride=2, ceil_mode=True), 3),  # last window hangs over the edge
        # ceil gives 4 windows, but the 4th would start at 6 >= 5 + 1 (in the right padding),
        # so PyTorch drops it: 3.
        (5, dict(kernel_size=2, stride=2, padding=1, ceil_mode=True), 3),
        (5, dict(kernel_size=2, stride=2, padding=1), 3),
        (7, dict(kernel_size=3, stride=2, padding=1, dilation=2), 3),
        (14, dict(kernel_size=3, stride=1, padding=1, ceil_mode=True), 14),  # Inception branch4
        (7, dict(kernel_size=2), 3),  # stride 0 means "the kernel size"
    ],
)
def test_max_pool_shapes(make_chain, size, params, expected) -> None:
    assert _out(make_chain, (4, size, size), "MaxPool2d", **params) == (4, expected, expected)


def test_last_window_rule_directly() -> None:
    # span = 5 + 2 - 1 - 1 = 5; ceil(5/2) + 1 = 4; (4 - 1) * 2 = 6 >= 5 + 1: drop one.
    assert pool_out(5, 2, 2, 1, 1, True) == 3
    # span = 6 + 2 - 2 - 1 = 5 -> 4 windows; the 4th starts at 6 < 6 + 1: kept.
    assert pool_out(6, 2, 2, 1, 1, True) == 4


def test_avg_pool_non_square(make_chain) -> None:
    assert _out(make_chain, (4, 10, 9), "AvgPool2d", kernel_size=[3, 2], stride=[2, 3], ceil_mode=True) == (4, 5, 3)


def test_adaptive_and_global(make_chain) -> None:
    assert _out(make_chain, (4, 10, 9), "AdaptiveAvgPool2d", output_size=[7, 3]) == (4, 7, 3)
    assert _out(make_chain, (4, 10, 9), "GlobalAvgPool") == (4, 1, 1)


def test_flatten_linear(make_chain) -> None:
    g = make_chain((4, 5, 6), ("Flatten", {}), ("Linear", dict(out_features=7)))
    a = g.analyze()
    assert a.output_shape("l0") == (120,) and a.output_shape("l1") == (7,)
    assert a.nodes["l1"].cost.params == 120 * 7 + 7


def test_concat_and_add(make_chain) -> None:
    g = make_chain((4, 8, 8), ("ReLU", {}))
    g.add("Conv2d", "c", "l0", out_channels=6, kernel_size=3, padding=1)
    g.add("Concat", "cat", ["l0", "c"], num_inputs=2)
    g.add("Add", "sum", ["l0", "l0"])
    a = g.analyze()
    assert a.output_shape("cat") == (10, 8, 8) and a.output_shape("sum") == (4, 8, 8)


def test_same_padding_is_asymmetric_for_even_kernels() -> None:
    assert same_padding(4, 1) == (1, 2)
    assert same_padding(3, 2) == (2, 2)


def test_fmt_shape() -> None:
    assert fmt_shape((64, 56, 56)) == "64 x 56 x 56"
    assert fmt_shape(None) == "?"


def test_input_shape_override(make_chain) -> None:
    g = make_chain((3, 32, 32), ("Conv2d", dict(out_channels=8, kernel_size=3, stride=2, padding=1)))
    assert g.analyze((3, 64, 48)).output_shape("l0") == (8, 32, 24)
    assert g.analyze().output_shape("l0") == (8, 16, 16)


def test_repeated_layers_share_one_inference_and_never_a_wrong_one() -> None:
    """The shape rules' answers are cached by (block, parameters, input shapes): two equal
    layers on equal inputs share one; any difference gives the layer its own."""
    from convnet_studio.graph import Graph
    from convnet_studio.graph.analysis import _INFERRED, forget_inferred, infer_block
    from convnet_studio.graph.registry import get_block

    forget_inferred()
    g = Graph("repeats")
    x = g.add("Input", "input", channels=8, height=16, width=16)
    for i in range(4):
        x = g.add("Conv2d", f"same{i}", x, out_channels=8, kernel_size=3, padding=1)
    g.add("Conv2d", "strided", x, out_channels=8, kernel_size=3, padding=1, stride=2)
    g.add("Output", "output", "strided")
    a = g.analyze()
    assert a.output_shape("same3") == (8, 16, 16) and a.output_shape("strided") == (8, 8, 8)
    convs = [key for key in _INFERRED if key[0] == id(get_block("Conv2d"))]
    assert len(convs) == 2  # the four equal layers once, the strided one apart
    g.set_params("same3", {"out_channels": 4})
    assert g.analyze().output_shape("same3") == (4, 16, 16)
    spec = get_block("Conv2d")
    listed = dict(spec.resolve_params({"out_channels": 2, "kernel_size": 3}), kernel_size=[3, 3])
    assert infer_block(spec, listed, ((1, 5, 5),))[0] == ((2, 3, 3),)  # unhashable: not cached
