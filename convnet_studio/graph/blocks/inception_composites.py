"""Inception v3's modules as composite blocks: torchvision's ``inception.InceptionA`` ... ``E``.

Szegedy et al., "Rethinking the Inception Architecture for Computer Vision" (CVPR 2016,
arXiv:1512.00567). Every conv is a ConvBNReLU unit (torchvision's ``BasicConv2d``, BatchNorm
eps 0.001) named as torchvision names it (``branch1x1``, ``branch5x5_1``...), so a compiled
module has its state_dict keys (``branch5x5_1.conv.weight``, ``branch5x5_1.bn.running_var``).
The pools and concatenations are named as the importer names them when it traces the module
(``avg_pool2d``, ``cat``, ``cat_1``...). Each module's channel counts are fixed by the paper,
except the two torchvision passes as arguments (``pool_features``, ``channels_7x7``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convnet_studio.graph.blocks.builder import Ref, SubgraphBuilder
from convnet_studio.graph.params import ParamSpec, int_param
from convnet_studio.graph.registry import BlockSpec, Params, Subgraph, register_block

CATEGORY = "Inception"
# torchvision's BasicConv2d uses BatchNorm eps 0.001 (ported from TensorFlow's Inception v3).
BN_EPS = 1e-3
# A unit: (name, out_channels, kernel, padding, stride); kernel and padding may be [h, w].
Unit = tuple[Any, ...]
# The factorised 7x7 (and 3x3) convs: kernel and the padding that keeps H and W.
K1x7, K7x1 = ([1, 7], [0, 3]), ([7, 1], [3, 0])
K1x3, K3x1 = ([1, 3], [0, 1]), ([3, 1], [1, 0])


def _unit(b: SubgraphBuilder, x: Ref, name: str, out: int, kernel: Any = 1, padding: Any = 0,
          stride: int = 1) -> Ref:
    return b.add(name, "ConvBNReLU", x, out_channels=out, kernel_size=kernel, stride=stride,
                 padding=padding, bn_eps=BN_EPS)


def _chain(b: SubgraphBuilder, x: Ref, units: list[Unit]) -> Ref:
    for unit in units:
        x = _unit(b, x, *unit)
    return x


def _avg_pool(b: SubgraphBuilder, x: Ref) -> Ref:
    # 3x3/1 with padding 1, counting the padding (F.avg_pool2d's default).
    return b.add("avg_pool2d", "AvgPool2d", x, kernel_size=3, stride=1, padding=1)


def _max_pool(b: SubgraphBuilder, x: Ref) -> Ref:
    return b.add("max_pool2d", "MaxPool2d", x, kernel_size=3, stride=2)


def _concat(b: SubgraphBuilder, name: str, branches: list[Ref]) -> Ref:
    return b.add(name, "Concat", branches, num_inputs=len(branches))


def _finish(b: SubgraphBuilder, branches: list[Ref], name: str = "cat") -> Subgraph:
    b.output(_concat(b, name, branches))
    return b.build()


def _split_pair(b: SubgraphBuilder, x: Ref, name: str, out: int, cat: str) -> Ref:
    """InceptionE's expanded filter bank: a 1x3 and a 3x1 conv side by side, concatenated."""
    wide = _unit(b, x, f"{name}a", out, *K1x3)
    tall = _unit(b, x, f"{name}b", out, *K3x1)
    return _concat(b, cat, [wide, tall])


