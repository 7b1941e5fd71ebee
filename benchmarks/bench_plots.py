"""Live training plots: frame rate up to 1,000,000 logged steps, and event-loop latency
while a real training run streams into the studio.

Run: ``python benchmarks/bench_plots.py``; prints markdown rows ``| what | result | target |``.
Targets (issue 7): the plots keep >= 30 fps at 1M steps; the GUI event loop is never blocked
for more than 50 ms while training runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

TOTAL_STEPS = 1_000_000
CHECKPOINTS = (10_000, 100_000, 300_000, 1_000_000)
LAYERS = 56  # a ResNet-56's parameterized nodes
GRAD_EVERY = 10
STEPS_PER_FRAME = 100  # a fast run logs ~2,000 steps/s; 20 frames/s see 100 new steps each
TARGET_FPS = 30.0
TARGET_LATENCY_MS = 50.0


def _app():
    from PySide6.QtWidgets import QApplication

    from convnet_studio.ui.pyside_guard import guard_refcount_bug

    guard_refcount_bug()
    return QApplication.instance() or QApplication([])


def _fill(run, start: int, stop: int, rng: np.random.Generator) -> None:
    """Append steps ``start+1 .. stop`` straight into the buffers (as feed() would)."""
    steps = np.arange(start + 1, stop + 1, dtype=np.float64)
    run.step.extend(steps)
    run.loss.extend(0.2 + 2.0 * np.exp(-steps / 2e5) + rng.normal(0, 0.05, len(steps)))
    run.lr.extend(np.full(len(steps), 0.1))
    run.img_per_s.extend(3000 + rng.normal(0, 100, len(steps)))
    g = steps[steps % GRAD_EVERY == 0]
    if len(g):
        run.grad_step.extend(g)
        depth = 0.8 ** np.arange(LAYERS - 1, -1, -1)
        norms = depth[None, :] * np.exp(rng.normal(0, 0.2, (len(g), LAYERS)))
        run.grad_norms.extend(norms)
        run.grad_total.extend(np.sqrt((norms**2).sum(axis=1)))
    run.version += 1


def frame_rate() -> list[dict]:
    """Median and worst frame (refresh + repaint of the visible plots) as steps grow."""
    from convnet_studio.ui.training.dashboard import TrainingDashboard
    from convnet_studio.ui.training.run_data import RunData

    app = _app()
    rng = np.random.default_rng(0)
    run = RunData("bench")
    run.set_nodes([f"layer{i}" for i in range(LAYERS)])
    run.started = {"total_steps": TOTAL_STEPS}
    dash = TrainingDashboard()
    dash.timer.stop()  # frames are driven here
    dash.resize(1400, 800)
    dash.show()
    dash.set_runs([run])
    app.processEvents()
    rows, n = [], 0
    for checkpoint in CHECKPOINTS:
        _fill(run, n, checkpoint - 20 * STEPS_PER_FRAME, rng)
        n = checkpoint - 20 * STEPS_PER_FRAME
        dash.refresh()
        app.processEvents()
        times, cpu = [], []
        for _ in range(20):  # 20 frames of new data at this size
            _fill(run, n, n + STEPS_PER_FRAME, rng)
            n += STEPS_PER_FRAME
            t0, c0 = time.perf_counter(), time.process_time()
            dash.refresh()
            dash.repaint()  # synchronous paint of every visible plot
            app.processEvents()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        worst, worst_cpu = max(times), max(cpu)
        rows.append({"what": f"plot frame at {checkpoint:,} steps ({LAYERS} layers)",
                     "result": f"{1 / worst_cpu:.0f} fps worst by CPU time ({1000 * worst_cpu:.1f}"
                               f" ms); wall: {1 / statistics.median(times):.0f} fps median, "
                               f"{1 / worst:.0f} worst",
                     "target": f">= {TARGET_FPS:.0f} fps", "ok": 1 / worst_cpu >= TARGET_FPS})
    dash.close()
    return rows


def latency_during_training(seconds: float = 20.0) -> list[dict]:
    """Max lateness of a 5 ms timer while a real run streams into the full UI."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from convnet_studio.graph.model import Graph
    from convnet_studio.ui.training.controller import TrainingController

    app = _app()
    g = Graph("bench")
    g.add("Input", "input", channels=3, height=32, width=32)
    g.add("Conv2d", "conv1", "input", out_channels=8, kernel_size=3, padding=1)
    g.add("ReLU", "relu1", "conv1")
    g.add("GlobalAvgPool", "pool", "relu1")
    g.add("Flatten", "flat", "pool")
    g.add("Linear", "fc", "flat", out_features=10)
    g.add("Output", "output", "fc")
    with tempfile.TemporaryDirectory() as root:
        from convnet_studio.ui.document import Document

        c = TrainingController(Document(g), runs_root=root)
        c.panel.settings.set_values(epochs=1000, batch_size=8, train_size=512, grad_norm_every=1)
        window = QWidget()
        row = QHBoxLayout(window)
        row.addWidget(c.panel)
        row.addWidget(c.dashboard, 3)
        window.resize(1600, 900)
        window.show()
        assert c.start()
        clock, lateness, last = QElapsedTimer(), [], [0]
        cpu, last_cpu = [], [0.0]
        deadline = time.monotonic() + 120
        while len(c.live.step) < 5 and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        clock.start()
        last[0] = clock.elapsed()
        last_cpu[0] = time.thread_time()

        def tick() -> None:
            # wall lateness, and this thread's CPU time over the same gap: on a loaded
            # machine a long gap with little CPU was the OS scheduler, not GUI work
            now, now_cpu = clock.elapsed(), time.thread_time()
            lateness.append(now - last[0] - 5)
            cpu.append(1000 * (now_cpu - last_cpu[0]))
            last[0], last_cpu[0] = now, now_cpu

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        timer.start()
        steps0 = len(c.live.step)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)
        timer.stop()
        steps = len(c.live.step) - steps0
        c.shutdown()
        window.close()
    worst, worst_cpu = max(lateness), max(cpu)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [{"what": f"event loop while training streams ({steps / seconds:,.0f} steps/s + grad "
                     f"norms every step, plots at 20 Hz, {seconds:.0f} s; load average "
                     f"{load:.1f} on {os.cpu_count()} cores)",
             "result": f"longest GUI work between two 5 ms ticks {worst_cpu:.0f} ms CPU; wall: "
                       f"max {worst:.0f} ms late, p99 {np.percentile(lateness, 99):.0f} ms",
             "target": f"< {TARGET_LATENCY_MS:.0f} ms", "ok": worst_cpu < TARGET_LATENCY_MS}]


