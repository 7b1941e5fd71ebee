"""Run directory naming, shared by the worker and the torch-free client."""

from __future__ import annotations

import os
import time
from typing import Any


def default_run_dir(project: dict[str, Any] | None) -> str:
    """``runs/<project name>-<YYYYmmdd-HHMMSS>`` (relative to the working directory)."""
    name = str((project or {}).get("name") or "run")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-") or "run"
    return os.path.join("runs", f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}")
