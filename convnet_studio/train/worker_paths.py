"""Run directories: unique default names, and a lock so one run at a time owns a directory.

Torch-free: the GUI/CLI client and the worker share it. The lock is a file ``run.lock``
created exclusively, holding the owner's pid and host; a lock whose process is gone (a
crash, a kill) is stale and taken over. Two runs in one directory would interleave their
metrics and overwrite each other's ``last.pt``, so the second is refused.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from typing import Any, Self

from convnet_studio.errors import UserError

LOCK_NAME = "run.lock"
# set for a worker whose client already holds the lock of this (absolute) run directory
LOCKED_ENV = "CONVNET_STUDIO_RUN_LOCKED"


class RunDirBusy(UserError, RuntimeError):
    """Another live run owns the run directory."""


def default_run_dir(project: dict[str, Any] | None, root: str = "runs") -> str:
    """``runs/<project name>-<YYYYmmdd-HHMMSS>-<4 hex>``, created here so no one else gets it.

    The random suffix and the exclusive ``mkdir`` keep two runs started in the same second
    (or by two processes) apart.
    """
    name = str((project or {}).get("name") or "run")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-") or "run"
    os.makedirs(root, exist_ok=True)
    while True:
        path = os.path.join(root, f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}")
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue


class RunLock:
    """Owns ``run_dir`` until :meth:`release` (use it as a context manager, or call both)."""

    def __init__(self, run_dir: str) -> None:
        self.run_dir = os.path.abspath(run_dir)
        self.path = os.path.join(self.run_dir, LOCK_NAME)
        self.held = False

    def acquire(self) -> Self:
        """Take the lock, taking over a stale one; :class:`RunDirBusy` if a live run has it."""
        os.makedirs(self.run_dir, exist_ok=True)
        for _ in range(3):  # a stale lock removed under us by another taker: try again
            if self._create():
                self.held = True
                return self
            owner = _read_owner(self.path)
            if owner is not None and _alive(owner):
                raise RunDirBusy(
                    f"run directory {self.run_dir} is in use by another run (process "
                    f"{owner['pid']} on {owner['host']}): wait for it to finish or give "
                    f"another --out"
                )
            _remove(self.path)  # stale: its process is gone
        raise RunDirBusy(f"run directory {self.run_dir} is being claimed by another run")

    def _create(self) -> bool:
        """Create the lock file with its content in one step (a link fails if it exists),
        so no one ever reads a half-written lock."""
        tmp = f"{self.path}.{os.getpid()}.{secrets.token_hex(3)}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"pid": os.getpid(), "host": socket.gethostname()}, f)
        try:
            os.link(tmp, self.path)
            return True
        except FileExistsError:
            return False
        finally:
            _remove(tmp)

    def release(self) -> None:
        if self.held:
            owner = _read_owner(self.path)
            if owner is not None and owner.get("pid") == os.getpid():
                _remove(self.path)
            self.held = False

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_run_dir(run_dir: str) -> RunLock | None:
    """Lock ``run_dir`` for this process, unless its client already did (then None)."""
    if os.environ.get(LOCKED_ENV) == os.path.abspath(run_dir):
        return None
    return RunLock(run_dir).acquire()


def _read_owner(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as f:
            owner = json.load(f)
        return owner if isinstance(owner, dict) and isinstance(owner.get("pid"), int) else None
    except (OSError, ValueError):
        return None  # unreadable or half-written: treated as stale


def _alive(owner: dict[str, Any]) -> bool:
    if owner.get("host") != socket.gethostname():
        return True  # a run on another machine (shared disk): cannot check, so respect it
    try:
        os.kill(owner["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