def latency_backlog(events: int = 50_000) -> list[dict]:
    """A backlog of events arriving at once (the GUI was busy): spread over several ticks."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    from convnet_studio.ui.training.dashboard import TrainingDashboard
    from convnet_studio.ui.training.run_data import RunData
    from convnet_studio.ui.training.session import TrainingSession
    from convnet_studio.ui.training.synthetic import synthetic_events

    app = _app()
    backlog = list(synthetic_events(steps=events * 10 // 11, nodes=LAYERS, grad_every=10,
                                    steps_per_epoch=10_000))

    class Burst:  # stands in for TrainingProcess: everything at the first poll
        def __init__(self) -> None:
            self.sent = False

        def poll(self) -> list:
            if self.sent:
                return []
            self.sent = True
            return backlog

    run = RunData("burst")
    session = TrainingSession(run)
    session.process = Burst()
    dash = TrainingDashboard()
    dash.resize(1400, 800)
    dash.show()
    dash.set_runs([run])
    for _ in range(5):  # the window's first paint is not part of the measurement
        app.processEvents()
    clock, lateness, cpu, last = QElapsedTimer(), [], [], [0, 0.0]
    clock.start()
    last[1] = time.thread_time()

    def tick() -> None:
        now, now_cpu = clock.elapsed(), time.thread_time()
        lateness.append(now - last[0] - 5)
        cpu.append(1000 * (now_cpu - last[1]))
        last[0], last[1] = now, now_cpu

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    session._timer.start()
    t0 = time.monotonic()
    while run.finished is None and time.monotonic() - t0 < 120:
        app.processEvents()
    took = time.monotonic() - t0
    timer.stop()
    dash.close()
    worst_cpu = max(cpu)
    return [{"what": f"a backlog of {len(backlog):,} events at once ({LAYERS}-layer grad norms)",
             "result": f"handled in {took:.1f} s; longest GUI work between ticks {worst_cpu:.0f} "
                       f"ms CPU, wall max {max(lateness):.0f} ms late",
             "target": f"< {TARGET_LATENCY_MS:.0f} ms", "ok": worst_cpu < TARGET_LATENCY_MS}]


def run() -> list[dict]:
    return frame_rate() + latency_backlog() + latency_during_training()


def main() -> None:
    print("| what | result | target |")
    print("|---|---|---|")
    for row in run():
        mark = "" if row.get("ok") is None else (" ✓" if row["ok"] else " ✗")
        print(f"| {row['what']} | {row['result']}{mark} | {row['target']} |")


if __name__ == "__main__":
    main()
