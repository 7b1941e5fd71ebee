"""A worker process started ahead of its run, so the GUI's Start answers at once.

Torch-free. A worker spends most of its first three seconds importing torch (and
``torch._dynamo``, which every ``torch.optim`` optimizer imports): the first step of a
ResNet-20 on a CPU comes 2.5-3.4 s after the process starts, and about 0.3 s after a
warmed-up worker is handed its run. The GUI keeps one :class:`SpareWorker` ready while its
Training panel is open: ``python -m convnet_studio.train.worker --await-spec --stop-on-eof``
imports torch, takes one tiny optimizer step, then waits on stdin for the hand-over line
(see :func:`convnet_studio.train.worker._await_handover`). :class:`~.process.TrainingProcess`
takes it when its interpreter and environment match the run's, and starts a fresh worker
otherwise; a spare whose client dies sees its stdin close and exits.

A spare holds about 400 MB of its own (torch, ``torch._dynamo`` and sympy, which it
imports); none is started when less than :data:`MIN_AVAILABLE_BYTES` of memory is free,
and ``CONVNET_STUDIO_SPARE_WORKER=0`` turns spares off.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from typing import Any

ENABLE_ENV = "CONVNET_STUDIO_SPARE_WORKER"
MIN_AVAILABLE_BYTES = 2 * 2**30


def spare_enabled() -> bool:
    """Spares are on unless turned off, and only while the machine has memory to spare."""
    if os.environ.get(ENABLE_ENV, "1").strip().lower() in ("0", "no", "off", "false"):
        return False
    available = available_memory()
    return available is None or available >= MIN_AVAILABLE_BYTES


def available_memory() -> int | None:
    """Bytes of memory available to new processes (Linux), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class SpareWorker:
    """At most one warmed-up worker, kept for the next run.

    ``prepare`` starts one for an interpreter and extra environment (replacing one made for
    others); ``take`` hands it a run and gives up the process; ``close`` ends it.
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._key: tuple[str, tuple[tuple[str, str], ...]] | None = None
        self._ready = False

    @staticmethod
    def key(python: str | None, env: dict[str, str] | None) -> tuple[str, tuple[tuple[str, str], ...]]:
        return (python or sys.executable, tuple(sorted((env or {}).items())))

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.alive and self._proc else None

    def wait_ready(self, timeout: float = 0.0) -> bool:
        """Whether the spare has warmed up (torch imported), waiting up to ``timeout`` s."""
        if self._ready or not self.alive:
            return self._ready and self.alive
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        while not self._ready:
            left = deadline - time.monotonic()
            try:
                readable, _, _ = select.select([self._proc.stdout], [], [], max(0.0, left))
            except (OSError, ValueError):  # no select on pipes (Windows): not known
                return False
            if not readable:
                return False
            line = self._proc.stdout.readline()  # the spare writes nothing else before its run
            if not line:
                return False  # it died while warming up
            self._ready = '"spare_ready"' in line
        return True

    def prepare(self, python: str | None = None, env: dict[str, str] | None = None) -> bool:
        """Have a spare ready for ``python`` and ``env``; False if spares are turned off."""
        if not spare_enabled():
            self.close()
            return False
        key = self.key(python, env)
        if self.alive and self._key == key:
            return True
        self.close()
        from convnet_studio.train.process import start_worker

        command = [key[0], "-m", "convnet_studio.train.worker", "--await-spec", "--stop-on-eof"]
        try:
            self._proc = start_worker(command, dict(env or {}))
        except OSError:
            self._proc = None  # a fresh start will say why, with the run's own error
            return False
        self._key, self._ready = key, False
        return True

    def take(self, spec_path: str, handover_env: dict[str, str], python: str | None = None,
             env: dict[str, str] | None = None) -> subprocess.Popen[str] | None:
        """Hand the spare its run: the process, or None if there is none for this key.

        ``handover_env``: variables set in the worker before it reads the spec (never ones
        torch reads when it starts: those belong to ``env``, which must match the spare's).
        """
        proc, key = self._proc, self._key
        self._proc, self._key, self._ready = None, None, False
        if proc is None or proc.poll() is not None or key != self.key(python, env):
            _end(proc)
            return None
        try:
            assert proc.stdin is not None
            proc.stdin.write(json.dumps({"spec": spec_path, "env": handover_env}) + "\n")
            proc.stdin.flush()
        except (OSError, ValueError):
            _end(proc)
            return None
        return proc

    def close(self) -> None:
        """End the spare, if any (the window is closing, or the environment changed)."""
        proc, self._proc, self._key, self._ready = self._proc, None, None, False
        _end(proc)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: the spare exits on stdin EOF
            pass


def _end(proc: Any) -> None:
    if proc is None or proc.poll() is not None:
        if proc is not None:
            _close_pipes(proc)
        return
    try:
        proc.kill()  # a spare holds no run: nothing to save
        proc.wait(5)
    except (OSError, subprocess.TimeoutExpired):
        pass
    _close_pipes(proc)


def _close_pipes(proc: Any) -> None:
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass
