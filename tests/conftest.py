"""Shared test set-up: Qt renders offscreen, so the suite runs on machines with no display."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep torch from using more threads than the CI machine has cores.
os.environ.setdefault("OMP_NUM_THREADS", "2")

