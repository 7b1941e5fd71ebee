"""Max, average, adaptive and global pooling."""

from __future__ import annotations

from convnet_studio.graph.blocks.arith import CONV_SIZE_DOC, feature_map, spatial_out
from convnet_studio.graph.params import bool_param, pair, pair_param
from convnet_studio.graph.registry import BlockSpec, Params, Shape, ShapeError, register_block

CATEGORY = "Pooling"


def _stride(p: Params):
    # As in PyTorch, stride 0 (None there) means "the kernel size".
    return p["kernel_size"] if pair(p["stride"]) == (0, 0) else p["stride"]


def _pool_shape(what: str):
    def rule(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
        c, h, w = feature_map(ins[0], what)
        dilation = p.get("dilation", 1)
        oh, ow = spatial_out(what, (h, w), p["kernel_size"], _stride(p), p["padding"], dilation, p["ceil_mode"])
        return ((c, oh, ow),)

    return rule


def _pool_label(p: Params) -> str:
    k, s = pair(p["kernel_size"]), pair(_stride(p))
    text = f"{k[0]}x{k[1]}, /{s[0]}" if s[0] == s[1] else f"{k[0]}x{k[1]}, /{s[0]}x{s[1]}"
    return text + (", ceil" if p["ceil_mode"] else "")


_POOL_PARAMS = (
    pair_param("kernel_size", 2, "window size", minimum=1),
    pair_param("stride", 0, "step; 0 means the window size"),
    pair_param("padding", 0, "implicit padding on both sides"),
)

register_block(
    BlockSpec(
        type="MaxPool2d",
        category=CATEGORY,
        description="Maximum over each window: halves H and W with the default 2x2, stride 2.",
        params=_POOL_PARAMS
        + (
            pair_param("dilation", 1, "spacing between window taps", minimum=1),
            bool_param("ceil_mode", False, "round the output size up instead of down"),
        ),
        shape=_pool_shape("MaxPool2d"),
        cost=lambda p, ins, outs: (0, 0),
        label=_pool_label,
        shape_doc=(
            f"Channels unchanged; {CONV_SIZE_DOC}, stride defaulting to the window; with "
            "ceil_mode the division rounds up, but a window starting in the right padding is "
            "dropped, as PyTorch does. Padding may be at most half the window."
        ),
        cost_doc="No parameters; MACs counted as 0.",
        default_name="maxpool",
    )
)

register_block(
    BlockSpec(
        type="AvgPool2d",
        category=CATEGORY,
        description="Average over each window.",
        params=_POOL_PARAMS
        + (
            bool_param("ceil_mode", False, "round the output size up instead of down"),
            bool_param("count_include_pad", True, "count padded zeros in the average"),
        ),
        shape=_pool_shape("AvgPool2d"),
        cost=lambda p, ins, outs: (0, 0),
        label=_pool_label,
        shape_doc=(
            f"Channels unchanged; {CONV_SIZE_DOC} (no dilation), with ceil_mode as for MaxPool2d."
        ),
        cost_doc="No parameters; MACs counted as 0.",
        default_name="avgpool",
    )
)


def _adaptive_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    c, _, _ = feature_map(ins[0], "AdaptiveAvgPool2d")
    oh, ow = pair(p["output_size"])
    return ((c, oh, ow),)


register_block(
    BlockSpec(
        type="AdaptiveAvgPool2d",
        category=CATEGORY,
        description="Averages to a fixed output size, whatever the input size (VGG's 7x7).",
        params=(pair_param("output_size", 1, "output H and W", minimum=1),),
        shape=_adaptive_shape,
        cost=lambda p, ins, outs: (0, 0),
        label=lambda p: "{}x{}".format(*pair(p["output_size"])),
        shape_doc="C x output_size, whatever the input's H and W.",
        cost_doc="No parameters; MACs counted as 0.",
        default_name="avgpool",
    )
)


def _global_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    c, _, _ = feature_map(ins[0], "GlobalAvgPool")
    return ((c, 1, 1),)


register_block(
    BlockSpec(
        type="GlobalAvgPool",
        category=CATEGORY,
        description="Global average pooling to C x 1 x 1 (NiN, GoogLeNet, ResNet heads).",
        shape=_global_shape,
        cost=lambda p, ins, outs: (0, 0),
        shape_doc="C x H x W becomes C x 1 x 1.",
        cost_doc="No parameters; MACs counted as 0.",
        default_name="avgpool",
    )
)


