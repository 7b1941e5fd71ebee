"""RegNet's residual bottleneck block as a composite (Radosavovic et al. 2020).

The expansion follows ``torchvision.models.regnet.ResBottleneckBlock``: ``proj`` (a 1x1
conv + BN, where the width or stride changes), ``f`` (``BottleneckTransform``: ``f.a`` 1x1,
``f.b`` grouped 3x3, ``f.se`` squeeze-and-excitation in RegNetY, ``f.c`` linear 1x1), then
``add`` and the ``activation``. The names are torchvision's, so the state_dict keys are too.
"""

from __future__ import annotations

from convnet_studio.graph.blocks.attention_composites import input_channels
from convnet_studio.graph.blocks.builder import SubgraphBuilder
from convnet_studio.graph.blocks.efficient_composites import conv_norm_activation
from convnet_studio.graph.params import float_param, int_param
from convnet_studio.graph.registry import BlockSpec, Params, ShapeError, Subgraph, register_block


def bottleneck_width(p: Params) -> tuple[int, int]:
    """(width of the 3x3 conv, its groups), as torchvision's BottleneckTransform sizes them."""
    width = int(round(p["out_channels"] * p["bottleneck_multiplier"]))
    groups = width // p["group_width"]
    if groups < 1:
        raise ShapeError(
            f"the group width {p['group_width']} is wider than the bottleneck ({width} channels)", port="in"
        )
    return width, groups


def _squeeze_width(p: Params, in_c: int) -> int:
    # The squeeze width follows the block's input, not the bottleneck.
    squeeze = int(round(p["se_ratio"] * in_c))
    if squeeze < 1:
        raise ShapeError(
            f"se_ratio {p['se_ratio']:g} of {in_c} input channels leaves no squeeze channel", port="in"
        )
    return squeeze


def _expand_res_bottleneck(p: Params, in_shapes) -> Subgraph:
    in_c = input_channels(in_shapes, "ResBottleneckBlock")
    width, groups = bottleneck_width(p)
    out_c, stride = p["out_channels"], p["stride"]
    b = SubgraphBuilder()
    x = b.input()
    # proj first, as torchvision registers it: the state_dict keys come in that order.
    projects = in_c != out_c or stride != 1
    shortcut = conv_norm_activation(b, "proj", x, out_c, stride=stride, activation=None) if projects else x
    y = conv_norm_activation(b, "f.a", x, width, activation="ReLU")
    y = conv_norm_activation(b, "f.b", y, width, 3, stride, groups=groups, activation="ReLU")
    if p["se_ratio"]:  # RegNetY
        y = b.add("f.se", "SqueezeExcitation", y, squeeze_channels=_squeeze_width(p, in_c),
                  activation="ReLU", scale_activation="Sigmoid")
    y = conv_norm_activation(b, "f.c", y, out_c, activation=None)
    y = b.add("add", "Add", [shortcut, y])  # torchvision: self.proj(x) + self.f(x), or x + self.f(x)
    b.output(b.add("activation", "ReLU", y))
    return b.build()


register_block(
    BlockSpec(
        type="ResBottleneckBlock",
        category="Residual",
        description="RegNet's block: 1x1, grouped 3x3 [+ squeeze-and-excitation], linear 1x1, "
        "plus the input (projected where the shape changes), then ReLU.",
        params=(
            int_param("out_channels", 48, "the block's output width", minimum=1),
            int_param("stride", 1, "2 halves H and W (the first block of a stage)", minimum=1),
            int_param("group_width", 8, "channels per group of the 3x3 conv", minimum=1),
            float_param("bottleneck_multiplier", 1.0, "width of the 3x3 conv = out_channels x this",
                        minimum=0.0, min_exclusive=True),
            float_param("se_ratio", 0.25, "squeeze width = round(se_ratio x input channels); "
                        "0: no squeeze-and-excitation (RegNetX)", minimum=0.0, maximum=1.0),
        ),
        expand=_expand_res_bottleneck,
        label=lambda p: f"{p['out_channels']}, g{p['group_width']}" + (
            f", /{p['stride']}" if p["stride"] != 1 else "") + (", SE" if p["se_ratio"] else ""),
        default_name="block",
    )
)
