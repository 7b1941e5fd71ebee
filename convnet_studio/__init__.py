"""ConvNet Studio: build convolutional networks by hand and watch them learn.

The package is layered: :mod:`convnet_studio.graph` is the Qt-free, torch-free model;
``compile``, ``codegen``, ``presets`` and ``train`` are the torch side; ``ui`` is the only
package that imports Qt.
"""

from __future__ import annotations

__version__ = "0.1.0"
