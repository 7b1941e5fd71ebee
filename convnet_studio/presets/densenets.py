"""DenseNet-121 and DenseNet-161 (DenseNet-BC), as torchvision builds them.

Huang, Liu, van der Maaten, Weinberger, "Densely Connected Convolutional Networks" (CVPR
2017, arXiv:1608.06993). Node names are torchvision's module paths (``features.conv0``,
``features.denseblock1.denselayer1``, ``features.transition1``, ``classifier``): each dense
layer is one DenseLayer composite that returns its input and its new channels concatenated,
so the chain of them is torchvision's ``_DenseBlock`` with the same state_dict keys, and
``convnet-studio import torchvision:densenet121`` gives this graph.
"""

from __future__ import annotations

from functools import partial

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

PAPER = "Huang et al. 2016, Densely Connected Convolutional Networks (arXiv:1608.06993)"
BN_SIZE = 4  # the bottleneck is 4 x growth_rate wide in every DenseNet-BC

# name -> (growth_rate, layers per dense block, stem filters), as torchvision's densenet121()...
DENSENETS: dict[str, tuple[int, tuple[int, ...], int]] = {
    "densenet121": (32, (6, 12, 24, 16), 64),
    "densenet161": (48, (6, 12, 36, 24), 96),
}


def densenet(name: str, num_classes: int, input_size: InputSize) -> Graph:
    """Stem, dense blocks with halving transitions between them, BN, ReLU, pool, fc."""
    growth_rate, block_config, channels = DENSENETS[name]
    net = NetBuilder(name, input_size)
    net.add("Conv2d", "features.conv0", out_channels=channels, kernel_size=7, stride=2, padding=3, bias=False)
    net.add("BatchNorm2d", "features.norm0")
    net.add("ReLU", "features.relu0")
    net.add("MaxPool2d", "features.pool0", kernel_size=3, stride=2, padding=1)
    # N x channels x 56 x 56 at 224 x 224
    for block, layers in enumerate(block_config, start=1):
        for layer in range(1, layers + 1):
            net.add("DenseLayer", f"features.denseblock{block}.denselayer{layer}",
                    growth_rate=growth_rate, bn_size=BN_SIZE)
        channels += layers * growth_rate
        if block != len(block_config):
            # The BC compression: each transition halves the channels as well as H and W.
            channels //= 2
            net.add("DenseTransition", f"features.transition{block}", out_channels=channels)
    net.add("BatchNorm2d", "features.norm5")
    # torchvision's forward() applies F.relu and F.adaptive_avg_pool2d after the features.
    net.add("ReLU", "relu")
    net.add("GlobalAvgPool", "adaptive_avg_pool2d")
    net.add("Flatten", "flatten")
    net.add("Linear", "classifier", out_features=num_classes)
    return net.finish()


def _register() -> None:
    descriptions = {
        "densenet121": "DenseNet-121: four dense blocks of 6, 12, 24, 16 layers, each adding 32 "
        "channels to all before it, with halving transitions; Huang et al. 2017.",
        "densenet161": "DenseNet-161: the wide DenseNet, growth rate 48 and blocks of 6, 12, 36, 24 "
        "layers after a 96-filter stem; Huang et al. 2017.",
    }
    for name, description in descriptions.items():
        register_preset(
            PresetInfo(name, "DenseNet", description, torchvision=name,
                       source=f"{PAPER}; torchvision.models.{name}"),
            partial(densenet, name),
        )


_register()
