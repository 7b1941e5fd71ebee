"""Import PyTorch models as studio graphs: torch.fx traces, the studio's blocks map.

>>> result = import_model("torchvision:resnet18", (3, 64, 64))  # doctest: +SKIP
>>> result.graph.node("layer1.0").type                            # doctest: +SKIP
'BasicBlock'

Node names are the model's module paths, so the compiled graph takes the model's
state_dict as it is; every import is checked against the model's own output.
"""

from __future__ import annotations

from convnet_studio.importer.api import ImportResult, import_model, import_module
from convnet_studio.importer.errors import ImportRefused

__all__ = ["ImportRefused", "ImportResult", "import_model", "import_module"]
