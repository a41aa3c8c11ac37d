"""What draws without a window: chart plots and the PDF memo, for the GUI and the CLI.

Needs Qt's GUI classes (and pyqtgraph for charts), never ``thesis_desk.ui``: the
command line's memo export draws the same charts as the window without loading a view.
"""


def skip_pyside_source_scans() -> None:
    """PySide6 reads the source of every module imported after it, to see whether the
    module selects a ``__feature__`` (snake_case, true_property): 305 files, 80 ms and
    23 MB of ``linecache`` as the services load at start-up. Nothing in Thesis Desk
    selects a feature, so every module is taken as not using them, as PySide takes a
    module whose source it cannot read (every module of the packaged app)."""
    import sys

    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = _no_features  # type: ignore[attr-defined]


def _no_features(module: object) -> bool:
    return False
