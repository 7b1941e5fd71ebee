"""Fixtures for the training tests (helpers live in train_helpers.py, importable by name)."""

from __future__ import annotations

from typing import Any

import pytest
from train_helpers import tiny_graph


@pytest.fixture
def project() -> dict[str, Any]:
    return tiny_graph().to_dict()


@pytest.fixture(scope="session")
def _data_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("datasets"))


@pytest.fixture(autouse=True)
def _private_data_dir(_data_dir, monkeypatch) -> None:
    """The shapes cache goes to a temporary folder, not the user's ~/.cache."""
    monkeypatch.setenv("CONVNET_STUDIO_DATA", _data_dir)
