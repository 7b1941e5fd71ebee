"""Ties the training widgets to the document, the worker and the run directories.

The controller owns no widget layout (``install_training`` docks the widgets); it starts
runs after the pre-flight checks, feeds the live run to the plots, keeps run directories
and the runs list, and colours the canvas by gradient norm.

What it shows belongs to the document: when the document is replaced (New, Open, a
preset) the plots, progress, error and canvas colours of the previous one are cleared; a
run still going keeps training in the background and stays in the runs list.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from convnet_studio.graph.model import Graph
from convnet_studio.graph.project_file import SUFFIX, save_project
from convnet_studio.train.config import ConfigError, TrainConfig
from convnet_studio.train.spare import SpareWorker
from convnet_studio.ui.training import preflight
from convnet_studio.ui.training.dashboard import TrainingDashboard
from convnet_studio.ui.training.device_probe import DeviceProbe
from convnet_studio.ui.training.gradient_overlay import GradientOverlay
from convnet_studio.ui.training.run_data import RunData
from convnet_studio.ui.training.run_panel import RunPanel
from convnet_studio.ui.training.run_store import (
    RunRecord,
    RunStore,
    default_runs_root,
    graph_hash,
    workspace_root,
)
from convnet_studio.ui.training.runs_list import RunsList
from convnet_studio.ui.training.session import TrainingSession

if TYPE_CHECKING:
    from convnet_studio.ui.document import Document

TICK_MS = 250


class TrainingController(QObject):
    """Training for one document.

    Args:
        document: the editor's :class:`~convnet_studio.ui.document.Document`: training reads
            its graph and path, loads weights as one undo step and follows it when replaced.
        scene: the canvas scene with the overlay API, or None.
        runs_root: where runs go (default: beside a saved project, else the runs
            workspace; see :mod:`.run_store`).
        python: interpreter for the worker (tests may pass a fake one).
        dashboard: the plots, if made already (the window builds them in steps).

    Signals:
        message(str): a line for the status bar.
        run_started(): a run of this document started.
        run_finished(dict): the live run's ``finished`` event.
        export_finished(bool, str): a code export ended (ok, what it wrote or why not).
    """

    message = Signal(str)
    run_started = Signal()
    run_finished = Signal(dict)
    export_finished = Signal(bool, str)

    def __init__(self, document: Document, scene: Any = None, runs_root: str | None = None,
                 probe: DeviceProbe | None = None, python: str | None = None,
                 parent: QObject | None = None,
                 dashboard: TrainingDashboard | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.runs_root = runs_root
        self.python = python
        self.panel = RunPanel(probe=probe)
        self.dashboard = dashboard or TrainingDashboard()
        self.runs = RunsList()
        self.overlay = GradientOverlay(scene)
        self.colour_live = True
        self.confirm: Callable[[str], bool] = self._ask
        self.session: TrainingSession | None = None
        self.spare = SpareWorker()  # a worker with torch imported, for the next Start
        self.live: RunData | None = None
        self.record: RunRecord | None = None
        self._live_here = False  # the live run belongs to the document now shown
        self._loaded: dict[str, tuple[float, RunData]] = {}
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._connect()
        self.document.replaced.connect(self._on_document_replaced)
        self.refresh_runs()

    def _connect(self) -> None:
        p = self.panel
        p.start_requested.connect(self.start)
        p.pause_requested.connect(self.pause)
        p.resume_requested.connect(self.resume)
        p.stop_requested.connect(self.stop)
        p.node_activated.connect(self._on_node_activated)
        p.settings.changed.connect(self._on_settings_changed)
        # The panel's first showing probes the devices (a torch import of its own); the spare
        # starts once that is done, and again when the device (its environment) changes.
        p.settings.probe.devices_found.connect(self.prepare_spare)
        p.settings.device.currentIndexChanged.connect(self.prepare_spare)
        self.runs.selection_changed.connect(self._on_runs_selected)
        self.runs.scope_changed.connect(self.refresh_runs)
        self.runs.colour_requested.connect(self._on_colour_requested)
        self.runs.load_requested.connect(self.load_weights)
        self.runs.export_requested.connect(self._on_export_requested)
        self.runs.open_requested.connect(self._on_open_requested)
        self.dashboard.message.connect(self.message)

    @property
    def graph(self) -> Graph:
        return self.document.graph

    @property
    def store(self) -> RunStore:
        """Where the next run goes."""
        path = self.document.path
        return RunStore(self.runs_root or default_runs_root(str(path) if path else None))

    @property
    def workspace(self) -> RunStore:
        """The runs of every unsaved document (and of earlier versions' per-network folders)."""
        return RunStore(self.runs_root or workspace_root())

    @property
    def running(self) -> bool:
        return self.session is not None and self.session.active

    # ------------------------------------------------------------------ runs
    def check(self) -> list[preflight.Issue]:
        """The pre-flight problems of the current graph and settings (shown in the panel)."""
        config = self.panel.settings.config()
        issues = preflight.check(self.graph, config["dataset"], config["adapt_input"])
        self.panel.set_issues(issues)
        return issues

    def start(self) -> bool:
        """Check, create the run directory and start the worker; False if blocked."""
        if self.running:
            return False
        self.panel.show_error(None)
        if self.check():
            self.panel.show_error("The run cannot start: fix the problems listed below.")
            return False
        try:
            config = TrainConfig.from_dict(self.panel.settings.config()).to_dict()
        except ConfigError as exc:
            self.panel.show_error(str(exc))
            return False
        project = self.graph.to_dict()
        self.record = self.store.create(project, config)
        self.live = RunData(self.record.name, self.record.path)
        self._live_here = True
        self.session = TrainingSession(self.live, self)
        self.session.state_changed.connect(self._on_state_changed)
        self.session.error_reported.connect(self._on_error_reported)
        self.session.finished.connect(self._on_finished)
        # Every core unless the user chose fewer (bench_train.py times 1 thread against 2)
        threads = config.get("threads") or os.cpu_count() or 1
        self.session.start(project, dict(config, out=self.record.path, threads=threads), self.record.path,
                           env=self.panel.settings.worker_env(), python=self.python,
                           spare=self.spare)
        self.runs.table.clearSelection()
        self.dashboard.set_runs([self.live])
        self.refresh_runs()
        self._tick.start()
        self.run_started.emit()
        self.message.emit(f"training {self.graph.name} in {self.record.path}")
        return True

    def pause(self) -> None:
        if self.session:
            self.session.pause()

    def resume(self) -> None:
        if self.session:
            self.session.resume()

    def stop(self) -> None:
        if self.session:
            self.session.stop()

    def shutdown(self) -> None:
        """Stop a running worker and end the spare (the window is closing)."""
        self.spare.close()
        if self.session:
            self.session.shutdown()

    def prepare_spare(self, *_: Any) -> None:
        """Start a worker ahead of the next run (not while one trains: it would share the
        cores), so Start answers in a fraction of a second instead of three."""
        if not self.running:
            self.spare.prepare(self.python, self.panel.settings.worker_env())

    def refresh_runs(self) -> None:
        records = self.listed_runs()
        self.runs.set_records(records, {r.path: self._summary(r) for r in records})

    def listed_runs(self) -> list[RunRecord]:
        """The document's runs: its project's folder and its network's runs in the workspace
        (every run in the workspace with "All networks"), oldest first."""
        every = self.runs.all_networks.isChecked()
        own, workspace = self.store, self.workspace
        found = {r.path: r for r in own.list()} if own.root != workspace.root else {}
        for record in workspace.list(nested=True):
            if every or record.network == self.graph.name:
                found.setdefault(record.path, record)
        return sorted(found.values(), key=lambda r: os.path.basename(r.path))

    def run_data(self, record: RunRecord) -> RunData:
        """A run's metrics: the live object for the live run, else loaded (cached)."""
        if self.live is not None and self.record is not None and record.path == self.record.path:
            return self.live
        try:
            mtime = os.path.getmtime(record.metrics_path)
        except OSError:
            mtime = 0.0
        cached = self._loaded.get(record.path)
        if cached is None or cached[0] != mtime:
            cached = self._loaded[record.path] = (mtime, record.load())
        return cached[1]

    def _summary(self, record: RunRecord) -> dict[str, Any]:
        if "summary" in record.info:
            return record.info["summary"]
        return self.run_data(record).summary()

    # ------------------------------------------------------------------ canvas
    def colour_graph(self, run: RunData | None = None) -> int:
        """Colour canvas nodes by ``run``'s latest gradient norms (default: the live run)."""
        run = run or self.live
        norms = run.latest_grad_norms() if run else {}
        if not norms:
            return 0
        return self.overlay.show(norms)

    def load_weights(self, record: RunRecord) -> bool:
        """Make ``record``'s trained weights the graph's (its graph too, if it differs).

        The change is one undo step; the weights are referenced in ``graph.meta["weights"]``
        and saved with the project.
        """
        checkpoint, project = record.checkpoint, record.project()
        if checkpoint is None or project is None:
            self.message.emit(f"{record.name} has no checkpoint to load")
            return False
        same = graph_hash(self.graph.to_dict()) == record.info.get("graph_hash")
        if not same and not self.confirm(f"{record.name} trained a different graph. Replace "
                                         "the current graph with the one it trained?"):
            return False
        weights = {"checkpoint": checkpoint, "run": record.name,
                   "graph_hash": record.info.get("graph_hash")}

        def edit(graph: Graph) -> None:
            if not same:
                graph.replace_with(Graph.from_dict(project))
            graph.set_meta("weights", weights)

        self.document.run_compound(f"Load weights of {record.name}", edit)
        self.message.emit(f"weights of {record.name} loaded into the graph")
        return True

    def export_code(self, record: RunRecord, path: str) -> QProcess | None:
        """Export the graph ``record`` trained as Python code with its trained weights.

        Runs ``convnet-studio export`` (the codegen package's command) in a child process,
        so torch stays out of the GUI: ``path`` gets the code and ``path`` with ``.pt`` the
        weights. :attr:`export_finished` reports the outcome.
        """
        project = record.project()
        if project is None or record.checkpoint is None:
            self.export_finished.emit(False, f"{record.name} has no graph or checkpoint to export")
            return None
        source = os.path.join(record.path, "graph" + SUFFIX)
        if not os.path.exists(source):
            save_project(Graph.from_dict(project), source)
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)

        def done(code: int, _status: object) -> None:
            out = bytes(process.readAll()).decode(errors="replace").strip()
            ok = code == 0
            text = (f"exported {record.name}: {', '.join(out.splitlines())}" if ok
                    else f"export failed: {out.splitlines()[-1] if out else f'exit {code}'}")
            self.message.emit(text)
            self.export_finished.emit(ok, text)

        process.finished.connect(done)
        process.start(self.python or sys.executable,
                      ["-m", "convnet_studio", "export", source, "--format", "python",
                       "-o", path, "--weights", record.checkpoint])
        return process

    # ------------------------------------------------------------------ slots
    def _on_tick(self) -> None:
        if self.live is None:
            return
        if self.record is not None:
            self.runs.update_summary(self.record.path, self.live.summary())
        if self._live_here:
            self.panel.update_progress(self.live)
            if self.colour_live and self.live.latest_grad_norms():
                self.colour_graph(self.live)
        if self.session is None or not self.session.active:
            self._tick.stop()

    def _on_state_changed(self, state: str) -> None:
        self.panel.set_state(state)
        if not self._live_here:
            self._show_background_state()
        if self.record is not None:
            self.record.update(status=state)

    def _show_background_state(self) -> None:
        """The progress line of a document whose run, if any, is another document's."""
        if self.running and self.record is not None:
            self.panel.progress.reset(f"{self.record.name} trains in the background")
        else:
            self.panel.progress.reset("idle")

    def _on_document_replaced(self) -> None:
        """Another document is shown: forget what the previous one's runs put on screen."""
        self._live_here = False
        self.overlay.clear()
        self.panel.show_error(None)
        self.panel.set_issues([])
        self.panel.set_state(self.panel.state if self.running else "idle")
        self._show_background_state()
        self.runs.table.clearSelection()
        self.dashboard.set_runs([])
        self.refresh_runs()

    def _on_error_reported(self, event: dict) -> None:
        message = str(event.get("message") or "the run failed")
        if not self._live_here:
            self.message.emit(f"{self.record.name if self.record else 'the run'}: {message}")
            return
        self.panel.show_error(f"{event.get('kind', 'error')}: {message}")
        node = event.get("node")
        if node:
            self.panel.set_issues([preflight.Issue(message, node)])
        self.message.emit(message)

    def _on_finished(self, event: dict) -> None:
        if self.live is not None and self.record is not None:
            self.record.update(status=event.get("reason"), finished=time.time(),
                               summary=self.live.summary())
        self._on_tick()
        self.refresh_runs()
        self.run_finished.emit(event)
        self.prepare_spare()  # for the next run (plain vs residual: runs come in pairs)

    def _on_runs_selected(self, records: list[RunRecord]) -> None:
        if records:
            self.dashboard.set_runs([self.run_data(r) for r in records])
        else:
            self.dashboard.set_runs([self.live] if self.live and self._live_here else [])

    def _on_colour_requested(self, record: RunRecord) -> None:
        if not self.colour_graph(self.run_data(record)):
            self.message.emit(f"{record.name} has no gradient norms to show")

    def _on_export_requested(self, record: RunRecord) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self.panel, "Export code and weights",
                                              f"{self.graph.name or 'model'}.py", "Python (*.py)")
        if path:
            self.export_code(record, path)

    def _on_open_requested(self, record: RunRecord) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        QDesktopServices.openUrl(QUrl.fromLocalFile(record.path))

    def _on_node_activated(self, name: str) -> None:
        if name in self.graph:
            self.document.focus(name)

    def _on_settings_changed(self) -> None:
        if self.panel.problems.isVisible():
            self.check()

    def _ask(self, question: str) -> bool:
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(self.panel, "ConvNet Studio", question)
        return answer == QMessageBox.StandardButton.Yes

