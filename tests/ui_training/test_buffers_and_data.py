"""The numpy side: growable buffers, TensorBoard's EMA, RunData fed by events."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convnet_studio.ui.training.buffers import GrowArray, ema
from convnet_studio.ui.training.run_data import RunData, dump_events
from convnet_studio.ui.training.synthetic import synthetic_events


def reference_ema(x: np.ndarray, w: float) -> np.ndarray:
    out, y = [], 0.0
    for i, v in enumerate(x):
        y = w * y + (1 - w) * v
        out.append(y / (1 - w ** (i + 1)))
    return np.array(out)


def test_grow_array_doubles_and_keeps_values() -> None:
    a = GrowArray(capacity=2)
    for i in range(1000):
        a.append(float(i))
    assert len(a) == 1000 and a.data[-1] == 999.0 and len(a._data) == 1024
    m = GrowArray(cols=3, capacity=1)
    m.extend(np.ones((5, 3)))
    assert m.data.shape == (5, 3)


@pytest.mark.parametrize("w", [0.0, 0.5, 0.6, 0.9, 0.99, 0.999])
def test_ema_matches_tensorboard(w: float) -> None:
    x = np.random.default_rng(0).random(3000)
    got, _ = ema(x, w)
    np.testing.assert_allclose(got, reference_ema(x, w), rtol=1e-9, atol=1e-12)


def test_ema_continues_in_chunks_and_skips_nan() -> None:
    x = np.random.default_rng(1).random(500)
    a, carry = ema(x[:123], 0.9)
    b, _ = ema(x[123:], 0.9, carry, 123)
    np.testing.assert_allclose(np.concatenate([a, b]), reference_ema(x, 0.9), rtol=1e-9)
    x[10] = math.nan
    assert np.isfinite(ema(x, 0.9)[0]).all()


def test_run_data_from_events_and_files(tmp_path) -> None:
    events = list(synthetic_events(steps=120, nodes=4, steps_per_epoch=40, grad_every=10))
    run = RunData("a")
    for e in events:
        run.feed(e)
    assert len(run.step) == 120 and len(run.epochs["epoch"]) == 3
    assert run.grad_norms.data.shape == (12, 4)
    assert list(run.latest_grad_norms()) == ["conv1", "conv2", "conv3", "fc"]
    assert run.summary()["state"] == "completed"
    dump_events(events, str(tmp_path / "metrics.jsonl"))
    loaded = RunData.from_jsonl(str(tmp_path / "metrics.jsonl"))
    np.testing.assert_array_equal(loaded.loss.data, run.loss.data)
    run.write_csv(str(tmp_path / "out.csv"))
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0].startswith("event,step,loss") and len(lines) == 1 + 120 + 3
