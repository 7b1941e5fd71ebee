"""SOURCE -> ``nn.Module``: ``torchvision:NAME`` (random weights) or ``path/to/file.py:callable``.

A file SOURCE is executed as Python: the user asked to import it, and the dialog says so.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

from torch import nn

from convnet_studio.errors import ImportRefused

# torchvision builders that need arguments to give the plain classifier the studio can hold:
# the auxiliary heads add outputs (and state_dict keys) that the eval forward never uses.
TORCHVISION_KWARGS: dict[str, dict] = {
    "googlenet": {"aux_logits": False, "init_weights": True},
    "inception_v3": {"aux_logits": False, "init_weights": True},
}


def load_module(source: str, num_classes: int | None = None) -> nn.Module:
    """Build the model named by ``source``; raises :class:`ImportRefused` with the reason."""
    if source.startswith("torchvision:"):
        return torchvision_module(source.removeprefix("torchvision:"), num_classes)
    path, sep, attr = source.rpartition(":")
    if not sep or not path.endswith(".py") or not attr:
        raise ImportRefused(
            f"SOURCE must be torchvision:NAME or path/to/file.py:callable, not {source!r}"
        )
    return _from_file(Path(path), attr)


def torchvision_module(name: str, num_classes: int | None = None) -> nn.Module:
    """torchvision's ``name`` with random weights (``weights=None``): nothing is downloaded."""
    import torchvision

    if name not in torchvision.models.list_models(torchvision.models):
        raise ImportRefused(f"torchvision has no classification model named {name!r}")
    kwargs = dict(TORCHVISION_KWARGS.get(name, {}))
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    return torchvision.models.get_model(name, weights=None, **kwargs)


def _from_file(path: Path, attr: str) -> nn.Module:
    if not path.is_file():
        raise ImportRefused(f"there is no file {str(path)!r}")
    module_name = f"_studio_import_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    code = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = code  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(code)
    except Exception as exc:
        raise ImportRefused(f"running {path} failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.modules.pop(module_name, None)
    target = getattr(code, attr, None)
    if target is None:
        raise ImportRefused(f"{path} defines no {attr!r}")
    if isinstance(target, nn.Module):
        return target
    if not callable(target):
        raise ImportRefused(f"{path}:{attr} is neither an nn.Module nor a callable returning one")
    try:
        model = target()
    except Exception as exc:
        what = "class" if inspect.isclass(target) else "function"
        raise ImportRefused(f"calling the {what} {attr} failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(model, nn.Module):
        raise ImportRefused(f"{path}:{attr}() returned {type(model).__name__}, not an nn.Module")
    return model
