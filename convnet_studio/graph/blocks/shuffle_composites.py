"""ShuffleNet V2's unit as a composite block: torchvision's ``shufflenetv2.InvertedResidual``.

Ma et al., "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design" (ECCV
2018, arXiv:1807.11164). Inner names are torchvision's (``branch1.0`` ... ``branch1.4``,
``branch2.0`` ... ``branch2.7``), so a compiled unit has its state_dict keys; the split,
concatenation and shuffle are named as the importer names them when it traces the module.
"""

from __future__ import annotations

from convnet_studio.graph.blocks.builder import Ref, SubgraphBuilder
from convnet_studio.graph.blocks.mobile import CATEGORY
from convnet_studio.graph.params import ParamError, int_param
from convnet_studio.graph.registry import (
    BlockSpec,
    Params,
    Shape,
    ShapeError,
    Subgraph,
    register_block,
)


def _check_even(p: Params) -> None:
    if p["out_channels"] % 2:
        raise ParamError("out_channels", "must be even: each of the two branches gives half of them")


def _in_channels(p: Params, in_shapes: tuple[Shape | None, ...]) -> int:
    shape = in_shapes[0] if in_shapes else None
    if shape is None:
        # Unknown (not connected yet): assume the width of stages 3 and 4, whose first unit
        # doubles the channels.
        return p["out_channels"] if p["stride"] == 1 else p["out_channels"] // 2
    in_c = shape[0]
    if p["stride"] == 1 and in_c != p["out_channels"]:
        raise ShapeError(
            f"a stride-1 ShuffleUnit keeps its width: it receives {in_c} channels but "
            f"out_channels is {p['out_channels']} (use stride 2 to change the width)",
            port="in",
        )
    return in_c


def _depthwise(b: SubgraphBuilder, name: str, x: Ref, channels: int, stride: int) -> Ref:
    # A 3x3 conv with one filter per channel (groups = channels), no bias: BatchNorm follows.
    return b.add(name, "Conv2d", x, out_channels=channels, kernel_size=3, stride=stride,
                 padding=1, groups=channels, bias=False)


def _pointwise(b: SubgraphBuilder, name: str, x: Ref, channels: int) -> Ref:
    return b.add(name, "Conv2d", x, out_channels=channels, kernel_size=1, bias=False)


def _branch1(b: SubgraphBuilder, x: Ref, in_c: int, half: int, stride: int) -> Ref:
    """The downsampling unit's left branch: depthwise 3x3/stride + BN, then 1x1 + BN + ReLU."""
    x = b.add("branch1.1", "BatchNorm2d", _depthwise(b, "branch1.0", x, in_c, stride))
    x = b.add("branch1.3", "BatchNorm2d", _pointwise(b, "branch1.2", x, half))
    return b.add("branch1.4", "ReLU", x)


def _branch2(b: SubgraphBuilder, x: Ref, half: int, stride: int) -> Ref:
    """1x1 + BN + ReLU, depthwise 3x3 + BN (no ReLU), 1x1 + BN + ReLU."""
    x = b.add("branch2.1", "BatchNorm2d", _pointwise(b, "branch2.0", x, half))
    x = b.add("branch2.2", "ReLU", x)
    x = b.add("branch2.4", "BatchNorm2d", _depthwise(b, "branch2.3", x, half, stride))
    x = b.add("branch2.6", "BatchNorm2d", _pointwise(b, "branch2.5", x, half))
    return b.add("branch2.7", "ReLU", x)


def _expand_shuffle_unit(p: Params, in_shapes: tuple[Shape | None, ...]) -> Subgraph:
    in_c, half, stride = _in_channels(p, in_shapes), p["out_channels"] // 2, p["stride"]
    b = SubgraphBuilder()
    x = b.input()
    if stride == 1:
        # Half the channels pass through untouched; the other half goes through branch2.
        kept = b.add("split0", "ChannelSplit", x, chunks=2, index=0)
        worked = b.add("split1", "ChannelSplit", x, chunks=2, index=1)
        halves = [kept, _branch2(b, worked, half, 1)]
    else:
        halves = [_branch1(b, x, in_c, half, stride), _branch2(b, x, half, stride)]
    y = b.add("cat", "Concat", halves, num_inputs=2)
    # Mixes the two halves, so the next unit's split takes channels from both branches.
    b.output(b.add("channel_shuffle", "ChannelShuffle", y, groups=2))
    return b.build()


register_block(
    BlockSpec(
        type="ShuffleUnit",
        category=CATEGORY,
        description="ShuffleNet V2's unit: half the channels through 1x1, depthwise 3x3, 1x1 "
        "(all of them and a second branch at stride 2), concatenated, then channel-shuffled.",
        params=(
            int_param("out_channels", 116, "output channels (even: half from each branch)", minimum=2),
            int_param("stride", 2, "1 keeps the size and width; 2 halves H and W (a stage's first unit)",
                      minimum=1, maximum=3),
        ),
        expand=_expand_shuffle_unit,
        label=lambda p: f"{p['out_channels']}" + (f", /{p['stride']}" if p["stride"] != 1 else ""),
        default_name="unit",
        extra={"check": _check_even},
    )
)
