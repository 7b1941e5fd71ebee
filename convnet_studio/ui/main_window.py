"""The studio window: the canvas in the middle, palette, inspector, summary and problems docks.

Hooks for other packages:

- ``window.document``: the :class:`~convnet_studio.ui.document.Document` (graph, undo stack,
  path, selection, ``analysis_updated``...).
- ``window.scene``: the :class:`~convnet_studio.ui.canvas.scene.GraphScene`, with the overlay
  API (``set_node_overlay``, ``clear_overlays``, ``set_overlay_legend``).
- ``window.view``, ``window.editor``, ``window.menus`` (name -> QMenu: "file", "edit", "view",
  "presets", "export", "help"), ``window.add_dock(name, title, widget, area)``.
- At start-up the window calls ``convnet_studio.ui.training.install_training(window)``, which
  sees the window as :class:`~convnet_studio.ui.plugin.StudioWindow`; a failure there is
  reported in the status bar, never fatal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QStyle, QWidget

from convnet_studio.graph.model import Graph
from convnet_studio.ui import long_lived
from convnet_studio.ui.autosave import Autosaver
from convnet_studio.ui.canvas.scene import GraphScene
from convnet_studio.ui.canvas.view import GraphView
from convnet_studio.ui.document import Document
from convnet_studio.ui.editing import Editor
from convnet_studio.ui.panels.inspector import InspectorPanel
from convnet_studio.ui.panels.palette import PalettePanel
from convnet_studio.ui.panels.problems import ProblemsPanel
from convnet_studio.ui.panels.summary import SummaryPanel
from convnet_studio.ui.recovery import RecoveryStore
from convnet_studio.ui.status_info import StatusInfo

# The training plugin's docks, reserved before the first paint (see _reserve_plugin_docks).
PLUGIN_DOCKS = (("training", "Training", Qt.RightDockWidgetArea),
                ("training_plots", "Training plots", Qt.BottomDockWidgetArea),
                ("runs", "Runs", Qt.BottomDockWidgetArea))
MIN_INSPECTOR_HEIGHT = 480  # with less left above the training settings, the two are tabs
RESERVED_TRAINING_HEIGHT = 545  # the training panel's height hint (settings need no scrolling)
SETTINGS_ORG, SETTINGS_APP = "ConvNetStudio", "ConvNet Studio"
STATE_VERSION = 2  # 2: the right column and the plots (issue 15); older layouts are dropped


def default_settings() -> QSettings:
    return QSettings(SETTINGS_ORG, SETTINGS_APP)


class MainWindow(QMainWindow):
    """One document in one window."""

    def __init__(
        self,
        graph: Graph | None = None,
        settings: QSettings | None = None,
        recovery_dir: str | Path | None = None,
        install_plugins: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings or default_settings()
        self.document = Document(graph)
        self.editor = Editor(self.document)
        self.scene = GraphScene(self.document, self, editor=self.editor)
        self.view = GraphView(self.scene)
        self.setCentralWidget(self.view)
        self.docks: dict[str, QDockWidget] = {}
        self._build_panels()
        self.status_info = StatusInfo(self.document, self)
        for label in self.status_info.labels:
            self.statusBar().addPermanentWidget(label)
        from convnet_studio.ui.actions import build_actions
        from convnet_studio.ui.file_actions import FileActions

        self.files = FileActions(self)
        self.actions, self.menus = build_actions(self)
        self.recovery = RecoveryStore(recovery_dir or _recovery_dir())
        self._autosave = Autosaver(self.document, self.autosave, self)
        self._connect_signals()
        self._arranged = False  # the docks got their sizes (remembered or the defaults)
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(150)
        self._refit.timeout.connect(self.refit_docks)
        self.resize(1500, 950)
        if install_plugins:
            self._reserve_plugin_docks()
        self._arranged = self.restore_layout()
        if not self._arranged:
            self.arrange_docks()
        self.update_title()
        self.training: object | None = None
        self._plugins_pending = install_plugins
        if install_plugins:
            # Plugins (the training UI loads pyqtgraph) wait for the first paint, so the window
            # shows at once, and then load in slices (see plugin_loader); the timer covers a
            # window that is never shown.
            self.view.viewport().installEventFilter(self)
            QTimer.singleShot(1500, self._install_if_never_shown)

    def _build_panels(self) -> None:
        self.palette = PalettePanel()
        self.inspector = InspectorPanel(self.document, self.editor)
        self.summary = SummaryPanel(self.document)
        self.problems = ProblemsPanel(self.document)
        self.add_dock("palette", "Blocks", self.palette, Qt.LeftDockWidgetArea)
        self.add_dock("inspector", "Inspector", self.inspector, Qt.RightDockWidgetArea)
        self.add_dock("summary", "Summary", self.summary, Qt.BottomDockWidgetArea)
        self.add_dock("problems", "Problems", self.problems, Qt.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["summary"], self.docks["problems"])
        self.docks["summary"].raise_()
        # The right column runs the full height (inspector over the training settings); the
        # bottom row (summary, plots) spans from the left edge to that column.
        self.setCorner(Qt.BottomLeftCorner, Qt.BottomDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)

    def _reserve_plugin_docks(self) -> None:
        """Empty docks where the training UI will go, so its arrival resizes nothing: a
        canvas that changes size repaints whole, a long stall on a big graph."""
        for name, title, area in PLUGIN_DOCKS:
            waiting = QLabel("Loading\u2026")
            waiting.setAlignment(Qt.AlignCenter)
            waiting.setEnabled(False)
            self.add_dock(name, title, waiting, area)
        self.tabifyDockWidget(self.docks["summary"], self.docks["runs"])
        self.docks["summary"].raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Paint and self._plugins_pending:
            QTimer.singleShot(0, self._install_plugins)
        return False

    def _install_if_never_shown(self) -> None:
        if not self.isVisible():  # a shown window waits for its first paint, however late
            self._install_plugins(sliced=False)

    def _install_plugins(self, sliced: bool = True) -> None:
        if not self._plugins_pending:
            return
        self._plugins_pending = False
        self.view.viewport().removeEventFilter(self)
        from convnet_studio.ui.plugin_loader import PluginLoader

        self._plugin_loader = PluginLoader(self, sliced, self._on_plugins_installed)

    def _on_plugins_installed(self, controller: object | None) -> None:
        self.training = controller
        long_lived.settle()  # the modules and panels, loaded now, stay
        for name, _, _ in PLUGIN_DOCKS:  # reserved docks the plugin did not fill
            dock = self.docks.get(name)
            if dock is not None and isinstance(dock.widget(), QLabel):
                self.removeDockWidget(dock)
                del self.docks[name]
        # Nothing to arrange: the reserved docks got their remembered or default places
        # before the first paint, and arranging again would repaint the whole window.

    def _connect_signals(self) -> None:
        doc = self.document
        doc.dirty_changed.connect(self._on_dirty_changed)
        doc.path_changed.connect(self.update_title)
        doc.message.connect(self._on_message)
        self.palette.block_activated.connect(self._on_block_activated)

    def add_dock(
        self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea
    ) -> QDockWidget:
        """Add a dock panel (its object name makes its place remembered between sessions);
        a dock already reserved under ``name`` gets ``widget`` in place of its placeholder."""
        if name in self.docks:
            self.docks[name].setWidget(widget)
            return self.docks[name]
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock
        return dock

    # ------------------------------------------------------------------ state
    def update_title(self) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] \u2014 ConvNet Studio")
        self.setWindowModified(self.document.dirty)

    def restore_layout(self) -> bool:
        """Put the window and docks where the user left them; False if nothing was kept."""
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        return state is not None and self.restoreState(state, STATE_VERSION)

    def arrange_docks(self) -> None:
        """The default dock sizes for the window's size: at 1920 x 1080 the inspector shows
        a whole Conv2d and the training settings need no scrolling."""
        w, h = self.width(), self.height()
        d = self.docks
        self.resizeDocks([d["palette"]], [_clamp(w * 0.12, 180, 240)], Qt.Horizontal)
        self.resizeDocks([d["inspector"]], [_clamp(w * 0.25, 360, 480)], Qt.Horizontal)
        if "training" in d:
            self._stack_right_column(d["inspector"], d["training"], h)
        self.resizeDocks([d["summary"]], [_clamp(h * 0.42, 240, 470)], Qt.Vertical)
        if "training_plots" in d:
            # sizes that add up to the row's width are taken as given, others only in part:
            # the row runs from the left edge to the right column
            row = w - d["inspector"].width() - self.style().pixelMetric(
                QStyle.PixelMetric.PM_DockWidgetSeparatorExtent)
            summary = _clamp(w * 0.29, 360, 560)
            self.resizeDocks([d["summary"], d["training_plots"]], [summary, row - summary],
                             Qt.Horizontal)

    def _stack_right_column(self, inspector: QDockWidget, training: QDockWidget, h: int) -> None:
        """Inspector over the training settings where both fit (each gets what it needs),
        else the two as tabs, so neither is squeezed into a scroll area."""
        want = self._training_height()
        tabbed = training in self.tabifiedDockWidgets(inspector)
        if self._wants_tabs(h):
            if not tabbed:
                if not self.isVisible():
                    # Tabs made before the first show leave a stray tab bar that Qt draws over
                    # the plots once the two are split again: the first show makes them.
                    return
                self.tabifyDockWidget(inspector, training)
            inspector.raise_()
            return
        if tabbed:
            # splitDockWidget would only add it as another tab of the same group: put it
            # back into the column, under the inspector.
            self.addDockWidget(Qt.RightDockWidgetArea, training, Qt.Vertical)
            training.show()
        self.resizeDocks([inspector, training], [h - want - 110, want], Qt.Vertical)

    def _training_height(self) -> int:
        widget = self.docks["training"].widget()
        # a reserved dock (see _reserve_plugin_docks) gets the room the settings will need
        return (RESERVED_TRAINING_HEIGHT if isinstance(widget, QLabel)
                else widget.sizeHint().height()) + 30

    def _wants_tabs(self, h: int) -> bool:
        """Whether the inspector and the training settings are too tall to stack at ``h``."""
        return h - self._training_height() < MIN_INSPECTOR_HEIGHT

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._arranged and self.isVisible():
            self._refit.start()  # once the user stops dragging the window's edge

    def refit_docks(self) -> None:
        """After the window changed size (made smaller, un-maximized, a layout remembered
        from a bigger screen): where docks overlap or stick out of the window (Qt keeps each
        dock's width and clips what no longer fits) or the right column should now be tabs
        or a stack, the docks get the default sizes for this size."""
        d = self.docks
        restack = "training" in d and self._wants_tabs(self.height()) != (
            d["training"] in self.tabifiedDockWidgets(d["inspector"]))
        if restack or self._docks_collide():
            self.arrange_docks()

    def _docks_collide(self) -> bool:
        window = self.rect()
        shown = [dock.geometry() for dock in self.docks.values()
                 if dock.isVisible() and not dock.isFloating()
                 and window.intersects(dock.geometry())]  # tabs behind others lie outside
        return any(not window.contains(box) for box in shown) or any(
            a.intersects(b) for i, a in enumerate(shown) for b in shown[i + 1:])

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._arranged:  # the first show knows the real size (a maximized window)
            self._arranged = True
            # once the layout has placed the docks: resizeDocks before that is half ignored
            QTimer.singleShot(0, self.arrange_docks)
        else:  # a remembered layout may come from a bigger screen
            QTimer.singleShot(0, self.refit_docks)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(STATE_VERSION))

    def autosave(self) -> Path | None:
        """Write the recovery file if there are unsaved changes; drop it when there are none."""
        if not self.document.dirty:
            self.recovery.discard()
            return None
        try:
            return self.recovery.save(self.document.graph, self.document.path)
        except (OSError, ValueError) as exc:
            self._on_message(f"Autosave failed: {exc}")
            return None

    def offer_recovery(self, ask: bool = True, instead_of: str | None = None) -> bool:
        """If a crashed session left a recovery file, offer to reopen it; True if reopened.

        ``instead_of``: what the studio was asked to open (a file or preset); a recovery of
        that same file is offered first.
        """
        leftovers = sorted(
            self.recovery.leftovers(), key=lambda r: not _same(r.original, instead_of)
        )
        if not leftovers:
            return False
        latest = leftovers[0]
        name = (latest.original.name if latest.original else str(latest.graph.name))[:80]
        if ask:
            other = (
                ""
                if instead_of is None or _same(latest.original, instead_of)
                else (f" (instead of opening \u201c{Path(instead_of).name}\u201d)")
            )
            answer = QMessageBox.question(
                self,
                "Recover unsaved work?",
                f"ConvNet Studio did not close cleanly. Recover the unsaved changes to \u201c{name}\u201d{other}?",
                QMessageBox.Yes | QMessageBox.Discard,
                QMessageBox.Yes,
            )
            if answer != QMessageBox.Yes:
                for item in leftovers:
                    self.recovery.remove(item)
                return False
        try:
            self.document.replace_graph(latest.graph, latest.original, take=True)
        except Exception as exc:  # noqa: BLE001 -  # a broken recovery file must not stop the start
            self._on_message(f"Could not recover {name}: {type(exc).__name__}")
            return False
        # The recovered state is not what is on disk: mark it unsaved with one no-op step.
        self.document.undo_stack.resetClean()
        self.update_title()
        for item in leftovers:
            self.recovery.remove(item)
        self.recovery.save(self.document.graph, self.document.path)
        self._on_message(f"Recovered unsaved changes to {name}")
        return True

    def maybe_save(self) -> bool:
        """Ask to save unsaved changes; False if the user cancelled."""
        if not self.document.dirty:
            return True
        answer = QMessageBox.warning(
            self,
            "Unsaved changes",
            f"Save the changes to \u201c{self.document.display_name}\u201d?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
            QMessageBox.Save,
        )
        if answer == QMessageBox.Cancel:
            return False
        if answer == QMessageBox.Save:
            return self.files.save()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.save_layout()
        self._autosave.stop()
        self.recovery.discard()
        event.accept()

    # ------------------------------------------------------------------ slots
    def _on_dirty_changed(self, dirty: bool) -> None:
        self.setWindowModified(dirty)
        if not dirty:
            self.recovery.discard()

    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _on_block_activated(self, type_name: str) -> None:
        center = self.view.mapToScene(self.view.viewport().rect().center())
        self.editor.add_block(type_name, (round(center.x() - 95), round(center.y() - 46)))


def install_training(window: MainWindow) -> object | None:
    """Let the training UI add its panels (see ui/plugin.py); a bug there leaves the editor usable."""
    from convnet_studio.ui.training import install_training as install

    try:
        return install(window)
    except Exception as exc:  # noqa: BLE001 -  # a plugin bug must not take the editor down
        window.statusBar().showMessage(
            f"Training panel unavailable: {type(exc).__name__}: {exc}", 15000
        )
        return None


def _clamp(value: float, lo: int, hi: int) -> int:
    return int(min(max(value, lo), hi))


def _same(original: Path | None, source: str | None) -> bool:
    try:
        return (
            original is not None
            and source is not None
            and original.resolve() == Path(source).resolve()
        )
    except OSError:
        return False


def _recovery_dir() -> Path:
    from PySide6.QtCore import QStandardPaths

    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or str(
        Path.home() / ".convnet-studio"
    )
    return Path(base) / "recovery"
