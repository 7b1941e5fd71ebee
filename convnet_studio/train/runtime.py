"""Devices, mixed precision and the distributed process group.

Under ``torchrun`` (``WORLD_SIZE`` > 1 in the environment) the worker joins a process group:
NCCL when it trains on CUDA, gloo otherwise. Rank 0 alone reports events and writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from convnet_studio.train.config import ConfigError, TrainConfig


@dataclass(frozen=True)
class DistInfo:
    """This process's place in the run (rank 0 of 1 when not distributed)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def env_dist() -> DistInfo:
    """Read torchrun's environment variables (no process group yet)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return DistInfo(int(os.environ.get("RANK", "0")), world, int(os.environ.get("LOCAL_RANK", "0")))


def pick_device(preference: str, local_rank: int = 0) -> torch.device:
    """``auto`` tries CUDA, then Apple MPS, then the CPU; a named device must exist."""
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps and mps.is_available())
    if preference == "auto":
        preference = "cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu"
    if preference == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError("device cuda was asked for but PyTorch sees no CUDA GPU here")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    if preference == "mps" and not has_mps:
        raise ConfigError("device mps was asked for but Apple MPS is not available here")
    return torch.device(preference)


def init_process_group(info: DistInfo, device: torch.device) -> None:
    if info.enabled and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")


def destroy_process_group() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def amp_dtype(config: TrainConfig, device: torch.device) -> torch.dtype | None:
    """The autocast dtype, or None for full precision (AMP is used on CUDA only)."""
    if config.amp == "off" or device.type != "cuda":
        return None
    if config.amp == "fp16" or (config.amp == "auto" and not torch.cuda.is_bf16_supported()):
        return torch.float16
    return torch.bfloat16


def apply_backend_flags(config: TrainConfig, device: torch.device) -> bool:
    """Set cudnn/TF32 flags; returns whether to use channels_last."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = config.cudnn_benchmark
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    if config.channels_last is None:
        return device.type == "cuda"
    return config.channels_last
