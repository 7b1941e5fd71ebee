"""Training faults: shared run directories, options on --resume, damaged checkpoints,
out of memory, a full disk, unreadable images, interruptions and a lost DDP rank."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from train_helpers import small_config, tiny_graph

from convnet_studio.train import checkpoint as ckpt
from convnet_studio.train.checkpoint import CheckpointError, load_checkpoint
from convnet_studio.train.engine import Trainer
from convnet_studio.train.failures import Where, describe_failure
from convnet_studio.train.process import TrainingProcess, describe_exit
from convnet_studio.train.worker import run_training
from convnet_studio.train.worker_paths import LOCK_NAME, RunDirBusy, RunLock, default_run_dir

CPU_OOM = (
    "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
    "you tried to allocate 70368744177664 bytes. Error code 12 (Cannot allocate memory)"
)


def _run(project, config):
    events: list[dict] = []
    code = run_training(project, config, callback=events.append)
    return code, events


def _error(events):
    return next(e for e in events if e["event"] == "error")


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ---------------------------------------------------------------- run directories
def test_a_second_run_into_a_locked_directory_is_refused(tmp_path, project):
    config = small_config(tmp_path, max_steps=2)
    with RunLock(config.out):  # another live run (this process) owns it
        code, events = _run(project, config)
        proc = TrainingProcess(project, config)
        with pytest.raises(RunDirBusy, match="in use by another run"):
            proc.start()
    error = _error(events)
    assert code == 1 and error["kind"] == "config" and "in use by another run" in error["message"]
    assert not {"metrics.jsonl", "run_spec.json", "last.pt"} & set(os.listdir(config.out))
    code, events = _run(project, config)  # released: now it trains
    assert code == 0 and LOCK_NAME not in os.listdir(config.out)


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path, project):
    config = small_config(tmp_path, max_steps=1)
    os.makedirs(config.out)
    with open(os.path.join(config.out, LOCK_NAME), "w") as f:
        json.dump({"pid": _dead_pid(), "host": socket.gethostname()}, f)
    code, _events = _run(project, config)
    assert code == 0


def test_default_run_names_are_unique_within_a_second(tmp_path):
    names = {default_run_dir({"name": "net"}, root=str(tmp_path)) for _ in range(30)}
    assert len(names) == 30 and all(os.path.isdir(n) for n in names)


# ------------------------------------------------------------------------ resume
def test_options_given_again_on_resume_are_applied(tmp_path, project):
    common = {"schedule": "none", "grad_norm_every": 0, "warmup_epochs": 0.0}
    _, first = _run(project, small_config(tmp_path / "a", max_steps=2, **common))
    config = small_config(
        tmp_path / "a",
        max_steps=4,
        lr=0.5,
        momentum=0.0,
        weight_decay=0.01,
        resume=first[-1]["checkpoint"],
        **common,
    )
    code, events = _run(None, config)
    assert code == 0
    assert [e["lr"] for e in events if e["event"] == "step"] == [0.5, 0.5]
    group = load_checkpoint(events[-1]["checkpoint"])["optimizer"]["param_groups"][0]
    assert (group["lr"], group["momentum"], group["weight_decay"]) == (0.5, 0.0, 0.01)


def test_options_that_cannot_change_on_resume_are_refused(tmp_path, project):
    _, first = _run(project, small_config(tmp_path, max_steps=2))
    config = small_config(tmp_path, batch_size=16, resume=first[-1]["checkpoint"])
    code, events = _run(None, config)
    error = _error(events)
    assert code == 1 and error["kind"] == "config"
    assert "--batch-size" in error["message"] and "32 -> 16" in error["message"]


def test_resume_continues_in_the_checkpoint_directory(tmp_path, monkeypatch):
    import argparse

    from convnet_studio.cli.train_command import add_train_arguments, build_run

    monkeypatch.chdir(tmp_path)
    run_training(tiny_graph().to_dict(), small_config(tmp_path, out="old", max_steps=1))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # the stored out="old" would now mean elsewhere/old
    parser = argparse.ArgumentParser()
    add_train_arguments(parser)
    config, _ = build_run(parser.parse_args(["--resume", str(tmp_path / "old" / "last.pt")]))
    assert config.out is None  # the client then uses the checkpoint's directory
    assert TrainingProcess(None, config).run_dir == str(tmp_path / "old")


# ------------------------------------------------------------------- checkpoints
@pytest.fixture
def good_checkpoint(tmp_path):
    path = tmp_path / "good.pt"
    ckpt.save_checkpoint(str(path), {"model": {"w": torch.arange(4000.0)}, "step": 3})
    return path.read_bytes()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda b: b"", "is empty"),
        (lambda b: b[: len(b) // 2], "damaged"),
        (lambda b: b[:-200], "damaged"),
        (lambda b: _flip(b, len(b) // 2), "fails its checksum"),  # in the tensor data
        (lambda b: _flip(b, 100), "damaged"),  # in the pickle
    ],
)
def test_damaged_checkpoints_get_a_sentence(tmp_path, good_checkpoint, damage, words):
    path = tmp_path / "bad.pt"
    path.write_bytes(damage(good_checkpoint))
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(str(path))
    message = str(info.value)
    assert words in message and str(path) in message
    assert "weights_only" not in message and "\x1b" not in message


def _flip(data: bytes, pos: int) -> bytes:
    out = bytearray(data)
    out[pos] ^= 0x10
    return bytes(out)


def test_resuming_an_empty_checkpoint_is_a_checkpoint_error(tmp_path, project):
    (tmp_path / "empty.pt").write_bytes(b"")
    code, events = _run(None, small_config(tmp_path, resume=str(tmp_path / "empty.pt")))
    error = _error(events)
    assert code == 1 and error["kind"] == "checkpoint" and "is empty" in error["message"]


# ------------------------------------------------------------ memory, disk, images
def test_cpu_out_of_memory_says_lower_the_batch_size(tmp_path, project, monkeypatch):
    def oom(self, x, y):
        raise RuntimeError(CPU_OOM)

    monkeypatch.setattr(Trainer, "_forward_backward", oom)
    code, events = _run(project, small_config(tmp_path))
    error = _error(events)
    assert code == 1 and error["kind"] == "out_of_memory" and error["step"] == 1
    assert "lower the batch size" in error["message"] and "32" in error["message"]
    assert "alloc_cpu" not in error["message"]


def test_full_disk_while_checkpointing_names_the_last_good_one(tmp_path, project, monkeypatch):
    real_save, calls = torch.save, []

    def save(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:  # the second checkpoint: half written, then the disk is full
            f.write(b"PK\x03\x04partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(ckpt.torch, "save", save)
    config = small_config(tmp_path, train_size=64, val_size=32, epochs=3)  # 2 steps an epoch
    code, events = _run(project, config)
    monkeypatch.setattr(ckpt.torch, "save", real_save)
    error = _error(events)
    last = os.path.join(config.out, "last.pt")
    assert code == 1 and error["kind"] == "disk_full"
    assert "disk is full" in error["message"] and f"{last} (step 2)" in error["message"]
    assert load_checkpoint(last)["step"] == 2  # the last good checkpoint is intact
    assert not [n for n in os.listdir(config.out) if n.endswith(".tmp")]


def _image_folder(root, n=6):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        (root / label).mkdir(parents=True)
        for i in range(n):
            pixels = rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / label / f"{i}.png")


def test_unreadable_images_are_skipped_with_a_count(tmp_path):
    _image_folder(tmp_path / "imgs")
    (tmp_path / "imgs" / "cats" / "empty.jpg").write_bytes(b"")
    (tmp_path / "imgs" / "dogs" / "notes.png").write_bytes(b"not an image at all")
    config = small_config(tmp_path, dataset=f"folder:{tmp_path / 'imgs'}", batch_size=4)
    code, events = _run(tiny_graph(classes=2).to_dict(), config)
    messages = [e["message"] for e in events if e["event"] == "status"]
    assert code == 0 and any("skipped 2 unreadable images" in m for m in messages)
    assert next(e for e in events if e["event"] == "started")["num_train"] == 11


def test_a_truncated_image_is_named(tmp_path):
    _image_folder(tmp_path / "imgs")
    bad = tmp_path / "imgs" / "cats" / "0.png"
    bad.write_bytes(bad.read_bytes()[:200])  # the header parses, the pixels are cut off
    config = small_config(
        tmp_path, dataset=f"folder:{tmp_path / 'imgs'}", batch_size=2, val_split=0.5
    )
    code, events = _run(tiny_graph(classes=2).to_dict(), config)
    error = _error(events)
    assert code == 1 and error["kind"] == "data" and str(bad) in error["message"]


# ----------------------------------------------------------- interrupts and DDP
def test_a_second_interrupt_in_process_says_interrupted(tmp_path, project, monkeypatch):
    real = Trainer._forward_backward

    def second_ctrl_c(self, x, y):
        if self.step == 2:
            self.control.request("stop")  # the first Ctrl-C
            raise KeyboardInterrupt  # the second one, mid-step
        return real(self, x, y)

    monkeypatch.setattr(Trainer, "_forward_backward", second_ctrl_c)
    code, events = _run(project, small_config(tmp_path))
    error = _error(events)
    assert error["kind"] == "interrupted" and "interrupted" in error["message"]
    assert "memory" not in error["message"]
    assert code == 1


@pytest.mark.slow
def test_a_killed_worker_after_a_second_ctrl_c_says_interrupted(tmp_path):
    proc = TrainingProcess(tiny_graph().to_dict(), small_config(tmp_path, epochs=100))
    proc.start()
    for event in proc.events(timeout=120):
        if event["event"] == "step":
            break
    proc.kill()  # what the CLI does on a second Ctrl-C
    events = list(proc.events(timeout=120))
    error = next(e for e in events if e["event"] == "error")
    assert error["kind"] == "interrupted" and "memory" not in error["message"]
    assert events[-1]["event"] == "finished"


def test_a_lost_ddp_rank_is_a_sentence():
    gloo = RuntimeError(
        "[../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection closed by peer "
        "[127.0.0.1]:29500"
    )
    kind, message = describe_failure(
        gloo, Where(7, 32, world=2, checkpoint="r/last.pt", checkpoint_step=4)
    )
    assert kind == "crash" and "another process of this 2-process run" in message
    assert "pair.cc" not in message and "r/last.pt (step 4)" in message
    assert describe_failure(gloo, Where(7, 32, world=1)) is None  # not DDP: internal
    text = describe_exit(1, ["torch.distributed.elastic...ChildFailedError", "pair.cc:534"], 2)
    assert "a process of this 2-process run died" in text and "pair.cc" not in text
