"""Start-up as a person meets it: the program launched on a workspace of many theses
paints the first screen of its list from the file, says how many there are in all, then
lists every one once the services are up."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from thesis_desk.app import open_workspace
from thesis_desk.core.records import ThesisInput
from thesis_desk.ui.theses_view import ThesesView

# Run in a process of its own, as a launch is: the program's whole life (its event loop
# quitting, its window closed) stays out of the other tests' process. Each script's
# ``look`` runs every 5 ms while the program runs.
_RUN = r"""
timer = QTimer()
timer.timeout.connect(look)
timer.start(5)
QTimer.singleShot(60_000, QApplication.quit)  # never hangs the suite
run_gui(sys.argv[1])
"""
_LAUNCH = r"""
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from thesis_desk.ui.main import make_app, run_gui
from thesis_desk.ui.main_window import MainWindow

make_app(icon=False)  # as run_gui makes it: the icon comes after the first paint
total = int(sys.argv[2])
seen = []  # rows, count, services up, titles as the table shows them
loaded = {}  # once the services are up and their first work done: what was imported, frozen
HEAVY = ("numpy", "pandas", "pyqtgraph", "sqlalchemy.dialects.postgresql")

def look():
    wins = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    if not wins:
        return
    win = wins[0]
    rows = win.theses_view.model.rowCount()
    if rows:
        model = win.theses_view.table.model()
        seen.append((rows, win.theses_view.count_label.text(), win.workspace is not None,
                     [model.index(r, 0).data() for r in range(model.rowCount())]))
    if rows == total and win.workspace is not None and win.activation is not None:
        timer.stop()
        win.tasks.wait()  # the catch-up pass of alerts done; charts preload 1.5 s later
        from thesis_desk.ui.main_window import preload_charts
        import gc
        loaded["heavy"] = ([m for m in HEAVY if m in sys.modules]
                           + (["charts preloaded"] if getattr(preload_charts, "started", 0) else []))
        loaded["frozen"] = gc.get_freeze_count()
        loaded["icon"] = not win.windowIcon().isNull()
        win.close()
        QApplication.quit()

""" + _RUN + r"""
print(json.dumps(loaded))
print(json.dumps(seen))
"""


def test_the_first_screen_paints_from_the_file_then_the_whole_list_arrives(data_dir):
    n = ThesesView.FIRST_SCREEN + 60
    ws = open_workspace(str(data_dir))
    for i in range(n):
        ws.theses.create(ThesisInput(f"Thesis {i:03d}", claim="A claim."))
    ws.theses.set_archived(ws.theses.resolve(f"Thesis {n - 2:03d}"), True)
    newest_first = [t.title for t in sorted(ws.theses.list(), key=lambda t: (t.updated_at, t.id),
                                            reverse=True) if not t.archived]
    ws.close()

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", _LAUNCH, str(data_dir), str(n)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded, seen = (json.loads(line) for line in out.stdout.strip().splitlines()[-2:])
    assert seen and seen[-1][0] == n, "the whole list never arrived"
    assert loaded["heavy"] == []  # ready without numpy, pandas, pyqtgraph, the PostgreSQL dialect
    # what the services' import made is frozen once they are up: the GUI thread's first
    # collection no longer walks it (0.1 s in the middle of adopting the workspace)
    assert loaded["frozen"] > 50_000
    assert loaded["icon"]  # the application's icon, set once the list has painted
    first = seen[0]
    assert first[0] == ThesesView.FIRST_SCREEN and not first[2]  # from the file, read-only
    assert first[1] == f"{n - 1:,} of {n:,} theses"  # all counted, the archived one hidden
    assert first[3] == newest_first[:ThesesView.FIRST_SCREEN]  # newest change first
    last = seen[-1]
    assert last[2] and last[1] == first[1]
    assert last[3][:ThesesView.FIRST_SCREEN] == first[3]  # nothing jumped


def test_modules_imported_after_qt_are_not_read_as_source(qapp, tmp_path, monkeypatch):
    """PySide6 reads every later module's source to look for ``__feature__``: the program
    turns that off (80 ms and 23 MB when the services load); Qt still works in them."""
    import linecache
    import sys

    (tmp_path / "late_module.py").write_text(
        "from PySide6.QtCore import QObject\nmade = QObject()\nmade.setObjectName('late')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__("late_module")  # an import statement's way (PySide hooks that)
    try:
        assert module.made.objectName() == "late"
        assert str(tmp_path / "late_module.py") not in linecache.cache
        assert sys.modules["shibokensupport.feature"].pyside_feature_dict["late_module"] == -1
    finally:
        sys.modules.pop("late_module", None)


_CHART = r"""
import json
from thesis_desk.render.memo_pdf import ensure_app
ensure_app()
import PySide6.QtGui as gui
import PySide6.QtWidgets as widgets
import pyqtgraph as pg
import pyqtgraph.Qt as qt
plot = pg.PlotWidget()
plot.plot([1.0, 2.0, 3.0, 4.0], [3.0, 1.0, 4.0, 1.5], pen=pg.mkPen("b", width=3))
plot.resize(320, 200)
plot.show()
widgets.QApplication.processEvents()
image = plot.grab().toImage()
colours = {image.pixelColor(x, y).name() for x in range(0, 320, 4) for y in range(0, 200, 4)}
import datetime as dt, sys
from thesis_desk.core.memo import MemoMetric
days = tuple(dt.date(2000, 1, 1) + dt.timedelta(days=i) for i in range(10_000))
points = MemoMetric(1, "m", "", "up", days, tuple(float(i % 97) for i in range(10_000)),
                    (), (), (), ()).chart_points()
