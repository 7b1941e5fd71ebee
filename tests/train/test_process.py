"""The worker as a child process: stop, pause/resume, a killed worker, DDP, the CLI."""

from __future__ import annotations

import os
import signal
import time

import pytest
from train_helpers import small_config, tiny_graph

from convnet_studio.cli import main
from convnet_studio.train.process import TrainingProcess, describe_exit

TIMEOUT = 120


def _collect(proc, until=None):
    events = []
    for event in proc.events(timeout=TIMEOUT):
        events.append(event)
        if until is not None and until(event, events):
            break
    return events


@pytest.mark.slow  # a worker process
def test_pause_resume_then_stop_keeps_a_checkpoint(tmp_path):
    proc = TrainingProcess(tiny_graph().to_dict(), small_config(tmp_path, epochs=100))
    proc.start()
    events = _collect(proc, until=lambda e, _: e["event"] == "step" and e["step"] >= 3)
    assert proc.pause()
    events += _collect(proc, until=lambda e, _: e.get("state") == "paused")
    paused_at = [e for e in events if e["event"] == "step"][-1]["step"]
    time.sleep(0.5)
    assert not [e for e in proc.poll() if e["event"] == "step"]  # nothing while paused
    assert proc.resume()
    events += _collect(proc, until=lambda e, _: e["event"] == "step" and e["step"] > paused_at + 2)
    assert proc.stop()
    stop_sent_at = events[-1]["step"]
    events += _collect(proc)
    assert proc.wait(30) == 0
    finished = events[-1]
    assert finished["event"] == "finished" and finished["reason"] == "stopped"
    assert finished["step"] <= stop_sent_at + 2  # within a batch (plus one in flight)
    assert os.path.isfile(finished["checkpoint"])
    states = [e["state"] for e in events if e["event"] == "status"]
    assert states == ["starting", "running", "paused", "running", "stopping"]


@pytest.mark.slow  # a worker process
def test_killed_worker_is_reported(tmp_path):
    proc = TrainingProcess(tiny_graph().to_dict(), small_config(tmp_path, epochs=100))
    proc.start()
    _collect(proc, until=lambda e, _: e["event"] == "step")
    os.kill(proc.pid, signal.SIGKILL)
    events = _collect(proc)
    error = next(e for e in events if e["event"] == "error")
    assert error["kind"] == "crash" and "SIGKILL" in error["message"]
    assert events[-1]["event"] == "finished" and events[-1]["reason"] == "crashed"
    assert proc.returncode == -signal.SIGKILL


def test_describe_exit_includes_the_last_stderr_line():
    text = describe_exit(1, ["Traceback (most recent call last):", "MemoryError"])
    assert "status 1" in text and text.endswith("MemoryError")


@pytest.mark.slow  # two DDP processes
def test_ddp_two_cpu_processes(tmp_path):
    config = small_config(tmp_path, device="cpu", train_size=256, val_size=64, epochs=1)
    proc = TrainingProcess(tiny_graph().to_dict(), config, nproc=2)
    proc.start()
    events = _collect(proc)
    assert proc.wait(30) == 0, list(proc.stderr_tail)
    started = next(e for e in events if e["event"] == "started")
    assert started["world_size"] == 2 and started["batch_size"] == 64
    assert started["steps_per_epoch"] == 256 // 2 // 32
    assert len([e for e in events if e["event"] == "step"]) == 4  # rank 0 alone reports
    assert next(e for e in events if e["event"] == "epoch")["val_top1"] >= 0
    assert events[-1]["reason"] == "completed"


def _cli(argv):
    return main(["train", *argv])


@pytest.mark.slow  # two training runs in a worker
def test_cli_trains_a_project_file(tmp_path, capsys):
    from convnet_studio.graph.project_file import save_project

    save_project(tiny_graph(), tmp_path / "tiny.json")
    out = tmp_path / "run"
    code = _cli(
        [
            str(tmp_path / "tiny.json"),
            "--train-size",
            "128",
            "--val-size",
            "32",
            "--epochs",
            "1",
            "--batch-size",
            "32",
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0 and "epoch 1/1" in printed and (out / "last.pt").is_file()
    code = _cli(["--resume", str(out / "last.pt"), "--epochs", "2"])
    assert code == 0 and "epoch 2/2" in capsys.readouterr().out


def test_cli_errors_are_one_sentence(tmp_path, capsys):
    code = _cli([str(tmp_path / "missing.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("convnet-studio: error: cannot load project")
    assert "Traceback" not in err
    code = _cli(["--resume", str(tmp_path / "nope.pt")])
    assert code == 2 and "does not exist" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_last_lines_say_why_the_run_ended_and_where_it_stands(tmp_path, capsys):
    from convnet_studio.graph.project_file import save_project

    save_project(tiny_graph(), tmp_path / "tiny.json")
    out = tmp_path / "run"
    small = ["--train-size", "64", "--val-size", "32", "--batch-size", "32", "--out", str(out)]
    code = _cli([str(tmp_path / "tiny.json"), *small, "--epochs", "3", "--max-steps", "3"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and lines[-2].startswith("stopped at step 3 (--max-steps): loss ")
    assert "val top-1 " in lines[-2] and "after epoch 1" in lines[-2]
    assert lines[-1].endswith(f"--resume {out / 'last.pt'})")
    # trained here, in-process: no worker spec or worker log in the run directory
    assert not {"run_spec.json", "worker.log"} & set(os.listdir(out))
    code = _cli(["--resume", str(out / "last.pt")])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and lines[-2].startswith("finished all 3 epochs at step 6: loss ")
    assert "val top-1 " in lines[-2] and "after epoch" not in lines[-2]
