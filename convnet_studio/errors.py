"""The one base of every error whose message is for the user: :class:`UserError`.

Each package raises its own subclasses (``GraphError``, ``ExportError``, ``PresetError``...);
the command line catches ``UserError`` (and ``OSError``) in one place, ``convnet_studio.cli``,
and prints the message as one sentence with exit status 2, never a traceback. This module
imports nothing, so every layer can use it.
"""

from __future__ import annotations

import sys

PROGRAM = "convnet-studio"


class UserError(Exception):
    """Something the user can fix: the message says what, naming the node, field or file."""


class CommandError(UserError):
    """A command-line argument that cannot work (a bad output suffix, a missing source)."""


def print_error(message: str) -> None:
    """The command line's one format for an error: ``convnet-studio: error: <message>``."""
    print(f"{PROGRAM}: error: {message}", file=sys.stderr)
