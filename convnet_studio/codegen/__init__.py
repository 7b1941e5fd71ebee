"""Export a network as standalone PyTorch code, ONNX, TorchScript or a state_dict.

``generate_python`` needs only the graph; the writers in :mod:`convnet_studio.codegen.formats`
(imported lazily, they load torch) write files atomically.
"""

from __future__ import annotations

from convnet_studio.codegen.python import generate_python
from convnet_studio.errors import (
    ExportError,
    ExportPathError,
    ExportWeightsError,
    InvalidGraphError,
)

__all__ = [
    "ExportWeightsError",
    "ExportError",
    "ExportPathError",
    "InvalidGraphError",
    "generate_python",
]
