"""DenseNet's dense layer and transition, and SqueezeNet's Fire module, as composite nodes.

Inner names are torchvision's (``norm1``, ``conv2``, ``squeeze_activation``...), so compiled
blocks have torchvision's state_dict keys. torchvision's ``_DenseLayer`` returns only its
``growth_rate`` new channels and ``_DenseBlock`` concatenates every layer's output at the
end; here each DenseLayer returns ``cat([x, new])`` instead, so a chain of DenseLayers named
``denseblock1.denselayer1``, ``denseblock1.denselayer2``... is torchvision's dense block
(the concatenation is associative) with the same keys, and each layer reads as one node.
"""

from __future__ import annotations

from convnet_studio.graph.blocks.builder import SubgraphBuilder
from convnet_studio.graph.params import float_param, int_param
from convnet_studio.graph.registry import BlockSpec, Params, Subgraph, register_block

CATEGORY = "DenseNet & SqueezeNet"


# ---------------------------------------------------------------------------- DenseLayer
def _expand_dense_layer(p: Params, in_shapes) -> Subgraph:
    # Pre-activation order (BN -> ReLU -> conv), as in DenseNet-BC: the 1x1 bottleneck
    # keeps the 3x3 conv at bn_size * growth_rate inputs however wide the block has grown.
    b = SubgraphBuilder()
    x = b.input()
    y = b.add("norm1", "BatchNorm2d", x)
    y = b.add("relu1", "ReLU", y)
    y = b.add("conv1", "Conv2d", y, out_channels=p["bn_size"] * p["growth_rate"], kernel_size=1, bias=False)
    y = b.add("norm2", "BatchNorm2d", y)
    y = b.add("relu2", "ReLU", y)
    y = b.add("conv2", "Conv2d", y, out_channels=p["growth_rate"], kernel_size=3, padding=1, bias=False)
    if p["drop_rate"] > 0:
        y = b.add("dropout", "Dropout", y, p=p["drop_rate"])
    # N x (C + growth_rate) x H x W
    b.output(b.add("cat", "Concat", [x, y], num_inputs=2))
    return b.build()


register_block(
    BlockSpec(
        type="DenseLayer",
        category=CATEGORY,
        description="BN-ReLU-1x1 conv-BN-ReLU-3x3 conv, its growth_rate new channels "
        "concatenated to its input: a chain of them is a DenseNet dense block.",
        params=(
            int_param("growth_rate", 32, "new channels the layer adds (k in the paper)", minimum=1),
            int_param("bn_size", 4, "the 1x1 bottleneck has bn_size x growth_rate channels", minimum=1),
            float_param("drop_rate", 0.0, "dropout on the new channels while training", minimum=0.0, maximum=1.0),
        ),
        expand=_expand_dense_layer,
        label=lambda p: f"+{p['growth_rate']}, 1x1 {p['bn_size'] * p['growth_rate']} > 3x3",
        default_name="denselayer",
    )
)


# ------------------------------------------------------------------------ DenseTransition
def _expand_dense_transition(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    y = b.add("norm", "BatchNorm2d", b.input())
    y = b.add("relu", "ReLU", y)
    y = b.add("conv", "Conv2d", y, out_channels=p["out_channels"], kernel_size=1, bias=False)
    b.output(b.add("pool", "AvgPool2d", y, kernel_size=2, stride=2))
    return b.build()


register_block(
    BlockSpec(
        type="DenseTransition",
        category=CATEGORY,
        description="BN-ReLU-1x1 conv-2x2 average pool between dense blocks: compresses the "
        "channels (DenseNet-BC halves them) and halves H and W.",
        params=(int_param("out_channels", 128, "channels after the 1x1 conv", minimum=1),),
        expand=_expand_dense_transition,
        label=lambda p: f"1x1, {p['out_channels']}, avg /2",
        default_name="transition",
    )
)


# ----------------------------------------------------------------------------------- Fire
def _expand_fire(p: Params, in_shapes) -> Subgraph:
    b = SubgraphBuilder()
    s = b.add("squeeze", "Conv2d", b.input(), out_channels=p["squeeze_planes"], kernel_size=1)
    s = b.add("squeeze_activation", "ReLU", s)
    e1 = b.add("expand1x1", "Conv2d", s, out_channels=p["expand1x1_planes"], kernel_size=1)
    e1 = b.add("expand1x1_activation", "ReLU", e1)
    e3 = b.add("expand3x3", "Conv2d", s, out_channels=p["expand3x3_planes"], kernel_size=3, padding=1)
    e3 = b.add("expand3x3_activation", "ReLU", e3)
    b.output(b.add("cat", "Concat", [e1, e3], num_inputs=2))
    return b.build()


register_block(
    BlockSpec(
        type="Fire",
        category=CATEGORY,
        description="SqueezeNet's module: a 1x1 squeeze conv, then 1x1 and 3x3 expand convs "
        "side by side, concatenated.",
        params=(
            int_param("squeeze_planes", 16, "filters of the 1x1 squeeze conv", minimum=1),
            int_param("expand1x1_planes", 64, "filters of the 1x1 expand conv", minimum=1),
            int_param("expand3x3_planes", 64, "filters of the 3x3 expand conv", minimum=1),
        ),
        expand=_expand_fire,
        label=lambda p: f"{p['squeeze_planes']} > {p['expand1x1_planes']} | {p['expand3x3_planes']}",
        default_name="fire",
    )
)
