"""Convolution, normalization, activation, dropout and fully-connected primitives."""

from __future__ import annotations

from convnet_studio.graph.blocks.arith import (
    CONV_SIZE_DOC,
    feature_map,
    fmt_shape,
    numel,
    spatial_out,
)
from convnet_studio.graph.params import (
    ParamSpec,
    bool_param,
    float_param,
    int_param,
    pair,
    pair_param,
)
from convnet_studio.graph.registry import BlockSpec, Params, Shape, ShapeError, register_block


# ----------------------------------------------------------------------------- Conv2d
def _conv_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    c, h, w = feature_map(ins[0], "Conv2d")
    if p["in_channels"] and p["in_channels"] != c:
        raise ShapeError(f"expects {p['in_channels']} input channels but receives {c}", port="in")
    groups = p["groups"]
    if c % groups or p["out_channels"] % groups:
        raise ShapeError(
            f"groups={groups} must divide both the input channels ({c}) and out_channels "
            f"({p['out_channels']})",
            port="in",
        )
    oh, ow = spatial_out("Conv2d", (h, w), p["kernel_size"], p["stride"], p["padding"], p["dilation"])
    return ((p["out_channels"], oh, ow),)


def _conv_cost(p: Params, ins, outs) -> tuple[int, int]:
    kh, kw = pair(p["kernel_size"])
    per_output = (ins[0][0] // p["groups"]) * kh * kw
    weights = p["out_channels"] * per_output
    params = weights + (p["out_channels"] if p["bias"] else 0)
    return params, numel(outs[0]) * per_output


def _conv_label(p: Params) -> str:
    kh, kw = pair(p["kernel_size"])
    text = f"{kh}x{kw}, {p['out_channels']}"
    if pair(p["stride"]) != (1, 1):
        text += f", /{_pair_text(p['stride'])}"
    if p["groups"] != 1:
        text += f", g{p['groups']}"
    return text


def _pair_text(value) -> str:
    a, b = pair(value)
    return str(a) if a == b else f"{a}x{b}"


register_block(
    BlockSpec(
        type="Conv2d",
        category="Convolution",
        description="2-D convolution: out_channels filters of kernel_size over all input channels.",
        params=(
            int_param("out_channels", 64, "number of filters", minimum=1),
            pair_param("kernel_size", 3, "kernel size, or [h, w]", minimum=1),
            pair_param("stride", 1, "stride, or [h, w]", minimum=1),
            ParamSpec("padding", "padding", 0, "zero padding, [h, w], 'same' or 'valid'", minimum=0),
            pair_param("dilation", 1, "spacing between kernel taps", minimum=1),
            int_param("groups", 1, "channel groups (in and out channels must divide by it)", minimum=1),
            bool_param("bias", True, "learn a bias per filter (off when BatchNorm follows)"),
            int_param("in_channels", 0, "expected input channels; 0 infers them from the input"),
        ),
        shape=_conv_shape,
        cost=_conv_cost,
        label=_conv_label,
        shape_doc=(
            f"Output has out_channels channels; {CONV_SIZE_DOC}. padding='same' keeps H and W "
            "(stride 1 only), 'valid' means 0. Input channels must divide by groups, and equal "
            "in_channels when that is set."
        ),
        cost_doc=(
            "Parameters: out_channels x (C_in / groups) x kh x kw, plus out_channels for the bias. "
            "MACs: every output element costs (C_in / groups) x kh x kw, so "
            "C_out x H' x W' x (C_in / groups) x kh x kw."
        ),
        default_name="conv",
    )
)


ELEMENTWISE_DOC = "Same shape as its input (element-wise)."
FREE_DOC = "No parameters; MACs counted as 0."


# ------------------------------------------------------------------------ normalization
def same_feature_map(what: str):
    """A shape rule: the input, which must be a C x H x W feature map (``what`` names the block)."""

    def rule(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
        feature_map(ins[0], what)
        return (ins[0],)

    return rule


register_block(
    BlockSpec(
        type="BatchNorm2d",
        category="Normalization & activation",
        description="Batch normalization per channel, with a learned scale and shift.",
        params=(
            float_param("eps", 1e-5, "added to the variance; PyTorch needs it above 0", minimum=0.0, min_exclusive=True),
            float_param("momentum", 0.1, "running statistics update rate", minimum=0.0, maximum=1.0),
            bool_param("affine", True, "learn a scale and shift per channel"),
        ),
        shape=same_feature_map("BatchNorm2d"),
        cost=lambda p, ins, outs: (2 * ins[0][0] if p["affine"] else 0, 0),
        shape_doc="Same shape as its input.",
        cost_doc=(
            "Parameters: 2 x C (scale and shift) when affine; the running mean and variance are "
            "buffers, not parameters. MACs: counted as 0."
        ),
        default_name="bn",
    )
)

register_block(
    BlockSpec(
        type="LocalResponseNorm",
        category="Normalization & activation",
        description="Local response normalization across neighbouring channels (AlexNet, GoogLeNet v1).",
        params=(
            int_param("size", 5, "number of neighbouring channels", minimum=1),
            float_param("alpha", 1e-4, "scale", minimum=0.0),
            float_param("beta", 0.75, "exponent"),
            float_param("k", 1.0, "additive constant"),
        ),
        shape=same_feature_map("LocalResponseNorm"),
        cost=lambda p, ins, outs: (0, 0),
        shape_doc=ELEMENTWISE_DOC,
        cost_doc=FREE_DOC,
        label=lambda p: f"size {p['size']}",
        default_name="lrn",
    )
)


# --------------------------------------------------------------------------- activations
def _elementwise(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    return (ins[0],)


ACTIVATIONS = {
    "ReLU": ("max(0, x): the default nonlinearity of VGG, GoogLeNet and ResNet.", ()),
    "LeakyReLU": (
        "x for x > 0, negative_slope * x otherwise.",
        (float_param("negative_slope", 0.01, "slope for negative inputs"),),
    ),
    "GELU": ("Gaussian error linear unit.", ()),
    "SiLU": ("x * sigmoid(x) (swish).", ()),
    "Sigmoid": ("1 / (1 + exp(-x)).", ()),
    "Tanh": ("Hyperbolic tangent.", ()),
    "Hardswish": ("x * relu6(x + 3) / 6 (MobileNetV3).", ()),
}

for _type, (_doc, _params) in ACTIVATIONS.items():
    register_block(
        BlockSpec(
            type=_type,
            category="Normalization & activation",
            description=_doc,
            params=_params,
            shape=_elementwise,
            cost=lambda p, ins, outs: (0, 0),
            shape_doc=ELEMENTWISE_DOC,
            cost_doc=FREE_DOC,
            default_name=_type.lower(),
        )
    )

register_block(
    BlockSpec(
        type="Dropout",
        category="Heads",
        description="Zeroes activations with probability p while training.",
        params=(float_param("p", 0.5, "drop probability", minimum=0.0, maximum=1.0),),
        shape=_elementwise,
        cost=lambda p, ins, outs: (0, 0),
        label=lambda p: f"p={p['p']:g}",
        shape_doc="Same shape as its input.",
        cost_doc="None (MACs counted as 0).",
        default_name="dropout",
    )
)


# ------------------------------------------------------------------------------ heads
def _flatten_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    return ((numel(ins[0]),),)


register_block(
    BlockSpec(
        type="Flatten",
        category="Heads",
        description="Flattens C x H x W into one vector per image, for a Linear layer.",
        shape=_flatten_shape,
        cost=lambda p, ins, outs: (0, 0),
        shape_doc="C x H x W becomes one vector of C*H*W features.",
        cost_doc="None.",
        default_name="flatten",
    )
)


def _linear_shape(p: Params, ins: tuple[Shape, ...]) -> tuple[Shape, ...]:
    shape = ins[0]
    if len(shape) != 1:
        raise ShapeError(
            f"Linear needs a flat input but receives {fmt_shape(shape)}; add a Flatten before it "
            f"(it would give {numel(shape)} features)",
            port="in",
        )
    expected = p["in_features"]
    if expected and expected != shape[0]:
        raise ShapeError(
            f"expects {expected} input features but the flattened input has {shape[0]}", port="in"
        )
    return ((p["out_features"],),)


def _linear_cost(p: Params, ins, outs) -> tuple[int, int]:
    weights = ins[0][0] * p["out_features"]
    return weights + (p["out_features"] if p["bias"] else 0), weights


register_block(
    BlockSpec(
        type="Linear",
        category="Heads",
        description="Fully connected layer: every input feature to every output.",
        params=(
            int_param("out_features", 10, "outputs (the class count for a classifier)", minimum=1),
            bool_param("bias", True, "learn a bias per output"),
            int_param("in_features", 0, "expected input features; 0 infers them from the input"),
        ),
        shape=_linear_shape,
        cost=_linear_cost,
        label=lambda p: f"{p['out_features']}",
        shape_doc=(
            "Input must be a vector (put a Flatten or a global pool before it); output is "
            "out_features."
        ),
        cost_doc=(
            "Parameters: in_features x out_features, plus out_features for the bias. MACs: "
            "in_features x out_features."
        ),
        default_name="fc",
    )
)
