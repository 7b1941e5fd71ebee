"""Fixtures for the export tests; the helpers live in export_helpers.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from export_helpers import load_module


@pytest.fixture
def load_source(tmp_path: Path) -> Callable[..., object]:
    return lambda source, name="exported_net": load_module(source, tmp_path, name)


@pytest.fixture(autouse=True)
def _few_threads():
    torch.set_num_threads(2)
    yield
