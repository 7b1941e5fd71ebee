"""Crash recovery: the open document is autosaved to a recovery file beside the settings.

Each running window writes its own file (``<pid>-<n>.recovery.json``: the project plus the
path it came from) and deletes it when it closes cleanly, so files left behind at start-up
are what a crash lost; the studio offers to reopen them.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from convnet_studio.graph.model import Graph
from convnet_studio.graph.project_file import (
    ProjectEncoder,
    ProjectFileError,
    graph_from_dict,
    write_atomic,
)

SUFFIX = ".recovery.json"
# A temporary file of write_atomic's this old was left by a save that was killed mid-write.
STALE_TEMP_S = 120.0
_serial = count()


@dataclass
class Recovered:
    """A recovery file found at start-up."""

    file: Path
    graph: Graph
    original: Path | None
    saved_at: float


class RecoveryStore:
    """Recovery files in ``directory``, one per open document of this process."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.file = self.directory / f"{os.getpid()}-{next(_serial)}{SUFFIX}"
        self._encoder = ProjectEncoder()  # re-encodes only the nodes an edit changed

    def save(self, graph: Graph, original: Path | None) -> Path:
        """Write the document's current state (atomically: a crash mid-write loses nothing)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        head = json.dumps({"original": str(original) if original else None, "saved_at": time.time()})
        text = f'{head[:-1]}, "project": {self._encoder.encode(graph)}}}'
        write_atomic(self.file, text.encode("utf-8"))
        return self.file

    def discard(self) -> None:
        """Delete this document's recovery file (on a clean save or close)."""
        try:
            self.file.unlink()
        except FileNotFoundError:
            pass

    def leftovers(self) -> list[Recovered]:
        """Recovery files other processes left behind (newest first); unreadable ones are skipped.

        Temporary files of autosaves that were killed mid-write are deleted on the way.
        """
        if self.directory.is_dir():
            for temp in self.directory.glob(".*.tmp"):
                _remove_if_stale(temp)
        found = []
        for path in sorted(self.directory.glob(f"*{SUFFIX}")) if self.directory.is_dir() else []:
            if path == self.file or _alive(path):
                continue
            try:
                data = json.loads(path.read_text("utf-8"))
                graph = graph_from_dict(data["project"])
            except (OSError, ValueError, KeyError, TypeError, ProjectFileError):
                continue
            original = Path(data["original"]) if data.get("original") else None
            found.append(Recovered(path, graph, original, float(data.get("saved_at", 0))))
        return sorted(found, key=lambda r: -r.saved_at)

    @staticmethod
    def remove(recovered: Recovered) -> None:
        try:
            recovered.file.unlink()
        except FileNotFoundError:
            pass


def clean_stale_temps(path: Path) -> int:
    """Delete the temporary files that interrupted saves of ``path`` left beside it.

    ``write_atomic`` writes ``.<name>.<random>.tmp`` and renames it into place; one that is
    older than :data:`STALE_TEMP_S` belongs to no save still running. Returns how many went.
    """
    try:
        candidates = list(path.parent.glob(f".{glob_escape(path.name)}.*.tmp"))
    except OSError:
        return 0
    return sum(_remove_if_stale(temp) for temp in candidates)


def glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _remove_if_stale(temp: Path) -> bool:
    try:
        if time.time() - temp.lstat().st_mtime < STALE_TEMP_S or not temp.is_file():
            return False
        temp.unlink()
    except OSError:
        return False
    return True


def _alive(path: Path) -> bool:
    """Whether the process that wrote ``path`` still runs (its window is still open)."""
    try:
        pid = int(path.name.split("-", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return True  # another window of this process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
