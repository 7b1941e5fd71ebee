"""In-process runs: learning, failure messages, metrics files, checkpoints, resumption."""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle

import numpy as np
import pytest
import torch
from train_helpers import small_config, tiny_graph

from convnet_studio.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from convnet_studio.train.worker import run_training


def _run(project, config):
    events: list[dict] = []
    code = run_training(project, config, callback=events.append)
    return code, events


def _of(events, kind):
    return [e for e in events if e["event"] == kind]


@pytest.mark.slow  # trains for seconds
def test_short_run_on_shapes_learns(tmp_path):
    config = small_config(
        tmp_path, train_size=3072, val_size=256, epochs=2, lr=0.1, schedule="cosine"
    )
    code, events = _run(tiny_graph(width=16).to_dict(), config)
    assert code == 0 and events[-1]["event"] == "finished"
    assert events[-1]["reason"] == "completed"
    losses = [e["loss"] for e in _of(events, "step")]
    assert sum(losses[-10:]) / 10 < sum(losses[:10]) / 10 - 0.15
    last = _of(events, "epoch")[-1]
    assert last["val_top1"] > 0.2  # chance is 0.1
    started = _of(events, "started")[0]
    assert started["nodes"] == ["conv1", "bn1", "conv2", "bn2", "conv3", "bn3", "fc"]
    norms = _of(events, "grad_norms")[0]
    assert list(norms["norms"]) == started["nodes"] and norms["total"] > 0


@pytest.mark.slow  # trains for seconds
def test_metrics_files(tmp_path, project):
    _code, events = _run(project, small_config(tmp_path))
    run = tmp_path / "run"
    lines = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert [l["event"] for l in lines] == [e["event"] for e in events]
    rows = list(csv.DictReader((run / "metrics.csv").read_text().splitlines()))
    assert {r["event"] for r in rows} == {"step", "epoch"}
    assert len([r for r in rows if r["event"] == "step"]) == 512 // 32
    grad_rows = list(csv.reader((run / "grad_norms.csv").read_text().splitlines()))
    assert grad_rows[0][:4] == ["step", "epoch", "total", "conv1"] and len(grad_rows) == 1 + 4


def test_missing_dataset_names_the_directory(tmp_path, project):
    config = small_config(tmp_path, dataset="cifar10", data_dir=str(tmp_path / "nowhere"))
    code, events = _run(project, config)
    error = _of(events, "error")[0]
    assert code == 1 and error["kind"] == "data"
    assert str(tmp_path / "nowhere") in error["message"] and "--download" in error["message"]
    assert events[-1] == {**events[-1], "event": "finished", "reason": "error"}


def test_input_shape_mismatch_names_the_input_node(tmp_path, project):
    _code, events = _run(project, small_config(tmp_path, dataset="mnist"))
    error = _of(events, "error")[0]
    assert error["kind"] == "shape" and error["node"] == "input1"
    assert "3 x 32 x 32" in error["message"] and "1 x 28 x 28" in error["message"]
    assert "--adapt-input" in error["message"]


def test_class_count_mismatch_names_the_last_layer(tmp_path):
    _code, events = _run(tiny_graph(classes=7).to_dict(), small_config(tmp_path))
    error = _of(events, "error")[0]
    assert (
        error["node"] == "fc"
        and "7 outputs" in error["message"]
        and "10 classes" in error["message"]
    )


def test_adapt_input_trains_a_grey_graph_on_rgb_data(tmp_path):
    code, events = _run(
        tiny_graph(channels=1, size=28).to_dict(),
        small_config(tmp_path, adapt_input=True, train_size=64, val_size=32),
    )
    assert code == 0 and events[-1]["reason"] == "completed"


def test_nonfinite_loss_names_step_and_node(tmp_path, project):
    code, events = _run(
        project, small_config(tmp_path, lr=1e12, momentum=0.0, weight_decay=0.0, grad_norm_every=1)
    )
    error = _of(events, "error")[0]
    assert code == 1 and error["kind"] == "nonfinite"
    assert error["step"] >= 2 and f"step {error['step']}" in error["message"]
    assert error["node"] == "conv1" and "'conv1'" in error["message"]


