"""Start a training worker and follow it: the client the GUI and the CLI share.

Torch-free and quick to import. A :class:`TrainingProcess` runs
``python -m convnet_studio.train.worker`` (or ``torchrun`` with ``nproc`` > 1) in a new
session, reads its JSON-line events on a thread and queues them; ``stop``/``pause``/
``resume`` are lines written to its stdin. If the worker dies without its ``finished``
event (killed, out of memory, a crash in native code), the client reports an ``error``
(kind ``"crash"``, with the exit status and the tail of stderr; kind ``"interrupted"``
after :meth:`TrainingProcess.kill`) and a ``finished`` (reason ``"crashed"``), so consumers
handle one stream either way. The client locks the run directory while its worker runs.
Given a :class:`~.spare.SpareWorker`, it hands the run to that warmed-up worker instead of
starting one, when the interpreter and environment match.

Qt use: call :meth:`TrainingProcess.poll` from a ``QTimer`` (it never blocks), or pass
``on_event`` and marshal to the GUI thread yourself (it is called on the reader thread).
"""

from __future__ import annotations

import collections
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from convnet_studio.train import events as ev
from convnet_studio.train.config import TrainConfig

if TYPE_CHECKING:
    from convnet_studio.train.spare import SpareWorker

_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class TrainingProcess:
    """One training run in a child process.

    Args:
        project: the project JSON (``graph.to_dict()``); None when ``config.resume`` is set.
        config: the run config (a :class:`TrainConfig` or its dict).
        run_dir: where logs and checkpoints go (default: ``config.out`` or ``runs/NAME-TIME``).
        nproc: processes for DistributedDataParallel (> 1 runs ``torchrun``).
        on_event: called with each event dict, on the reader thread.
        python: the interpreter (default: this one).
        env: extra environment variables for the worker (e.g. ``CUDA_VISIBLE_DEVICES``).
        spare: a :class:`~.spare.SpareWorker` to take the worker from, if it has one for
            this interpreter and environment (:attr:`warm` says whether it did).
    """

    def __init__(
        self,
        project: dict[str, Any] | None,
        config: TrainConfig | dict[str, Any],
        run_dir: str | None = None,
        nproc: int = 1,
        on_event: Callable[[dict[str, Any]], None] | None = None,
        python: str | None = None,
        env: dict[str, str] | None = None,
        spare: SpareWorker | None = None,
    ) -> None:
        self.config = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
        self.project = project
        if run_dir is None:
            from convnet_studio.train.worker_paths import default_run_dir

            run_dir = self.config.out or (
                os.path.dirname(os.path.abspath(self.config.resume))
                if self.config.resume
                else default_run_dir(project)
            )
        self.run_dir = os.path.abspath(run_dir)
        self.nproc, self.on_event = nproc, on_event
        self.python = python or sys.executable
        self.extra_env = dict(env or {})
        self.spare, self.warm = spare, False
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        self.finished: dict[str, Any] | None = None
        self.last_error: dict[str, Any] | None = None
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._proc: subprocess.Popen[str] | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._run_lock: Any = None
        self.killed = False  # kill() was asked for: the death is an interruption, not a crash

    # ------------------------------------------------------------- lifecycle
    def command(self, spec_path: str) -> list[str]:
        worker = ["-m", "convnet_studio.train.worker", spec_path, "--stop-on-eof"]
        if self.nproc > 1:
            return [
                self.python,
                "-m",
                "torch.distributed.run",
                "--standalone",
                f"--nproc_per_node={self.nproc}",
                *worker,
            ]
        return [self.python, *worker]

    def start(self) -> None:
        """Lock the run directory, write the run spec into it and start the worker.

        Raises:
            RunDirBusy: another live run owns the directory (nothing was written).
        """
        from convnet_studio.train.worker_paths import RunLock

        self._run_lock = RunLock(self.run_dir).acquire()
        try:
            self._spawn()
        except BaseException:
            self._run_lock.release()
            raise

    def _spawn(self) -> None:
        from convnet_studio.train.worker_paths import LOCKED_ENV

        spec_path = os.path.join(self.run_dir, "run_spec.json")
        with open(spec_path, "w", encoding="utf-8") as f:
            json.dump(
                {"project": self.project, "config": self.config.to_dict(), "run_dir": self.run_dir},
                f,
                indent=1,
            )
        locked = {LOCKED_ENV: self.run_dir}  # the worker runs under this client's lock
        if self.spare is not None and self.nproc == 1:
            self._proc = self.spare.take(spec_path, locked, self.python, self.extra_env)
            self.warm = self._proc is not None
        if self._proc is None:
            self._proc = start_worker(self.command(spec_path), {**self.extra_env, **locked})
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for t in self._threads:
            t.start()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the worker and its output to end; the exit code, or None on timeout."""
        if self._proc is None:
            return None
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for t in self._threads:
            t.join(timeout)
        return code

    # --------------------------------------------------------------- control
    def send(self, command: str) -> bool:
        """Write one of :data:`~convnet_studio.train.events.COMMANDS`; False if gone."""
        if command not in ev.COMMANDS:
            raise ValueError(f"unknown command {command!r}")
        if not self.running or self._proc is None or self._proc.stdin is None:
            return False
        try:
            with self._lock:
                self._proc.stdin.write(command + "\n")
                self._proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def stop(self) -> bool:
        """Ask for a clean stop: the worker ends its batch, saves a checkpoint and exits."""
        return self.send("stop")

    def pause(self) -> bool:
        return self.send("pause")

    def resume(self) -> bool:
        return self.send("resume")

    def kill(self) -> None:
        """End the worker now (no checkpoint), with its whole process group."""
        if self.running and self._proc is not None:
            self.killed = True
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self._proc.kill()

    # ---------------------------------------------------------------- events
    def poll(self) -> list[dict[str, Any]]:
        """All events received since the last call, without blocking."""
        out = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                return out

    def events(self, timeout: float | None = None) -> Iterator[dict[str, Any]]:
        """Yield events as they come, until ``finished`` (or ``timeout`` s of silence)."""
        while True:
            try:
                event = self._queue.get(timeout=timeout)
            except queue.Empty:
                return
            yield event
            if event["event"] == ev.FINISHED:
                return

    def _deliver(self, event: dict[str, Any]) -> None:
        if event.get("event") == ev.FINISHED:
            self.finished = event
        elif event.get("event") == ev.ERROR:
            self.last_error = event
        self._queue.put(event)
        if self.on_event is not None:
            self.on_event(event)

    def _read_stdout(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            event = ev.decode(line)
            if event is None:
                if line.strip():
                    self._deliver({"event": ev.LOG, "message": line.rstrip()})
                continue
            if event["event"] != ev.SPARE_READY:  # a spare's, from before it had this run
                self._deliver(event)
        code = self._proc.wait()
        for t in self._threads[1:]:
            t.join(5)  # the stderr tail must be complete before it is reported
        if self._run_lock is not None:
            self._run_lock.release()
        if self.finished is None:
            if self.killed:
                kind, message = "interrupted", self._interrupted_message()
            else:
                kind, message = "crash", describe_exit(code, list(self.stderr_tail), self.nproc)
            self._deliver(
                {
                    "event": ev.ERROR,
                    "kind": kind,
                    "message": message,
                    "step": None,
                    "node": None,
                    "returncode": code,
                }
            )
            self._deliver(
                {
                    "event": ev.FINISHED,
                    "reason": "crashed",
                    "step": None,
                    "epoch": None,
                    "checkpoint": None,
                    "returncode": code,
                }
            )

    def _interrupted_message(self) -> str:
        last = os.path.join(self.run_dir, "last.pt")
        tail = (
            f"the last checkpoint is {last}" if os.path.isfile(last) else "no checkpoint was written"
        )
        return f"interrupted: the run was stopped at once, without a final checkpoint; {tail}"

    def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        log_path = os.path.join(self.run_dir, "worker.log")
        with open(log_path, "a", encoding="utf-8") as log:
            for line in self._proc.stderr:
                log.write(line)
                log.flush()
                if line.strip():
                    self.stderr_tail.append(line.rstrip())


def start_worker(command: list[str], extra_env: dict[str, str]) -> subprocess.Popen[str]:
    """Start a worker (or a spare) with pipes for events, log and commands."""
    env = {**os.environ, **extra_env}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    # A new session: a Ctrl-C in the terminal reaches the client, which asks for a clean
    # stop, instead of killing the worker mid-checkpoint.
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        env=env,
        start_new_session=True,
    )


def describe_exit(code: int, stderr_tail: list[str], nproc: int = 1) -> str:
    """One sentence on why a worker ended without finishing."""
    if nproc > 1:  # torchrun's tail is a traceback of its own: say what it means instead
        return (
            f"a process of this {nproc}-process run died (torchrun exited with status {code}), "
            f"so the whole run stopped; see worker.log in the run directory for why"
        )
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = f"the training worker was killed by {name}"
        if -code == signal.SIGKILL:
            why += " (the system may have run out of memory, or it was killed by hand)"
    else:
        why = f"the training worker exited with status {code} without finishing"
    last = next((line for line in reversed(stderr_tail) if line.strip()), "")
    return f"{why}; last output: {last}" if last else why