# ------------------------------------------------------------------------------- modules
def _expand_a(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    x = b.input()
    return _finish(b, [
        _chain(b, x, [("branch1x1", 64)]),
        _chain(b, x, [("branch5x5_1", 48), ("branch5x5_2", 64, 5, 2)]),
        _chain(b, x, [("branch3x3dbl_1", 64), ("branch3x3dbl_2", 96, 3, 1), ("branch3x3dbl_3", 96, 3, 1)]),
        _chain(b, _avg_pool(b, x), [("branch_pool", p["pool_features"])]),
    ])


def _expand_b(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    x = b.input()
    return _finish(b, [
        _chain(b, x, [("branch3x3", 384, 3, 0, 2)]),
        _chain(b, x, [("branch3x3dbl_1", 64), ("branch3x3dbl_2", 96, 3, 1), ("branch3x3dbl_3", 96, 3, 0, 2)]),
        _max_pool(b, x),
    ])


def _expand_c(p: Params, in_shapes) -> Subgraph:
    c7 = p["channels_7x7"]
    b = SubgraphBuilder()
    x = b.input()
    return _finish(b, [
        _chain(b, x, [("branch1x1", 192)]),
        _chain(b, x, [("branch7x7_1", c7), ("branch7x7_2", c7, *K1x7), ("branch7x7_3", 192, *K7x1)]),
        _chain(b, x, [("branch7x7dbl_1", c7), ("branch7x7dbl_2", c7, *K7x1), ("branch7x7dbl_3", c7, *K1x7),
                      ("branch7x7dbl_4", c7, *K7x1), ("branch7x7dbl_5", 192, *K1x7)]),
        _chain(b, _avg_pool(b, x), [("branch_pool", 192)]),
    ])


def _expand_d(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    x = b.input()
    return _finish(b, [
        _chain(b, x, [("branch3x3_1", 192), ("branch3x3_2", 320, 3, 0, 2)]),
        _chain(b, x, [("branch7x7x3_1", 192), ("branch7x7x3_2", 192, *K1x7), ("branch7x7x3_3", 192, *K7x1),
                      ("branch7x7x3_4", 192, 3, 0, 2)]),
        _max_pool(b, x),
    ])


def _expand_e(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    x = b.input()
    single = _unit(b, x, "branch1x1", 320)
    pair = _split_pair(b, _unit(b, x, "branch3x3_1", 384), "branch3x3_2", 384, "cat")
    double = _chain(b, x, [("branch3x3dbl_1", 448), ("branch3x3dbl_2", 384, 3, 1)])
    double = _split_pair(b, double, "branch3x3dbl_3", 384, "cat_1")
    pool = _unit(b, _avg_pool(b, x), "branch_pool", 192)
    return _finish(b, [single, pair, double, pool], "cat_2")


def _register(
    type_name: str,
    expand: Callable[[Params, Any], Subgraph],
    description: str,
    params: tuple[ParamSpec, ...] = (),
    label: Callable[[Params], str] | None = None,
) -> None:
    register_block(
        BlockSpec(type=type_name, category=CATEGORY, description=description, params=params,
                  expand=expand, label=label, default_name="mixed")
    )


_register(
    "InceptionA", _expand_a,
    "Inception v3 at 35 x 35: 1x1, 5x5, double 3x3 and average-pool branches, concatenated "
    "(224 + pool_features channels).",
    (int_param("pool_features", 32, "1x1 filters after the 3x3 average pool", minimum=1),),
    lambda p: f"pool {p['pool_features']}",
)
_register(
    "InceptionB", _expand_b,
    "Inception v3's grid reduction 35 -> 17: a 3x3/2 conv, a double 3x3 ending at stride 2 and "
    "a 3x3/2 max-pool, concatenated.",
    label=lambda p: "/2",
)
_register(
    "InceptionC", _expand_c,
    "Inception v3 at 17 x 17: 7x7 convs factorised into 1x7 and 7x1, channels_7x7 wide inside, "
    "768 channels out.",
    (int_param("channels_7x7", 128, "width of the factorised 7x7 convs (128, 160 or 192)", minimum=1),),
    lambda p: f"7x7: {p['channels_7x7']}",
)
_register(
    "InceptionD", _expand_d,
    "Inception v3's grid reduction 17 -> 8: 1x1 -> 3x3/2 and 1x1 -> 1x7 -> 7x1 -> 3x3/2 "
    "branches beside a 3x3/2 max-pool.",
    label=lambda p: "/2",
)
_register(
    "InceptionE", _expand_e,
    "Inception v3 at 8 x 8: 3x3 branches widened into parallel 1x3 and 3x1 convs (the expanded "
    "filter bank), 2048 channels out.",
    label=lambda p: "1x3 | 3x1",
)
