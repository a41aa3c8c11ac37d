"""Drawing a 1,000,000-point series: the app's MetricChart against a bare pyqtgraph
PlotWidget drawing the same array (downsampling and clip-to-view on in both), same run.

Times: handing the data over and painting the first frame, then the median repaint
after zooming into a tenth of the range. SYNTHETIC data (a random walk). Offscreen unless
QT_QPA_PLATFORM says otherwise (under Xvfb: DISPLAY=:99 QT_QPA_PLATFORM=xcb).
Usage: python benchmarks/chart.py [--points 1000000]
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
    a = ap.parse_args()
    import numpy as np
    import pyqtgraph as pg

    from thesis_desk.ui.main import make_app
    from thesis_desk.ui.metrics_view import MetricChart

    app = make_app()
    rng = np.random.default_rng(1)
    ys = np.cumsum(rng.normal(size=a.points)) + 100
    start = dt.date(1900, 1, 1)
    dates = [start + dt.timedelta(days=i) for i in range(a.points)]
    xs = np.array([dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp() for d in dates])

    def measure(widget, load):
        widget.resize(1000, 600)
        widget.show()
        app.processEvents()
        t0 = time.perf_counter()
        load()
        widget.repaint()
        app.processEvents()
        first = time.perf_counter() - t0
        plot = widget.plot if isinstance(widget, MetricChart) else widget
        vb = plot.getPlotItem().vb
        span = xs[-1] - xs[0]
        times = []
        for i in range(30):
            lo = xs[0] + span * (i % 10) / 12
            vb.setXRange(lo, lo + span / 10, padding=0)
            t0 = time.perf_counter()
            widget.repaint()
            app.processEvents()
            times.append(time.perf_counter() - t0)
        return first, statistics.median(times)

    def bare_plot(grid: bool):
        bare = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        if grid:
            bare.showGrid(x=True, y=True, alpha=0.2)  # as the app draws it
        curve = bare.plot()
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        return measure(bare, lambda: curve.setData(xs, ys))

    b_first, b_pan = bare_plot(grid=False)
    g_first, g_pan = bare_plot(grid=True)

    chart = MetricChart()
    c_first, c_pan = measure(chart, lambda: chart.show_series(dates, list(ys), [], []))

    print(f"{a.points:,} SYNTHETIC points, Qt platform {app.platformName()}, median of 30 repaints")
    print(f"bare pyqtgraph: first frame {b_first * 1000:.0f} ms, repaint after zoom "
          f"{b_pan * 1000:.1f} ms")
    print(f"bare + grid:    first frame {g_first * 1000:.0f} ms, repaint after zoom "
          f"{g_pan * 1000:.1f} ms")
    print(f"MetricChart:    first frame {c_first * 1000:.0f} ms (incl. date conversion), "
          f"repaint after zoom {c_pan * 1000:.1f} ms   ratio {c_pan / b_pan:.2f}x to bare, "
          f"{c_pan / g_pan:.2f}x to bare + grid (target <= 1.3x)")


if __name__ == "__main__":
    main()
