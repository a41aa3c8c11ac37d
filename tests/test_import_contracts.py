"""The layers' import rules (pyproject.toml [tool.importlinter]), imports inside
functions included: core imports no Qt; the GUI imports no SQLAlchemy, models or db;
what draws without a window imports no GUI module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(linter), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "3 kept, 0 broken" in out.stdout


def test_a_broken_rule_is_caught(tmp_path):
    """The check can fail: a GUI module importing SQLAlchemy inside a function."""
    import shutil

    copy = tmp_path / "thesis_desk"
    shutil.copytree(ROOT / "thesis_desk", copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "ui" / "sneaky.py").write_text("def f():\n    import sqlalchemy\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    linter = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(linter), "--config", str(tmp_path / "pyproject.toml")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert out.returncode != 0 and "thesis_desk.ui.sneaky -> sqlalchemy" in out.stdout
