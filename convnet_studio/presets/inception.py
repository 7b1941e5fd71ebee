"""Inception v3, as torchvision builds it, without the auxiliary classifier.

Szegedy et al., "Rethinking the Inception Architecture for Computer Vision" (CVPR 2016,
arXiv:1512.00567). Node names are torchvision's (``Conv2d_1a_3x3``, ``Mixed_5b`` ... ``fc``),
so a compiled preset has the state_dict keys of ``inception_v3(aux_logits=False)``, and
``convnet-studio import torchvision:inception_v3`` gives the same graph.
"""

from __future__ import annotations

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

PAPER = "Szegedy et al. 2015, Rethinking the Inception Architecture (arXiv:1512.00567)"

# torchvision's Inception3.__init__ as data: a stem conv (name, out, kernel, stride, padding),
# a max-pool (a bare name), or an Inception module (name, type, its parameters).
BODY: tuple = (
    ("Conv2d_1a_3x3", 32, 3, 2, 0),  # N x 32 x 149 x 149 at 299 x 299
    ("Conv2d_2a_3x3", 32, 3, 1, 0),
    ("Conv2d_2b_3x3", 64, 3, 1, 1),
    "maxpool1",  # N x 64 x 73 x 73
    ("Conv2d_3b_1x1", 80, 1, 1, 0),
    ("Conv2d_4a_3x3", 192, 3, 1, 0),
    "maxpool2",  # N x 192 x 35 x 35
    ("Mixed_5b", "InceptionA", {"pool_features": 32}),
    ("Mixed_5c", "InceptionA", {"pool_features": 64}),
    ("Mixed_5d", "InceptionA", {"pool_features": 64}),
    ("Mixed_6a", "InceptionB", {}),  # N x 768 x 17 x 17
    ("Mixed_6b", "InceptionC", {"channels_7x7": 128}),
    ("Mixed_6c", "InceptionC", {"channels_7x7": 160}),
    ("Mixed_6d", "InceptionC", {"channels_7x7": 160}),
    ("Mixed_6e", "InceptionC", {"channels_7x7": 192}),
    ("Mixed_7a", "InceptionD", {}),  # N x 1280 x 8 x 8
    ("Mixed_7b", "InceptionE", {}),
    ("Mixed_7c", "InceptionE", {}),  # N x 2048 x 8 x 8
)


def inception_v3(num_classes: int, input_size: InputSize) -> Graph:
    """torchvision's ``inception_v3(aux_logits=False, transform_input=False)``.

    The auxiliary classifier only runs in training and adds an output; it is left out, as
    GoogLeNet's are. transform_input re-normalises ImageNet inputs for Google's weights: left
    out too (see docs/presets.md for the normalisation those weights expect).
    """
    net = NetBuilder("inception_v3", input_size)
    for entry in BODY:
        if isinstance(entry, str):
            net.add("MaxPool2d", entry, kernel_size=3, stride=2)
        elif isinstance(entry[1], str):
            name, type_name, params = entry
            net.add(type_name, name, **params)
        else:
            name, out, kernel, stride, padding = entry
            # torchvision's BasicConv2d: BatchNorm eps 0.001, as in TensorFlow's Inception.
            net.add("ConvBNReLU", name, out_channels=out, kernel_size=kernel, stride=stride,
                    padding=padding, bn_eps=1e-3)
    # The adaptive pool makes any input from 75 x 75 up work; dropout comes before flatten.
    net.add("GlobalAvgPool", "avgpool")
    net.add("Dropout", "dropout", p=0.5)
    net.add("Flatten", "flatten")
    net.add("Linear", "fc", out_features=num_classes)
    return net.finish()


register_preset(
    PresetInfo(
        "inception_v3",
        "Inception",
        "Inception v3 as torchvision builds it: factorised 7x7 and 3x3 convs, grid-reduction "
        "modules, BatchNorm everywhere, no auxiliary classifier; Szegedy et al. 2015.",
        default_input=(3, 299, 299),
        torchvision="inception_v3",
        source=PAPER + "; torchvision.models.inception_v3",
    ),
    inception_v3,
)
