"""Blocks with several inputs: the residual Add and the Inception Concat; and option A's shortcut."""

from __future__ import annotations

from convnet_studio.graph.blocks.arith import feature_map, fmt_shape
from convnet_studio.graph.params import int_param
from convnet_studio.graph.registry import BlockSpec, Params, Shape, ShapeError, register_block


def input_ports(p: Params) -> tuple[str, ...]:
    return tuple(f"in{i}" for i in range(p["num_inputs"]))


def _add_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    first = ins[0]
    for i, shape in enumerate(ins[1:], start=1):
        if shape == first:
            continue
        port = f"in{i}"
        if len(shape) != len(first):
            raise ShapeError(f"cannot add {fmt_shape(shape)} (in{i}) to {fmt_shape(first)} (in0)", port)
        if len(shape) == 3 and shape[0] != first[0] and shape[1:] != first[1:]:
            raise ShapeError(
                f"channel and spatial mismatch: in0 has {first[0]} channels at {first[1]}x{first[2]}, "
                f"{port} has {shape[0]} at {shape[1]}x{shape[2]}; a strided projection shortcut "
                "(1x1 conv) can match both",
                port,
            )
        if len(shape) == 3 and shape[0] != first[0]:
            raise ShapeError(
                f"channel mismatch: in0 has {first[0]} channels, {port} has {shape[0]}; "
                "a projection shortcut (1x1 conv) can match them",
                port,
            )
        if len(shape) == 3:
            raise ShapeError(
                f"spatial mismatch: in0 is {first[1]}x{first[2]}, {port} is {shape[1]}x{shape[2]}; "
                "a strided projection shortcut can match them",
                port,
            )
        raise ShapeError(f"size mismatch: in0 has {first[0]} features, {port} has {shape[0]}", port)
    return (first,)


register_block(
    BlockSpec(
        type="Add",
        category="Residual",
        description="Element-wise sum: the residual connection F(x) + x.",
        params=(int_param("num_inputs", 2, "number of inputs", minimum=2, maximum=16),),
        inputs=input_ports,
        shape=_add_shape,
        cost=lambda p, ins, outs: (0, 0),
        shape_doc=(
            "All inputs must have the same shape, which is the output's. Where they differ the studio"
            " offers a projection shortcut (a 1x1 conv + BatchNorm, or option A)."
        ),
        cost_doc="No parameters; MACs counted as 0.",
        default_name="add",
    )
)


def _concat_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    _, h, w = feature_map(ins[0], "Concat")
    channels = 0
    for i, shape in enumerate(ins):
        c, hi, wi = feature_map(shape, "Concat")
        if (hi, wi) != (h, w):
            raise ShapeError(
                f"spatial mismatch: in0 is {h}x{w}, in{i} is {hi}x{wi}; every branch must keep the "
                "same H and W (check padding and stride)",
                port=f"in{i}",
            )
        channels += c
    return ((channels, h, w),)


register_block(
    BlockSpec(
        type="Concat",
        category="Inception",
        description="Stacks its inputs along the channels (the end of an Inception module).",
        params=(int_param("num_inputs", 4, "number of inputs", minimum=2, maximum=64),),
        inputs=input_ports,
        shape=_concat_shape,
        cost=lambda p, ins, outs: (0, 0),
        shape_doc="Inputs must agree in H and W; output channels are the sum of the inputs' channels.",
        cost_doc="No parameters; MACs counted as 0.",
        default_name="cat",
    )
)


def _shortcut_a_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    c, h, w = feature_map(ins[0], "ShortcutA")
    if p["out_channels"] < c:
        raise ShapeError(
            f"option A can only add channels: input has {c}, out_channels is {p['out_channels']}",
            port="in",
        )
    s = p["stride"]
    return ((p["out_channels"], -(-h // s), -(-w // s)),)


register_block(
    BlockSpec(
        type="ShortcutA",
        category="Residual",
        description="The ResNet paper's option A shortcut: subsample by stride, zero-pad the new "
        "channels; no parameters.",
        params=(
            int_param("out_channels", 64, "channels after zero padding", minimum=1),
            int_param("stride", 2, "subsampling step", minimum=1),
        ),
        shape=_shortcut_a_shape,
        cost=lambda p, ins, outs: (0, 0),
        label=lambda p: f"pad to {p['out_channels']}, /{p['stride']}",
        shape_doc=(
            "out_channels x ceil(H / stride) x ceil(W / stride): subsample, then zero-pad the "
            "channels; out_channels must not be fewer than the input's."
        ),
        cost_doc="No parameters and no MACs: this is why option A is free.",
        default_name="shortcut",
    )
)

register_block(
    BlockSpec(
        type="Identity",
        category="Residual",
        description="Passes its input through unchanged (an explicit identity shortcut).",
        shape=lambda p, ins: (ins[0],),
        cost=lambda p, ins, outs: (0, 0),
        shape_doc="Same shape as its input.",
        cost_doc="None.",
        default_name="identity",
    )
)