print(json.dumps({
    "reduced": len(points[0]), "masked_arrays": "numpy.ma" in sys.modules,
    "lib": qt.QT_LIB, "made": len(vars(gui)), "listed": len(dir(gui)),
    "forwarded": qt.QtGui.QPdfWriter is gui.QPdfWriter,
    "listed_in_copy": "QPdfWriter" in dir(qt.QtGui),
    "own_patch_kept_off_pyside": "QOpenGLWidget" not in vars(widgets),
    "shim_left": "dir" in vars(qt),
    "colours": len(colours),
}))
"""


def test_pyqtgraph_charts_without_making_every_pyside_class():
    """pyqtgraph's import used to make all of PySide's classes (0.2-0.3 s of every first
    chart and command-line memo); its copies of PySide's modules now look names up when
    read. Charts still draw; what pyqtgraph adds to its copies stays off PySide's. A
    printed chart's points are found without numpy.ma (its import was 0.1 s of a memo)."""
    out = subprocess.run([sys.executable, "-c", _CHART], capture_output=True, text=True,
                         timeout=120, check=True, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["lib"] == "PySide6"
    assert seen["made"] < seen["listed"] / 2  # copying every name makes all (269 of 269)
    assert seen["forwarded"] and seen["listed_in_copy"]
    assert seen["own_patch_kept_off_pyside"] and not seen["shim_left"]
    assert seen["colours"] > 2  # a curve drawn on the plot's background and axes
    assert seen["reduced"] <= 4002 and not seen["masked_arrays"]


_PRINTED = r"""
import datetime as dt, gc, json, sys
from PySide6.QtCore import QRectF
from thesis_desk.render.memo_pdf import ensure_app
ensure_app()
from thesis_desk.render.charts import SeriesPlot
chart = SeriesPlot(for_print=True)
days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(500)]
chart.draw(days, [float(i % 37) for i in range(500)], [20.0], [], [])
item = chart.widget.getPlotItem()
item.setGeometry(QRectF(0, 0, 400, 150))
item.layout.activate()
image = chart.image(800)
blue = sum(image.pixelColor(x, y).blue() > image.pixelColor(x, y).red() + 60
           for x in range(0, 800, 2) for y in range(0, image.height(), 2))
print(json.dumps({"frozen": gc.get_freeze_count(), "collecting": gc.isenabled(),
                  "exporters": "pyqtgraph.exporters" in sys.modules,
                  "xml": "xml.dom.minidom" in sys.modules,
                  "size": [image.width(), image.height()], "blue": blue}))
"""


def test_a_printed_chart_loads_no_exporter_and_leaves_the_import_frozen():
    """A memo's first chart in a fresh process (every export from the window runs in
    one): pyqtgraph is imported with the collector paused and what was loaded is frozen
    (full collections in the import were 45-90 ms of it); no pyqtgraph exporter is
    imported (the SVG one brings an XML library). The chart is still drawn."""
    out = subprocess.run([sys.executable, "-c", _PRINTED], capture_output=True, text=True,
                         timeout=120, check=True, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["frozen"] > 20_000 and seen["collecting"]
    assert not seen["exporters"] and not seen["xml"]
    assert seen["size"] == [800, 300]
    assert seen["blue"] > 100  # the series' line, drawn in its blue


_OFFER = r"""
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from thesis_desk.ui.main import make_app, run_gui
from thesis_desk.ui.main_window import MainWindow

make_app(icon=False)
asked, open_for = [], []

def look():
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox):
        asked.append(box.text().split("\n")[0])
        box.reject()  # Cancel: nothing built
        return
    wins = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    if wins and wins[0].workspace is not None:
        open_for.append(1)
        if len(open_for) > 100:  # half a second after the services came up
            timer.stop()
            wins[0].close()
            QApplication.quit()

""" + _RUN + r"""
print(json.dumps(asked))
"""


def _offers_on_launch(data_dir) -> list[str]:  # noqa: ANN001
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", _OFFER, str(data_dir)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_demo_is_offered_on_an_empty_workspace_only(tmp_path):
    """A first launch on nothing offers the demo; a workspace holding only metrics (an
    analyst who imported series before writing a thesis) is not called empty."""
    import datetime as dt

    from thesis_desk.core.records import MetricInput

    assert _offers_on_launch(tmp_path / "new") == ["This workspace is empty. Build the demo "
                                                   "workspace?"]
    ws = open_workspace(str(tmp_path / "metrics only"))
    m = ws.metrics.create(MetricInput("Cloud capex / cloud revenue", unit="%"))
    ws.metrics.observe(m.id, dt.date(2025, 6, 30), 121.0)
    ws.close()
    assert _offers_on_launch(tmp_path / "metrics only") == []
    ws = open_workspace(str(tmp_path / "metrics only"))
    assert ws.theses.counts()["theses"] == 0 and ws.library.count() == 0  # nothing built
    ws.close()
