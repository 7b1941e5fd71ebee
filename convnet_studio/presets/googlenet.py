"""GoogLeNet (Inception v1), as torchvision builds it and as the paper describes it.

Szegedy et al., "Going Deeper with Convolutions" (CVPR 2015, arXiv:1409.4842). Node names
are torchvision's (``conv1``, ``maxpool1``, ``inception3a``... ``fc``), so the torchvision
variant's state_dict keys are torchvision's; the paper variant keeps the same names.
"""

from __future__ import annotations

from functools import partial

from convnet_studio.graph.model import Graph
from convnet_studio.presets.builder import NetBuilder
from convnet_studio.presets.registry import InputSize, PresetInfo, register_preset

PAPER = "Szegedy et al. 2014, Going Deeper with Convolutions (arXiv:1409.4842)"

# torchvision's GoogLeNet.__init__ as data: (name, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5,
# pool_proj) for an Inception module, a bare name for a max-pool between stages.
BODY: tuple[str | tuple[str, int, int, int, int, int, int], ...] = (
    ("inception3a", 64, 96, 128, 16, 32, 32),
    ("inception3b", 128, 128, 192, 32, 96, 64),
    "maxpool3",
    ("inception4a", 192, 96, 208, 16, 48, 64),
    ("inception4b", 160, 112, 224, 24, 64, 64),
    ("inception4c", 128, 128, 256, 24, 64, 64),
    ("inception4d", 112, 144, 288, 32, 64, 64),
    ("inception4e", 256, 160, 320, 32, 128, 128),
    "maxpool4",
    ("inception5a", 256, 160, 320, 32, 128, 128),
    ("inception5b", 384, 192, 384, 48, 128, 128),
)
INCEPTION_FIELDS = ("ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "pool_proj")


def googlenet(num_classes: int, input_size: InputSize, paper: bool = False) -> Graph:
    """GoogLeNet without auxiliary classifiers.

    torchvision's (``paper=False``): BatchNorm (eps 0.001) after every conv, a 3x3 kernel in
    the branch called 5x5, maxpool4 2x2/2, dropout 0.2. The paper's: biased convs with
    LocalResponseNorm in the stem, true 5x5 kernels, maxpool4 3x3/2, dropout 0.4.
    """
    # torchvision's BasicConv2d uses BatchNorm eps 0.001 (ported from TensorFlow's Inception).
    unit = {"batch_norm": not paper, "bn_eps": 1e-3}
    net = NetBuilder("googlenet", input_size)
    # N x 3 x 224 x 224
    net.add("ConvBNReLU", "conv1", out_channels=64, kernel_size=7, stride=2, padding=3, **unit)
    net.add("MaxPool2d", "maxpool1", kernel_size=3, stride=2, ceil_mode=True)
    if paper:
        net.add("LocalResponseNorm", "lrn1", size=5, alpha=1e-4, beta=0.75, k=1.0)
    net.add("ConvBNReLU", "conv2", out_channels=64, kernel_size=1, padding=0, **unit)
    net.add("ConvBNReLU", "conv3", out_channels=192, kernel_size=3, padding=1, **unit)
    if paper:
        net.add("LocalResponseNorm", "lrn2", size=5, alpha=1e-4, beta=0.75, k=1.0)
    net.add("MaxPool2d", "maxpool2", kernel_size=3, stride=2, ceil_mode=True)
    # N x 192 x 28 x 28
    for entry in BODY:
        if isinstance(entry, str):
            # torchvision's maxpool4 is 2x2/2 where the paper (and Caffe) use 3x3/2: both
            # halve 14 -> 7, so the pretrained weights do not care; the paper's variant keeps 3.
            kernel = 2 if entry == "maxpool4" and not paper else 3
            net.add("MaxPool2d", entry, kernel_size=kernel, stride=2, ceil_mode=True)
            continue
        name, *channels = entry
        # torchvision's "5x5" branch is really 3x3: a known bug (pytorch/vision#906) kept
        # for compatibility with its pretrained weights.
        net.add(
            "InceptionModule",
            name,
            **dict(zip(INCEPTION_FIELDS, channels)),
            big_kernel=5 if paper else 3,
            **unit,
        )
    # N x 1024 x 7 x 7; the paper's 7x7/1 average pool is a global one at 224 x 224.
    return net.classifier_head(num_classes, dropout=0.4 if paper else 0.2)


register_preset(
    PresetInfo(
        "googlenet",
        "GoogLeNet",
        "GoogLeNet (Inception v1) as torchvision builds it: BatchNorm after every conv, 3x3 in "
        "the '5x5' branch, no auxiliary heads; Szegedy et al. 2014.",
        torchvision="googlenet",
        source=PAPER + "; torchvision.models.googlenet",
    ),
    googlenet,
)
register_preset(
    PresetInfo(
        "googlenet_paper",
        "GoogLeNet",
        "GoogLeNet as the paper describes it: true 5x5 branches, LocalResponseNorm, no "
        "BatchNorm, dropout 0.4, no auxiliary heads; Szegedy et al. 2014, Table 1.",
        source=PAPER + ", Table 1",
    ),
    partial(googlenet, paper=True),
)
