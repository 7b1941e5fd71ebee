"""Low-level failures a run can meet, turned into an error kind and one sentence with the fix.

Torch, the OS and gloo report these as raw text (``DefaultCPUAllocator: can't allocate
memory``, ``[Errno 28] No space left on device``, ``[../gloo/transport/tcp/pair.cc:534]
Connection closed by peer``); the user needs to know what happened and what to do.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass

_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
# what gloo/NCCL/c10d say when another rank of the run died or closed its connection
_PEER_LOST = re.compile(
    r"connection (closed|reset) by peer|broken pipe|gloo|nccl|socket timeout|"
    r"remote process exited|timed out|c10d",
    re.IGNORECASE,
)


class CheckpointWriteError(RuntimeError):
    """Writing a checkpoint failed; the previous one is intact (writes are atomic)."""

    def __init__(self, message: str, kind: str, step: int) -> None:
        super().__init__(message)
        self.kind, self.step = kind, step


@dataclass(frozen=True)
class Where:
    """What a failure message needs to know about the run."""

    step: int | None
    batch_size: int
    world: int = 1
    checkpoint: str | None = None  # the last good checkpoint
    checkpoint_step: int | None = None


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL


def last_good(where: Where) -> str:
    """The clause naming the checkpoint a user can resume from."""
    if where.checkpoint:
        return f"the last good checkpoint is {where.checkpoint} (step {where.checkpoint_step})"
    return "no checkpoint of this run was written yet"


def checkpoint_write_failure(exc: OSError, path: str, where: Where) -> CheckpointWriteError:
    """The error for a failed checkpoint write at ``where.step``."""
    at = f"at step {where.step}" if where.step is not None else ""
    if is_disk_full(exc):
        return CheckpointWriteError(
            f"the disk is full: writing the checkpoint {path} {at} failed; free some space "
            f"and resume with --resume; {last_good(where)}",
            "disk_full",
            where.step or 0,
        )
    reason = exc.strerror or type(exc).__name__
    return CheckpointWriteError(
        f"cannot write the checkpoint {path} {at} ({reason}); {last_good(where)}",
        "checkpoint",
        where.step or 0,
    )


def describe_failure(exc: BaseException, where: Where) -> tuple[str, str] | None:
    """``(kind, sentence)`` for a known low-level failure, or None (then it is internal)."""
    at = f" at step {where.step}" if where.step else ""
    text = str(exc)
    if isinstance(exc, MemoryError) or (
        isinstance(exc, RuntimeError) and "can't allocate memory" in text
    ):
        return "out_of_memory", (
            f"out of memory (RAM){at} with batch size {where.batch_size}: lower the batch "
            f"size (--batch-size), or close other programs"
        )
    if is_disk_full(exc):
        return "disk_full", (
            f"the disk is full{at} ({getattr(exc, 'filename', None) or 'the run directory'}): "
            f"free some space and resume; {last_good(where)}"
        )
    if where.world > 1 and isinstance(exc, RuntimeError) and _PEER_LOST.search(text):
        return "crash", (
            f"another process of this {where.world}-process run stopped or was killed{at}, "
            f"so the run cannot go on; see worker.log in the run directory for why, and "
            f"resume with --resume; {last_good(where)}"
        )
    return None
