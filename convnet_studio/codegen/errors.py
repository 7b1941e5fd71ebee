"""Export errors whose message is for the user (the CLI prints them as one sentence)."""

from __future__ import annotations

from convnet_studio.errors import UserError


class ExportError(UserError):
    """Something about an export the user can fix: an invalid graph, a bad path or checkpoint."""


class InvalidGraphError(ExportError):
    """The graph has problems, so there is nothing sound to export."""


class CheckpointError(ExportError):
    """A weights file that cannot be read or does not fit the network."""


class ExportPathError(ExportError):
    """The output path cannot be written."""
