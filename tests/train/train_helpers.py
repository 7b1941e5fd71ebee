"""Tiny graphs and configs so the training tests stay fast on two CPU cores."""

from __future__ import annotations

from typing import Any

from convnet_studio.graph import Graph
from convnet_studio.train.config import TrainConfig


def tiny_graph(
    classes: int = 10, channels: int = 3, size: int = 32, width: int = 8, dropout: float = 0.0
) -> Graph:
    """conv-bn-relu-pool x2, global pool, linear: learns the shapes set in seconds."""
    g = Graph("tiny")
    x = g.add("Input", channels=channels, height=size, width=size)
    x = g.add("Conv2d", inputs=x, out_channels=width, kernel_size=3, padding=1, name="conv1")
    x = g.add("BatchNorm2d", inputs=x, name="bn1")
    x = g.add("ReLU", inputs=x)
    x = g.add("MaxPool2d", inputs=x, kernel_size=2, stride=2)
    x = g.add("Conv2d", inputs=x, out_channels=2 * width, kernel_size=3, padding=1, name="conv2")
    x = g.add("BatchNorm2d", inputs=x, name="bn2")
    x = g.add("ReLU", inputs=x)
    x = g.add("MaxPool2d", inputs=x, kernel_size=2, stride=2)
    x = g.add("Conv2d", inputs=x, out_channels=4 * width, kernel_size=3, padding=1, name="conv3")
    x = g.add("BatchNorm2d", inputs=x, name="bn3")
    x = g.add("ReLU", inputs=x)
    x = g.add("GlobalAvgPool", inputs=x)
    x = g.add("Flatten", inputs=x)
    if dropout:
        x = g.add("Dropout", inputs=x, p=dropout)
    x = g.add("Linear", inputs=x, out_features=classes, name="fc")
    g.add("Output", inputs=x)
    return g


def small_config(tmp_path, **changes: Any) -> TrainConfig:
    base = {
        "train_size": 512,
        "val_size": 128,
        "epochs": 1,
        "batch_size": 32,
        "lr": 0.05,
        "grad_norm_every": 4,
        "out": str(tmp_path / "run"),
        "tensorboard": False,
    }
    base.update(changes)
    return TrainConfig.from_dict(base)
