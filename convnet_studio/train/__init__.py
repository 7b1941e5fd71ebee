"""Training: a worker process that trains a graph and streams JSON events, and its client.

Torch-free entry points (safe for the GUI to import): :mod:`.config` (``TrainConfig``),
:mod:`.events` (the event schema) and :mod:`.process` (``TrainingProcess``). The worker
side (``engine``, ``pipeline``, ``datasets``...) imports torch but never Qt.
"""

from __future__ import annotations

from convnet_studio.train.config import ConfigError, TrainConfig
from convnet_studio.train.process import TrainingProcess

__all__ = ["ConfigError", "TrainConfig", "TrainingProcess"]
