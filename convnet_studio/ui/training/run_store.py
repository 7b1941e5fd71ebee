"""Where runs live: ``<project>.runs/<timestamp>-<name>/`` beside the project file (no Qt).

Unsaved documents (presets from the gallery, new graphs) keep their runs in one runs
workspace in the user's data directory (``CONVNET_STUDIO_RUNS`` overrides it), so runs of
different networks sit side by side and can be overlaid. Each run directory holds what the GUI wrote when it started the run
(``run.json``: name, time, config, graph hash; ``graph.json``: the project it trained;
``spec.json``: the worker's input) and what the worker writes (``metrics.jsonl``,
``metrics.csv``, ``grad_norms.csv``, ``last.pt``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from convnet_studio.ui.training.run_data import RunData

RUN_FILE = "run.json"
GRAPH_FILE = "graph.json"
SPEC_FILE = "spec.json"
METRICS_FILE = "metrics.jsonl"


def graph_hash(project: dict[str, Any]) -> str:
    """A short hash of what a graph computes: nodes, types, params and edges.

    Positions, groups and metadata are left out, so moving a node does not make a trained
    run's weights look like they belong to another network.
    """
    nodes = sorted((n["name"], n["type"], json.dumps(n.get("params", {}), sort_keys=True))
                   for n in project.get("nodes", []))
    edges = sorted(json.dumps(e, sort_keys=True) for e in project.get("edges", []))
    blob = json.dumps({"nodes": nodes, "edges": edges}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def default_runs_root(project_path: str | None) -> str:
    """``foo.runs`` beside ``foo.cnsproj``, else the runs workspace (:func:`workspace_root`)."""
    if project_path:
        base, _ = os.path.splitext(os.path.abspath(project_path))
        return base + ".runs"
    return workspace_root()


def workspace_root() -> str:
    """The one folder holding the runs of every unsaved document."""
    root = os.environ.get("CONVNET_STUDIO_RUNS")
    if root:
        return root
    try:
        from PySide6.QtCore import QStandardPaths

        data = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    except ImportError:  # no Qt (scripts): a dot folder in the home directory
        data = ""
    return os.path.join(data or os.path.expanduser("~/.convnet-studio"), "runs")


@dataclass
class RunRecord:
    """A run directory and what ``run.json`` says about it."""

    path: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.info.get("name") or os.path.basename(self.path))

    @property
    def network(self) -> str:
        """The name of the graph the run trained."""
        return str(self.info.get("graph_name") or "")

    @property
    def metrics_path(self) -> str:
        return os.path.join(self.path, METRICS_FILE)

    @property
    def checkpoint(self) -> str | None:
        path = os.path.join(self.path, "last.pt")
        return path if os.path.exists(path) else None

    def project(self) -> dict[str, Any] | None:
        """The graph this run trained (its ``graph.json``)."""
        try:
            with open(os.path.join(self.path, GRAPH_FILE), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def load(self) -> RunData:
        return RunData.from_jsonl(self.metrics_path, self.name)

    def update(self, **changes: Any) -> None:
        self.info.update(changes)
        _write_json(os.path.join(self.path, RUN_FILE), self.info)


class RunStore:
    """The runs of one document.

    Args:
        root: the folder holding one directory per run.
    """

    def __init__(self, root: str) -> None:
        self.root = root

    def create(self, project: dict[str, Any], config: dict[str, Any], name: str | None = None
               ) -> RunRecord:
        """Make a new run directory with its config, graph copy, hash and worker spec."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        label = name or str(project.get("name") or "run")
        path = os.path.join(self.root, f"{stamp}-{_safe(label)}")
        suffix = 1
        while os.path.exists(path):
            suffix += 1
            path = os.path.join(self.root, f"{stamp}-{_safe(label)}-{suffix}")
        os.makedirs(path)
        config = dict(config, out=path)
        info = {"name": f"{label} {time.strftime('%H:%M')}", "created": time.time(),
                "graph_hash": graph_hash(project), "graph_name": project.get("name"),
                "config": config, "status": "starting"}
        record = RunRecord(path, info)
        _write_json(os.path.join(path, GRAPH_FILE), project)
        _write_json(os.path.join(path, SPEC_FILE),
                    {"project": project, "config": config, "run_dir": path})
        record.update()
        return record

    def list(self, nested: bool = False) -> list[RunRecord]:
        """Every run under :attr:`root`, oldest first (run dirs sort by their timestamp).

        Args:
            nested: also the runs one folder down (earlier versions kept a folder per
                network in the workspace).
        """
        records = _runs_in(self.root)
        if nested and os.path.isdir(self.root):
            for entry in sorted(os.listdir(self.root)):
                path = os.path.join(self.root, entry)
                if os.path.isdir(path) and not _is_run(path):
                    records += _runs_in(path)
        return sorted(records, key=lambda r: os.path.basename(r.path))


def _is_run(path: str) -> bool:
    return os.path.exists(os.path.join(path, RUN_FILE)) or \
        os.path.exists(os.path.join(path, METRICS_FILE))


def _runs_in(root: str) -> list[RunRecord]:
    if not os.path.isdir(root):
        return []
    paths = (os.path.join(root, entry) for entry in sorted(os.listdir(root)))
    return [RunRecord(p, _read_json(os.path.join(p, RUN_FILE))) for p in paths
            if os.path.isdir(p) and _is_run(p)]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-") or "run"


def _read_json(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_json(path: str, data: dict[str, Any]) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)
