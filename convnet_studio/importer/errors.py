"""The importer's refusals: one sentence naming the module path and what could not be mapped."""

from __future__ import annotations

from convnet_studio.errors import UserError


class ImportRefused(UserError, ValueError):
    """The model cannot become a studio graph; nothing was written.

    ``path`` is the module path (``features.3.block.1``) where the import stopped, or ``""``.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message
