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


_MIRRORED = ("QtCore", "QtGui", "QtWidgets")


def mirror_qt_lazily() -> None:
    """Have pyqtgraph's copies of PySide6's three modules look names up when asked
    instead of copying every name as it is imported.

    pyqtgraph keeps its own ``pyqtgraph.Qt.QtCore/QtGui/QtWidgets`` (so its patches do
    not land on PySide's) and fills them by reading every attribute of PySide's modules;
    PySide makes its classes when first read, so that read made every one of the 720
    names, classes and their enums: 0.2-0.3 s of pyqtgraph's import, which the first chart and every memo export
    from the command line waited for. Here the copies forward a name to PySide the first
    time it is read; what pyqtgraph sets on them stays theirs. Installed before pyqtgraph
    is imported (a no-op after); where pyqtgraph would use another binding, or its layout
    differs, pyqtgraph imports as it always did."""
    import os
    import sys

    if "pyqtgraph.Qt" in sys.modules or any(isinstance(f, _MirrorFinder) for f in sys.meta_path):
        return
    if os.environ.get("PYQTGRAPH_QT_LIB", "PySide6") != "PySide6" or any(
            lib in sys.modules for lib in ("PyQt6", "PyQt5", "PySide2")):
        return
    sys.meta_path.insert(0, _MirrorFinder())


class _MirrorFinder:
    """Finds ``pyqtgraph.Qt`` as the path finder does, with a loader that fills its
    mirrors lazily (once: it leaves ``sys.meta_path`` when used)."""

    def find_spec(self, name: str, path: object, target: object = None) -> object:
        if name != "pyqtgraph.Qt":
            return None
        import importlib.machinery
        import sys

        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)  # type: ignore[arg-type]
        if spec is not None and spec.loader is not None:
            spec.loader = _MirrorLoader(spec.loader)
        return spec


class _MirrorLoader:
    """The path finder's loader of ``pyqtgraph.Qt``, its module run with the mirrors
    forwarding; everything else (source for tracebacks, resources) is the loader's own."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def create_module(self, spec: object) -> object:
        return self.inner.create_module(spec)  # type: ignore[attr-defined]

    def exec_module(self, module: object) -> None:
        import builtins
        import importlib

        pyside: set[int] = set()
        try:
            for short in _MIRRORED:
                source = importlib.import_module(f"PySide6.{short}")
                mirror = importlib.import_module(f"pyqtgraph.Qt.{short}")
                if set(vars(mirror)) - {"__name__", "__doc__", "__package__", "__loader__",
                                        "__spec__", "__path__", "__file__", "__cached__",
                                        "__builtins__"}:
                    raise ImportError(f"pyqtgraph.Qt.{short} is not an empty package")
                mirror.__getattr__ = _forward(source)  # type: ignore[attr-defined]
                mirror.__dir__ = _listing(mirror, source)  # type: ignore[attr-defined]
                pyside.add(id(source))
        except ImportError:  # another pyqtgraph layout: it copies, as it always did (a
            pyside.clear()    # mirror already forwarding gets the same objects copied)

        def listing(*args: object) -> list[str]:
            # pyqtgraph's copying loop lists PySide's modules: nothing to copy from them
            if len(args) == 1 and id(args[0]) in pyside:
                return []
            return builtins.dir(*args)

        namespace = vars(module)
        if pyside:
            namespace["dir"] = listing  # pyqtgraph.Qt defines no dir of its own
        try:
            self.inner.exec_module(module)  # type: ignore[attr-defined]
        finally:
            if namespace.get("dir") is listing:
                del namespace["dir"]


def _forward(source: object):  # -> Callable[[str], object]
    def lookup(name: str) -> object:
        return getattr(source, name)
    return lookup


def _listing(mirror: object, source: object):  # -> Callable[[], list[str]]
    def names() -> list[str]:
        return sorted(set(vars(mirror)) | set(dir(source)))
    return names


def load_pyqtgraph():  # -> the pyqtgraph module
    """pyqtgraph (and numpy) imported with the cycle collector paused, then everything
    the program has made so far frozen (``gc.freeze``): what was imported lives as long
    as the program, so no collection need walk it again.

    Left running, the collector set off full collections in the middle of the import,
    each walking every object the services and Qt had made: 45 and 90 ms of a memo's
    first export in a fresh process (the window's export runs in one). Freezing collects
    nothing, so it is safe on any thread; it happens once, with the first import."""
    import sys

    module = sys.modules.get("pyqtgraph")
    if module is not None and hasattr(module, "PlotWidget"):
        return module
    import gc

    mirror_qt_lazily()
    paused = gc.isenabled()
    gc.disable()
    try:
        import numpy  # noqa: F401 (pyqtgraph's first import)
        import pyqtgraph
    finally:
        if paused:
            gc.enable()
    gc.freeze()
    return pyqtgraph
