"""Import PyTorch models as studio graphs: torch.fx traces, the studio's blocks map.

>>> result = import_model("torchvision:resnet18", (3, 64, 64))  # doctest: +SKIP
>>> result.graph.node("layer1.0").type                            # doctest: +SKIP
'BasicBlock'

Node names are the model's module paths, so the compiled graph takes the model's
state_dict as it is; every import is checked against the model's own output.
"""

from __future__ import annotations

from typing import Any

from convnet_studio.errors import ImportRefused

__all__ = ["ImportRefused", "ImportResult", "import_model", "import_module"]


def __getattr__(name: str) -> Any:
    # The CLI reads this package's arguments without torch: the api (and torch) load on use.
    if name in ("ImportResult", "import_model", "import_module"):
        from convnet_studio.importer import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
