"""The core never imports Qt: every core module imports with PySide6 made unimportable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent('''
    import importlib, pkgutil, sys

    class NoQt:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6"}:
                raise ImportError(f"core must not import {name}")
            return None

    sys.meta_path.insert(0, NoQt())
    import thesis_desk.core as core
    names = [m.name for m in pkgutil.walk_packages(core.__path__, "thesis_desk.core.")
             if ".migrations.versions." not in m.name and not m.name.endswith(".env")]
    for name in names:
        importlib.import_module(name)
    import thesis_desk.app, thesis_desk.cli, thesis_desk.paths
    print(len(names))
''')


def test_core_imports_without_qt():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 6  # the probe really walked the core


def test_starting_the_window_imports_no_sqlalchemy_before_its_first_paint():
    """The GUI's start path (read the command line, build the window's first list) must
    leave SQLAlchemy to the loader thread (importing it costs ~0.5 s of start-up), and the
    command line's parser of every command to the commands (80-90 ms)."""
    probe = textwrap.dedent('''
        import sys
        from thesis_desk.launch import window_arguments
        assert window_arguments(["--data-dir", "x"]) is not None
        import thesis_desk.core.snapshot, thesis_desk.paths, thesis_desk.core.instance
        heavy = sorted(m for m in ("sqlalchemy", "pandas", "pyqtgraph", "numpy",
                                   "thesis_desk.cli") if m in sys.modules)
        print(",".join(heavy))
    ''')
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
