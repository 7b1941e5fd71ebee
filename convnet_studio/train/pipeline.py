"""Batches for the training loop: sharding, shuffling, augmentation, resumption.

Order and augmentation are pure functions of ``(seed, epoch, batch index)`` plus one
generator whose state goes into checkpoints, so a resumed run sees exactly the batches the
uninterrupted one would have. Shuffling uses :class:`torch.utils.data.DistributedSampler`
(one replica when not distributed), as DDP expects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, DistributedSampler

from convnet_studio.train.datasets import DataBundle, DataError

Batch = tuple[torch.Tensor, torch.Tensor]


class _Sized:
    """Stands in for a dataset where the sampler only needs a length."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


class Pipeline:
    """Training and validation batches on ``device``, shaped ``target`` (C, H, W).

    Args:
        bundle: the loaded dataset.
        augment: ``"none"``, ``"cifar"`` (pad 4, random crop, flip) or ``"imagenet"``
            (random resized crop, flip); both then normalize per channel.
        batch_size: per process.
        adapt: resize and repeat/average channels when the data's shape is not ``target``.
    """

    def __init__(
        self,
        bundle: DataBundle,
        target: tuple[int, int, int],
        device: torch.device,
        batch_size: int,
        augment: str,
        seed: int,
        rank: int = 0,
        world: int = 1,
        adapt: bool = False,
        workers: int = 0,
        channels_last: bool = False,
    ) -> None:
        self.bundle, self.target, self.device = bundle, target, device
        self.batch_size, self.augment, self.seed = batch_size, augment, seed
        self.rank, self.world, self.adapt, self.workers = rank, world, adapt, workers
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        n = bundle.num_train
        self.sampler = DistributedSampler(
            _Sized(n) if bundle.in_memory else bundle.train_set,
            num_replicas=world,
            rank=rank,
            shuffle=True,
            seed=seed,
            drop_last=True,
        )
        self.steps_per_epoch = len(self.sampler) // batch_size
        if self.steps_per_epoch < 1:
            raise DataError(
                f"the training set has {n} images, fewer than one batch of "
                f"{batch_size} per process: lower --batch-size"
            )
        self.generator = torch.Generator(device=device.type if device.type == "cuda" else "cpu")
        self.generator.manual_seed(seed + 7919 * (rank + 1))
        if bundle.in_memory:
            # Small sets live on the GPU so a step costs no host-to-device copy at all.
            big = bundle.train_x.numel() + bundle.val_x.numel() > 2**31
            self.store = device if device.type == "cuda" and not big else torch.device("cpu")
            self.train_x, self.train_y = (
                bundle.train_x.to(self.store),
                bundle.train_y.to(self.store),
            )
            self.val_x, self.val_y = bundle.val_x.to(self.store), bundle.val_y.to(self.store)
            c = bundle.shape[0] if not adapt else target[0]
            mean = torch.tensor(bundle.mean, device=device)
            std = torch.tensor(bundle.std, device=device)
            if c != len(bundle.mean):  # channels adapted: use the average statistic
                mean, std = mean.mean().repeat(c), std.mean().repeat(c)
            self.mean = (mean * 255).view(1, -1, 1, 1)
            self.inv_std = (1 / (std * 255)).view(1, -1, 1, 1)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"].cpu())

    # ---------------------------------------------------------------- batches
    def train_batches(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        """The batches of ``epoch`` (0-based) from batch index ``start`` on."""
        self.sampler.set_epoch(epoch)
        indices = list(self.sampler)[: self.steps_per_epoch * self.batch_size]
        indices = indices[start * self.batch_size :]
        if not self.bundle.in_memory:
            yield from self._loader(self.bundle.train_set, indices, shuffle_seed=epoch)
            return
        order = torch.tensor(indices, dtype=torch.int64, device=self.store)
        for i in range(0, len(indices), self.batch_size):
            idx = order[i : i + self.batch_size]
            x = self.train_x[idx].to(self.device, non_blocking=True)
            y = self.train_y[idx].to(self.device, non_blocking=True)
            yield self._prepare(x, train=True), y

    def val_batches(self) -> Iterator[Batch]:
        """This process's shard of the validation set, in order, unaugmented."""
        n = self.bundle.num_val
        indices = list(range(self.rank, n, self.world))
        if not self.bundle.in_memory:
            yield from self._loader(self.bundle.val_set, indices, shuffle_seed=None)
            return
        for i in range(0, len(indices), self.batch_size):
            idx = torch.tensor(indices[i : i + self.batch_size], device=self.store)
            x = self.val_x[idx].to(self.device, non_blocking=True)
            yield self._prepare(x, train=False), self.val_y[idx].to(self.device, non_blocking=True)

    def _loader(
        self, dataset: Any, indices: list[int], shuffle_seed: int | None
    ) -> Iterator[Batch]:
        gen = torch.Generator().manual_seed(self.seed + (shuffle_seed or 0))
        loader = DataLoader(
            dataset,
            batch_size=self.batch_size,
            sampler=indices,
            num_workers=self.workers,
            generator=gen,
            pin_memory=self.device.type == "cuda",
            drop_last=shuffle_seed is not None,
        )
        try:
            for x, y in loader:
                x = x.to(self.device, non_blocking=True)
                if self.adapt:  # folders are already resized to the graph; channels may differ
                    x = adapt_shape(x, self.target)
                yield (
                    x.contiguous(memory_format=self.memory_format),
                    y.to(self.device, non_blocking=True),
                )
        except DataError as exc:  # from a loader worker, its text is a whole traceback
            last = str(exc).strip().splitlines()[-1]
            raise DataError(last.split("DataError: ", 1)[-1]) from None

    # ------------------------------------------------------------ transforms
    def _prepare(self, x: torch.Tensor, train: bool) -> torch.Tensor:
        x = x.float()  # N x C x H x W in [0, 255]
        if self.adapt:
            x = adapt_shape(x, self.target)
        if train and self.augment == "cifar":
            x = random_crop_flip(x, pad=4, generator=self.generator)
        elif train and self.augment == "imagenet":
            x = random_resized_crop_flip(x, generator=self.generator)
        x = (x - self.mean) * self.inv_std
        return x.contiguous(memory_format=self.memory_format)


def adapt_shape(x: torch.Tensor, target: tuple[int, int, int]) -> torch.Tensor:
    """Fit a batch to ``target`` (C, H, W): gray -> RGB by repeating, RGB -> gray by
    averaging, and bilinear resizing."""
    c, h, w = target
    if x.shape[1] != c:
        x = (
            x.expand(-1, c, -1, -1)
            if x.shape[1] == 1
            else x.mean(dim=1, keepdim=True).expand(-1, c, -1, -1)
        )
    if x.shape[-2:] != (h, w):
        x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    return x


def random_crop_flip(x: torch.Tensor, pad: int, generator: torch.Generator) -> torch.Tensor:
    """The ResNet paper's CIFAR augmentation on a whole batch: zero-pad ``pad`` pixels,
    crop back to size at a random offset per image, flip half of the images."""
    n, _, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad))
    dev = x.device
    oy = torch.randint(0, 2 * pad + 1, (n, 1), device=dev, generator=generator)
    ox = torch.randint(0, 2 * pad + 1, (n, 1), device=dev, generator=generator)
    flip = torch.rand(n, 1, device=dev, generator=generator) < 0.5
    rows = oy + torch.arange(h, device=dev)  # N x H
    cols = torch.arange(w, device=dev)
    cols = ox + torch.where(flip, cols.flip(0), cols)  # N x W, reversed where flipped
    out = xp[torch.arange(n, device=dev)[:, None, None], :, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2)  # advanced indexing put C last: N x H x W x C


def random_resized_crop_flip(
    x: torch.Tensor, generator: torch.Generator, scale: tuple[float, float] = (0.08, 1.0)
) -> torch.Tensor:
    """ImageNet-style augmentation on a batch: a random area (8-100%) and aspect (3/4-4/3)
    crop resized back to the input size, then a random flip, via one ``grid_sample``."""
    n = x.shape[0]
    dev = x.device
    area = torch.empty(n, device=dev).uniform_(scale[0], scale[1], generator=generator)
    log_r = torch.empty(n, device=dev).uniform_(-0.2877, 0.2877, generator=generator)  # ln(4/3)
    ratio = log_r.exp()
    sw = (area * ratio).sqrt().clamp(max=1.0)
    sh = (area / ratio).sqrt().clamp(max=1.0)
    tx = (torch.rand(n, device=dev, generator=generator) * 2 - 1) * (1 - sw)
    ty = (torch.rand(n, device=dev, generator=generator) * 2 - 1) * (1 - sh)
    sign = torch.where(torch.rand(n, device=dev, generator=generator) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3, device=dev)
    theta[:, 0, 0], theta[:, 0, 2] = sw * sign, tx
    theta[:, 1, 1], theta[:, 1, 2] = sh, ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
