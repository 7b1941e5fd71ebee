"""An imported MobileNetV2 trains on the built-in data, with a gradient norm per block."""

from __future__ import annotations

import pytest

from convnet_studio.importer import import_model
from convnet_studio.train.config import TrainConfig
from convnet_studio.train.worker import run_training


@pytest.mark.slow
def test_imported_mobilenet_v2_trains_and_reports_gradient_norms(tmp_path) -> None:
    result = import_model("torchvision:mobilenet_v2", (3, 32, 32), num_classes=10)
    blocks = [f"features.{i}" for i in range(1, 18)]
    assert all(result.composites[name] == "InvertedResidual" for name in blocks)
    config = TrainConfig.from_dict({
        "train_size": 64, "val_size": 32, "epochs": 1, "batch_size": 16, "lr": 0.01,
        "grad_norm_every": 2, "out": str(tmp_path / "run"), "tensorboard": False,
    })
    events: list[dict] = []
    assert run_training(result.graph.to_dict(), config, callback=events.append) == 0
    assert events[-1]["event"] == "finished" and events[-1]["reason"] == "completed"
    nodes = next(e for e in events if e["event"] == "started")["nodes"]
    # Each inverted residual is one node, so its norm covers the whole block.
    assert nodes[:3] == ["features.0.0", "features.0.1", "features.1"] and set(blocks) <= set(nodes)
    norms = next(e for e in events if e["event"] == "grad_norms")
    assert list(norms["norms"]) == nodes and norms["total"] > 0
    assert norms["norms"]["classifier.1"] > 0 and norms["norms"]["features.18.1"] > 0
    assert all(norms["norms"][name] > 0 for name in blocks)
