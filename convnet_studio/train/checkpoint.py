"""Checkpoints: written atomically, loadable with ``torch.load(weights_only=True)``.

A checkpoint holds only tensors and plain containers (RNG states are converted to
tensors and lists) so that loading never unpickles arbitrary objects. It is written to a
temporary file in the same directory, flushed to disk and renamed over the old one: a
crash mid-write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import os
import pickle
import random
import tempfile
import zipfile
from typing import Any

import numpy as np
import torch

from convnet_studio.errors import UserError

FORMAT = 1


def rng_state() -> dict[str, Any]:
    """Python, numpy, torch and CUDA RNG states as tensors and lists."""
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": [version, list(internal), gauss],
        "numpy": [
            kind,
            torch.from_numpy(keys.astype(np.int64)),
            int(pos),
            int(has_gauss),
            float(cached),
        ],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        states = state["cuda"]
        torch.cuda.set_rng_state_all(states[: torch.cuda.device_count()])


def save_checkpoint(path: str, state: dict[str, Any]) -> None:
    """Write ``state`` (plus the format version) to ``path`` atomically."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ckpt-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, **state}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class CheckpointError(UserError, RuntimeError):
    """A checkpoint that is missing, corrupt or not one of ours."""


def load_checkpoint(path: str, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``, after checking every stored CRC.

    Never loads with ``weights_only=False`` and never tells the user to: a checkpoint from
    someone else may hold pickled code, and only tensors and plain containers are accepted.
    """
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path} does not exist")
    if os.path.getsize(path) == 0:
        raise CheckpointError(
            f"checkpoint {path} is empty (0 bytes): its write was cut off; resume from "
            f"another checkpoint or start a new run"
        )
    damage = _damage(path)
    if damage:
        raise CheckpointError(
            f"checkpoint {path} is damaged ({damage}): the file was truncated or altered "
            f"after it was written; resume from another checkpoint or start a new run"
        )
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(
            f"checkpoint {path} holds Python objects besides tensors and plain data; "
            f"ConvNet Studio never loads those (they can run code), so it cannot resume "
            f"from it: it is corrupt or was not written by ConvNet Studio"
        ) from None
    except Exception:  # noqa: BLE001 - torch's text suggests unsafe loading: never show it
        raise CheckpointError(
            f"checkpoint {path} is corrupt and cannot be read; resume from another "
            f"checkpoint or start a new run"
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a ConvNet Studio checkpoint")
    return state


def _damage(path: str) -> str | None:
    """What is wrong with the zip container (a checkpoint is one), or None if every CRC holds."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        # RuntimeError: a flipped bit in a header can claim encryption or another method
        return "not a complete zip archive"
    return f"{bad} fails its checksum" if bad else None
