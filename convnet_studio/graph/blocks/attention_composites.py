"""Squeeze-and-excitation (Hu et al. 2018) as a composite, the gate inside MobileNetV3,
EfficientNet and RegNet blocks.

The expansion follows ``torchvision.ops.SqueezeExcitation``: ``avgpool`` (a global average
pool), ``fc1`` (1x1 conv to the squeeze width), ``activation``, ``fc2`` (1x1 conv back to
the input's channels), ``scale_activation``, then ``mul`` multiplies the input by the gate.
The node names are torchvision's attribute names, so the keys are ``fc1.weight``...
"""

from __future__ import annotations

from convnet_studio.graph.blocks.builder import Ref, SubgraphBuilder
from convnet_studio.graph.params import choice_param, int_param
from convnet_studio.graph.registry import (
    BlockSpec,
    Params,
    Shape,
    ShapeError,
    Subgraph,
    register_block,
)

SE_ACTIVATIONS = ("ReLU", "SiLU")
SE_GATES = ("Sigmoid", "Hardsigmoid")


def squeeze_excitation(
    b: SubgraphBuilder, name: str, x: Ref, channels: int, squeeze: int,
    activation: str = "ReLU", gate: str = "Sigmoid",
) -> Ref:
    """x * gate(fc2(act(fc1(avgpool(x))))), the nodes named ``name.avgpool``... (or bare)."""
    def full(part: str) -> str:
        return f"{name}.{part}" if name else part

    s = b.add(full("avgpool"), "GlobalAvgPool", x)
    s = b.add(full("fc1"), "Conv2d", s, out_channels=squeeze, kernel_size=1, padding=0)
    s = b.add(full("activation"), activation, s)
    s = b.add(full("fc2"), "Conv2d", s, out_channels=channels, kernel_size=1, padding=0)
    s = b.add(full("scale_activation"), gate, s)
    # torchvision computes ``scale * input``: the gate is the first factor.
    return b.add(full("mul"), "Mul", [s, x])


def input_channels(in_shapes: tuple[Shape | None, ...], type_name: str) -> int:
    """The channels of a block's input, which its expansion needs to know."""
    shape = in_shapes[0] if in_shapes else None
    article = "an" if type_name[:1] in "AEIOU" else "a"
    if not shape:
        raise ShapeError(f"{article} {type_name} needs a connected input to know its channels", port="in")
    if len(shape) != 3:
        raise ShapeError(f"{article} {type_name} takes a C x H x W feature map, not a vector", port="in")
    return shape[0]


def _expand_se(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    channels = input_channels(in_shapes, "SqueezeExcitation")
    b.output(squeeze_excitation(b, "", b.input(), channels, p["squeeze_channels"],
                                p["activation"], p["scale_activation"]))
    return b.build()


register_block(
    BlockSpec(
        type="SqueezeExcitation",
        category="Mobile & attention",
        description="Squeeze-and-excitation: pools each channel to one number, learns a 0..1 "
        "weight per channel from all of them and rescales the channels by it.",
        params=(
            int_param("squeeze_channels", 16, "width of the bottleneck between the two 1x1 convs", minimum=1),
            choice_param("activation", "ReLU", SE_ACTIVATIONS, "after the first 1x1 conv"),
            choice_param("scale_activation", "Sigmoid", SE_GATES,
                         "the gate: Sigmoid (EfficientNet, RegNet) or Hardsigmoid (MobileNetV3)"),
        ),
        expand=_expand_se,
        label=lambda p: f"SE {p['squeeze_channels']}" + (", hard" if p["scale_activation"] == "Hardsigmoid" else ""),
        default_name="se",
    )
)
