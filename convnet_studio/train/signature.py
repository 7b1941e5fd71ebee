"""What a dataset looks like, without loading it or importing torch (the CLI uses this to
build a preset for the data before the worker starts)."""

from __future__ import annotations

import os

from convnet_studio.errors import UserError
from convnet_studio.train.config import TrainConfig

SIGNATURES = {  # dataset -> ((C, H, W), classes)
    "shapes": ((3, 32, 32), 10),
    "cifar10": ((3, 32, 32), 10),
    "cifar100": ((3, 32, 32), 100),
    "mnist": ((1, 28, 28), 10),
    "fashionmnist": ((1, 28, 28), 10),
}


class DataError(UserError, RuntimeError):
    """A dataset that is missing or unreadable; the message says where and what to do."""


def dataset_signature(config: TrainConfig) -> tuple[tuple[int, int, int], int]:
    """``((C, H, W), classes)`` of the configured dataset, without loading it.

    For a folder, the class count is its number of subfolders and the size is unknown
    (images are resized to the graph's input), reported as (3, 0, 0).
    """
    if config.dataset.startswith("folder:"):
        return (3, 0, 0), len(folder_classes(config.dataset[len("folder:") :]))
    return SIGNATURES[config.dataset]


def folder_classes(path: str) -> list[str]:
    """The class subfolders of an image folder, sorted (as ImageFolder numbers them)."""
    if not os.path.isdir(path):
        raise DataError(f"image folder {os.path.abspath(path)} does not exist")
    classes = sorted(e.name for e in os.scandir(path) if e.is_dir() and not e.name.startswith("."))
    if len(classes) < 2:
        raise DataError(
            f"image folder {os.path.abspath(path)} needs one subfolder per class "
            f"(at least two); it has {len(classes)}"
        )
    return classes
