"""The exceptions that mean "the user's input is wrong" (shown as one sentence, no traceback)."""

from __future__ import annotations

import sys


def user_errors() -> tuple[type[BaseException], ...]:
    """Error types whose message is meant for the user, from the packages already loaded."""
    from convnet_studio.cli import CommandError
    from convnet_studio.graph.model import GraphError
    from convnet_studio.graph.params import ParamError
    from convnet_studio.graph.project_file import ProjectFileError
    from convnet_studio.sources import SourceError

    errors: list[type[BaseException]] = [CommandError, GraphError, ParamError, ProjectFileError, SourceError, OSError]
    compiler = sys.modules.get("convnet_studio.compile.compiler")
    if compiler is not None:
        errors.append(compiler.CompileError)
    for module_name in ("convnet_studio.train.errors", "convnet_studio.codegen.errors", "convnet_studio.presets.errors",
                        "convnet_studio.importer.errors"):
        module = sys.modules.get(module_name)
        for value in vars(module).values() if module else ():
            if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == module_name:
                errors.append(value)
    return tuple(errors)
