"""Pretrained weights for presets: torchvision-format checkpoints and torchvision's local cache.

This module imports torch (the rest of the presets package does not). Nothing here ever
downloads: :func:`torchvision_cached_weights` only looks for a file that torchvision has
already put in the torch hub cache.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import torch
from torch import nn

from convnet_studio.errors import PresetError, WeightsError
from convnet_studio.presets.registry import SizeArg, get_preset, preset_info

# Wrappers that training scripts put around the state_dict, and prefixes that wrappers put on
# its keys (DataParallel/DistributedDataParallel's "module.", torch.compile's "_orig_mod.").
_CONTAINER_KEYS = ("state_dict", "model", "model_state_dict")
_KEY_PREFIXES = ("module.", "_orig_mod.")

# Tensors of torchvision's checkpoints that the presets leave out on purpose: GoogLeNet's
# and Inception v3's auxiliary classifiers (torchvision itself drops GoogLeNet's after loading
# unless aux_logits=True).
TORCHVISION_EXTRAS: dict[str, tuple[str, ...]] = {"googlenet": ("aux1", "aux2"), "inception_v3": ("AuxLogits",)}

# What a user must know to get the accuracy torchvision reports with its weights.
TORCHVISION_NOTES: dict[str, str] = {
    "googlenet": "torchvision's GoogLeNet weights expect transform_input=True, which the preset "
    "does not do: normalise inputs with mean 0.5 and std 0.5 per channel instead of ImageNet's.",
    "inception_v3": "torchvision's Inception v3 weights expect transform_input=True, which the "
    "preset does not do: normalise inputs with mean 0.5 and std 0.5 per channel instead of ImageNet's.",
}


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_checkpoint_into` did."""

    loaded: list[str]
    left_initialised: list[str] = field(default_factory=list)  # model keys under ``ignore``
    skipped: list[str] = field(default_factory=list)  # checkpoint keys under ``ignore``
    parameters: int = 0  # elements of the loaded parameters (not buffers)

    def summary(self) -> str:
        text = f"loaded {len(self.loaded)} tensors ({self.parameters:,} parameters)"
        if self.left_initialised:
            text += f"; left {len(self.left_initialised)} freshly initialised ({_some(self.left_initialised)})"
        if self.skipped:
            text += f"; skipped {len(self.skipped)} from the file ({_some(self.skipped)})"
        return text