def test_max_steps_stops_with_a_checkpoint(tmp_path, project):
    _code, events = _run(project, small_config(tmp_path, max_steps=5))
    assert events[-1]["reason"] == "max_steps" and events[-1]["step"] == 5
    state = load_checkpoint(events[-1]["checkpoint"])
    assert state["step"] == 5 and state["batch"] == 5 and state["graph"]["name"] == "tiny"
    assert set(state) >= {"model", "optimizer", "schedule", "rng", "pipeline", "config"}


@pytest.mark.slow  # trains for seconds
def test_resume_continues_exactly(tmp_path):
    # dropout + crop/flip augmentation exercise every RNG the checkpoint must carry
    project = tiny_graph(dropout=0.3).to_dict()
    common = {
        "epochs": 2,
        "augment": "cifar",
        "grad_norm_every": 0,
        "schedule": "cosine",
        "warmup_epochs": 0.5,
    }
    n = 24  # 16 steps per epoch: the halfway checkpoint is mid-epoch
    _, straight = _run(project, small_config(tmp_path / "a", max_steps=n, **common))
    _, first = _run(project, small_config(tmp_path / "b", max_steps=n // 2, **common))
    _, second = _run(
        None, small_config(tmp_path / "b", max_steps=n, **common, resume=first[-1]["checkpoint"])
    )
    assert _of(second, "started")[0]["start_step"] == n // 2
    losses = [e["loss"] for e in _of(straight, "step")]
    resumed = [e["loss"] for e in _of(first, "step") + _of(second, "step")]
    assert resumed == losses
    a = load_checkpoint(str(tmp_path / "a" / "run" / "last.pt"))["model"]
    b = load_checkpoint(str(tmp_path / "b" / "run" / "last.pt"))["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert _of(straight, "epoch")[-1] == {
        **_of(second, "epoch")[-1],
        "time": _of(straight, "epoch")[-1]["time"],
        "epoch_time": _of(straight, "epoch")[-1]["epoch_time"],
        "img_per_s": _of(straight, "epoch")[-1]["img_per_s"],
    }


def test_checkpoint_write_is_atomic_and_loads_weights_only(tmp_path):
    path = str(tmp_path / "last.pt")
    save_checkpoint(path, {"model": {"w": torch.ones(3)}, "step": 1})
    with pytest.raises(
        (AttributeError, TypeError, pickle.PicklingError)
    ):  # a lambda cannot be pickled: the write fails midway
        save_checkpoint(path, {"model": {"w": torch.zeros(3)}, "bad": lambda: 0})
    assert torch.equal(load_checkpoint(path)["model"]["w"], torch.ones(3))
    assert os.listdir(tmp_path) == ["last.pt"]  # no temporary file left behind

    # any non-tensor object (here an argparse Namespace) is refused by weights_only loading
    torch.save({"format": 1, "x": argparse.Namespace(a=1)}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="never loads those"):
        load_checkpoint(str(tmp_path / "evil.pt"))
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(str(tmp_path / "missing.pt"))


@pytest.mark.slow  # trains for seconds
def test_image_folder_with_validation_split(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        (tmp_path / "imgs" / label).mkdir(parents=True)
        for i in range(10):
            pixels = rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "imgs" / label / f"{i}.png")
    config = small_config(
        tmp_path, dataset=f"folder:{tmp_path / 'imgs'}", batch_size=4, val_split=0.2
    )
    code, events = _run(tiny_graph(classes=2).to_dict(), config)
    started = _of(events, "started")[0]
    assert code == 0 and (started["num_train"], started["num_val"]) == (16, 4)
    assert _of(events, "epoch")[0]["val_top1"] >= 0
    code, events = _run(tiny_graph(classes=3).to_dict(), config)
    assert "2 classes" in _of(events, "error")[0]["message"]
