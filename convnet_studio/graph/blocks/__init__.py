"""The built-in blocks; importing this package registers them (palette order = import order)."""

from __future__ import annotations

from convnet_studio.graph.blocks import io_blocks  # noqa: F401  (Input, Output)
from convnet_studio.graph.blocks import layers  # noqa: F401  (conv, norm, activations, heads)
from convnet_studio.graph.blocks import pooling  # noqa: F401
from convnet_studio.graph.blocks import merge  # noqa: F401  (Add, Concat, shortcuts)
from convnet_studio.graph.blocks import composites  # noqa: F401  (VGG, Inception, residual)
from convnet_studio.graph.blocks import mobile  # noqa: F401  (MobileNet, EfficientNet, ShuffleNet)
from convnet_studio.graph.blocks import attention_composites  # noqa: F401  (squeeze-and-excitation)
from convnet_studio.graph.blocks import dense_composites  # noqa: F401  (DenseNet, SqueezeNet's Fire)
from convnet_studio.graph.blocks import shuffle_composites  # noqa: F401  (ShuffleNet V2's unit)
from convnet_studio.graph.blocks import inception_composites  # noqa: F401  (Inception v3's modules)
from convnet_studio.graph.blocks import efficient_composites  # noqa: F401  (MBConv, FusedMBConv)
from convnet_studio.graph.blocks import regnet_composites  # noqa: F401  (RegNet's ResBottleneckBlock)
from convnet_studio.graph.blocks import mobile_composites  # noqa: F401  (inverted residuals)
from convnet_studio.graph.blocks import convnext  # noqa: F401  (ConvNeXt)
