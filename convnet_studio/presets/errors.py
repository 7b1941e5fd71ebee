"""Errors whose message is for the user; the CLI shows them as one sentence (exit code 2)."""

from __future__ import annotations

from convnet_studio.errors import UserError


class PresetError(UserError, ValueError):
    """An unknown preset, or a class count or input size a preset cannot take."""


class WeightsError(UserError, ValueError):
    """A checkpoint that cannot be read, or whose tensors do not fit the preset."""
