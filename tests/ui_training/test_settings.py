"""The run settings form: paper defaults, config validation, the device list."""

from __future__ import annotations

import json

from convnet_studio.train.config import TrainConfig
from convnet_studio.ui.training.device_probe import BASE_DEVICES, DeviceProbe, parse_probe
from convnet_studio.ui.training.run_settings import RunSettings

PROBE_OUT = json.dumps({"cuda": [{"index": 0, "name": "NVIDIA H100", "memory_gb": 79.6,
                                  "capability": "9.0"},
                                 {"index": 1, "name": "NVIDIA H100", "memory_gb": 79.6,
                                  "capability": "9.0"}], "mps": False, "torch": "2.x"})


def test_defaults_are_quick_and_the_paper_button_sets_the_papers(qtbot) -> None:
    form = RunSettings(probe=DeviceProbe())
    qtbot.addWidget(form)
    config = TrainConfig.from_dict(form.config())
    assert (config.optimizer, config.lr, config.momentum, config.weight_decay,
            config.batch_size, config.schedule) == ("sgd", 0.02, 0.9, 1e-4, 64, "step")
    form.set_values(optimizer="adam", lr=0.001, batch_size=7)
    form.paper.click()
    assert form.config()["optimizer"] == "sgd" and form.config()["batch_size"] == 128


def test_gpu_list_from_the_probe(qtbot) -> None:
    devices = parse_probe("some warning\n" + PROBE_OUT)
    assert [d.config for d in devices] == ["auto", "cpu", "cuda", "cuda"]
    assert "H100" in devices[3].label and devices[3].index == 1
    assert parse_probe("not json") == list(BASE_DEVICES)
    probe = DeviceProbe()
    form = RunSettings(probe=probe)
    qtbot.addWidget(form)
    probe.devices = devices
    probe.devices_found.emit(devices)
    form.device.setCurrentIndex(3)
    assert form.config()["device"] == "cuda" and form.worker_env() == {"CUDA_VISIBLE_DEVICES": "1"}
    assert form.channels_last.isChecked() and form.amp.isEnabled()
    form.amp.setChecked(True)
    assert form.config()["amp"] == "auto"


def test_folder_dataset(qtbot, tmp_path) -> None:
    for name in ("cats", "dogs"):
        (tmp_path / name).mkdir()
    form = RunSettings(probe=DeviceProbe())
    qtbot.addWidget(form)
    form.set_values(dataset="folder", folder=str(tmp_path))
    assert form.config()["dataset"] == f"folder:{tmp_path}"
    from training_helpers import tiny_graph

    from convnet_studio.ui.training.preflight import check

    issues = check(tiny_graph(), form.config()["dataset"])
    assert issues and issues[0].node == "fc" and "2 classes" in issues[0].message
