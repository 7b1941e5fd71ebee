"""Every preset with its size and cost at its default input: the ``presets`` command and docs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convnet_studio.presets.registry import PresetInfo, get_preset, list_presets


@dataclass(frozen=True)
class PresetSummary:
    """A preset's :class:`PresetInfo` with its parameters and MACs at its default input."""

    info: PresetInfo
    params: int
    macs: int

    def to_dict(self) -> dict[str, Any]:
        info = self.info
        return {
            "name": info.name,
            "family": info.family,
            "description": info.description,
            "params": self.params,
            "macs": self.macs,
            "input": list(info.default_input),
            "num_classes": info.default_num_classes,
            "torchvision": info.torchvision,
            "source": info.source,
        }


def summaries(family: str | None = None) -> list[PresetSummary]:
    """Build and analyse every preset (of ``family``) at its defaults; no torch involved."""
    result = []
    for info in list_presets(family):
        total = get_preset(info.name).analyze().total
        result.append(PresetSummary(info, total.params, total.macs))
    return result


def fmt_count(n: int) -> str:
    """``25557032 -> "25.6M"``, ``269722 -> "0.27M"``."""
    return f"{n / 1e6:.1f}M" if n >= 10e6 else f"{n / 1e6:.2f}M"


def fmt_gmacs(macs: int) -> str:
    """MACs in billions with three significant decimals (``4.089``, ``0.0406``)."""
    g = macs / 1e9
    return f"{g:.3f}" if g >= 1 else f"{g:.4f}"
