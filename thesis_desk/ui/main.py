"""Start the GUI: paint the window and the thesis list first, then load the services.

The list is read with the standard library's sqlite3 (read-only) and painted; then
SQLAlchemy, the models and the services import, and the workspace opens (upgrade and
quick_check included), on the session's worker, asked only after the first paint (it
competes for the GIL); the window then adopts the open workspace. pyqtgraph and pandas
load only when a view needs them.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from thesis_desk import APP_ID, APP_NAME, __version__
from thesis_desk.paths import ENV_DATABASE, resolve_paths

PROBE_ENV = "THESIS_DESK_STARTUP_PROBE"


def make_app(argv: list[str] | None = None, *, icon: bool = True) -> QApplication:
    """The application object, once. ``icon=False``: the caller sets the icon itself
    (``set_app_icon``), after the first paint (nine icon files: 6 ms of it)."""
    from thesis_desk.render import mirror_qt_lazily, skip_pyside_source_scans

    skip_pyside_source_scans()
    mirror_qt_lazily()
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Thesis Desk")
    app.setDesktopFileName(APP_ID)
    if icon:
        set_app_icon(app)
    from thesis_desk.ui.tasks import collect_on_gui_thread

    collect_on_gui_thread(app)
    return app


def set_app_icon(app: QApplication) -> None:
    if app.windowIcon().isNull():
        app.setWindowIcon(app_icon())


def app_icon():  # -> QIcon
    """The application icon from resources/ (PNG sizes; the SVG where no PNG fits)."""
    from PySide6.QtGui import QIcon

    from thesis_desk.resources import app_icon_files

    icon = QIcon()
    try:
        for f in app_icon_files():
            if f.suffix == ".png":
                icon.addFile(str(f))
    except FileNotFoundError:  # a broken install still starts, without its icon
        pass
    return icon


def run_gui(data_dir: str | None = None, *, demo: bool = False,
            database: str | None = None) -> int:
    if database:  # the session opens what every command opens: $THESIS_DESK_DATABASE
        os.environ[ENV_DATABASE] = database
    app = make_app(icon=False)
    paths = resolve_paths(data_dir).ensure()
    from thesis_desk.core.instance import WorkspaceLock

    lock = WorkspaceLock(paths.data_dir)
    if not lock.acquire():
        return _already_open(paths.data_dir, lock.holder_pid())
    from thesis_desk.ui.main_window import MainWindow
    from thesis_desk.ui.ops import write

    probe = bool(os.environ.get(PROBE_ENV))
    win = MainWindow(paths)
    win.show()

    def first_paint() -> None:
        from thesis_desk.core.snapshot import quick_thesis_list

        # the list's first screen straight from the local file (never when a server
        # holds the workspace); the whole list comes with the services
        limit, archived = win.theses_view.first_screen()
        first = None if os.environ.get(ENV_DATABASE) else quick_thesis_list(
            paths.database, limit=limit, include_archived=archived)
        if first is not None:
            win.show_snapshot(first)
            if probe:
                _report("usable", win)
        set_app_icon(app)  # the window's and the taskbar's, a moment after its first paint
        # A second launch asks this window to come forward. Listened for once the window
        # is painted (QtNetwork's import is 10 ms of the first paint); a launch in between
        # finds the workspace locked and waits for the listener (ask_running_window).
        from thesis_desk.ui.single_instance import ActivationServer

        win.activation = ActivationServer(paths.data_dir, win.bring_to_front, win)
        # Only now: the import holds the GIL and would slow the first paint.
        win.open_workspace(in_background=True, then=services_ready)

    def services_ready() -> None:
        if probe:
            _report("ready", win)
            QTimer.singleShot(0, QApplication.quit)
        elif demo and win.workspace is not None and write(win.workspace.is_empty):
            win.build_demo()
        else:
            win.offer_demo()

    QTimer.singleShot(0, first_paint)
    try:
        return app.exec()
    finally:
        lock.release()


def _already_open(data_dir: object, pid: int | None) -> int:
    """A second launch on the same workspace: bring the first window forward and leave."""
    from thesis_desk.ui.single_instance import ask_running_window

    who = f" (process {pid})" if pid else ""
    if ask_running_window(data_dir):  # type: ignore[arg-type]
        print(f"Thesis Desk is already open on {data_dir}{who}; its window was brought "
              "to the front.", file=sys.stderr)
        return 0
    from PySide6.QtWidgets import QMessageBox

    text = (f"Thesis Desk is already open on {data_dir}{who}, but its window did not "
            "answer. Switch to it, or close it and launch again.")
    print(text, file=sys.stderr)
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        QMessageBox.warning(None, "Workspace already open", text)
    return 1


def _report(stage: str, win: object) -> None:
    """For benchmarks/startup.py: paint now, print the time and peak memory."""
    win.repaint()  # type: ignore[attr-defined]
    QApplication.processEvents()
    rss = 0
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    print(f"{stage} {time.time():.6f} peak_kb {rss}", flush=True)
