"""Every error whose message is for the user derives from :class:`UserError`.

Errors that belong to one module live beside it (``GraphError`` in ``graph/model.py``,
``ConfigError`` in ``train/config.py``); those that several modules of a package raise live
here: the export, preset and import errors. The command line catches ``UserError`` (and
``OSError``) in one place, ``convnet_studio.cli``, and prints the message as one sentence with
exit status 2, never a traceback. This module imports nothing, so every layer can use it.
"""

from __future__ import annotations

import sys

PROGRAM = "convnet-studio"


class UserError(Exception):
    """Something the user can fix: the message says what, naming the node, field or file."""


class CommandError(UserError):
    """A command-line argument that cannot work (a bad output suffix, a missing source)."""


class PresetError(UserError, ValueError):
    """An unknown preset, or a class count or input size a preset cannot take."""


class WeightsError(UserError, ValueError):
    """A checkpoint that cannot be read, or whose tensors do not fit the preset."""


class ExportError(UserError):
    """Something about an export the user can fix: an invalid graph, a bad path or weights."""


class InvalidGraphError(ExportError):
    """The graph has problems, so there is nothing sound to export."""


class ExportWeightsError(ExportError):
    """A weights file given to an export that cannot be read or does not fit the network."""


class ExportPathError(ExportError):
    """The output path cannot be written."""


class ImportRefused(UserError, ValueError):
    """The model cannot become a studio graph; nothing was written.

    ``path`` is the module path (``features.3.block.1``) where the import stopped, or ``""``.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def print_error(message: str) -> None:
    """The command line's one format for an error: ``convnet-studio: error: <message>``."""
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
