"""Small modules the studio needs that torch.nn does not have."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ShortcutA(nn.Module):
    """The ResNet paper's option A: subsample by ``stride`` and zero-pad the new channels."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        extra = out_channels - in_channels
        self.pad_before = extra // 2
        self.pad_after = extra - extra // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, self.pad_before, self.pad_after))

    def extra_repr(self) -> str:
        return f"stride={self.stride}, pad=({self.pad_before}, {self.pad_after})"


class StochasticDepth(nn.Module):
    """Drops the input for a random sample (``row``) or batch with probability ``p`` while
    training, scaling the survivors; the identity in eval. torchvision.ops.StochasticDepth's
    computation, written here so that exported files need no torchvision."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        size = [x.shape[0]] + [1] * (x.dim() - 1) if self.mode == "row" else [1] * x.dim()
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(survival)
        return x * noise.div_(survival) if survival > 0.0 else x * noise

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """N x (g * c) x H x W -> the channels of each group interleaved (torchvision's)."""
    return x.unflatten(1, (groups, -1)).transpose(1, 2).flatten(1, 2)


def channel_split(x: torch.Tensor, chunks: int, index: int) -> torch.Tensor:
    """Chunk ``index`` of ``x.chunk(chunks, dim=1)`` (ShuffleNet's split)."""
    return x.chunk(chunks, dim=1)[index]


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an N x C x H x W map, at every pixel (ConvNeXt's norm).

    torchvision.models.convnext.LayerNorm2d's computation (normalise channels-last, permute
    back), written here so that exported files need no torchvision.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ChannelLinear(nn.Linear):
    """nn.Linear over the channels at every pixel: N x C x H x W -> N x out x H x W.

    ConvNeXt's pointwise layers: the weight keeps nn.Linear's (out, in) shape, so torchvision's
    state_dict loads as it is, and the product runs channels-last as torchvision's does.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x.permute(0, 2, 3, 1), self.weight, self.bias).permute(0, 3, 1, 2)


def channel_scale(channels: int, init: float) -> nn.Parameter:
    """A learned C x 1 x 1 scale, every entry ``init``: ConvNeXt's ``layer_scale``."""
    return nn.Parameter(torch.full((channels, 1, 1), float(init)))
