"""The spare worker: started ahead of its run, handed the run, ended when not wanted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from train_helpers import small_config, tiny_graph

from convnet_studio.train.process import TrainingProcess, start_worker
from convnet_studio.train.spare import ENABLE_ENV, SpareWorker
from convnet_studio.train.worker_paths import LOCK_NAME

TIMEOUT = 120
AWAIT = [sys.executable, "-m", "convnet_studio.train.worker", "--await-spec", "--stop-on-eof"]


@pytest.fixture(autouse=True)
def spares_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENABLE_ENV, "1")  # tests/conftest.py turns spares off for the rest


def _events(proc: TrainingProcess) -> list[dict]:
    return list(proc.events(timeout=TIMEOUT))


@pytest.mark.slow  # a worker process
def test_a_run_handed_to_the_spare_trains_under_the_clients_lock(tmp_path):
    spare = SpareWorker()
    assert spare.prepare() and spare.alive
    assert spare.wait_ready(TIMEOUT) and spare.wait_ready()  # warmed up: torch imported
    pid = spare.pid
    proc = TrainingProcess(tiny_graph().to_dict(), small_config(tmp_path, max_steps=3),
                           spare=spare)
    proc.start()
    events = _events(proc)
    assert proc.warm and proc.pid == pid and not spare.alive  # the spare became the worker
    assert [e["event"] for e in events if e["event"] == "error"] == []  # the lock was the client's
    assert events[-1]["event"] == "finished" and events[-1]["reason"] == "max_steps"
    assert len([e for e in events if e["event"] == "step"]) == 3
    assert proc.wait(30) == 0
    assert not os.path.exists(os.path.join(proc.run_dir, LOCK_NAME))  # released after the run


@pytest.mark.slow  # a worker process
def test_a_spare_for_another_environment_is_ended_and_a_fresh_worker_started(tmp_path):
    spare = SpareWorker()
    spare.prepare(env={"CUDA_VISIBLE_DEVICES": "0"})
    old = spare._proc
    proc = TrainingProcess(tiny_graph().to_dict(), small_config(tmp_path, max_steps=1),
                           spare=spare, env={"CUDA_VISIBLE_DEVICES": ""})
    proc.start()
    events = _events(proc)
    assert not proc.warm and old is not None and old.poll() is not None  # ended, not leaked
    assert events[-1]["reason"] == "max_steps"


def test_prepare_keeps_a_matching_spare_and_replaces_another():
    spare = SpareWorker()
    try:
        spare.prepare()
        first = spare.pid
        spare.prepare()
        assert spare.pid == first
        spare.prepare(env={"CUDA_VISIBLE_DEVICES": "1"})
        assert spare.pid != first and spare.alive
    finally:
        spare.close()
    assert not spare.alive


def test_spares_can_be_turned_off(monkeypatch):
    monkeypatch.setenv(ENABLE_ENV, "0")
    spare = SpareWorker()
    assert not spare.prepare() and not spare.alive


@pytest.mark.slow  # a worker process imports torch
def test_a_spare_whose_client_goes_away_exits():
    proc = start_worker(AWAIT, {})
    proc.stdin.close()  # the GUI died (or quit) before handing it a run
    assert proc.wait(TIMEOUT) == 0
    assert proc.stdout.read() == '{"event":"spare_ready"}\n'  # and no run's events


@pytest.mark.slow  # a worker process imports torch
def test_a_bad_handover_line_ends_the_spare_with_a_message():
    proc = start_worker(AWAIT, {})
    out, err = proc.communicate(json.dumps({"spec": 5}) + "\n", timeout=TIMEOUT)
    assert proc.returncode != 0 and out == '{"event":"spare_ready"}\n'
    assert "bad hand-over line" in err


def test_a_dead_spare_is_not_handed_a_run(tmp_path):
    spare = SpareWorker()
    spare.prepare(python=sys.executable)
    spare._proc.kill()
    spare._proc.wait()
    assert spare.take(str(tmp_path / "spec.json"), {}) is None


def test_the_spare_is_kept_for_its_interpreter():
    key = SpareWorker.key
    assert key(None, None) == key(sys.executable, {})
    assert key(None, {"A": "1"}) != key(None, {"A": "2"})
    assert key("/other/python", None) != key(None, None)


def test_the_worker_needs_a_spec_or_await_spec():
    done = subprocess.run([sys.executable, "-m", "convnet_studio.train.worker"],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2 and "--await-spec" in done.stderr


def test_no_spare_when_memory_is_short(monkeypatch):
    import convnet_studio.train.spare as spare_module

    monkeypatch.setattr(spare_module, "available_memory", lambda: spare_module.MIN_AVAILABLE_BYTES - 1)
    assert not SpareWorker().prepare()
    monkeypatch.setattr(spare_module, "available_memory", lambda: None)  # not Linux: unknown
    assert spare_module.spare_enabled()
