"""The main window: sidebar of areas, the current area, menus, status bar."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QHBoxLayout,
    QStackedWidget,
    QWidget,
)

from thesis_desk import APP_NAME, __version__
from thesis_desk.core.changes import (
    ALERT,
    DOCUMENT,
    EVIDENCE,
    JOURNAL,
    METRIC,
    OBSERVATION,
    PILLAR,
    POSITION,
    PRICE,
    RULE,
    THESIS,
    Changes,
)
from thesis_desk.paths import WorkspacePaths
from thesis_desk.ui.ops import write
from thesis_desk.ui.theses_view import ThesesView
from thesis_desk.ui.widgets import confirm, muted, plain_label, plural

if TYPE_CHECKING:
    from thesis_desk.app import Workspace
    from thesis_desk.core.snapshot import FirstScreen
    from thesis_desk.ui.library_view import LibraryView

log = logging.getLogger(__name__)


def preload_charts() -> None:
    """Import numpy and pyqtgraph on a background thread once the window works: the
    first chart (the Metrics or Portfolio area, a thesis's Metrics tab) then no longer
    waits a quarter of a second for them on the GUI thread. Importing makes no widget;
    a view asking for pyqtgraph meanwhile waits on Python's import lock, no longer than
    it would have taken itself. Then the objects made so far are frozen (``gc.freeze``)."""
    import sys
    import threading

    if "pyqtgraph" in sys.modules or getattr(preload_charts, "started", False):
        return
    preload_charts.started = True  # type: ignore[attr-defined]

    def load() -> None:
        from thesis_desk.render import load_pyqtgraph

        try:
            load_pyqtgraph()  # and freezes what the program is made of so far
        except Exception:  # noqa: BLE001 - the view importing it later says what is wrong
            pass

    threading.Thread(target=load, name="preload-charts", daemon=True).start()


class MainWindow(QMainWindow):
    def __init__(self, paths: WorkspacePaths, parent: QWidget | None = None):
        super().__init__(parent)
        self.paths = paths
        from thesis_desk.ui.session import WorkspaceSession

        self.session = WorkspaceSession(paths, self)
        self.tasks = self.session.tasks
        self.activation = None  # ActivationServer, set by run_gui
        self.settings = QSettings(str(paths.settings_file), QSettings.Format.IniFormat)
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)
        self.undo_stack = QUndoStack(self)

        self.sidebar = QListWidget()
        self.sidebar.setFixedWidth(150)
        self.sidebar.setIconSize(QSize(18, 18))
        self.stack = QStackedWidget()
        self.theses_view = ThesesView(self.session, self.undo_stack)
        self._stale_views: set[QWidget] = set()  # views changed while hidden: refreshed when shown
        from thesis_desk.ui.ops import Reads

        self._status_reads = Reads(self)  # the status bar's counts
        self._report_changes(self.theses_view)
        self.theses_view.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self._add_area("Theses", self.theses_view, "Ctrl+1")
        # the inbox folder (Preferences), looked in every INBOX_MS while one is set
        self._inbox_folder = ""
        self._inbox_busy = False
        self._inbox_timer = QTimer(self)
        self._inbox_timer.timeout.connect(self._look_in_inbox)
        self.theses_view.open_passage.connect(self.open_passage)
        # The other areas are built when first opened (the Library's reader and search
        # were 15 ms of the first paint; Metrics and Alerts bring in pyqtgraph).
        self.library_view: LibraryView | None = None
        self._add_area("Library", QWidget(), "Ctrl+2")
        self.metrics_view = None
        self.alerts_view = None
        self._add_area("Metrics", QWidget(), "Ctrl+3")
        self._add_area("Alerts", QWidget(), "Ctrl+4")
        self.portfolio_view = None
        self._add_area("Portfolio", QWidget(), "Ctrl+5")
        self.reviews_view = None
        self._add_area("Reviews", QWidget(), "Ctrl+6")
        self.calibration_view = None
        self._add_area("Calibration", QWidget(), "Ctrl+7")
        self.setAcceptDrops(True)
        self.sidebar.currentRowChanged.connect(self._area_changed)
        self.sidebar.setCurrentRow(0)

        central = QWidget()
        lay = QHBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.sidebar)
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.db_label = muted(plain_label())
        self.counts_label = plain_label()
        self.statusBar().addWidget(self.db_label, 1)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.db_label.setText(f"Opening {paths.database} …")

        self._build_menus()
        self._restore_state()
        ses = self.session
        ses.opened.connect(self._opened)
        ses.closing.connect(self._closing)
        ses.cannot_open.connect(self._cannot_open)
        ses.damaged.connect(self._open_damaged)
        ses.changed.connect(self.apply_changes)
        ses.alerts_fired.connect(self.notify)
        ses.message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        ses.failed.connect(lambda title, text: self._error(title, text))

    @property
    def workspace(self) -> Workspace | None:
        return self.session.workspace

    # -- structure

    def _add_area(self, name: str, widget: QWidget, shortcut: str) -> None:
        item = QListWidgetItem(name)
        item.setToolTip(f"{name} ({shortcut})")
        item.setSizeHint(QSize(0, 32))
        self.sidebar.addItem(item)
        self.stack.addWidget(widget)
        act = QAction(name, self)
        act.setShortcut(QKeySequence(shortcut))
        row = self.sidebar.count() - 1
        act.triggered.connect(lambda: self.sidebar.setCurrentRow(row))
        self._area_actions = getattr(self, "_area_actions", []) + [act]

    def _area_changed(self, row: int) -> None:
        if row in (2, 3, 4, 5, 6) and self.workspace is not None:
            self._build_lazy_area(row)
        elif row == 0 and self.theses_view in self._stale_views:
            self._stale_views.discard(self.theses_view)
            self.theses_view.reload()
        elif row == 1 and self.library_view is None:
            self.library()
        elif row == 1 and self.library_view in self._stale_views:
            self._stale_views.discard(self.library_view)
            self.library_view.refresh()
        self.stack.setCurrentIndex(row)

    def library(self) -> LibraryView:
        """The Library area, built the first time it is wanted (shown, a passage opened
        from a thesis); it reads the open workspace's documents then."""
        if self.library_view is not None:
            return self.library_view
        from thesis_desk.ui.library_view import LibraryView

        view = LibraryView(self.session)
        view.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        view.import_requested.connect(self.import_documents)
        view.reader.add_evidence_requested.connect(self._evidence_from_reader)
        view.reader.edit_details_requested.connect(self._edit_document)
        view.reader.open_original_requested.connect(self._open_original)
        value = self.settings.value("library/splitter")
        if value is not None:
            view.splitter.restoreState(value)
        view.set_inbox(self._inbox_folder)
        self.library_view = view
        self._replace_page(1, view)
        if self.workspace is not None:
            view.refresh()
        return view

    # -- the one place views learn of change

    def _report_changes(self, view: QWidget) -> None:
        """A view's ``changed(Changes)`` comes here; the view has refreshed itself."""
        view.changed.connect(  # type: ignore[attr-defined]
            lambda changes, v=view: self.apply_changes(changes, origin=v))

    def apply_changes(self, changes: Changes, origin: QWidget | None = None) -> None:
        """Refresh exactly the views that show what ``changes`` touched: at once where
        shown, on being shown otherwise (a hidden view is marked stale). ``origin``,
        the view that made the change, has refreshed itself."""
        tv, lib = self.theses_view, self.library_view
        wanted: list[tuple[QWidget | None, bool, object]] = [
            (tv, changes.touches(THESIS, PILLAR, JOURNAL, EVIDENCE), tv.reload),
            (lib, changes.touches(DOCUMENT), lambda: lib.refresh()),  # type: ignore[union-attr]
            (self.metrics_view, changes.touches(METRIC, OBSERVATION, RULE, ALERT, EVIDENCE,
                                                DOCUMENT, PRICE, THESIS, PILLAR),
             lambda: self.metrics_view.refresh()),  # type: ignore[union-attr]
            (self.alerts_view, changes.touches(ALERT, RULE, METRIC, THESIS),
             lambda: self.alerts_view.refresh()),  # type: ignore[union-attr]
            (self.portfolio_view, changes.touches(POSITION, PRICE, THESIS, EVIDENCE, ALERT,
                                                  OBSERVATION, RULE),
             lambda: self.portfolio_view.refresh()),  # type: ignore[union-attr]
            (self.reviews_view, changes.touches(THESIS, PILLAR, JOURNAL),
             lambda: self.reviews_view.refresh()),  # type: ignore[union-attr]
            (self.calibration_view, changes.touches(THESIS, JOURNAL, POSITION, PRICE),
             lambda: self.calibration_view.refresh()),  # type: ignore[union-attr]
        ]
        for view, touched, refresh in wanted:
            if view is None or not touched or view is origin:
                continue
            if view.isVisible():
                refresh()  # type: ignore[operator]
            else:  # refreshed when next shown, and only then
                self._stale_views.add(view)
        if lib is not None and origin is not lib and changes.touches(EVIDENCE):
            # the reader's highlights, on the text and the page: cheap, one document (a
            # refresh of the list above keeps the open document as it was read)
            lib.reload_current()
        if changes.touches(METRIC, OBSERVATION, RULE, ALERT) and origin is not tv:
            tv.refresh_metrics_tab()
        if changes.touches(DOCUMENT) and tv.isVisible():
            tv.refresh_suggestions()  # new research may bear on the thesis shown
        self.refresh_status()

    def _build_lazy_area(self, row: int) -> None:
        if row == 2 and self.metrics_view is None:
            from thesis_desk.ui.metrics_view import MetricsView

            self.metrics_view = MetricsView(self.session)
            self._report_changes(self.metrics_view)
            self.metrics_view.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
            self.metrics_view.fired.connect(self.notify)
            self._replace_page(2, self.metrics_view)
        elif row == 3 and self.alerts_view is None:
            from thesis_desk.ui.alerts_view import AlertsView

            self.alerts_view = AlertsView(self.session)
            self._report_changes(self.alerts_view)
            self.alerts_view.open_metric.connect(self._open_metric)
            self.alerts_view.open_thesis.connect(self.open_thesis)
            self._replace_page(3, self.alerts_view)
        elif row == 4 and self.portfolio_view is None:
            from thesis_desk.ui.portfolio_view import PortfolioView

            self.portfolio_view = PortfolioView(self.session, settings=self.settings)
            self._report_changes(self.portfolio_view)
            self.portfolio_view.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
            self.portfolio_view.open_thesis.connect(self.open_thesis)
            self._replace_page(4, self.portfolio_view)
        elif row == 5 and self.reviews_view is None:
            from thesis_desk.ui.reviews_view import ReviewsView

            self.reviews_view = ReviewsView(self.session)
            self._report_changes(self.reviews_view)
            self.reviews_view.open_thesis.connect(self.open_thesis)
            self.reviews_view.review_thesis.connect(self.theses_view.review)
            self._replace_page(5, self.reviews_view)
        elif row == 6 and self.calibration_view is None:
            from thesis_desk.ui.calibration_view import CalibrationView

            self.calibration_view = CalibrationView(self.session)
            self._report_changes(self.calibration_view)
            self.calibration_view.open_thesis.connect(self.open_thesis)
            self._replace_page(6, self.calibration_view)
        else:  # built before: read again only if something it shows changed meanwhile
            view = {2: self.metrics_view, 3: self.alerts_view, 4: self.portfolio_view,
                    5: self.reviews_view, 6: self.calibration_view}[row]
            if view in self._stale_views:
                self._stale_views.discard(view)
                view.refresh()  # type: ignore[union-attr]

    def _open_metric(self, metric_id: int) -> None:
        self.sidebar.setCurrentRow(2)
        self.metrics_view.refresh(select_id=metric_id)  # type: ignore[union-attr]

    def open_thesis(self, thesis_id: int) -> None:
        self.sidebar.setCurrentRow(0)
        if not self.theses_view.select(thesis_id):  # written since the list was read
            self.theses_view.reload(select_id=thesis_id)

    def _replace_page(self, index: int, widget: QWidget) -> None:
        old = self.stack.widget(index)
        self.stack.insertWidget(index, widget)
        self.stack.removeWidget(old)
        old.deleteLater()

    def _action(self, text: str, slot: object, shortcut: object = None, *,
                tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(slot)
        return act

    def _build_menus(self) -> None:
        std = QKeySequence.StandardKey
        tv = self.theses_view
        self.new_action = self._action("&New Thesis…", tv.new_thesis, std.New,
                                       tip="Create a thesis")
        # Ctrl+Q where the desktop names no Quit key (the platform's own, if it has one)
        self.quit_action = self._action("&Quit", self.close,
                                        std.Quit if QKeySequence(std.Quit).count() else "Ctrl+Q")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.import_action = self._action("&Import Documents…", self.import_documents, "Ctrl+I",
                                          tip="Text, Markdown, HTML or PDF into the library")
        self.demo_action = self._action("Build &Demo Workspace", self.build_demo,
                                        tip="The five seed articles and three example theses")
        self.export_action = self._action("Export &Memo…", lambda: self.export_memo(), std.Print,
                                          tip="The selected thesis as a PDF or Markdown memo")
        tv.export_requested.connect(lambda: self.export_memo())
        self.team_action = self._action("Open &Team Workspace…", self.open_team_workspace,
                                        tip="A shared workspace on a PostgreSQL server, or "
                                            "back to this machine's own")
        self.backups_action = self._action("&Backups…", self.show_backups,
                                           tip="Back up the workspace now, or restore a backup")
        self.check_action = self._action("&Check Workspace…", self.check_workspace,
                                         tip="Database integrity, original files, evidence quotes")
        self.prefs_action = self._action("&Preferences…", self.edit_preferences, "Ctrl+,")
        self.prefs_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.team_action)
        file_menu.addSeparator()
        file_menu.addAction(self.backups_action)
        file_menu.addAction(self.check_action)
        file_menu.addSeparator()
        file_menu.addAction(self.demo_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence(std.Undo))
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence(std.Redo))
        self.edit_action = self._action("&Edit Thesis…", tv.edit_current, "Ctrl+E")
        self.archive_action = self._action("&Archive or Delete Thesis…", tv.archive_current,
                                           std.Delete)
        self.find_action = self._action("&Find", self._focus_search, std.Find)
        edit_menu = self.menuBar().addMenu("&Edit")
        for a in (self.undo_action, self.redo_action, None, self.edit_action,
                  self.archive_action, None, self.find_action, None, self.prefs_action):
            edit_menu.addSeparator() if a is None else edit_menu.addAction(a)

        self.review_action = self._action("&Review Thesis…", tv.review_current, "Ctrl+R",
                                          tip="Reaffirm or change the conviction and pillars")
        self.close_thesis_action = self._action(
            "&Close Thesis…", tv.close_or_reopen_current,
            tip="Close the thesis with its outcome and a post-mortem")
        self.reopen_action = self._action("Re&open Thesis…", tv.close_or_reopen_current,
                                          tip="Reopen a closed thesis")
        self.premortem_action = self._action(
            "&Pre-mortem…", tv.premortem_current,
            tip="A year from now this thesis failed: why? Each answer becomes a risk")
        self.add_evidence_action = self._action(
            "Add &Evidence…", tv.add_evidence,
            tip="A quote for the thesis shown, its source, and the pillar it bears on")
        self.add_pillar_action = self._action(
            "Add P&illar…", tv.add_pillar,
            tip="A pillar, kill criterion, catalyst or risk of the thesis shown")
        thesis_menu = self.menuBar().addMenu("&Thesis")
        for a in (self.add_evidence_action, self.add_pillar_action, None, self.review_action,
                  self.premortem_action, None, self.close_thesis_action, self.reopen_action):
            thesis_menu.addSeparator() if a is None else thesis_menu.addAction(a)
        tv.shown.connect(self._thesis_shown)

        view_menu = self.menuBar().addMenu("&View")
        for a in self._area_actions:
            view_menu.addAction(a)
        view_menu.addSeparator()
        self.archived_action = self._action("Show &Archived Theses", tv.set_show_archived)
        self.archived_action.setCheckable(True)
        view_menu.addAction(self.archived_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = self._action(f"&About {APP_NAME}", self.show_about)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(about)

        self._set_workspace_enabled(False)

    def _set_workspace_enabled(self, enabled: bool, *, writable: bool = True) -> None:
        self._writable = enabled and writable
        for a in (self.new_action, self.edit_action, self.archive_action, self.import_action,
                  self.demo_action):
            a.setEnabled(enabled and writable)
        for a in (self.export_action, self.backups_action, self.check_action):
            a.setEnabled(enabled)
        self._thesis_shown(getattr(self, "_shown_thesis", None))

    def _thesis_shown(self, t: object) -> None:
        """The Thesis menu acts on the thesis shown: closing only an open one, reopening
        only a closed one, reviewing only an open one."""
        self._shown_thesis = t
        can = getattr(self, "_writable", False) and t is not None
        closed = can and getattr(t, "status", "") == "closed"
        self.review_action.setEnabled(can and not closed)
        self.premortem_action.setEnabled(can)
        self.add_evidence_action.setEnabled(can)
        self.add_pillar_action.setEnabled(can)
        self.close_thesis_action.setEnabled(can and not closed)
        self.reopen_action.setEnabled(closed)

    def _focus_search(self) -> None:
        self.sidebar.setCurrentRow(0)
        self.theses_view.search.setFocus()
        self.theses_view.search.selectAll()

    # -- workspace

    def show_snapshot(self, first: FirstScreen) -> None:
        """Paint the thesis list read at start-up while the services load."""
        listed = first.total if self.theses_view.proxy.show_archived else first.active
        self.theses_view.show_snapshot(first.theses, listed, first.total)
        self.counts_label.setText(plural(first.active, "thesis", "theses"))

    def open_workspace(self, *, in_background: bool = False,
                       then: Callable[[], None] | None = None) -> bool:
        """Open the database (after the window has painted); the session says how it
        went: ``_opened``, or a box explaining why not (a damaged file's box may still
        open it: restored, or read-only). ``then`` runs once it is open. In the
        background, True means only that it was asked."""
        if in_background:
            self.session.open_in_background(then)
            return True
        self.session.open()
        if self.workspace is not None and then is not None:
            then()
        return self.workspace is not None

    def open_team_workspace(self) -> None:
        """Choose a team server (or this machine's workspace) and reopen on it; the
        servers used are remembered, without their passwords."""
        import os

        from thesis_desk.paths import ENV_DATABASE
        from thesis_desk.ui.team_dialog import RECENT_KEY, RECENT_MAX, TeamWorkspaceDialog

        recent = [u for u in (self.settings.value(RECENT_KEY, [], type=list) or []) if u]
        dlg = TeamWorkspaceDialog(recent, self)
        if not dlg.exec() or dlg.choice is None:
            return
        if dlg.choice:
            os.environ[ENV_DATABASE] = dlg.choice
        else:
            os.environ.pop(ENV_DATABASE, None)
        self.session.close(backup=True)
        self.undo_stack.clear()
        self.statusBar().showMessage("Opening the workspace…", 4000)
        if self.open_workspace() and dlg.choice:
            from thesis_desk.core.urls import without_password

            kept = without_password(dlg.choice)
            self.settings.setValue(RECENT_KEY, [kept, *[u for u in recent if u != kept]]
                                   [:RECENT_MAX])
        self.refresh_views()

    def set_workspace(self, ws: Workspace) -> None:
        """Show a workspace opened elsewhere (a test's, a benchmark's), not yet watched
        nor backed up (``session.start_watching`` starts the watch)."""
        self.session.adopt(ws, watch=False)

    def _opened(self, ws: Workspace) -> None:
        label = ws.db.where + ("  [read-only]" if ws.read_only else "")
        self.db_label.setText(label)
        self.db_label.setToolTip(f"Workspace database: {ws.db.where}")
        title = f"{APP_NAME} — team workspace" if ws.db.is_server else APP_NAME
        if ws.read_only and ws.db.is_server:
            label = ws.db.where + "  [reader: read-only]"
            self.db_label.setText(label)
            self.statusBar().showMessage("You are a reader of this team workspace: you can "
                                         "read and export everything, and change nothing.",
                                         10000)
        self.setWindowTitle(f"{title} [read-only]" if ws.read_only else title)
        self._set_workspace_enabled(True, writable=not ws.read_only)
        if ws.db.is_server:  # the server's administrator backs it up and checks it
            for a in (self.backups_action, self.check_action):
                a.setEnabled(False)
                a.setStatusTip("A team workspace is backed up and checked on its server")
        self.refresh_status()
        self._watch_inbox()
        # once the window's own start-up work is done: it shared the interpreter lock with
        # the import (a 57 ms start-up stall became 190 ms when both ran at once)
        QTimer.singleShot(1500, self, preload_charts)

    def _closing(self) -> None:
        self._set_workspace_enabled(False)
        self._inbox_timer.stop()
        self.undo_stack.clear()  # its commands hold the closing workspace's services
        if self.library_view is not None:  # its searches (the views' Reads: the session)
            self.library_view.stop_reading()

    def _cannot_open(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open workspace", "", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        box.exec()
        QTimer.singleShot(0, self.close)

    def _open_damaged(self, exc: Exception) -> None:
        """A damaged database: offer the latest good backup or a read-only look; the
        file is never replaced by an empty one."""
        from thesis_desk.core.errors import DatabaseError
        from thesis_desk.ui.widgets import local_time

        service = self.session.backup_service()
        good = service.latest_good()
        box = QMessageBox(QMessageBox.Icon.Critical, "Workspace damaged", "", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(str(exc))
        restore = None
        if good is not None:
            box.setInformativeText(
                f"The latest good backup was taken {local_time(good.created)} "
                f"({good.theses} theses, {good.documents} documents, {good.evidence} "
                "evidence). Restoring it sets the damaged file aside in the backup folder; "
                "nothing is deleted.")
            restore = box.addButton("Restore Latest Backup", QMessageBox.ButtonRole.AcceptRole)
        else:
            box.setInformativeText("There is no good backup to restore. Look at the file "
                                   "read-only, or quit and copy the folder somewhere safe.")
        look = box.addButton("Open Read-Only", QMessageBox.ButtonRole.ActionRole)
        box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        if restore is not None and clicked is restore:
            try:
                service.restore(good.name)  # type: ignore[union-attr]
            except DatabaseError as err:
                self._error("Cannot open workspace", str(err), icon=QMessageBox.Icon.Critical)
                QTimer.singleShot(0, self.close)
                return
            if self.session.open():
                self.statusBar().showMessage(f"Restored {good.name}.", 10000)  # type: ignore[union-attr]
        elif clicked is look:
            self.session.open(read_only=True)
        else:
            QTimer.singleShot(0, self.close)

    # -- backups

    def back_up_now(self, on_done: object = None) -> None:
        self.session.back_up_now(on_done if callable(on_done) else None, parent=self)  # type: ignore[arg-type]

    def show_backups(self) -> None:
        from thesis_desk.ui.backups_dialog import BackupsDialog

        dlg = BackupsDialog(self.session.backup_service(),
                            back_up=lambda: self.back_up_now(on_done=dlg.reload),
                            restore=self.restore_backup, read_only=self.session.read_only,
                            parent=self)
        self._backups_dialog = dlg
        dlg.exec()
        self._backups_dialog = None

    def restore_backup(self, chosen: object, *, ask: bool = True) -> bool:
        """Restore a backup into this workspace after asking; the session closes, restores
        (backing the current state up first) and reopens."""
        from thesis_desk.core.errors import DatabaseError
        from thesis_desk.ui.widgets import local_time

        b = chosen
        if ask and not confirm(
                self, "Restore backup",
                f"Replace the workspace with the backup taken {local_time(b.created)} "  # type: ignore[attr-defined]
                f"({b.theses} theses, {b.documents} documents, {b.evidence} evidence)?\n\n"  # type: ignore[attr-defined]
                "The workspace as it is now is backed up first, so you can return to it "
                "by restoring that backup.", yes="Restore"):
            return False
        try:
            restored, safety = self.session.restore(b.name)  # type: ignore[attr-defined]
        except DatabaseError as exc:
            self._error("Restore failed", str(exc))
            return False
        self.statusBar().showMessage(
            f"Restored {restored.name}; the previous state is in {safety.name}.", 10000)
        return self.workspace is not None

    def check_workspace(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        from thesis_desk.core.integrity import check_workspace

        def done(report: object) -> None:
            box = QMessageBox(QMessageBox.Icon.Information if report.ok  # type: ignore[attr-defined]
                              else QMessageBox.Icon.Warning, "Check Workspace", "", parent=self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setText("The workspace is intact." if report.ok else  # type: ignore[attr-defined]
                        "The check found problems. Restoring a backup (File > Backups…) "
                        "brings back missing originals and damaged data.")
            box.setDetailedText("\n".join(report.lines()))  # type: ignore[attr-defined]
            self._last_check = report
            box.exec()

        self.tasks.run(lambda _p, _c: check_workspace(ws), on_done=done,
                       on_error=lambda e: self._error("Check failed", str(e)),
                       title="Checking the workspace…", parent=self)

    def refresh_views(self) -> None:
        """Another program wrote (or a backup was restored): anything may have changed."""
        self.apply_changes(Changes.outside())

    def notify(self, messages: list[str], *, what: tuple[str, str] = ("new alert",
                                                                     "new alerts"),
               headline: str = "") -> None:
        """A tray message when alerts fire while the window is not in front; the status
        bar says ``headline``, else how many and the first."""
        text = "\n".join(messages[:5])
        self.statusBar().showMessage(
            headline or f"{plural(len(messages), *what)}: {messages[0]}", 10000)
        if self.isActiveWindow():
            return
        from PySide6.QtWidgets import QSystemTrayIcon

        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if getattr(self, "_tray", None) is None:
            self._tray = QSystemTrayIcon(self.windowIcon(), self)
            self._tray.show()
        self._tray.showMessage("Thesis Desk alert", text)

    def offer_demo(self) -> None:
        """On an empty workspace, offer the demo once (it is also in the File menu)."""
        ws = self.workspace
        if ws is None or not write(ws.is_empty):
            return
        if self.settings.value("demo/offered", False, type=bool):
            return
        self.settings.setValue("demo/offered", True)
        if confirm(self, "An empty workspace",
                   "This workspace is empty. Build the demo workspace?\n\nIt imports the five "
                   "seed articles that ship with Thesis Desk and adds three example theses, "
                   "tagged 'demo', whose evidence is quoted verbatim from them.",
                   yes="Build Demo"):
            self.build_demo()

    def build_demo(self) -> None:
        from thesis_desk.core.demo import build_demo
        from thesis_desk.core.errors import UserError
        from thesis_desk.resources import seeds_dir

        ws = self.workspace
        if ws is None:
            return
        # a few seconds on a slow machine, the empty list meanwhile: say what is coming
        self.statusBar().showMessage("Building the demo workspace from the five seed "
                                     "articles (labelled 'demo')…")
        try:
            counts = write(lambda: build_demo(ws, seeds_dir()))
        except (UserError, FileNotFoundError) as exc:
            self.statusBar().clearMessage()
            self._error("Cannot build the demo", str(exc))
            return
        self.apply_changes(Changes.outside())
        self.statusBar().showMessage(
            f"Demo workspace: {counts['documents']} seed documents, {counts['theses']} theses, "
            f"{counts['evidence']} evidence items.", 8000)

    # -- library

    def import_documents(self, paths: list[str] | None = None) -> None:
        from PySide6.QtWidgets import QFileDialog

        if self.workspace is None:
            return
        if not paths:
            start = str(self.settings.value("library/import_dir", ""))
            paths, _ = QFileDialog.getOpenFileNames(
                self, "Import Documents", start,
                "Documents (*.txt *.md *.markdown *.html *.htm *.pdf *.docx *.eml *.msg)"
                ";;All files (*)")
            if not paths:
                return
            from pathlib import Path

            self.settings.setValue("library/import_dir", str(Path(paths[0]).parent))
        self.run_import(paths)

    def run_import(self, paths: list[str]) -> None:
        """Import off the GUI thread with progress and cancel; report every file."""
        from pathlib import Path

        library = self.workspace.library  # type: ignore[union-attr]
        self.sidebar.setCurrentRow(1)

        ws = self.workspace

        def job(progress, cancelled):  # noqa: ANN001, ANN202
            results = library.import_files([Path(p) for p in paths], progress, cancelled)
            return results, _bearing(ws, results)

        def done(got: tuple) -> None:
            results, bears = got
            imported = [r for r in results if r.status == "imported"]
            view = self.library()
            view.refresh(select_id=imported[-1].document.id if imported else None)
            self.apply_changes(Changes.of(DOCUMENT), origin=view)
            problems = [r.message for r in results if r.status != "imported"]
            skipped = len(paths) - len(results)
            summary = f"Imported {len(imported)} of {len(paths)} files."
            if skipped:
                summary += f" Cancelled: {skipped} not imported."
            if bears:
                summary += f" {bears}"
            if problems:
                self._error("Import", summary + "\n\n" + "\n".join(problems[:30]),
                            icon=QMessageBox.Icon.Information)
            self.statusBar().showMessage(summary, 12000)

        self.last_import = self.tasks.run(job, on_done=done, title="Importing documents",
                                          on_error=lambda e: self._error("Import failed", str(e)),
                                          parent=self)

    def _evidence_from_reader(self, doc: object, quote: str, start: int, end: int) -> None:
        self.theses_view.evidence_dialog(document=doc, quote=quote, start=start, end=end)

    def _edit_document(self, doc: object) -> None:
        from thesis_desk.ui.forms import DocumentDialog

        def submit(meta: object) -> None:
            self.session.service("library").update_meta(doc.id, meta)  # type: ignore[attr-defined]

        if DocumentDialog(submit, doc, parent=self).exec():  # type: ignore[arg-type]
            view = self.library()
            view.refresh(select_id=doc.id)  # type: ignore[attr-defined]
            # citations in evidence, memos and the observation form name the document
            self.apply_changes(Changes.of(DOCUMENT, EVIDENCE), origin=view)

    def _open_original(self, doc: object) -> None:
        """The imported file in the program this computer opens it with (fetched from a
        team server's database, off the GUI thread, the first time on this machine)."""
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from thesis_desk.core.errors import UserError

        try:
            path = self.session.service("library").original(doc.id)  # type: ignore[attr-defined]
        except UserError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.statusBar().showMessage(f"No program here opens {path.name}; the file is "
                                         f"{path}", 10000)

    def open_passage(self, e: object) -> None:
        if getattr(e, "document_id", None) is None:
            return
        self.sidebar.setCurrentRow(1)
        self.library().open_document(e.document_id, e.start_offset, e.end_offset)  # type: ignore[attr-defined]

    def dragEnterEvent(self, event) -> None:  # noqa: N802, ANN001
        if event.mimeData().hasUrls() and self.workspace is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802, ANN001
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_documents(paths)

    # -- memo

    def export_memo(self, thesis_id: int | None = None, *, path: str | None = None,
                    as_of: dt.date | None = None) -> None:
        """Ask as of when and where (unless told), then export off the GUI thread."""
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from thesis_desk import preferences
        from thesis_desk.ui.memo_export import MemoOptionsDialog, run_export, suggested_name

        ws = self.workspace
        thesis_id = thesis_id if thesis_id is not None else self.theses_view.current_id()
        if ws is None or thesis_id is None:
            self.statusBar().showMessage("Select a thesis to export its memo.", 6000)
            return
        prefs = preferences.load(self.paths.config_dir)
        author, page_size, since, comments = prefs.author, prefs.page_size, None, False
        if path is None:
            dlg = MemoOptionsDialog(prefs, self)
            if not dlg.exec():
                return
            as_of = dlg.as_of.value() or dt.date.today()
            since, comments = dlg.since.value(), dlg.comments.isChecked()
            author, page_size = dlg.author.text().strip(), dlg.page_size.currentText()
            title = self.session.service("theses").get(thesis_id).title
            folder = prefs.memo_folder or str(Path.home())
            path, chosen = QFileDialog.getSaveFileName(
                self, "Export Memo", str(Path(folder) / suggested_name(title, as_of)),
                "PDF (*.pdf);;Markdown (*.md)")
            if not path:
                return
            if chosen.startswith("Markdown") and not path.lower().endswith((".md", ".markdown")):
                path += ".md"
            elif chosen.startswith("PDF") and not path.lower().endswith(".pdf"):
                path += ".pdf"
            preferences.update(self.paths.config_dir, author=author, page_size=page_size,
                               memo_folder=str(Path(path).parent))
        run_export(ws, self.tasks, self, thesis_id, Path(path), as_of=as_of, author=author,
                   page_size=page_size, since=since, comments=comments,
                   on_done=lambda msg: self._memo_done(msg, thesis_id),
                   on_error=lambda exc: self._error("Export Memo", str(exc)))

    def _memo_done(self, message: str, thesis_id: int) -> None:
        self.statusBar().showMessage(message, 10000)
        # the journal notes the memo sent (the next one counts what changed from it)
        self.apply_changes(Changes.of(JOURNAL, theses=[thesis_id]))

    def edit_preferences(self) -> None:
        from thesis_desk import preferences
        from thesis_desk.ui.memo_export import PreferencesDialog

        prefs = preferences.load(self.paths.config_dir)
        dlg = PreferencesDialog(prefs, self, check_folder=self._inbox_problem)
        if dlg.exec():
            preferences.update(self.paths.config_dir, author=dlg.author.text().strip(),
                               page_size=dlg.page_size.currentText(),
                               inbox_folder=dlg.inbox.text().strip())
            self._watch_inbox()

    # -- the inbox folder

    INBOX_MS = 3000

    @staticmethod
    def _inbox_problem(folder: str) -> str:
        from pathlib import Path

        from thesis_desk.core.errors import UserError
        from thesis_desk.core.inbox import InboxService

        try:
            InboxService.check_folder(Path(folder))
        except UserError as exc:
            return str(exc)
        return ""

    def _watch_inbox(self) -> None:
        """Look in the inbox folder now and every INBOX_MS while one is set."""
        from thesis_desk import preferences

        self._inbox_folder = preferences.load(self.paths.config_dir).inbox_folder
        if self.library_view is not None:  # else given it when it is built
            self.library_view.set_inbox(self._inbox_folder)
        if self._inbox_folder and self.workspace is not None and not self.workspace.read_only:
            self._inbox_timer.start(self.INBOX_MS)
            self._look_in_inbox()
        else:
            self._inbox_timer.stop()

    def _look_in_inbox(self) -> None:
        """What is waiting is imported on the writer, off the GUI thread."""
        from pathlib import Path

        ws, folder = self.workspace, self._inbox_folder
        if ws is None or not folder or self._inbox_busy or ws.read_only:
            return
        self._inbox_busy = True

        def take(_p: object, _c: object) -> tuple[list, str]:
            results = ws.inbox.take(Path(folder))
            return results, _bearing(ws, results)

        def done(got: tuple) -> None:
            self._inbox_busy = False
            results, bears = got
            if not results:
                return
            imported = [r for r in results if r.status == "imported"]
            self.apply_changes(Changes.of(DOCUMENT))
            if self.library_view is not None:
                self.library_view.refresh_inbox()
            refused = len(results) - len(imported)
            headline = (plural(len(results), "file", "files") + " arrived in the inbox"
                        + (f", {len(imported)} imported" if refused else "")
                        + (f". {bears}" if bears else "."))
            self.notify([f"{Path(r.path).name}: {r.status}" for r in results],
                        headline=headline)

        def failed(exc: Exception) -> None:
            self._inbox_busy = False
            self._inbox_timer.stop()  # said once, not every few seconds
            self.statusBar().showMessage(f"The inbox folder is not watched: {exc}", 15000)

        self.session.tasks.run(take, on_done=done, on_error=failed, show_progress=False)

    def _error(self, title: str, text: str, *,
               icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> None:
        box = QMessageBox(icon, title, "", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        box.exec()

    def refresh_status(self) -> None:
        """The status bar's counts and the sidebar's new alerts, read on a worker."""
        ws = self.workspace
        if ws is None:
            return
        # The views are current now: the poll need not report this process's writes.
        self.session.mark_seen()

        def read() -> tuple[dict, int, int, int, list]:
            catalysts = ws.outcomes.catalysts_due()
            due = len(ws.outcomes.reviews_due()) + len(catalysts)
            return ws.theses.counts(), ws.library.count(), ws.alerts.count("new"), due, catalysts

        self._status_reads.query("counts", read, self._show_counts)

    def _remind(self, catalysts: list) -> None:
        """A catalyst whose date has passed is announced like an alert, once: the ones
        told are remembered with the workspace's settings (a new due date is new)."""
        import hashlib

        # per workspace: the settings file is the user's, pillar ids are the workspace's
        key = "reminded_catalysts/" + hashlib.sha1(
            str(self.paths.database).encode()).hexdigest()[:12]
        told = set(self.settings.value(key, [], type=list) or [])
        fresh = [c for c in catalysts if f"{c.pillar_id}:{c.due_date}" not in told]
        if not fresh:
            return
        self.notify([f"Catalyst past its date ({c.due_date:%Y-%m-%d}): {c.text} — {c.title}"
                     for c in fresh], what=("catalyst reminder", "catalyst reminders"))
        keep = {f"{c.pillar_id}:{c.due_date}" for c in catalysts}  # settled ones go
        self.settings.setValue(key, sorted(keep))

    def _show_counts(self, found: tuple[dict, int, int, int, list]) -> None:
        c, documents, new_alerts, due, catalysts = found
        self._remind(catalysts)
        live = c["theses"] - c["archived"]
        parts = [plural(live, "thesis", "theses"), f"{c['active']:,} active",
                 plural(documents, "document", "documents")]
        if c["archived"]:
            parts.append(f"{c['archived']:,} archived")
        if new_alerts:
            parts.append(plural(new_alerts, "new alert", "new alerts"))
        if due:
            parts.append(plural(due, "review due", "reviews due"))
        self.sidebar.item(3).setText(f"Alerts ({new_alerts:,})" if new_alerts else "Alerts")
        self.sidebar.item(5).setText(f"Reviews ({due:,})" if due else "Reviews")
        self.counts_label.setText("  ·  ".join(parts))

    # -- dialogs

    def show_about(self) -> None:
        import platform

        import PySide6
        from PySide6.QtCore import qVersion

        box = QMessageBox(self)
        box.setWindowTitle(f"About {APP_NAME}")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"{APP_NAME} {__version__}")
        box.setInformativeText(
            "Investment theses with their evidence, metrics, alerts and memos.\n\n"
            f"Workspace: {self.paths.data_dir}\n"
            f"Python {platform.python_version()} · Qt {qVersion()} · "
            f"PySide6 {PySide6.__version__}"
        )
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.exec()

    # -- state

    def _restore_state(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        value = self.settings.value("theses/splitter")
        if value is not None:
            self.theses_view.splitter.restoreState(value)
        header = self.settings.value("theses/header")
        if header is not None:
            self.theses_view.table.horizontalHeader().restoreState(header)
        show = self.settings.value("theses/show_archived", False, type=bool)
        self.archived_action.setChecked(bool(show))
        self.theses_view.set_show_archived(bool(show))

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("theses/splitter", self.theses_view.splitter.saveState())
        if self.library_view is not None:  # else as it was restored
            self.settings.setValue("library/splitter", self.library_view.splitter.saveState())
        self.settings.setValue("theses/header",
                               self.theses_view.table.horizontalHeader().saveState())
        self.settings.setValue("theses/show_archived", self.archived_action.isChecked())
        self.settings.sync()

    def bring_to_front(self) -> None:
        """A second launch on this workspace asked for this window."""
        log.info("a second launch on this workspace: window brought to the front")
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()
        self.statusBar().showMessage("Thesis Desk is already open on this workspace.", 6000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        from thesis_desk.ui.memo_export import finish_running

        self.save_state()
        finish_running()  # a memo being written in its own process is finished first
        self.session.close(backup=True)
        if getattr(self, "activation", None) is not None:
            self.activation.close()
        super().closeEvent(event)


def _bearing(ws: Workspace | None, results: list, most: int = 20) -> str:
    """Which theses newly imported documents bear on, in a line ("" when none): run on
    the worker right after the import (core/suggest.py, a document against every draft
    and active thesis)."""
    if ws is None:
        return ""
    counts: dict[int, int] = {}
    for r in [r for r in results if r.status == "imported"][:most]:
        for tid, found in ws.suggestions.for_document(r.document.id, limit=1).items():
            counts[tid] = counts.get(tid, 0) + len(found)
    if not counts:
        return ""
    titles = {t.id: t.title for t in ws.theses.list()}
    best = sorted(counts, key=lambda t: -counts[t])[:1]

    def short(title: str) -> str:  # the status bar's width at 1280 pixels
        return title if len(title) <= 36 else title[:34].rstrip() + "…"

    return ("New research bears on " + "; ".join(
        f"“{short(str(titles.get(t, t)))}” ({plural(counts[t], 'passage', 'passages')})"
        for t in best) + (f" and {len(counts) - 1} more" if len(counts) > 1 else "")
        + ": see Suggested.")
