"""The ``convnet-studio`` command: the GUI by default, subcommands for scripted work.

Each subcommand is a module of this package (``render`` excepted: it is ``ui/render.py``,
beside the drawing code File > Export image uses) and is imported only when used, so
``convnet-studio validate`` never loads torch and the window opens fast.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
import traceback
from pathlib import Path
from typing import Callable

from convnet_studio.errors import CommandError, UserError, print_error

__all__ = ["COMMANDS", "CommandError", "build_parser", "gui_main", "main"]

# name -> (module, function adding arguments, function running it, one-line help)
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "validate": ("convnet_studio.cli.graph_commands", "add_validate_arguments", "run_validate",
                 "check a project file or preset; exit 1 and one line per problem if it is invalid"),
    "summary": ("convnet_studio.cli.graph_commands", "add_summary_arguments", "run_summary",
                "per-node table of shapes, parameters and MACs for a project file or preset"),
    "presets": ("convnet_studio.cli.presets_commands", "add_presets_arguments", "run_presets",
                "list the built-in networks (ResNet, GoogLeNet, VGG, plain and CIFAR nets)"),
    "weights": ("convnet_studio.cli.presets_commands", "add_weights_arguments", "run_weights",
                "load a torchvision-format checkpoint into a preset and write a verified state_dict (.pt)"),
    "import": ("convnet_studio.cli.import_command", "add_import_arguments", "run_import",
               "import a PyTorch model (torchvision:NAME or file.py:callable) as a checked project file"),
    "export": ("convnet_studio.cli.export_command", "add_export_arguments", "run_export",
               "export standalone Python code, ONNX, TorchScript or a state_dict"),
    "train": ("convnet_studio.cli.train_command", "add_train_arguments", "run_train_command",
              "train a project file or preset on a dataset, streaming metrics"),
    "render": ("convnet_studio.ui.render", "add_render_arguments", "run_render",
               "draw a graph to PNG or SVG without opening a window"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, the arguments of that one command alone.

    Each command's arguments come from its module, so ``only`` imports one module instead
    of all (``train`` starts faster: the others bring the graph analysis, export...); the
    other commands are still listed, with their help, for ``--help`` and typos.
    """
    parser = argparse.ArgumentParser(
        prog="convnet-studio",
        description="ConvNet Studio: build CNNs by hand, see every shape and cost, train and export them. "
        "With no command, opens the studio (on SOURCE if given).",
    )
    from convnet_studio import __version__

    parser.add_argument("--version", action="version", version=f"convnet-studio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, add, _run, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if only is not None and name != only:
            continue
        try:
            getattr(importlib.import_module(module), add)(command)
        except ImportError:
            command.set_defaults(_unavailable=module)
    gui = sub.add_parser("open", help="open the studio window (the default)")
    gui.add_argument("source", nargs="?", help="project file or preset name")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] != "open" and not argv[0].startswith("-")):
        return _open(argv[0] if argv else None)
    parser = build_parser(only=argv[0] if argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command == "open":
        return _open(args.source)
    if getattr(args, "_unavailable", None):
        return _fail(f"the '{args.command}' command is not available in this installation")
    module, _add, run, _help = COMMANDS[args.command]
    return _guarded(lambda: getattr(importlib.import_module(module), run)(args))


def _open(source: str | None) -> int:
    # Refuse a typo before any Qt import: the window would hide it (or hang without a display).
    problem = unknown_word(source) if source else None
    return _fail(problem) if problem else gui_main([source] if source else [])


def unknown_word(word: str) -> str | None:
    """Why ``convnet-studio WORD`` cannot open ``word`` (naming the nearest name), or None if it can."""
    from convnet_studio.sources import looks_like_file

    if Path(word).exists():
        return None
    if looks_like_file(word):
        return f"no such file: {word}"
    from convnet_studio.presets import preset_names

    presets = preset_names()
    if word in presets:
        return None
    nearest = nearest_name(word, [*COMMANDS, "open", *presets])
    if nearest:
        kind = "preset" if nearest in presets else "command"
        return f"{word!r} is neither a command, a file nor a preset; did you mean the {kind} {nearest!r}?"
    return (f"{word!r} is neither a command, a file nor a preset "
            "(run 'convnet-studio --help' for the commands, 'convnet-studio presets' for the presets)")


def nearest_name(word: str, names: list[str]) -> str | None:
    """The name ``word`` most likely meant: one it begins (``resnet20`` for ``resnet20_cifar``), else the
    closest spelling (``trian`` for ``train``), ignoring case and ``-`` for ``_``; None if none is close."""
    key = word.lower().replace("-", "_")
    starting = [n for n in names if n.startswith(key)]
    if starting:
        return min(starting, key=len)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    return close[0] if close else None


def gui_main(argv: list[str] | None = None) -> int:
    """Open the studio window, on ``argv[0]`` (a project file or preset) if given."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from convnet_studio.cli.display_check import display_problem

    problem = display_problem()  # before Qt loads: a missing library would abort the process
    if problem:
        return _fail(problem)
    from convnet_studio.ui.app import run_app

    return _guarded(lambda: run_app(argv))


def _guarded(run: Callable[[], int | None]) -> int:
    try:
        return int(run() or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``convnet-studio presets | head``): not an error. Point
        # stdout at /dev/null so the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (UserError, OSError) as exc:  # the one place user-facing errors are reported
        return _fail(str(exc))
    except Exception as exc:  # an internal error: still one sentence unless debugging
        if os.environ.get("CONVNET_STUDIO_DEBUG"):
            traceback.print_exc()
        return _fail(f"internal error: {type(exc).__name__}: {exc} (set CONVNET_STUDIO_DEBUG=1 for details)", 3)


def _fail(message: str, code: int = 2) -> int:
    print_error(message)
    return code
