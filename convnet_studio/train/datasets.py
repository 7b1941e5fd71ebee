"""Datasets: the built-in shapes set, torchvision's CIFAR/MNIST family, and image folders.

In-memory sets (everything but folders) are held as uint8 ``N x C x H x W`` tensors and
augmented a whole batch at a time on the training device (see :mod:`.augment`): that is
faster than per-image transforms in DataLoader workers, and makes resumption exact.
Folders go through a DataLoader, since they may not fit in memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from convnet_studio.train.config import TrainConfig
from convnet_studio.train.signature import (
    SIGNATURES,
    DataError,
    dataset_signature,
    folder_classes,
)

__all__ = ["DataBundle", "DataError", "dataset_signature", "load_dataset"]

# Per-channel statistics of the training sets (in [0, 1] units), as commonly used.
_STATS = {
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ((0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
    "mnist": ((0.1307,), (0.3081,)),
    "fashionmnist": ((0.2860,), (0.3530,)),
    "shapes": ((0.5, 0.5, 0.5), (0.29, 0.29, 0.29)),
    "imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
}
_TV_NAMES = {
    "cifar10": "CIFAR10",
    "cifar100": "CIFAR100",
    "mnist": "MNIST",
    "fashionmnist": "FashionMNIST",
}
_PRETTY = {
    "cifar10": "CIFAR-10",
    "cifar100": "CIFAR-100",
    "mnist": "MNIST",
    "fashionmnist": "Fashion-MNIST",
}


@dataclass
class DataBundle:
    """A loaded dataset.

    For in-memory sets ``train_x``/``val_x`` are uint8 (N, C, H, W) tensors and the
    ``*_set`` fields are None; for folders it is the other way round and ``shape`` is the
    shape images are cropped/resized to.
    """

    name: str
    shape: tuple[int, int, int]
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    train_x: torch.Tensor | None = None
    train_y: torch.Tensor | None = None
    val_x: torch.Tensor | None = None
    val_y: torch.Tensor | None = None
    train_set: Any = None
    val_set: Any = None
    skipped: tuple[str, ...] = ()  # unreadable files left out of an image folder

    @property
    def in_memory(self) -> bool:
        return self.train_x is not None

    @property
    def num_train(self) -> int:
        return len(self.train_y) if self.in_memory else len(self.train_set)

    @property
    def num_val(self) -> int:
        return len(self.val_y) if self.in_memory else len(self.val_set)


def load_dataset(config: TrainConfig, image_size: tuple[int, int] | None = None) -> DataBundle:
    """Load the configured dataset (``image_size`` is used for folders only)."""
    name = config.dataset
    if name == "shapes":
        return _shapes(config)
    if name.startswith("folder:"):
        return _folder(config, name[len("folder:") :], image_size or (224, 224))
    return _torchvision(config, name)


# the shapes set's size when not configured: an epoch of 78 steps at batch 64 takes about
# 10 s on two CPU cores, so the first validation comes early
SHAPES_TRAIN, SHAPES_VAL = 5_000, 1_000


def _shapes(config: TrainConfig) -> DataBundle:
    n_train = config.train_size or SHAPES_TRAIN
    n_val = config.val_size or SHAPES_VAL
    # distinct seeds keep train and validation images disjoint draws
    root = os.path.join(config.data_root, "shapes")
    tx, ty = cached_shapes(n_train, config.seed * 2 + 1, root)
    vx, vy = cached_shapes(n_val, config.seed * 2 + 2, root)
    mean, std = _STATS["shapes"]
    return DataBundle(
        "shapes",
        (3, 32, 32),
        10,
        mean,
        std,
        torch.from_numpy(tx),
        torch.from_numpy(ty),
        torch.from_numpy(vx),
        torch.from_numpy(vy),
    )


def cached_shapes(n: int, seed: int, root: str) -> tuple[np.ndarray, np.ndarray]:
    """``make_shapes(n, seed)``, kept in ``root`` after the first draw.

    Drawing 12,000 images takes 1-2 s of a run's start; reading them back takes
    milliseconds. A missing, unreadable or mismatched cache file is drawn again; a cache
    that cannot be written is skipped.
    """
    from convnet_studio.train.drawn_shapes import CACHE_VERSION, SIZE, make_shapes

    path = os.path.join(root, f"shapes-v{CACHE_VERSION}-{n}-{seed}.npz")
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with np.load(path, allow_pickle=False) as f:
            x, y = f["x"], f["y"]
        if x.shape == (n, 3, SIZE, SIZE) and x.dtype == np.uint8 and y.shape == (n,):
            return x, y.astype(np.int64)
    except (OSError, ValueError, KeyError, EOFError):
        pass
    x, y = make_shapes(n, seed=seed)
    try:
        os.makedirs(root, exist_ok=True)
        with open(tmp, "wb") as f:
            np.savez(f, x=x, y=y)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return x, y


def _torchvision(config: TrainConfig, name: str) -> DataBundle:
    import torchvision

    cls = getattr(torchvision.datasets, _TV_NAMES[name])
    root = os.path.abspath(config.data_root)
    try:
        train = cls(root, train=True, download=config.download)
        val = cls(root, train=False, download=config.download)
    except RuntimeError as exc:
        text = str(exc)
        if "Error downloading" in text or "urlopen error" in text:
            raise DataError(
                f"could not download {_PRETTY[name]} into {root} (no connection to the "
                f"download servers); the machine seems offline: copy the dataset there by "
                f"hand or use --dataset shapes"
            ) from None
        if "not found" in text.lower() or "download=True" in text:
            raise DataError(
                f"{_PRETTY[name]} is not in {root}: run again with --download to fetch it "
                f"(needs internet), or point --data-dir at a folder that holds it"
            ) from None
        raise DataError(f"could not read {_PRETTY[name]} in {root}: {exc}") from None
    except OSError as exc:  # URLError and socket errors are OSErrors
        raise DataError(
            f"could not download {_PRETTY[name]} into {root} ({_reason(exc)}); the machine "
            f"seems offline: copy the dataset there by hand or use --dataset shapes"
        ) from None
    tx, ty = _as_nchw(train.data), torch.as_tensor(np.asarray(train.targets), dtype=torch.int64)
    vx, vy = _as_nchw(val.data), torch.as_tensor(np.asarray(val.targets), dtype=torch.int64)
    tx, ty = _cap(tx, ty, config.train_size)
    vx, vy = _cap(vx, vy, config.val_size)
    shape, classes = SIGNATURES[name]
    mean, std = _STATS[name]
    return DataBundle(name, shape, classes, mean, std, tx, ty, vx, vy)


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", None) or exc) or type(exc).__name__


def _as_nchw(data: Any) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(data))
    if x.ndim == 3:  # MNIST family: N x H x W
        return x.unsqueeze(1).contiguous()
    return x.permute(0, 3, 1, 2).contiguous()  # CIFAR: N x H x W x C -> N x C x H x W


def _cap(x: torch.Tensor, y: torch.Tensor, n: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    return (x[:n], y[:n]) if n else (x, y)


def _folder(config: TrainConfig, path: str, size: tuple[int, int]) -> DataBundle:
    import torchvision
    from torchvision.transforms import v2

    classes = folder_classes(path)
    augment = config.augment if config.augment != "auto" else "imagenet"
    mean, std = _STATS["imagenet"]
    h, w = size
    tail = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)]
    if augment == "imagenet":
        train_tf = v2.Compose(
            [v2.RandomResizedCrop((h, w), antialias=True), v2.RandomHorizontalFlip(), *tail]
        )
    elif augment == "cifar":
        train_tf = v2.Compose(
            [
                v2.Resize((h, w), antialias=True),
                v2.RandomCrop((h, w), padding=4),
                v2.RandomHorizontalFlip(),
                *tail,
            ]
        )
    else:
        train_tf = v2.Compose([v2.Resize((h, w), antialias=True), *tail])
    val_tf = v2.Compose(
        [v2.Resize((int(h * 1.14), int(w * 1.14)), antialias=True), v2.CenterCrop((h, w)), *tail]
    )
    base = torchvision.datasets.ImageFolder(path)
    skipped = _drop_unreadable(base)
    if len(base) < 2:
        raise DataError(f"image folder {os.path.abspath(path)} holds fewer than two images")
    order = torch.randperm(len(base), generator=torch.Generator().manual_seed(config.seed)).tolist()
    n_val = max(1, round(len(base) * config.val_split))
    val_idx, train_idx = order[:n_val], order[n_val:]
    train_set = _Transformed(base, train_idx[: config.train_size or None], train_tf)
    val_set = _Transformed(base, val_idx[: config.val_size or None], val_tf)
    return DataBundle(
        f"folder:{path}",
        (3, h, w),
        len(classes),
        mean,
        std,
        train_set=train_set,
        val_set=val_set,
        skipped=tuple(skipped),
    )


def _drop_unreadable(base: Any) -> list[str]:
    """Remove from ``base.samples`` the files that are not images; returns their paths.

    Opening reads only the header (fast); a file whose pixel data is cut off is caught later,
    when it is loaded, and named in a :class:`DataError`.
    """
    from PIL import Image

    keep, bad = [], []
    for path, label in base.samples:
        try:
            with Image.open(path) as image:
                image.size  # noqa: B018 - parses the header
            keep.append((path, label))
        except Exception:  # noqa: BLE001 - PIL raises many kinds for a broken header
            bad.append(path)
    base.samples = base.imgs = keep
    base.targets = [label for _, label in keep]
    return bad


def describe_skipped(bundle: DataBundle) -> str | None:
    """One sentence on the images an image folder left out, or None."""
    if not bundle.skipped:
        return None
    n = len(bundle.skipped)
    return (
        f"skipped {n} unreadable image{'s' if n > 1 else ''} in {bundle.name[len('folder:') :]} "
        f"(first: {bundle.skipped[0]})"
    )


class _Transformed(torch.utils.data.Dataset):
    """A subset of an ImageFolder with its own transform (train and val differ)."""

    def __init__(self, base: Any, indices: list[int], transform: Any) -> None:
        self.base, self.indices, self.transform = base, indices, transform

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        path, label = self.base.samples[self.indices[i]]
        try:
            image = self.base.loader(path)
        except Exception as exc:  # noqa: BLE001 - PIL: OSError, SyntaxError, ValueError...
            raise DataError(
                f"cannot read image {path} ({type(exc).__name__}: the file is truncated or "
                f"corrupt): remove or replace it"
            ) from None
        return self.transform(image), label
