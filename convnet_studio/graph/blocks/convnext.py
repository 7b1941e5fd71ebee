"""ConvNeXt's parts: LayerNorm over channels, per-pixel linear layers, layer scale, CNBlock.

torchvision's ConvNeXt permutes its feature maps to channels-last for the LayerNorm and the
two Linear layers of a block. The studio keeps C x H x W maps throughout: ``LayerNorm2d``
normalises over C at every pixel and ``ChannelLinear`` is a Linear over C at every pixel (a
1x1 convolution whose weight has nn.Linear's (out, in) shape), so a compiled CNBlock holds
torchvision's state_dict keys and shapes and computes the same numbers. ``LayerScale`` is a
learned scale per channel kept as a bare parameter at the node's path, as torchvision's
``layer_scale`` is.
"""

from __future__ import annotations

from convnet_studio.graph.blocks.arith import feature_map
from convnet_studio.graph.blocks.attention_composites import input_channels
from convnet_studio.graph.blocks.builder import SubgraphBuilder
from convnet_studio.graph.blocks.layers import ELEMENTWISE_DOC, same_feature_map
from convnet_studio.graph.params import bool_param, float_param, int_param
from convnet_studio.graph.registry import (
    BlockSpec,
    Params,
    Shape,
    ShapeError,
    Subgraph,
    register_block,
)

CATEGORY = "ConvNeXt"
# ConvNeXt's LayerNorm epsilon (torchvision: partial(LayerNorm2d, eps=1e-6) everywhere).
LAYER_NORM_EPS = 1e-6
# CNBlock's hidden width is this many times its channels (fixed in torchvision's CNBlock).
EXPANSION = 4


# ------------------------------------------------------------------------ LayerNorm2d
register_block(
    BlockSpec(
        type="LayerNorm2d",
        category="Normalization & activation",
        description="Layer normalization over the channels at every pixel, with a learned "
        "scale and shift per channel (ConvNeXt's norm).",
        params=(
            float_param("eps", LAYER_NORM_EPS, "added to the variance (ConvNeXt: 1e-6)", minimum=0.0),
            bool_param("affine", True, "learn a scale and shift per channel"),
        ),
        shape=same_feature_map("LayerNorm2d"),
        cost=lambda p, ins, outs: (2 * ins[0][0] if p["affine"] else 0, 0),
        shape_doc="Same shape as its input, a C x H x W feature map.",
        cost_doc=(
            "Parameters: 2 x C (scale and shift) when affine. MACs: counted as 0, as "
            "torchvision's metadata counts normalizations."
        ),
        label=lambda p: f"eps={p['eps']:g}",
        default_name="norm",
    )
)


# ---------------------------------------------------------------------- ChannelLinear
def _channel_linear_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    c, h, w = feature_map(ins[0], "ChannelLinear")
    expected = p["in_features"]
    if expected and expected != c:
        raise ShapeError(f"expects {expected} input channels but receives {c}", port="in")
    return ((p["out_features"], h, w),)


def _channel_linear_cost(p: Params, ins, outs) -> tuple[int, int]:
    weights = ins[0][0] * p["out_features"]
    return weights + (p["out_features"] if p["bias"] else 0), weights * ins[0][1] * ins[0][2]


register_block(
    BlockSpec(
        type="ChannelLinear",
        category="Convolution",
        description="A Linear layer over the channels at every pixel (a 1x1 conv with "
        "nn.Linear's weight): ConvNeXt's pointwise layers.",
        params=(
            int_param("out_features", 64, "output channels", minimum=1),
            bool_param("bias", True, "learn a bias per output channel"),
            int_param("in_features", 0, "expected input channels; 0 infers them from the input"),
        ),
        shape=_channel_linear_shape,
        cost=_channel_linear_cost,
        label=lambda p: f"{p['out_features']}",
        shape_doc=(
            "A C x H x W feature map becomes out_features x H x W; C must equal in_features "
            "when that is set."
        ),
        cost_doc=(
            "Parameters: C x out_features (an (out, in) weight, as nn.Linear's), plus "
            "out_features for the bias. MACs: H x W x C x out_features."
        ),
        default_name="pwconv",
    )
)


# ------------------------------------------------------------------------- LayerScale
register_block(
    BlockSpec(
        type="LayerScale",
        category=CATEGORY,
        description="Multiplies each channel by a learned scale that starts small, so a "
        "residual branch starts near zero (ConvNeXt's layer_scale).",
        params=(float_param("init", 1e-6, "the scales' initial value (ConvNeXt: 1e-6)"),),
        shape=same_feature_map("LayerScale"),
        cost=lambda p, ins, outs: (ins[0][0], 0),
        shape_doc=ELEMENTWISE_DOC + " The input is a C x H x W feature map; the scale is C x 1 x 1.",
        cost_doc=(
            "Parameters: C, one bare C x 1 x 1 tensor at the node's name (no submodule: the "
            "state_dict key is the name itself). MACs: counted as 0 (element-wise)."
        ),
        label=lambda p: f"init {p['init']:g}",
        default_name="layer_scale",
    )
)


# ---------------------------------------------------------------------------- CNBlock
def _expand_cnblock(p: Params, in_shapes) -> Subgraph:
    # torchvision's block.1 and block.6 are Permutes to and from channels-last; the studio's
    # layers work on C x H x W, so those indices are simply absent.
    dim = input_channels(in_shapes, "CNBlock")
    b = SubgraphBuilder()
    x = b.input()
    y = b.add("block.0", "Conv2d", x, out_channels=dim, kernel_size=7, padding=3, groups=dim)
    y = b.add("block.2", "LayerNorm2d", y, eps=LAYER_NORM_EPS)
    y = b.add("block.3", "ChannelLinear", y, out_features=EXPANSION * dim)
    y = b.add("block.4", "GELU", y)
    y = b.add("block.5", "ChannelLinear", y, out_features=dim)
    y = b.add("layer_scale", "LayerScale", y, init=p["layer_scale"])
    y = b.add("stochastic_depth", "StochasticDepth", y, p=p["stochastic_depth_prob"], mode="row")
    b.output(b.add("add", "Add", [y, x]))
    return b.build()


def _cnblock_label(p: Params) -> str:
    # Short: the canvas adds the shortcut ("identity") after it.
    drop = p["stochastic_depth_prob"]
    return f"7x7 dw, drop {drop:.2g}" if drop else "7x7 dw"


register_block(
    BlockSpec(
        type="CNBlock",
        category=CATEGORY,
        description="ConvNeXt's block: 7x7 depthwise conv, LayerNorm, Linear to 4x the channels, "
        "GELU, Linear back, layer scale, added to the input.",
        params=(
            float_param("layer_scale", 1e-6, "initial value of the per-channel layer scale"),
            float_param("stochastic_depth_prob", 0.0, "probability of dropping the block while "
                        "training (grows with depth in ConvNeXt)", minimum=0.0, maximum=1.0),
        ),
        expand=_expand_cnblock,
        label=_cnblock_label,
        default_name="block",
    )
)
