"""Fixtures for the training tests (helpers live in train_helpers.py, importable by name)."""

from __future__ import annotations

from typing import Any

import pytest
from train_helpers import tiny_graph


@pytest.fixture
def project() -> dict[str, Any]:
    return tiny_graph().to_dict()
