"""Helpers for the export tests: load generated code as a stranger would, lint it, compare.

A module of its own (not conftest) so that tests import it by a unique name."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import torch

ALLOWED_IMPORTS = {"torch", "torch.nn", "torch.nn.functional"}
RUFF_RULES = "E,F,W,I,B,UP"


def load_module(source: str, directory: Path, name: str = "exported_net"):
    """Import ``source`` from a file of its own, as a module unknown to the studio."""
    path = directory / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"_cs_export_{name}_{id(source)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def imported_modules(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found |= {
                f"{node.module}.{alias.name}" if node.module == "torch" else node.module
                for alias in node.names
            }
    return found


def ruff_problems(source: str) -> str:
    """What ``ruff check`` and ``ruff format --check`` say about ``source`` ('' if clean)."""
    ruff = [sys.executable, "-m", "ruff"]
    check = subprocess.run(
        ruff
        + [
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            RUFF_RULES,
            "--line-length",
            "100",
            "--stdin-filename",
            "net.py",
            "-",
        ],
        check=False,
        input=source,
        capture_output=True,
        text=True,
    )
    fmt = subprocess.run(
        ruff + ["format", "--isolated", "--line-length", "100", "--check", "-"],
        check=False,
        input=source,
        capture_output=True,
        text=True,
    )
    problems = ""
    if check.returncode:
        problems += check.stdout + check.stderr
    if fmt.returncode:
        problems += "not ruff-format clean\n" + fmt.stdout + fmt.stderr
    return problems


def exported_from(module, compiled: torch.nn.Module, **kwargs) -> torch.nn.Module:
    """The exported model holding ``compiled``'s tensors (built on the meta device: no init cost)."""
    with torch.device("meta"):
        model = module.build_model(**kwargs)
    model.load_state_dict(compiled.state_dict(), strict=True, assign=True)
    return model.eval()


