"""Shared test set-up: Qt renders offscreen, so the suite runs on machines with no display."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep torch from using more threads than the CI machine has cores.
os.environ.setdefault("OMP_NUM_THREADS", "2")

# No spare training worker (torch imported, ~300 MB) behind every window a test opens;
# tests/train/test_spare.py turns it on where it is the subject.
os.environ.setdefault("CONVNET_STUDIO_SPARE_WORKER", "0")
