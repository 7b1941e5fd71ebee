"""The inverted residual (Sandler et al. 2018) as one composite: MobileNetV2, V3 and MNASNet.

1x1 expand -> kxk depthwise -> [squeeze-and-excitation] -> linear 1x1 projection, with an
identity add when stride is 1 and the width is kept. torchvision builds this block three
times with different module names, so ``style`` picks the names (and the one rule that
differs); everything else is a parameter:

- ``MobileNetV2`` (``mobilenetv2.InvertedResidual``): ``conv.0`` expand and ``conv.1``
  depthwise are conv/BN/activation as ``.0 .1 .2``, then ``conv.2`` conv and ``conv.3`` BN.
- ``MobileNetV3`` (``mobilenetv3.InvertedResidual``): ``block.0`` expand, ``block.1``
  depthwise, ``block.2`` a :mod:`SqueezeExcitation <.attention_composites>` node, then the
  projection ``block.3.0 .1``.
- ``MNASNet`` (``mnasnet._InvertedResidual``): one flat ``layers.0`` ... ``layers.7``, and it
  expands even when the expanded width equals the input's.

In the first two the expand conv is left out when the expanded width equals the input's (V2's
expansion ratio 1), so the indices after it shift down by one, as in torchvision.
"""

from __future__ import annotations

from convnet_studio.graph.blocks.attention_composites import input_channels
from convnet_studio.graph.blocks.builder import Ref, SubgraphBuilder
from convnet_studio.graph.params import bool_param, choice_param, float_param, int_param
from convnet_studio.graph.registry import BlockSpec, Params, Subgraph, register_block

STYLES = ("MobileNetV2", "MobileNetV3", "MNASNet")
ACTIVATIONS = ("ReLU6", "ReLU", "Hardswish")


def make_divisible(value: float, divisor: int = 8) -> int:
    """torchvision's ``_make_divisible``: the nearest multiple of ``divisor``, never 10% below."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def expanded_width(p: Params, in_c: int) -> int:
    """The depthwise conv's width: ``expanded_channels`` if set, else in x ratio."""
    return p["expanded_channels"] or in_c * p["expand_ratio"]


def se_squeeze_width(expanded: int) -> int:
    """MobileNetV3's squeeze width: a quarter of the expanded width, to a multiple of 8."""
    return make_divisible(expanded // 4, 8)


class _Namer:
    """Hands out the next module path of a style: ``conv.3``, ``block.2``, ``layers.5``..."""

    def __init__(self, style: str) -> None:
        self.prefix = {"MobileNetV2": "conv", "MobileNetV3": "block", "MNASNet": "layers"}[style]
        self.flat = style == "MNASNet"
        self.index = 0

    def next(self) -> str:
        name = f"{self.prefix}.{self.index}"
        self.index += 1
        return name

    def unit(self, parts: int) -> list[str]:
        """Names of a conv/BN[/activation] unit: ``X.0 X.1 X.2``, or flat indices in MNASNet."""
        if self.flat:
            return [self.next() for _ in range(parts)]
        name = self.next()
        return [f"{name}.{i}" for i in range(parts)]


def _conv_unit(
    b: SubgraphBuilder, names: list[str], x: Ref, p: Params, out: int, kernel: int = 1,
    stride: int = 1, groups: int = 1, dilation: int = 1,
) -> Ref:
    """conv (no bias) -> BN [-> activation], torchvision's Conv2dNormActivation."""
    # "Same" padding; torchvision writes (k - 1) // 2 or k // 2, equal for its odd kernels.
    x = b.add(names[0], "Conv2d", x, out_channels=out, kernel_size=kernel, stride=stride,
              padding=kernel // 2 * dilation, dilation=dilation, groups=groups, bias=False)
    x = b.add(names[1], "BatchNorm2d", x, eps=p["bn_eps"], momentum=p["bn_momentum"])
    return b.add(names[2], p["activation"], x) if len(names) > 2 else x


def _expand_inverted_residual(p: Params, in_shapes) -> Subgraph:
    in_c = input_channels(in_shapes, "InvertedResidual")
    hidden, style = expanded_width(p, in_c), p["style"]
    names, b = _Namer(style), SubgraphBuilder()
    x = y = b.input()
    if hidden != in_c or style == "MNASNet":
        y = _conv_unit(b, names.unit(3), y, p, hidden)
    y = _conv_unit(b, names.unit(3), y, p, hidden, p["kernel_size"], p["stride"], hidden, p["dilation"])
    if p["se"]:
        y = b.add(names.next(), "SqueezeExcitation", y, squeeze_channels=se_squeeze_width(hidden),
                  activation="ReLU", scale_activation="Hardsigmoid")
    # The projection is linear: no activation, so the narrow output keeps its information.
    # MobileNetV2 names its conv and BN as two entries of ``conv``, the others as one unit.
    project = [names.next(), names.next()] if style == "MobileNetV2" else names.unit(2)
    y = _conv_unit(b, project, y, p, p["out_channels"])
    if p["stride"] == 1 and in_c == p["out_channels"]:
        # The operand order of torchvision's forward(): ``x + self.conv(x)`` in V2 only.
        y = b.add("add", "Add", [x, y] if style == "MobileNetV2" else [y, x])
    b.output(y)
    return b.build()


def _label(p: Params) -> str:
    width = f"{p['expanded_channels']}" if p["expanded_channels"] else f"x{p['expand_ratio']}"
    k = p["kernel_size"]
    parts = [f"{width} > {p['out_channels']}", f"{k}x{k}"]
    parts += [f"/{p['stride']}"] if p["stride"] != 1 else []
    parts += ["SE"] if p["se"] else []
    return ", ".join(parts)


register_block(
    BlockSpec(
        type="InvertedResidual",
        category="Mobile & attention",
        description="MobileNet's block: 1x1 expand, cheap depthwise conv, [SE,] linear 1x1 "
        "projection back to a narrow width; an identity add when the shape is kept.",
        params=(
            choice_param("style", "MobileNetV2", STYLES,
                         "torchvision's module names: MobileNetV2 (conv.i), MobileNetV3 (block.i) "
                         "or MNASNet (layers.0-7, always expands)"),
            int_param("out_channels", 16, "width after the projection", minimum=1),
            int_param("expand_ratio", 6, "expanded width = input channels x this (MobileNetV2's t)", minimum=1),
            int_param("expanded_channels", 0, "the expanded width itself (MobileNetV3's tables); "
                      "0: from expand_ratio", minimum=0),
            int_param("kernel_size", 3, "kernel of the depthwise conv (3 or 5)", minimum=1),
            int_param("stride", 1, "stride of the depthwise conv; 2 halves H and W", minimum=1),
            int_param("dilation", 1, "dilation of the depthwise conv", minimum=1),
            bool_param("se", False, "squeeze-and-excitation after the depthwise conv (MobileNetV3: "
                       "ReLU and hard sigmoid, squeeze = expanded / 4 to a multiple of 8)"),
            choice_param("activation", "ReLU6", ACTIVATIONS,
                         "after the expand and depthwise convs (V2: ReLU6; V3: ReLU or Hardswish; MNASNet: ReLU)"),
            float_param("bn_eps", 1e-5, "BatchNorm epsilon (MobileNetV3: 0.001)", minimum=0.0, min_exclusive=True),
            float_param("bn_momentum", 0.1, "BatchNorm momentum (MobileNetV3: 0.01; MNASNet: 0.0003)",
                        minimum=0.0, maximum=1.0),
        ),
        expand=_expand_inverted_residual,
        label=_label,
        default_name="block",
    )
)
