"""An imported MobileNetV2 trains on the built-in data, with per-node gradient norms."""

from __future__ import annotations

import pytest

from convnet_studio.importer import import_model
from convnet_studio.train.config import TrainConfig
from convnet_studio.train.worker import run_training


@pytest.mark.slow
def test_imported_mobilenet_v2_trains_and_reports_gradient_norms(tmp_path) -> None:
    graph = import_model("torchvision:mobilenet_v2", (3, 32, 32), num_classes=10).graph
    config = TrainConfig.from_dict({
        "train_size": 64, "val_size": 32, "epochs": 1, "batch_size": 16, "lr": 0.01,
        "grad_norm_every": 2, "out": str(tmp_path / "run"), "tensorboard": False,
    })
    events: list[dict] = []
    assert run_training(graph.to_dict(), config, callback=events.append) == 0
    assert events[-1]["event"] == "finished" and events[-1]["reason"] == "completed"
    nodes = next(e for e in events if e["event"] == "started")["nodes"]
    assert nodes[:3] == ["features.0.0", "features.0.1", "features.1.conv.0.0"]
    norms = next(e for e in events if e["event"] == "grad_norms")
    assert list(norms["norms"]) == nodes and norms["total"] > 0
    assert norms["norms"]["classifier.1"] > 0 and norms["norms"]["features.18.1"] > 0
