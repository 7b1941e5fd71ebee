"""Primitives of the CNNs after ResNet: MobileNet, EfficientNet, RegNet, ShuffleNet.

ReLU6 and the hard sigmoid (MobileNet), the squeeze-and-excitation gate's broadcast
multiply, stochastic depth (EfficientNet: identity in eval) and ShuffleNet's channel shuffle
and split. Each rule is PyTorch's: the registry-wide tests run them against real tensors.
"""

from __future__ import annotations

from convnet_studio.graph.blocks.arith import feature_map, fmt_shape, numel
from convnet_studio.graph.blocks.layers import ELEMENTWISE_DOC, FREE_DOC
from convnet_studio.graph.params import choice_param, float_param, int_param
from convnet_studio.graph.registry import BlockSpec, Params, Shape, ShapeError, register_block

ACTIVATION = "Normalization & activation"
CATEGORY = "Mobile & attention"


def _none(p: Params, ins, outs) -> tuple[int, int]:
    return 0, 0


def _same(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    return (ins[0],)


for _type, _doc in {
    "ReLU6": "min(max(0, x), 6): MobileNetV2's activation, bounded for low-precision inference.",
    "Hardsigmoid": "relu6(x + 3) / 6: MobileNetV3's cheap sigmoid, the gate of its SE blocks.",
}.items():
    register_block(
        BlockSpec(type=_type, category=ACTIVATION, description=_doc, shape=_same, cost=_none,
                  shape_doc=ELEMENTWISE_DOC, cost_doc=FREE_DOC, default_name=_type.lower())
    )


def _mul_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    a, b = ins
    if a == b:
        return (a,)
    big, small, port = (a, b, "in1") if numel(a) >= numel(b) else (b, a, "in0")
    if len(small) != len(big) or any(s not in (1, t) for s, t in zip(small, big)):
        raise ShapeError(
            f"cannot multiply {fmt_shape(a)} (in0) by {fmt_shape(b)} (in1): the gate must have "
            "the same shape or C x 1 x 1 with the same C",
            port,
        )
    return (big,)


def _mul_cost(p: Params, ins, outs) -> tuple[int, int]:
    # One multiply per output element; counted as 0 MACs as torchvision's (fvcore-style)
    # metadata does for element-wise ops, so totals equal its published GFLOPS.
    return 0, 0


register_block(
    BlockSpec(
        type="Mul",
        category=CATEGORY,
        description="Element-wise product, broadcasting a C x 1 x 1 gate over C x H x W: the "
        "squeeze-and-excitation scale.",
        inputs=("in0", "in1"),
        shape=_mul_shape,
        cost=_mul_cost,
        shape_doc=(
            "Both inputs have the same shape, or one is C x 1 x 1 with the other's C (a "
            "squeeze-and-excitation gate); the output has the larger shape."
        ),
        cost_doc="No parameters; MACs counted as 0 (element-wise, as torchvision's metadata counts).",
        default_name="mul",
    )
)

register_block(
    BlockSpec(
        type="StochasticDepth",
        category=CATEGORY,
        description="Drops the residual branch for a random sample (row) or batch with "
        "probability p while training; the identity in eval (EfficientNet, ConvNeXt).",
        params=(
            float_param("p", 0.2, "drop probability", minimum=0.0, maximum=1.0),
            choice_param("mode", "row", ("row", "batch"), "row: per sample; batch: the whole batch"),
        ),
        shape=_same,
        cost=_none,
        shape_doc=ELEMENTWISE_DOC,
        cost_doc="None (the identity in eval).",
        label=lambda p: f"p={p['p']:g}, {p['mode']}",
        default_name="stochastic_depth",
    )
)


def _shuffle_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    c, _, _ = feature_map(ins[0], "ChannelShuffle")
    if c % p["groups"]:
        raise ShapeError(f"{c} channels do not divide into {p['groups']} groups", port="in")
    return (ins[0],)


register_block(
    BlockSpec(
        type="ChannelShuffle",
        category=CATEGORY,
        description="Interleaves the channels of g groups (ShuffleNet), so that grouped convs "
        "see every group's features.",
        params=(int_param("groups", 2, "channel groups", minimum=1),),
        shape=_shuffle_shape,
        cost=_none,
        shape_doc="Same shape as its input; the channels must divide by groups.",
        cost_doc=FREE_DOC,
        label=lambda p: f"g{p['groups']}",
        default_name="shuffle",
    )
)


def split_range(channels: int, chunks: int, index: int) -> tuple[int, int]:
    """Channels [start, end) of ``x.chunk(chunks, dim=1)[index]``, as torch.chunk sizes them."""
    size = -(-channels // chunks)
    start = index * size
    return start, min(channels, start + size)


def _split_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    c, h, w = feature_map(ins[0], "ChannelSplit")
    start, end = split_range(c, p["chunks"], p["index"])
    if start >= end:
        raise ShapeError(
            f"chunk {p['index']} of {c} channels in {p['chunks']} chunks is empty", port="in"
        )
    return ((end - start, h, w),)


register_block(
    BlockSpec(
        type="ChannelSplit",
        category=CATEGORY,
        description="One chunk of the channels, as x.chunk(chunks, dim=1)[index] (ShuffleNet's split).",
        params=(
            int_param("chunks", 2, "number of chunks", minimum=1),
            int_param("index", 0, "which chunk (0 is the first)", minimum=0),
        ),
        shape=_split_shape,
        cost=_none,
        shape_doc=(
            "Chunk index of x.chunk(chunks, dim=1): chunks of ceil(C / chunks) channels, the "
            "last one smaller; H and W unchanged."
        ),
        cost_doc=FREE_DOC,
        label=lambda p: f"{p['index'] + 1} of {p['chunks']}",
        default_name="split",
    )
)
