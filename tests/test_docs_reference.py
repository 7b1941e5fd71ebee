"""The generated reference pages (docs/reference/) describe the code as it is."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from convnet_studio.graph import list_blocks

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location(
        "generate_reference", ROOT / "docs" / "generate_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_primitive_has_its_rules_in_words() -> None:
    missing = [
        s.type for s in list_blocks() if not s.is_composite and not (s.shape_doc and s.cost_doc)
    ]
    assert not missing, f"give {missing} a shape_doc and a cost_doc in its register_block"


@pytest.fixture(scope="module")
def pages(generator) -> dict[str, str]:
    return generator.pages()


@pytest.mark.parametrize("name", ["index.md", "blocks.md", "presets.md"])
def test_reference_page_is_current(pages, name: str) -> None:
    current = (ROOT / "docs" / "reference" / name).read_text(encoding="utf-8")
    assert current == pages[name], (
        f"docs/reference/{name} is stale: run python docs/generate_reference.py"
    )


def test_cli_page_lists_every_command_and_option(generator) -> None:
    """Every subcommand and every option flag is in cli.md (help wording may lag a little;
    regenerate with python docs/generate_reference.py)."""
    import argparse

    from convnet_studio.cli import build_parser

    page = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert f"## convnet-studio {name}" in page, f"cli.md lacks '{name}': regenerate it"
        for action in command._actions:
            for flag in action.option_strings:
                assert flag in page, (
                    f"cli.md lacks {name} {flag}: run python docs/generate_reference.py"
                )


def test_every_block_has_a_section(pages) -> None:
    for block in list_blocks():
        assert f"### {block.type}" in pages["blocks.md"]
