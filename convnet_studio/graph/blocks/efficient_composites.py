"""EfficientNet's blocks as composites: MBConv (v1 and v2) and FusedMBConv (v2).

The expansions follow ``torchvision.models.efficientnet``: ``block.0``, ``block.1``... are the
entries of the block's Sequential (each a ``Conv2dNormActivation``: conv ``.0``, BatchNorm
``.1``, SiLU ``.2``); where the block keeps its shape (stride 1, as many channels out as in)
``stochastic_depth`` drops the branch while training and ``add`` puts the input back. The
names are torchvision's, so the state_dict keys are too.
"""

from __future__ import annotations

from convnet_studio.graph.blocks.attention_composites import input_channels
from convnet_studio.graph.blocks.builder import Ref, SubgraphBuilder
from convnet_studio.graph.params import float_param, int_param
from convnet_studio.graph.registry import BlockSpec, Params, Subgraph, register_block

CATEGORY = "Mobile & attention"


def make_divisible(value: float, divisor: int = 8) -> int:
    """torchvision's ``_make_divisible``: the nearest multiple of divisor, at most 10% below."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def conv_norm_activation(
    b: SubgraphBuilder, name: str, x: Ref, out_channels: int, kernel: int = 1, stride: int = 1,
    groups: int = 1, activation: str | None = "SiLU", eps: float = 1e-5,
) -> Ref:
    """torchvision's ``Conv2dNormActivation``: ``name.0`` conv (no bias), ``.1`` BN, ``.2`` act."""
    x = b.add(f"{name}.0", "Conv2d", x, out_channels=out_channels, kernel_size=kernel, stride=stride,
              padding=(kernel - 1) // 2, groups=groups, bias=False)
    x = b.add(f"{name}.1", "BatchNorm2d", x, eps=eps)
    return b.add(f"{name}.2", activation, x) if activation else x


def _residual(b: SubgraphBuilder, y: Ref, x: Ref, p: Params, in_c: int) -> Ref:
    """Stochastic depth and the identity add, where torchvision's ``use_res_connect`` holds."""
    if p["stride"] != 1 or in_c != p["out_channels"]:
        return y
    y = b.add("stochastic_depth", "StochasticDepth", y, p=p["stochastic_depth_prob"], mode="row")
    return b.add("add", "Add", [y, x])  # torchvision: result += input


def _expand_mbconv(p: Params, in_shapes) -> Subgraph:
    in_c = input_channels(in_shapes, "MBConv")
    hidden = make_divisible(in_c * p["expand_ratio"])
    b = SubgraphBuilder()
    x = y = b.input()
    eps = p["bn_eps"]
    # torchvision numbers the Sequential's entries: without an expand conv, the depthwise is block.0.
    first = 1 if hidden != in_c else 0
    if first:
        y = conv_norm_activation(b, "block.0", y, hidden, eps=eps)
    y = conv_norm_activation(b, f"block.{first}", y, hidden, p["kernel"], p["stride"], groups=hidden, eps=eps)
    y = b.add(f"block.{first + 1}", "SqueezeExcitation", y, squeeze_channels=max(1, in_c // 4),
              activation="SiLU", scale_activation="Sigmoid")
    y = conv_norm_activation(b, f"block.{first + 2}", y, p["out_channels"], activation=None, eps=eps)
    b.output(_residual(b, y, x, p, in_c))
    return b.build()


def _expand_fused_mbconv(p: Params, in_shapes) -> Subgraph:
    in_c = input_channels(in_shapes, "FusedMBConv")
    hidden = make_divisible(in_c * p["expand_ratio"])
    b = SubgraphBuilder()
    x = b.input()
    unit = {"eps": p["bn_eps"]}
    if hidden != in_c:  # the expand conv does the depthwise conv's work: k x k, strided
        y = conv_norm_activation(b, "block.0", x, hidden, p["kernel"], p["stride"], **unit)
        y = conv_norm_activation(b, "block.1", y, p["out_channels"], activation=None, **unit)
    else:
        y = conv_norm_activation(b, "block.0", x, p["out_channels"], p["kernel"], p["stride"], **unit)
    b.output(_residual(b, y, x, p, in_c))
    return b.build()


def _mbconv_params(expand_ratio: float) -> tuple:
    # The fields of torchvision's MBConvConfig (in channels come from the input), plus the
    # BatchNorm epsilon: 1e-5 in EfficientNet-B0..B7, 1e-3 in EfficientNetV2.
    return (
        float_param("expand_ratio", expand_ratio, "hidden channels = in x expand_ratio, rounded to a "
                    "multiple of 8 (no expand conv where that is the input's width)", minimum=0.0,
                    min_exclusive=True),
        int_param("kernel", 3, "kernel size of the depthwise (or fused) conv", minimum=1),
        int_param("stride", 1, "1, or 2 to halve H and W (the first block of a stage)", minimum=1, maximum=2),
        int_param("out_channels", 24, "channels of the 1x1 projection", minimum=1),
        float_param("stochastic_depth_prob", 0.0, "probability of dropping the residual branch "
                    "while training (only where the block keeps its shape)", minimum=0.0, maximum=1.0),
        float_param("bn_eps", 1e-5, "BatchNorm epsilon (EfficientNetV2: 0.001)", minimum=0.0,
                    min_exclusive=True),
    )


def _label(prefix: str):
    return lambda p: f"{prefix}{p['expand_ratio']:g} {p['kernel']}x{p['kernel']}, {p['out_channels']}" + (
        f", /{p['stride']}" if p["stride"] != 1 else "")


register_block(
    BlockSpec(
        type="MBConv",
        category=CATEGORY,
        description="EfficientNet's inverted residual: 1x1 expand, k x k depthwise, "
        "squeeze-and-excitation and a linear 1x1 projection, all with SiLU.",
        params=_mbconv_params(6.0),
        expand=_expand_mbconv,
        label=_label("MBConv"),
        default_name="mbconv",
    )
)

register_block(
    BlockSpec(
        type="FusedMBConv",
        category=CATEGORY,
        description="EfficientNetV2's early block: one k x k conv expands (replacing 1x1 + "
        "depthwise), a 1x1 projects; no squeeze-and-excitation.",
        params=_mbconv_params(4.0),
        expand=_expand_fused_mbconv,
        label=_label("Fused-MBConv"),
        default_name="fused_mbconv",
    )
)
