"""Drawing a 1,000,000-point series: the app's MetricChart against a bare pyqtgraph
PlotWidget drawing the same array (downsampling and clip-to-view on in both), same run.

Times: handing the data over and painting the first frame, then the median frame
after zooming into a tenth of the range (the zoom, the repaint and the events they
post). The charts take turns (bare, bare with the
grid, ours; round after round), so a slower stretch of the machine falls on all of
them alike: measured one after the other, the same code read 0.9x-1.5x from run to run.
SYNTHETIC data (a random walk). Offscreen unless QT_QPA_PLATFORM says otherwise (under
Xvfb: DISPLAY=:99 QT_QPA_PLATFORM=xcb).
Usage: python benchmarks/chart.py [--points 1000000] [--rounds 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=100)
    a = ap.parse_args()
    import numpy as np
    import pyqtgraph as pg

    from thesis_desk.ui.main import make_app
    from thesis_desk.ui.metric_chart import MetricChart

    app = make_app()
    rng = np.random.default_rng(1)
    ys = np.cumsum(rng.normal(size=a.points)) + 100
    start = dt.date(1900, 1, 1)
    dates = [start + dt.timedelta(days=i) for i in range(a.points)]
    xs = np.array([dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp() for d in dates])
    span = xs[-1] - xs[0]

    def bare_plot(grid: bool):  # -> (widget, its PlotWidget, load)
        bare = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        if grid:
            bare.showGrid(x=True, y=True, alpha=0.2)  # as the app draws it
        curve = bare.plot()
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        return bare, bare, lambda: curve.setData(xs, ys)

    chart = MetricChart()
    charts = {"bare pyqtgraph": bare_plot(grid=False), "bare + grid": bare_plot(grid=True),
              "MetricChart": (chart, chart.plot, lambda: chart.show_series(dates, list(ys), [], []))}
    first: dict[str, float] = {}
    for name, (widget, _plot, load) in charts.items():
        widget.resize(1000, 600)
        widget.show()
        app.processEvents()
        t0 = time.perf_counter()
        load()
        widget.repaint()
        app.processEvents()
        first[name] = time.perf_counter() - t0

    repaints: dict[str, list[float]] = {name: [] for name in charts}
    for i in range(a.rounds):
        lo = xs[0] + span * (i % 10) / 12
        for name, (widget, plot, _load) in charts.items():
            app.processEvents()  # nothing left over from the one before counts against it
            t0 = time.perf_counter()
            plot.getPlotItem().vb.setXRange(lo, lo + span / 10, padding=0)
            widget.repaint()
            app.processEvents()
            repaints[name].append(time.perf_counter() - t0)

    from thesis_desk.render.charts import epoch_seconds

    t0 = time.perf_counter()
    epoch_seconds(dates), np.asarray(list(ys), dtype=float)
    convert = time.perf_counter() - t0
    med = {name: statistics.median(times) for name, times in repaints.items()}
    print(f"{a.points:,} SYNTHETIC points, Qt platform {app.platformName()}, "
          f"median of {a.rounds} repaints each, taking turns")
    for name in charts:
        extra = (f" (of which {convert * 1000:.0f} ms turning the service's date and value"
                 " lists into arrays)" if name == "MetricChart" else "")
        print(f"{name + ':':16}first frame {first[name] * 1000:.0f} ms{extra}, "
              f"repaint after zoom {med[name] * 1000:.1f} ms")
    ours, bare = med["MetricChart"], med["bare pyqtgraph"]
    print(f"ratio {ours / bare:.2f}x to bare, {ours / med['bare + grid']:.2f}x to bare + grid "
          "(target <= 1.3x)")


if __name__ == "__main__":
    main()
