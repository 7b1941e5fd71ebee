"""The open document: one graph, its undo stack, its file, its selection. One source of truth.

Views never change the graph directly: they push commands (:mod:`convnet_studio.ui.commands`)
onto :attr:`Document.undo_stack`, and follow the graph's events. The document re-analyses the
graph once per burst of edits (a zero-delay timer coalesces them) and announces the result
with :attr:`Document.analysis_updated`, so a compound edit of 500 nodes costs one analysis.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack

from convnet_studio.graph.analysis import Analysis
from convnet_studio.graph.history import recording
from convnet_studio.graph.model import Graph
from convnet_studio.graph.project_file import SUFFIX, load_project, save_project
from convnet_studio.graph.registry import Shape
from convnet_studio.ui import long_lived


class Document(QObject):
    """The graph being edited, with its undo stack, path, dirty state and selection.

    Signals:
        analysis_updated(Analysis): shapes, costs or problems may have changed.
        selection_changed(list): names of the selected nodes.
        focus_requested(str): a panel asks the canvas to select and centre a node.
        path_changed(): the file name changed (title bar, recent files).
        dirty_changed(bool): unsaved changes appeared or went away.
        message(str): a one-line message for the status bar.
        replaced(): another document took this one's place (New, Open, a preset).
    """

    analysis_updated = Signal(object)
    selection_changed = Signal(list)
    focus_requested = Signal(str)
    path_changed = Signal()
    dirty_changed = Signal(bool)
    message = Signal(str)
    replaced = Signal()

    def __init__(self, graph: Graph | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The graph object lives as long as the document: loading replaces its contents
        # (``replace_with`` emits ``reset``), so every view keeps its subscriptions.
        self.graph = graph if graph is not None else Graph()
        self.undo_stack = QUndoStack(self)
        self.path: Path | None = None
        self._input_shape: Shape | None = None
        self._selection: list[str] = []
        self._selected: set[str] = set()  # the same names, to look them up
        # Deleting nodes drops them from the selection at once, but says so once, on the
        # next turn of the event loop: one signal per node made deleting a selected
        # ResNet-1202 (4,210 nodes) take 22 s (each signal re-synced the canvas's selection).
        self._selection_unannounced = False
        self._announce = QTimer(self)
        self._announce.setSingleShot(True)
        self._announce.setInterval(0)
        self._announce.timeout.connect(self._announce_selection)
        self._announced: Analysis | None = None
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(self.flush)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.graph.events.changed.connect(self._on_graph_changed)
        self.graph.events.reset.connect(self._on_graph_reset)
        self.graph.events.node_removed.connect(self._on_node_removed)
        self.graph.events.node_renamed.connect(self._on_node_renamed)

    # ------------------------------------------------------------------ analysis
    @property
    def input_shape(self) -> Shape | None:
        """The input size the user is trying (None: the Input node's own)."""
        return self._input_shape

    def set_input_shape(self, shape: Shape | None) -> None:
        self._input_shape = tuple(shape) if shape else None
        self._refresh.start()

    def analysis(self) -> Analysis:
        """The current analysis (cached by the graph per version and input size)."""
        return self.graph.analyze(self._input_shape)

    @Slot()
    def flush(self) -> None:
        """Re-analyse now and tell the views (tests and benchmarks call it to skip the timer).

        Moves also end in ``changed`` but leave the analysis (cached per version) as it was:
        then nothing is announced.
        """
        self._refresh.stop()
        self._announce_selection()  # views leave deleted nodes before they show results
        try:
            analysis = self.analysis()
            if analysis is not self._announced:
                self._announced = analysis
                self.analysis_updated.emit(analysis)
        finally:
            # What the edit made and the faces showing its results live on; collections
            # held since the edit's first event (see _on_graph_changed) go on.
            long_lived.settle()

    # ------------------------------------------------------------------ selection
    @property
    def selection(self) -> list[str]:
        return list(self._current_selection())

    def _current_selection(self) -> list[str]:
        """The selection in order, less the nodes deleted since (dropped from the set at
        once, from the list here: dropping each from the list was quadratic)."""
        if len(self._selection) != len(self._selected):
            self._selection = [n for n in self._selection if n in self._selected]
        return self._selection

    def set_selection(self, names: list[str]) -> None:
        names = [n for n in names if n in self.graph]
        if names != self._current_selection() or self._selection_unannounced:
            self._selection, self._selected = names, set(names)
            self._selection_unannounced = False
            self.selection_changed.emit(list(names))

    def focus(self, name: str) -> None:
        """Select ``name`` and ask the canvas to centre it."""
        self.set_selection([name])
        self.focus_requested.emit(name)

    # ------------------------------------------------------------------ edits
    def push(self, command: Any) -> None:
        self.undo_stack.push(command)

    def run_compound(
        self, text: str, edit: Callable[[Graph], Any], select: Callable[[Any], list[str]] | None = None
    ) -> Any:
        """Run ``edit(graph)`` as one undo step (the events it caused); returns its result.

        If ``edit`` raises, its events are undone and the exception propagates. ``select``
        maps the result to the selection after the edit (default: the selection as it is then).
        """
        from convnet_studio.ui.commands import RecordedCommand

        before = self.selection
        with recording(self.graph) as record:
            result = edit(self.graph)
        if select is not None:
            self.set_selection(select(result))
        if record:
            self.push(RecordedCommand(self, text, record, (before, self.selection), applied=True))
        return result

    # ------------------------------------------------------------------ files
    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else f"{self.graph.name or 'untitled'} (unsaved)"

    def replace_graph(self, graph: Graph, path: Path | None = None, take: bool = False) -> None:
        """Show ``graph`` as a fresh document (no undo history, clean).

        Transactional: ``graph`` is copied and analysed first, and if that or the views'
        rebuild raises, the document (graph, path, undo history, dirty state) is as it was and
        the exception propagates. ``take``: ``graph`` was made for this (a file just read, a
        preset just built) and nobody else holds it: it is checked and adopted, not copied
        (the copy was a quarter of opening a 4,000-node net).
        """
        with long_lived.building():
            staged = _checked(graph if take else _copy(graph))
            # The open graph's own nodes, kept aside for a rollback: taking them costs no
            # copy, since replace_with gives self.graph a new node table and never touches
            # them again.
            previous = Graph(self.graph.name)
            previous.replace_with(self.graph, take=True)
            try:
                self.graph.replace_with(staged, take=True)
            except BaseException:
                self.graph.replace_with(previous, take=True)
                raise
        self.undo_stack.clear()
        self._selection, self._selected = [], set()
        self._selection_unannounced = False
        self._set_path(path)
        self.undo_stack.setClean()
        self.selection_changed.emit([])
        self._on_clean_changed(True)
        self.replaced.emit()
        long_lived.settle(collect_if_grown=True)  # the new document and its views live on

    def load(self, path: str | Path) -> None:
        """Open a project file; on any error it raises and leaves the document as it was."""
        graph = load_project(path)
        self.replace_graph(graph, Path(path), take=True)

    def save(self, path: str | Path | None = None) -> Path:
        """Save to ``path`` (or the current file); raises ``ProjectFileError``."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no file name given")
        if not target.suffix:
            target = target.with_suffix(SUFFIX)
        save_project(self.graph, target)
        self._set_path(target)
        self.undo_stack.setClean()
        return target

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        self.path_changed.emit()

    # ------------------------------------------------------------------ slots
    def _on_graph_changed(self) -> None:
        long_lived.edit_began()  # until flush: see long_lived
        self._refresh.start()

    def _on_graph_reset(self) -> None:
        self._selection = [n for n in self._current_selection() if n in self.graph]
        self._selected = set(self._selection)
        self._selection_unannounced = False
        self.selection_changed.emit(list(self._selection))

    def _on_node_removed(self, node: Any) -> None:
        if node.name in self._selected:
            self._selected.discard(node.name)
            self._selection_unannounced = True
            self._announce.start()

    def _announce_selection(self) -> None:
        if self._selection_unannounced:
            self._selection_unannounced = False
            self.selection_changed.emit(list(self._current_selection()))

    def _on_node_renamed(self, old: str, new: str) -> None:
        if old in self._selected:
            self._selection = [new if n == old else n for n in self._current_selection()]
            self._selected = set(self._selection)
            self.selection_changed.emit(list(self._selection))

    @Slot(bool)
    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)


def _copy(graph: Graph) -> Graph:
    staged = Graph(graph.name)
    staged.replace_with(graph)
    return staged


def _checked(staged: Graph) -> Graph:
    """``staged`` serialised and analysed away from the views: whatever a bad file makes
    fail (nesting too deep to save, parameters the analysis chokes on) fails here."""
    staged.to_dict()
    staged.analyze()
    return staged
