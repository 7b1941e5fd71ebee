"""Torch-free client modules, the event codec, the config, shapes and grad norms."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from convnet_studio.train import events as ev
from convnet_studio.train.config import ConfigError, TrainConfig
from convnet_studio.train.drawn_shapes import make_shapes
from convnet_studio.train.gradnorms import GradNormMonitor, parameter_nodes
from convnet_studio.train.pipeline import random_crop_flip, random_resized_crop_flip


def test_client_modules_do_not_import_torch():
    code = (
        "import sys; import convnet_studio.train.process, convnet_studio.train.events, "
        "convnet_studio.train.config, convnet_studio.train; "
        "print('torch' in sys.modules, 'PySide6' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_event_codec_round_trips_nonfinite_values():
    line = ev.encode({"event": "step", "loss": math.nan, "norms": {"a": math.inf, "b": 1.5}})
    assert "\n" not in line
    back = ev.decode(line)
    assert math.isnan(back["loss"]) and back["norms"] == {"a": math.inf, "b": 1.5}
    assert ev.decode("some print output") is None
    assert ev.decode('{"no": "event key"}') is None


def test_config_round_trip_and_refusals():
    config = TrainConfig(dataset="cifar10", milestones=[2, 3])
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert (config.optimizer, config.lr, config.momentum, config.weight_decay) == (
        "sgd",
        0.02,
        0.9,
        1e-4,
    )
    with pytest.raises(ConfigError, match="unknown config field"):
        TrainConfig.from_dict({"learning_rate": 0.1})
    with pytest.raises(ConfigError, match="optimizer"):
        TrainConfig.from_dict({"optimizer": "lbfgs"})
    with pytest.raises(ConfigError, match="dataset"):
        TrainConfig.from_dict({"dataset": "imagenet"})


def test_shapes_are_deterministic_balanced_and_varied():
    x1, y1 = make_shapes(200, seed=3)
    x2, y2 = make_shapes(200, seed=3)
    assert x1.shape == (200, 3, 32, 32) and x1.dtype == np.uint8
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert np.bincount(y1, minlength=10).tolist() == [20] * 10
    assert not np.array_equal(make_shapes(200, seed=4)[0], x1)
    assert x1.std() > 30  # not blank images


def test_batch_augmentations_keep_shape_and_are_seeded():
    x = torch.rand(6, 3, 32, 32) * 255
    a = random_crop_flip(x, 4, torch.Generator().manual_seed(1))
    b = random_crop_flip(x, 4, torch.Generator().manual_seed(1))
    assert a.shape == x.shape and torch.equal(a, b)
    assert random_resized_crop_flip(x, torch.Generator().manual_seed(1)).shape == x.shape


def _net() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.LazyLinear(2))


def test_grad_norms_match_a_direct_computation():
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 6 * 6, 2)
    )
    net(torch.randn(2, 3, 8, 8)).sum().backward()
    nodes = parameter_nodes(net, ["0", "1", "2", "3"])
    assert nodes == ["0", "1", "3"]  # the Flatten owns no parameters
    total, norms = GradNormMonitor(net, nodes).compute()
    for node in nodes:
        expect = (
            torch.cat(
                [p.grad.flatten() for n, p in net.named_parameters() if n.startswith(node + ".")]
            )
            .norm()
            .item()
        )
        assert norms[node] == pytest.approx(expect, rel=1e-5)
    everything = torch.cat([p.grad.flatten() for p in net.parameters()]).norm().item()
    assert total == pytest.approx(everything, rel=1e-5)


def test_first_nonfinite_is_in_graph_order():
    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2))
    net(torch.randn(1, 2)).sum().backward()
    monitor = GradNormMonitor(net, ["0", "1", "2"])
    assert monitor.first_nonfinite() is None
    net[2].weight.grad[0, 0] = math.inf
    net[1].bias.grad[0] = math.nan
    assert monitor.first_nonfinite() == "1"


def test_lr_schedules():
    from convnet_studio.train.optim import lr_factor, milestones

    step = TrainConfig(epochs=8, schedule="step", warmup_epochs=0)
    assert milestones(step) == [4, 6]
    f = lr_factor(step, steps_per_epoch=10)
    assert [f(0), f(39), f(40), f(60), f(79)] == [
        1.0,
        1.0,
        pytest.approx(0.1),
        pytest.approx(0.01),
        pytest.approx(0.01),
    ]
    cos = TrainConfig(epochs=10, schedule="cosine", warmup_epochs=1, lr=0.1, min_lr=0.001)
    g = lr_factor(cos, steps_per_epoch=10)
    assert g(0) == pytest.approx(0.1) and g(9) == pytest.approx(1.0)
    assert g(10) == pytest.approx(1.0) and g(99) == pytest.approx(0.01, abs=1e-3)
    assert g(55) < g(30)


def test_threads_setting_is_validated_and_reaches_the_worker_config() -> None:
    from convnet_studio.train.config import ConfigError, TrainConfig

    assert TrainConfig().threads == 0
    assert TrainConfig.from_dict({"threads": 1}).threads == 1
    with pytest.raises(ConfigError, match="threads"):
        TrainConfig.from_dict({"threads": -1})


def test_defaults_and_the_paper_recipe_one_option_away() -> None:
    import argparse

    from convnet_studio.cli.train_command import add_train_arguments, build_run

    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    quick, _ = build_run(parser.parse_args(["resnet20_cifar"]))
    assert (quick.lr, quick.batch_size, quick.warmup_epochs) == (0.02, 64, 0.5)
    paper, _ = build_run(
        parser.parse_args(["resnet20_cifar", "--recipe", "paper", "--epochs", "3"])
    )
    assert (paper.lr, paper.batch_size, paper.warmup_epochs) == (0.1, 128, 0.0)
    assert paper.epochs == 3  # an option given explicitly wins over the recipe
    assert (paper.momentum, paper.weight_decay) == (0.9, 1e-4)


def test_shapes_are_cached_on_disk_and_redrawn_when_damaged(tmp_path) -> None:
    from convnet_studio.train.datasets import cached_shapes

    x, y = cached_shapes(40, 3, str(tmp_path))
    (cache,) = tmp_path.iterdir()
    again = cached_shapes(40, 3, str(tmp_path))
    assert np.array_equal(again[0], x) and np.array_equal(again[1], y)
    expected = make_shapes(40, seed=3)
    assert np.array_equal(x, expected[0]) and np.array_equal(y, expected[1])
    cache.write_bytes(b"PK garbage")
    redrawn = cached_shapes(40, 3, str(tmp_path))
    assert np.array_equal(redrawn[0], x)
