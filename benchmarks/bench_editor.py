"""Editing at any size: undo/redo, re-analysis, expand/collapse, ResNet-1202 on the canvas.

    python benchmarks/bench_editor.py      # prints markdown rows "| what | result | target |"

Every timing goes through the user's path: the window's Editor and undo stack, then the
document's re-analysis (``flush``, what its zero-delay timer does) and Qt's event processing
(items re-faced, what changed repainted). Wall time, medians of interleaved rounds: each round
does every measurement once, so a burst of load on the machine hits all of them alike.
Targets: issue 14.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

Row = dict[str, Any]
ROUNDS = 3
UNDO_TARGET_MS = 50.0


def _window():
    from bench_gui import studio_window

    app, window = studio_window()
    window.editor.ask_projection = lambda add, plan: None
    return app, window


def _settle(app, window) -> None:
    """What happens after an edit before the user sees it: re-analysis, items, repaint."""
    window.document.flush()
    app.processEvents()


def _ms(fn: Callable[[], Any], app, window) -> float:
    """Wall time of ``fn`` until the view shows its result (off-screen items then follow in
    slices: that catch-up is waited for, untimed, so it does not land in the next sample)."""
    start = time.perf_counter()
    fn()
    _settle(app, window)
    elapsed = (time.perf_counter() - start) * 1000
    _catch_up(app, window)
    return elapsed


def _catch_up(app, window) -> float:
    """Let the canvas finish its off-screen slices; returns the longest slice in ms."""
    longest = 0.0
    while window.scene.deferred:
        start = time.perf_counter()
        app.processEvents()
        longest = max(longest, (time.perf_counter() - start) * 1000)
    return longest


def _load(app, window, graph) -> float:
    from bench_gui import load_seconds

    return load_seconds(app, window, graph)


# ------------------------------------------------------------------------- the edits
def _edits(window, mid: str, block: str, add: str) -> dict[str, Callable[[], Any]]:
    """Each edit the issue names, as the user makes it (``mid``: a node in the middle)."""
    ed, doc = window.editor, window.document
    from convnet_studio.ui.commands import RenameCommand

    def paste() -> None:
        ed.copy([mid])
        ed.paste()

    def load_weights() -> None:  # what TrainingController.load_weights does for its own graph
        weights = {"checkpoint": "/runs/r1/checkpoint.pt", "run": "r1", "graph_hash": "x"}
        doc.run_compound("Load weights of r1", lambda g: g.set_meta("weights", weights))

    return {
        "delete": lambda: ed.delete([mid]),
        "paste": paste,
        "duplicate": lambda: ed.duplicate([mid]),
        "layout": lambda: ed.auto_layout("TB" if doc.graph.meta.get("layout_direction") == "LR" else "LR"),
        "collapse": lambda: ed.collapse(block),
        "expand": lambda: ed.expand(block),
        "projection": lambda: ed.insert_projection(add, "B"),
        "rename": lambda: doc.push(RenameCommand(doc, mid, mid + "_x")),
        "load weights": load_weights,
    }


def _prepare(window, name: str) -> None:
    """Put the graph in the state the edit ``name`` needs (not timed)."""
    ed, graph = window.editor, window.document.graph
    if name == "expand":
        ed.collapse(_BLOCK[0])
    if name == "projection":  # a stage's first Add fed straight from the previous stage
        add, shortcut = _PROJ
        src = graph.in_edges(shortcut[0])[0].src
        ed.delete(list(shortcut))
        from convnet_studio.graph.model import Edge

        ed.connect(Edge(src, add, "out", "in1"))
    window.document.undo_stack.setClean()
    # The user sees the prepared state (the Add's mismatch) before making the edit: its
    # analysis is done, as the document's refresh timer would have done it by then.
    window.document.flush()


_BLOCK: list[str] = []
_PROJ: tuple[str, tuple[str, ...]] = ("", ())


def undo_redo_rows(app, window, label: str, mid: str, block: str, proj: tuple[str, tuple[str, ...]]) -> list[Row]:
    """Undo and redo of every edit on the loaded graph, with the selection kept."""
    global _PROJ
    _BLOCK[:] = [block]
    _PROJ = proj
    doc = window.document
    # Where a user deleting or renaming a node looks: at it, at 100 %.
    window.view.reset_zoom()
    window.view.center_on_node(mid)
    app.processEvents()
    times: dict[str, tuple[list[float], list[float], list[float]]] = {}
    kept: dict[str, bool] = {}
    for _ in range(ROUNDS):
        for name in _edits(window, mid, block, proj[0]):
            start_index = doc.undo_stack.index()
            _prepare(window, name)
            doc.set_selection([mid] if mid in doc.graph else [])
            selected = doc.selection
            edit = _edits(window, mid, block, proj[0])[name]
            t_edit = _ms(edit, app, window)
            after = doc.selection
            t_undo = _ms(doc.undo_stack.undo, app, window)
            ok = doc.selection == selected and window.inspector.name == (selected[0] if len(selected) == 1 else None)
            t_redo = _ms(doc.undo_stack.redo, app, window)
            ok = ok and doc.selection == after
            kept[name] = kept.get(name, True) and ok
            bucket = times.setdefault(name, ([], [], []))
            for values, value in zip(bucket, (t_edit, t_undo, t_redo)):
                values.append(value)
            while doc.undo_stack.index() > start_index:  # back to the loaded graph
                doc.undo_stack.undo()
            _settle(app, window)
            _catch_up(app, window)  # as idle time would: not the next edit's cost
    rows = []
    for name, (edits, undos, redos) in times.items():
        undo, redo = statistics.median(undos), statistics.median(redos)
        rows.append(
            {
                "what": f"undo / redo of {name} ({label}, view at 100 % on the edit)",
                "result": f"{undo:.1f} / {redo:.1f} ms",
                "target": f"< {UNDO_TARGET_MS:.0f} ms each, selection kept",
                "ok": undo < UNDO_TARGET_MS and redo < UNDO_TARGET_MS and kept[name],
                "note": f"the edit itself {statistics.median(edits):.1f} ms"
                + ("" if kept[name] else "; selection or inspector lost"),
            }
        )
    return rows


# ------------------------------------------------------------------------- analysis
def reanalysis_rows() -> list[Row]:
    """One parameter edit at 5,000 nodes, re-analysed, at the start, middle and end."""
    from bench_shapes import residual_graph

    from convnet_studio.graph.analysis import analyze

    graph = residual_graph(5000)
    convs = [n.name for n in graph if n.type == "Conv2d"]
    where = {"first": convs[0], "middle": convs[len(convs) // 2], "last": convs[-1]}
    graph.analyze()
    times: dict[str, list[float]] = {k: [] for k in where}
    structural: list[float] = []
    for i in range(ROUNDS * 3):
        for key, name in where.items():
            start = time.perf_counter()
            graph.set_params(name, kernel_size=1 + 2 * (i % 2), padding=i % 2)
            graph.analyze()
            times[key].append((time.perf_counter() - start) * 1000)
        edge = graph.in_edges(where["middle"])[0]
        start = time.perf_counter()
        graph.disconnect(edge)
        graph.analyze()
        graph.connect(edge.src, edge.dst, edge.src_port, edge.dst_port)
        graph.analyze()
        structural.append((time.perf_counter() - start) * 500)  # two edits
    same = graph.analyze() == analyze(graph)
    med = {k: statistics.median(v) for k, v in times.items()}
    spread = max(med.values()) - min(med.values())
    return [
        {
            "what": "re-analysis after one parameter edit, 5,000 nodes (first / middle / last conv)",
            "result": " / ".join(f"{med[k]:.2f}" for k in where) + " ms",
            "target": "< 5 ms",
            "ok": max(med.values()) < 5.0 and same,
            "note": "equal to a full analysis" if same else "DIFFERS from a full analysis",
        },
        {
            "what": "re-analysis cost: slowest minus fastest place of the edit, 5,000 nodes",
            "result": f"{spread:.2f} ms",
            "target": "< 1 ms (independent of where)",
            "ok": spread < 1.0,
        },
        {
            "what": "re-analysis after a connection change (disconnect or connect), 5,000 nodes",
            "result": f"{statistics.median(structural):.2f} ms",
            "target": "-",
            "ok": None,
            "note": "the 2,500 nodes downstream are inferred again, their shapes unknown, then known: "
            "the cost is the edit's reach",
        },
    ]


# ------------------------------------------------------------------------- expand
def expand_rows(app, window) -> list[Row]:
    from convnet_studio.presets import get_preset
    from convnet_studio.presets.resnet import cifar_resnet

    rows = []
    from convnet_studio.graph.layout import apply_layout, wrap_for_aspect

    small = get_preset("resnet20_cifar")
    big = cifar_resnet(1202, 10, (3, 32, 32))  # the preset before expanding, laid out as presets are
    apply_layout(big, "LR", wrap_for_aspect(big, 16 / 9))
    per_size: dict[str, tuple[list[float], list[float]]] = {}
    # The biggest graph the seeds talk about is the last: the whole net expanded, in view.
    graphs = {"ResNet-20, 9 blocks": small, "ResNet-1202, 600 blocks": big,
              "ResNet-1202 expanded, 4210 nodes, whole net in view": get_preset("resnet1202_cifar")}
    for _ in range(ROUNDS):
        for label, graph in graphs.items():
            _load(app, window, graph.copy())
            expand, collapse = per_size.setdefault(label, ([], []))
            if "layer2.1" not in graph:  # expanded: collapse the block, then expand it again
                collapse.append(_ms(lambda: window.editor.collapse("layer2.1"), app, window))
                expand.append(_ms(lambda: window.editor.expand("layer2.1"), app, window))
            else:
                expand.append(_ms(lambda: window.editor.expand("layer2.1"), app, window))
                collapse.append(_ms(lambda: window.editor.collapse("layer2.1"), app, window))
    for label, (expand, collapse) in per_size.items():
        e, c = statistics.median(expand), statistics.median(collapse)
        rows.append(
            {
                "what": f"expand / collapse one block through the editor ({label})",
                "result": f"{e:.1f} / {c:.1f} ms",
                "target": "< 20 ms each, whatever the size",
                "ok": e < 20 and c < 20,
            }
        )
    _load(app, window, big.copy())
    blocks = [n.name for n in window.document.graph if n.spec.is_composite]
    start = time.perf_counter()
    for name in blocks:
        window.editor.expand(name)
        _settle(app, window)
    seconds = time.perf_counter() - start
    rows.append(
        {
            "what": f"expand all {len(blocks)} blocks of ResNet-1202 one after another (editor, undo stack)",
            "result": f"{seconds:.1f} s",
            "target": "< 15 s",
            "ok": seconds < 15,
            "note": f"{len(window.document.graph)} nodes at the end",
        }
    )
    return rows


# ------------------------------------------------------------------------- ResNet-1202
def resnet1202_rows(app, window) -> list[Row]:
    from convnet_studio.ui.canvas.overview import OVERVIEW_ZOOM
    from convnet_studio.ui.commands import SetParamsCommand

    opens = []
    for _ in range(3):  # File > Presets: build, lay out for the view, analyse, items, fit, paint
        window.document.undo_stack.setClean()  # saved: no "save changes?" question
        start = time.perf_counter()
        assert window.files.open_preset("resnet1202_cifar")
        window.document.flush()
        window.view.viewport().repaint()
        app.processEvents()
        opens.append(time.perf_counter() - start)
    params = window.document.analysis().total.params
    view = window.view
    frames: dict[str, list[float]] = {"pan": [], "zoom": []}
    view.fit_all()
    # Zoomed in enough that the items are drawn one by one (above the overview picture's
    # zoom), and no less than 4x the fit: about a sixteenth of the net in view.
    view.zoom_by(max(4.0, OVERVIEW_ZOOM * 1.05 / view.zoom()))
    for i in range(ROUNDS * 4):
        start = time.perf_counter()
        view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + (40 if i % 2 else -40))
        view.viewport().repaint()
        frames["pan"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        view.zoom_by(0.8 if i % 2 else 1.25)
        view.viewport().repaint()
        frames["zoom"].append((time.perf_counter() - start) * 1000)
    view.fit_all()
    view.overview.invalidate()  # as after opening a file: the first frame renders the picture
    start = time.perf_counter()
    view.viewport().repaint()
    first_whole = (time.perf_counter() - start) * 1000
    whole = []
    for i in range(ROUNDS):
        start = time.perf_counter()
        view.zoom_by(1.1 if i % 2 else 1 / 1.1)
        view.viewport().repaint()
        whole.append((time.perf_counter() - start) * 1000)
    doc = window.document
    edits = []
    for i in range(ROUNDS * 2):
        edits.append(_ms(lambda: doc.push(SetParamsCommand(doc, "layer2.100.conv1", {"kernel_size": 1 + 2 * (i % 2), "padding": i % 2})), app, window))
    saves = []  # what the window does 2 s after the edits stop: write the recovery file
    for _ in range(ROUNDS * 2):
        start = time.perf_counter()
        window.autosave()
        saves.append((time.perf_counter() - start) * 1000)
    worst_frame = max(statistics.median(v) for v in (frames["pan"], frames["zoom"], whole))
    return [
        {
            "what": f"open preset resnet1202_cifar fully expanded ({len(doc.graph)} nodes, {params / 1e6:.1f}M params) "
            "as File > Presets does: build, lay out for the view, analyse, make the items, fit, paint",
            "result": f"{statistics.median(opens):.2f} s",
            "target": "< 2 s",
            "ok": statistics.median(opens) < 2.0 and round(params / 1e5) == 194,
        },
        {
            "what": "ResNet-1202 frame: pan / zoom at 4x the fit or more (items drawn one by one), "
            "zoom with the whole net in view (drawn as the overview picture, kept current)",
            "result": f"{statistics.median(frames['pan']):.1f} / {statistics.median(frames['zoom']):.1f} / {statistics.median(whole):.1f} ms",
            "target": "< 16 ms (60 fps)",
            "ok": worst_frame < 16.0,
            "note": f"the first whole-net frame after the picture is invalidated renders it: {first_whole:.0f} ms",
        },
        {
            "what": "ResNet-1202: the autosave after an edit (recovery file written in the GUI thread: the "
            "stall it causes)",
            "result": f"{statistics.median(saves):.0f} ms",
            "target": "< 50 ms",
            "ok": statistics.median(saves) < 50.0 and doc.dirty,
            "note": f"median of {len(saves)}; the first after opening encodes every node: {saves[0]:.0f} ms",
        },
        {
            "what": "ResNet-1202: one parameter edit, re-validated and repainted",
            "result": f"{statistics.median(edits):.1f} ms",
            "target": "< 50 ms",
            "ok": statistics.median(edits) < 50.0,
        },
    ]


def drag_rows(app, window) -> list[Row]:
    """Dragging a selection of ResNet-1202 nodes with the mouse (real mouse events through
    the view), at 100 %: the time of one mouse move until it is painted, then the drop."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    doc, view, scene = window.document, window.view, window.scene
    rows = []
    for count in (50, 500):
        names = [n for n in doc.graph.nodes if n.startswith("layer2.")][:count]
        grabbed = names[len(names) // 2]
        moves, drops = [], []
        for _ in range(ROUNDS):
            view.reset_zoom()
            view.center_on_node(grabbed)
            doc.set_selection(names)
            _settle(app, window)
            start = view.mapFromScene(scene.nodes[grabbed].sceneBoundingRect().center())
            QTest.mousePress(view.viewport(), Qt.LeftButton, Qt.NoModifier, start)
            for step in range(1, 9):
                moves.append(_ms(lambda s=step: QTest.mouseMove(view.viewport(), start + QPoint(6 * s, 4 * s)),
                                 app, window))
            drops.append(_ms(lambda: QTest.mouseRelease(view.viewport(), Qt.LeftButton, Qt.NoModifier,
                                                        start + QPoint(48, 32)), app, window))
            doc.undo_stack.undo()
            _settle(app, window)
            _catch_up(app, window)
        rows.append({
            "what": f"ResNet-1202 expanded: drag {count} selected nodes with the mouse, view at 100 % "
            "(one mouse move, until painted / the drop)",
            "result": f"{statistics.median(moves):.1f} / {statistics.median(drops):.0f} ms",
            "target": "-",
            "ok": None,
            "note": "500 took 100 ms a move (each edge placed twice, off-screen ones too)",
        })
    doc.set_selection([])
    return rows


def big_selection_rows(app, window) -> list[Row]:
    """Ctrl+A on ResNet-1202 expanded (at 100 % and with the whole net in view), then
    Delete, Undo, Redo, Undo: every item goes or comes. These were quadratic in the
    selection: 2 s to select, 22 s to delete, 5 s to undo, 38 s to redo."""
    doc, ed, view = window.document, window.editor, window.view
    times: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        names = list(doc.graph.nodes)
        view.reset_zoom()
        app.processEvents()
        times.setdefault("select at 100 %", []).append(_ms(lambda: doc.set_selection(names), app, window))
        doc.set_selection([])
        _settle(app, window)
        view.fit_all()
        app.processEvents()
        for label, fn in (("select whole", lambda: doc.set_selection(names)),
                          ("delete all", lambda: ed.delete(names)),
                          ("undo", doc.undo_stack.undo), ("redo", doc.undo_stack.redo),
                          ("undo again", doc.undo_stack.undo)):
            times.setdefault(label, []).append(_ms(fn, app, window))
        doc.set_selection([])
        _settle(app, window)
    med = {k: statistics.median(v) for k, v in times.items()}
    nodes, edges = len(doc.graph), len(doc.graph.edges)
    return [
        {
            "what": f"ResNet-1202 expanded: select all (Ctrl+A, {nodes} nodes), view at 100 % / whole net in view",
            "result": f"{med['select at 100 %']:.0f} / {med['select whole']:.0f} ms",
            "target": "-",
            "ok": None,
            "note": "was 2 s; with the whole net in view every block of its picture changes colour "
            "and the picture is rendered again",
        },
        {
            "what": f"ResNet-1202 expanded: delete all / undo / redo ({nodes} nodes and {edges} edges, "
            "every item dropped or made; whole net in view)",
            "result": f"{med['delete all']:.0f} / {med['undo']:.0f} / {med['redo']:.0f} ms",
            "target": "-",
            "ok": None,
            "note": "were 22 s / 5 s / 38 s (quadratic in the selection); grows with the items made",
        },
    ]


def run() -> list[Row]:
    from bench_gui import expanded_resnet152

    from convnet_studio.presets import get_preset

    app, window = _window()
    rows = reanalysis_rows()
    rows += expand_rows(app, window)
    rows += resnet1202_rows(app, window)
    _load(app, window, expanded_resnet152())
    rows += undo_redo_rows(app, window, "ResNet-152 expanded, 517 nodes", "layer3.10.conv2",
                           "layer3.11", ("layer3.0.add", ("layer3.0.downsample.0", "layer3.0.downsample.1")))
    _load(app, window, get_preset("resnet1202_cifar"))
    rows += undo_redo_rows(app, window, f"ResNet-1202 expanded, {len(window.document.graph)} nodes",
                           "layer2.100.conv2", "layer2.101", ("layer2.0.add", ("layer2.0.downsample",)))
    rows += drag_rows(app, window)
    rows += big_selection_rows(app, window)
    window.document.undo_stack.setClean()
    window.close()
    return rows


if __name__ == "__main__":
    print("| what | result | target |\n|---|---|---|")
    for row in run():
        note = f" ({row['note']})" if row.get("note") else ""
        print(f"| {row['what']} | {row['result']}{note} | {row['target']} |")