def read_state_dict(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Read a checkpoint with ``weights_only=True`` and return its state_dict.

    Accepts a raw state_dict or one wrapped as ``{"state_dict": ...}`` / ``{"model": ...}``,
    and strips ``module.`` prefixes. Raises :class:`WeightsError`.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such file")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(f"{path}: not a checkpoint that can be read safely ({first})") from None
    for key in _CONTAINER_KEYS:
        if isinstance(data, Mapping) and isinstance(data.get(key), Mapping):
            data = data[key]
            break
    if not isinstance(data, Mapping) or not data:
        raise WeightsError(f"{path}: holds no state_dict (expected a dict of tensors)")
    bad = [k for k, v in data.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise WeightsError(
            f"{path}: entries that are not tensors ({_some(map(str, bad))}); not a state_dict"
        )
    return {_strip_prefixes(k): v for k, v in data.items()}


def _strip_prefixes(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _KEY_PREFIXES:
            if key.startswith(prefix):
                key, changed = key[len(prefix) :], True
    return key


def load_checkpoint_into(
    module: nn.Module,
    path: str | os.PathLike[str] | Mapping[str, torch.Tensor],
    ignore: Sequence[str] = (),
) -> LoadReport:
    """Load a torchvision-format checkpoint into ``module``, every tensor or none.

    Args:
        module: e.g. ``compile_graph(get_preset("resnet50"))``.
        path: a checkpoint file (see :func:`read_state_dict`) or a state_dict.
        ignore: module paths (``"fc"``) whose tensors are neither loaded nor required, e.g.
            a classifier of another class count to be trained afresh.

    Returns:
        A :class:`LoadReport`.

    Raises:
        WeightsError: naming the missing and unexpected keys and the shape mismatches; the
            module is left unchanged.
    """
    state = read_state_dict(path) if not isinstance(path, Mapping) else dict(path)
    expected = module.state_dict()
    skipped = [k for k in state if _under(k, ignore)]
    state = {k: v for k, v in state.items() if k not in skipped}
    left = [k for k in expected if _under(k, ignore)]
    missing = [k for k in expected if k not in state and k not in left]
    unexpected = [k for k in state if k not in expected]
    mismatched = [k for k in state if k in expected and state[k].shape != expected[k].shape]
    if missing or unexpected or mismatched:
        raise WeightsError(_mismatch_message(missing, unexpected, mismatched, state, expected))
    module.load_state_dict(state, strict=not ignore)
    params = dict(module.named_parameters())
    return LoadReport(
        list(state), left, skipped, sum(params[k].numel() for k in state if k in params)
    )


def _under(key: str, prefixes: Sequence[str]) -> bool:
    return any(key == p or key.startswith(p.rstrip(".") + ".") for p in prefixes)


def _mismatch_message(missing, unexpected, mismatched, state, expected) -> str:
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing from the file ({_some(missing)})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected in the file ({_some(unexpected)})")
    if mismatched:
        shapes = [
            f"{k}: {_dims(state[k])} in the file, {_dims(expected[k])} in the model"
            for k in mismatched
        ]
        parts.append(f"{len(mismatched)} of another shape ({_some(shapes)})")
    text = "the checkpoint does not fit the network: " + "; ".join(parts)
    heads = {k.rsplit(".", 1)[0] for k in mismatched}
    if heads and not missing and not unexpected and len(heads) == 1:
        text += f" (another class count? ignore {heads.pop()} to keep it freshly initialised)"
    return text


def _dims(t: torch.Tensor) -> str:
    return " x ".join(map(str, t.shape)) or "scalar"


def _some(items, limit: int = 5) -> str:
    items = list(items)
    more = f", ... {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


# ------------------------------------------------------------------------------ torchvision
def _torchvision_name(name: str) -> str:
    tv = preset_info(name).torchvision
    if tv is None:
        raise PresetError(f"{name} has no torchvision counterpart (it comes from the paper only)")
    return tv


def torchvision_cached_weights(name: str) -> Path | None:
    """The torchvision checkpoint of preset ``name`` in the torch hub cache, or ``None``.

    Looks in ``torch.hub.get_dir()/checkpoints`` for the file names of the weights enum's
    URLs (its DEFAULT first); never downloads. ``None`` too for presets torchvision lacks.
    """
    tv = preset_info(name).torchvision
    if tv is None:
        return None
    from torchvision.models import get_model_weights

    enum = get_model_weights(tv)
    folder = Path(torch.hub.get_dir()) / "checkpoints"
    for weights in [enum.DEFAULT, *enum]:
        candidate = folder / os.path.basename(urlparse(weights.url).path)
        if candidate.is_file():
            return candidate
    return None


def torchvision_model(name: str, num_classes: int = 1000) -> nn.Module:
    """torchvision's model for preset ``name``, randomly initialised (``weights=None``).

    GoogLeNet and Inception v3 are built as the presets are: ``aux_logits=False,
    transform_input=False``.
    """
    from torchvision import models

    tv = _torchvision_name(name)
    kwargs: dict = {"weights": None, "num_classes": num_classes}
    if tv == "googlenet":
        kwargs.update(aux_logits=False, transform_input=False, init_weights=True)
    if tv == "inception_v3":
        kwargs.update(aux_logits=False, transform_input=False, init_weights=False)
    return models.get_model(tv, **kwargs)


def preset_module(
    name: str, num_classes: int | None = None, input_size: SizeArg = None, init: bool = True
) -> nn.Module:
    """Build preset ``name`` and compile it to a module (randomly initialised)."""
    from convnet_studio.compile import compile_graph

    return compile_graph(
        get_preset(name, num_classes=num_classes, input_size=input_size), init=init
    )
