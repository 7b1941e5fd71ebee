"""The generated reference pages (docs/reference/) describe the code as it is."""

from __future__ import annotations

import importlib.util
import re
import sys
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


def test_every_primitive_has_its_rules_in_words(generator) -> None:
    missing = [
        s.type for s in list_blocks() if not s.is_composite and s.type not in generator.RULES
    ]
    assert not missing, f"add shape and cost rules for {missing} to docs/generate_reference.py"


@pytest.fixture(scope="module")
def pages(generator) -> dict[str, str]:
    return generator.pages()


@pytest.mark.parametrize("name", ["index.md", "blocks.md", "presets.md"])
def test_reference_page_is_current(pages, name: str) -> None:
    current = (ROOT / "docs" / "reference" / name).read_text(encoding="utf-8")
    assert current == pages[name], (
        f"docs/reference/{name} is stale: run python docs/generate_reference.py"
    )


def test_cli_page_is_current(pages) -> None:
    current = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    made_with = re.search(r"\(Python (\d+)\.(\d+)\)", current)
    if made_with and tuple(map(int, made_with.groups())) != sys.version_info[:2]:
        pytest.skip("argparse formats help differently in other Python versions")
    assert current == pages["cli.md"], (
        "docs/reference/cli.md is stale: run python docs/generate_reference.py"
    )
    for block in list_blocks():
        assert f"### {block.type}" in pages["blocks.md"]
