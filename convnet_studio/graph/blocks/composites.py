"""The seeds' blocks as composite nodes: VGG stage, Inception module, residual blocks, stems.

Each expands into primitives whose names follow torchvision's modules (``conv1``, ``bn1``,
``downsample.0``, ``branch2.1.conv``...), so a compiled composite has torchvision's
state_dict keys and pretrained weights load into it.
"""

from __future__ import annotations

from typing import Any

from convnet_studio.graph.blocks.builder import Ref, SubgraphBuilder
from convnet_studio.graph.params import bool_param, choice_param, float_param, int_param, pair_param
from convnet_studio.graph.registry import BlockSpec, Params, Shape, Subgraph, register_block

SHORTCUTS = ("B", "A", "C", "none")
SHORTCUT_DOC = (
    "B: 1x1 projection only where shapes change (torchvision); A: stride + zero-padded channels, "
    "no parameters; C: always a projection; none: a plain block with no shortcut"
)


def _in_channels(in_shapes: tuple[Shape | None, ...]) -> int | None:
    shape = in_shapes[0] if in_shapes else None
    return shape[0] if shape else None


# --------------------------------------------------------------------------- ConvBNReLU
def _expand_conv_bn_relu(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    x = b.conv_bn_relu(
        "", b.input(), p["out_channels"], p["kernel_size"], p["stride"], p["padding"],
        batch_norm=p["batch_norm"], bn_eps=p["bn_eps"],
    )
    b.output(x)
    return b.build()


register_block(
    BlockSpec(
        type="ConvBNReLU",
        category="Convolution",
        description="Conv -> BatchNorm -> ReLU, the unit every modern CNN is made of "
        "(torchvision's BasicConv2d).",
        params=(
            int_param("out_channels", 64, "number of filters", minimum=1),
            pair_param("kernel_size", 3, "kernel size", minimum=1),
            pair_param("stride", 1, "stride", minimum=1),
            pair_param("padding", 1, "zero padding"),
            bool_param("batch_norm", True, "BatchNorm after the conv (else the conv has a bias)"),
            float_param("bn_eps", 1e-5, "BatchNorm epsilon (torchvision's GoogLeNet uses 0.001)", minimum=0.0),
        ),
        expand=_expand_conv_bn_relu,
        label=lambda p: f"{_k(p['kernel_size'])}, {p['out_channels']}" + _s(p["stride"]),
        default_name="convbn",
    )
)


def _k(value) -> str:
    a, b = (value, value) if isinstance(value, int) else value
    return f"{a}x{b}"


def _s(stride) -> str:
    s = stride if isinstance(stride, int) else stride[0]
    return f", /{s}" if s != 1 else ""


# ----------------------------------------------------------------------------- VGG stage
def _expand_vgg_stage(p: Params, in_shapes) -> Subgraph:
    # Sequential-style names ("0", "1", ...) as in torchvision's vgg.features.
    b = SubgraphBuilder()
    x: Ref = b.input()
    index = 0
    for _ in range(p["num_convs"]):
        x = b.add(str(index), "Conv2d", x, out_channels=p["channels"], kernel_size=3, padding=1)
        index += 1
        if p["batch_norm"]:
            x = b.add(str(index), "BatchNorm2d", x)
            index += 1
        x = b.add(str(index), "ReLU", x)
        index += 1
    if p["pool"]:
        x = b.add(str(index), "MaxPool2d", x, kernel_size=2, stride=2)
    b.output(x)
    return b.build()


register_block(
    BlockSpec(
        type="VGGStage",
        category="VGG",
        description="n x (3x3 conv [+BN] + ReLU) at one resolution, then a 2x2 max-pool that halves it.",
        params=(
            int_param("channels", 64, "filters of every conv in the stage", minimum=1),
            int_param("num_convs", 2, "3x3 convs in the stage", minimum=1, maximum=16),
            bool_param("batch_norm", False, "BatchNorm after each conv (VGG-BN)"),
            bool_param("pool", True, "end with a 2x2 max-pool"),
        ),
        expand=_expand_vgg_stage,
        label=lambda p: f"{p['num_convs']} x 3x3, {p['channels']}" + (", BN" if p["batch_norm"] else ""),
        default_name="stage",
    )
)


# ---------------------------------------------------------------------- Inception module
def _expand_inception(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    x = b.input()
    unit = dict(batch_norm=p["batch_norm"], bn_eps=p["bn_eps"])
    big = p["big_kernel"]
    b1 = b.conv_bn_relu("branch1", x, p["ch1x1"], 1, **unit)
    b2 = b.conv_bn_relu("branch2.0", x, p["ch3x3red"], 1, **unit)
    b2 = b.conv_bn_relu("branch2.1", b2, p["ch3x3"], 3, padding=1, **unit)
    b3 = b.conv_bn_relu("branch3.0", x, p["ch5x5red"], 1, **unit)
    b3 = b.conv_bn_relu("branch3.1", b3, p["ch5x5"], big, padding=big // 2, **unit)
    b4 = b.add("branch4.0", "MaxPool2d", x, kernel_size=3, stride=1, padding=1, ceil_mode=True)
    b4 = b.conv_bn_relu("branch4.1", b4, p["pool_proj"], 1, **unit)
    b.output(b.add("cat", "Concat", [b1, b2, b3, b4]))
    return b.build()


register_block(
    BlockSpec(
        type="InceptionModule",
        category="Inception",
        description="GoogLeNet's module: 1x1, 1x1->3x3, 1x1->5x5 and 3x3 max-pool->1x1 branches, "
        "concatenated; the 1x1 bottlenecks keep the big convs cheap.",
        params=(
            int_param("ch1x1", 64, "1x1 branch filters", minimum=1),
            int_param("ch3x3red", 96, "1x1 bottleneck before the 3x3", minimum=1),
            int_param("ch3x3", 128, "3x3 branch filters", minimum=1),
            int_param("ch5x5red", 16, "1x1 bottleneck before the 5x5", minimum=1),
            int_param("ch5x5", 32, "5x5 branch filters", minimum=1),
            int_param("pool_proj", 32, "1x1 filters after the max-pool", minimum=1),
            bool_param("batch_norm", True, "BatchNorm after each conv (torchvision) or none (paper)"),
            float_param("bn_eps", 1e-3, "BatchNorm epsilon", minimum=0.0),
            int_param("big_kernel", 5, "kernel of the '5x5' branch (torchvision uses 3)", minimum=1),
        ),
        expand=_expand_inception,
        label=lambda p: "{} | {}>{} | {}>{} | {}".format(
            p["ch1x1"], p["ch3x3red"], p["ch3x3"], p["ch5x5red"], p["ch5x5"], p["pool_proj"]
        ),
        default_name="inception",
    )
)


# ------------------------------------------------------------------------ residual blocks
def conv_bn_projection(out_channels: int, stride: Any) -> tuple[tuple[str, str, Params], ...]:
    """Option B's projection, torchvision's ``downsample``: (name, type, params) of its parts.

    A 1x1 convolution with the needed stride and no bias (the BatchNorm's shift is the bias),
    then a BatchNorm. The residual blocks and the editor's "insert projection" both use it.
    """
    conv = dict(out_channels=out_channels, kernel_size=1, stride=stride, bias=False)
    return (("0", "Conv2d", conv), ("1", "BatchNorm2d", {}))


def _shortcut(b: SubgraphBuilder, x: Ref, p: Params, in_c: int | None, out_c: int, stride: int) -> Ref:
    """The shortcut path, decided as torchvision does: project when stride or width changes."""
    kind = p["shortcut"]
    changes = stride != 1 or (in_c is not None and in_c != out_c)
    if kind == "C" or (kind == "B" and changes):
        for part, type_name, params in conv_bn_projection(out_c, stride):
            x = b.add(f"downsample.{part}", type_name, x, **params)
        return x
    if kind == "A" and changes:
        return b.add("downsample", "ShortcutA", x, out_channels=out_c, stride=stride)
    return x


def _residual_tail(b: SubgraphBuilder, y: Ref, x: Ref, p: Params, in_shapes, out_c: int, last_relu: str) -> None:
    if p["shortcut"] != "none":
        shortcut = _shortcut(b, x, p, _in_channels(in_shapes), out_c, p["stride"])
        y = b.add("add", "Add", [y, shortcut])
    b.output(b.add(last_relu, "ReLU", y))


def _expand_basic_block(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    x = b.input()
    y = b.conv_bn_relu("", x, p["planes"], 3, p["stride"], 1, names=("conv1", "bn1", "relu1"))
    y = b.conv_bn_relu("", y, p["planes"], 3, 1, 1, relu=False, names=("conv2", "bn2", ""))
    _residual_tail(b, y, x, p, in_shapes, p["planes"], "relu2")
    return b.build()


def _expand_bottleneck(p: Params, in_shapes) -> Subgraph:
    # torchvision's v1.5: the stride sits on the 3x3 conv, not the first 1x1.
    width = int(p["planes"] * (p["base_width"] / 64.0)) * p["groups"]
    out_c = p["planes"] * p["expansion"]
    b = SubgraphBuilder()
    x = b.input()
    y = b.conv_bn_relu("", x, width, 1, names=("conv1", "bn1", "relu1"))
    y = b.conv_bn_relu("", y, width, 3, p["stride"], 1, groups=p["groups"], names=("conv2", "bn2", "relu2"))
    y = b.conv_bn_relu("", y, out_c, 1, relu=False, names=("conv3", "bn3", ""))
    _residual_tail(b, y, x, p, in_shapes, out_c, "relu3")
    return b.build()


_RESIDUAL_COMMON = (
    int_param("stride", 1, "2 halves H and W (the first block of a stage)", minimum=1),
    choice_param("shortcut", "B", SHORTCUTS, SHORTCUT_DOC),
)

register_block(
    BlockSpec(
        type="BasicBlock",
        category="Residual",
        description="Two 3x3 convs with BatchNorm and an identity (or projection) shortcut: "
        "ResNet-18/34 and the CIFAR ResNets.",
        params=(int_param("planes", 64, "filters of both convs", minimum=1),) + _RESIDUAL_COMMON,
        expand=_expand_basic_block,
        label=lambda p: f"3x3, {p['planes']} x 2" + _s(p["stride"]) + _shortcut_label(p),
        default_name="block",
    )
)

register_block(
    BlockSpec(
        type="Bottleneck",
        category="Residual",
        description="1x1 reduce -> 3x3 -> 1x1 expand (x expansion) with a shortcut: ResNet-50/101/152.",
        params=(int_param("planes", 64, "width of the 3x3 conv", minimum=1),)
        + _RESIDUAL_COMMON
        + (
            int_param("expansion", 4, "output channels = planes x expansion", minimum=1),
            int_param("groups", 1, "groups of the 3x3 conv (ResNeXt)", minimum=1),
            int_param("base_width", 64, "width per group (Wide ResNet: 128)", minimum=1),
        ),
        expand=_expand_bottleneck,
        label=lambda p: f"{p['planes']}>{p['planes'] * p['expansion']}" + _s(p["stride"]) + _shortcut_label(p),
        default_name="block",
    )
)


def _shortcut_label(p: Params) -> str:
    return {"B": "", "A": ", opt A", "C": ", proj", "none": ", plain"}[p["shortcut"]]


# ---------------------------------------------------------------------------------- stems
def _expand_resnet_stem(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    x = b.conv_bn_relu("", b.input(), p["out_channels"], 7, 2, 3, names=("conv1", "bn1", "relu"))
    if p["pool"]:
        x = b.add("maxpool", "MaxPool2d", x, kernel_size=3, stride=2, padding=1)
    b.output(x)
    return b.build()


register_block(
    BlockSpec(
        type="ResNetStem",
        category="Residual",
        description="7x7 conv stride 2, BatchNorm, ReLU, 3x3 max-pool stride 2: 224 -> 56.",
        params=(
            int_param("out_channels", 64, "filters of the 7x7 conv", minimum=1),
            bool_param("pool", True, "end with the 3x3 max-pool"),
        ),
        expand=_expand_resnet_stem,
        label=lambda p: f"7x7, {p['out_channels']}, /2" + (" + pool" if p["pool"] else ""),
        default_name="stem",
    )
)


def _expand_googlenet_stem(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    unit = dict(batch_norm=p["batch_norm"], bn_eps=1e-3)
    x = b.add("conv1", "ConvBNReLU", b.input(), out_channels=64, kernel_size=7, stride=2, padding=3, **unit)
    x = b.add("maxpool1", "MaxPool2d", x, kernel_size=3, stride=2, ceil_mode=True)
    if not p["batch_norm"]:
        x = b.add("lrn1", "LocalResponseNorm", x, size=5, alpha=1e-4, beta=0.75, k=1.0)
    x = b.add("conv2", "ConvBNReLU", x, out_channels=64, kernel_size=1, padding=0, **unit)
    x = b.add("conv3", "ConvBNReLU", x, out_channels=192, kernel_size=3, padding=1, **unit)
    if not p["batch_norm"]:
        x = b.add("lrn2", "LocalResponseNorm", x, size=5, alpha=1e-4, beta=0.75, k=1.0)
    b.output(b.add("maxpool2", "MaxPool2d", x, kernel_size=3, stride=2, ceil_mode=True))
    return b.build()


register_block(
    BlockSpec(
        type="GoogLeNetStem",
        category="Inception",
        description="GoogLeNet's stem: 7x7/2 conv, pool, 1x1 and 3x3 convs, pool: 224 -> 28, "
        "with BatchNorm (torchvision) or LocalResponseNorm (the paper).",
        params=(bool_param("batch_norm", True, "torchvision's BatchNorm, or the paper's LRN"),),
        expand=_expand_googlenet_stem,
        label=lambda p: "BN" if p["batch_norm"] else "LRN (paper)",
        default_name="stem",
    )
)
