"""Live plots fed from recorded (synthetic) event streams: points arrive, runs overlay,
smoothing, log scale, layer selection, heatmap and export."""

from __future__ import annotations

import numpy as np
import pytest

from convnet_studio.ui.training.dashboard import TrainingDashboard
from convnet_studio.ui.training.run_data import RunData
from convnet_studio.ui.training.synthetic import synthetic_events


def make_run(name: str, residual: bool, steps: int = 300, nodes: int = 12) -> RunData:
    run = RunData(name)
    for e in synthetic_events(steps=steps, nodes=nodes, residual=residual, steps_per_epoch=50):
        run.feed(e)
    return run


def drawn(widget) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The named curves a plot shows, by their legend name: what the user sees."""
    shown = {}
    for item in widget.plot.getPlotItem().listDataItems():
        x, y = item.getData()
        if item.name() and item.isVisible():
            shown[item.name()] = (np.asarray(x if x is not None else []), np.asarray(y if y is not None else []))
    return shown


def legend_names(widget) -> list[str]:
    return widget.legend.names()


@pytest.fixture
def dashboard(qtbot) -> TrainingDashboard:
    d = TrainingDashboard()
    qtbot.addWidget(d)
    d.resize(1200, 800)
    d.show()
    return d


def test_points_arrive_as_the_stream_grows(dashboard: TrainingDashboard, qtbot) -> None:
    run = RunData("live")
    dashboard.set_runs([run])
    events = list(synthetic_events(steps=100, nodes=5, steps_per_epoch=25))
    for e in events[:60]:
        run.feed(e)
    qtbot.wait(120)  # the refresh timer runs at 20 Hz
    x, _ = dashboard.loss.curve_points()
    assert 0 < len(x) < 100
    for e in events[60:]:
        run.feed(e)
    dashboard.refresh(all_plots=True)
    x, y = dashboard.loss.curve_points()
    assert len(x) == 100 and np.isfinite(y).all()
    x, y = drawn(dashboard.accuracy)["validation"]
    np.testing.assert_array_equal(x, run.epoch_series("epoch"))
    np.testing.assert_allclose(y, 100.0 * (1.0 - run.epoch_series("val_top1")))
    assert dashboard.grad_heatmap.image.image.shape == (len(run.grad_step), 5)


def test_plots_take_their_first_data_one_per_refresh(dashboard: TrainingDashboard) -> None:
    """A burst of first events shows one plot per tick: each first paint costs 10-20 ms."""
    run = RunData("burst")
    dashboard.set_runs([run])  # the run starts: no data yet
    shown = [p for p in dashboard.plots.values() if p.isVisible()]
    assert len(shown) >= 3 and all(p.frame.empty for p in shown)
    for event in synthetic_events(steps=200, nodes=12, steps_per_epoch=50):
        run.feed(event)
    dashboard.refresh()
    assert sum(not p.frame.empty for p in shown) == 1
    for _ in range(len(shown)):
        dashboard.refresh()
    assert not any(p.frame.empty for p in shown)
    other = make_run("other", residual=False, steps=200)
    dashboard.set_runs([other])
    dashboard.refresh(all_plots=True)  # an export draws them all at once
    assert not any(p.frame.empty for p in dashboard.plots.values())


def test_two_runs_overlay_each_with_its_own_data(dashboard: TrainingDashboard) -> None:
    first, second = make_run("plain-20", False, steps=300), make_run("resnet-20", True, steps=200)
    dashboard.set_runs([first, second])
    assert legend_names(dashboard.loss) == ["plain-20", "resnet-20"]
    loss = drawn(dashboard.loss)
    for run in (first, second):  # each legend entry draws that run's steps, not the other's
        np.testing.assert_array_equal(loss[run.name][0], run.step.data)
    accuracy = drawn(dashboard.accuracy)
    assert set(accuracy) == {f"{r.name} {part}" for r in (first, second) for part in ("train", "validation")}
    for run in (first, second):
        np.testing.assert_allclose(
            accuracy[f"{run.name} train"][1], 100.0 * (1.0 - run.epoch_series("train_top1"))
        )
    assert dashboard.grad_lines.run is first  # the gradient panel follows the main run
    dashboard.set_runs([second])  # a run taken off the overlay leaves the plots
    assert list(drawn(dashboard.loss)) == ["resnet-20"]
    assert not dashboard.loss.legend.isVisible()  # one run needs no legend


def test_smoothing_slider_and_log_scale(dashboard: TrainingDashboard) -> None:
    run = make_run("a", True)
    dashboard.set_runs([run])
    _, smooth = dashboard.loss.curve_points()
    dashboard.loss.smoothing.setValue(0)
    dashboard.loss.refresh()
    _, raw = dashboard.loss.curve_points()
    np.testing.assert_allclose(raw, run.loss.data)
    assert np.std(np.diff(smooth)) < np.std(np.diff(raw))
    dashboard.loss.log_scale.setChecked(True)
    assert dashboard.loss.plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_gradient_layers_are_selectable(dashboard: TrainingDashboard) -> None:
    run = make_run("plain", False, nodes=20)
    dashboard.set_runs([run])
    lines = dashboard.grad_lines
    assert lines.selected()[0] == "conv1" and lines.selected()[-1] == "fc"
    assert len(lines.selected()) == 6
    lines.set_selected(["conv3"])
    assert legend_names(lines) == ["conv3", "total"]
    shown = [i for i in lines.plot.getPlotItem().listDataItems() if i.isVisible()]
    assert len(shown) == 2 and all(len(i.getData()[0]) == len(run.grad_step) for i in shown)
    lo, hi = dashboard.grad_heatmap.levels()
    assert hi - lo > 2  # plain net: orders of magnitude between first and last layer


def test_export_png_svg_and_csv(dashboard: TrainingDashboard, tmp_path) -> None:
    run = make_run("a", True)
    dashboard.set_runs([run])
    for suffix in (".png", ".svg"):
        paths = dashboard.export_all(str(tmp_path / suffix[1:]), suffix)
        assert len(paths) == 6
        for p in paths:
            with open(p, "rb") as f:
                head = f.read(200)
            assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in head or b"<?xml" in head
    run.write_csv(str(tmp_path / "m.csv"))
    assert (tmp_path / "m.csv").read_text().count("\n") > 300


def test_nan_losses_do_not_break_the_plot(dashboard: TrainingDashboard) -> None:
    run = RunData("nan")
    for e in synthetic_events(steps=50, nodes=3, nan_at=30):
        run.feed(e)
    dashboard.set_runs([run])
    assert run.error["kind"] == "nonfinite" and run.state == "error"
    _, y = dashboard.loss.curve_points()
    assert len(y) == 30


def test_live_curve_keeps_peaks_and_shows_raw_points_when_zoomed(qtbot) -> None:
    import pyqtgraph as pg

    from convnet_studio.ui.training.live_curve import MAX_POINTS, LiveCurve

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    curve = LiveCurve(widget.plot())
    x = np.arange(1, 200_001, dtype=np.float64)
    y = np.sin(x / 1000)
    y[123_457] = 50.0  # a spike must survive the decimation
    for stop in (1000, 50_000, 123_000, 200_000):  # grows like a live run
        curve.set(x[:stop], y[:stop])
    shown_x, shown_y = curve.item.getData()
    assert len(shown_x) <= MAX_POINTS + 4096 and shown_y.max() == 50.0
    assert shown_x[-1] == 200_000  # the newest raw points are always drawn
    curve.set_x_range((1000.0, 2000.0))
    _zx, zy = curve.item.getData()
    np.testing.assert_array_equal(zy, y[998:2000])  # one point beyond each edge


def test_a_short_log_axis_labels_decades_only(qtbot) -> None:
    # pyqtgraph labels 2, 3 ... 9 of every decade; on a plot 150 px tall they overlapped.
    import numpy as np

    from convnet_studio.ui.training.plot_style import make_plot

    widget = make_plot("Grad norms", "step", "norm")
    qtbot.addWidget(widget)
    widget.getPlotItem().setLogMode(y=True)
    widget.plot(np.arange(1, 20), np.geomspace(3, 200, 19))
    axis = widget.getPlotItem().getAxis("left")
    for height, labelled in ((120, {"10¹", "10²"}), (900, None)):
        widget.resize(400, height)
        widget.show()
        qtbot.waitExposed(widget)
        qtbot.waitUntil(lambda: axis.geometry().height() > height * 0.3 and axis.range[1] > 2)
        levels = axis.tickValues(*axis.range, axis.geometry().height())
        texts = {t for spacing, values in levels for t in axis.tickStrings(values, 1.0, spacing) if t}
        if labelled is not None:
            assert texts <= labelled | {"1", "10", "100"} and texts, texts
        else:  # tall: the minor ticks have room and are labelled
            assert len(texts) > 4, texts
    # Within one decade (no decade tick inside the range) the axis is still labelled.
    levels = axis.tickValues(0.05, 0.95, 60)
    assert any(t for spacing, values in levels for t in axis.tickStrings(values, 1.0, spacing))


def test_a_legend_gives_way_in_a_small_frame(qtbot) -> None:
    # At 1366 x 768 a grad-norm legend of four lines left the curves 60 px.
    from convnet_studio.ui.training.plot_frame import PlotFrame
    from convnet_studio.ui.training.plot_style import make_curve, make_legend, make_plot

    plot = make_plot("Grad norms", "step", "norm")
    legend = make_legend(plot)
    frame = PlotFrame(plot, "nothing yet", legend)
    qtbot.addWidget(frame)
    for i in range(8):
        make_curve(plot, "#336699", name=f"features.{i}.block.0")
    frame.show_data(True)
    frame.resize(700, 500)
    frame.show()
    qtbot.waitExposed(frame)
    assert legend.isVisible()
    frame.resize(260, 150)
    qtbot.waitUntil(lambda: not legend.isVisible())
    frame.resize(700, 500)
    qtbot.waitUntil(legend.isVisible)


def test_heatmap_colour_bar_reads_exponents_as_they_are(dashboard: TrainingDashboard) -> None:
    axis = dashboard.grad_heatmap.bar.getAxis("right")
    assert not axis.autoSIPrefix  # a narrow range read "-500 .. 100 (x0.001)"
