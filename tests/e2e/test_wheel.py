"""The built wheel, installed in a fresh virtual environment outside the checkout,
carries seeds, resources and migrations: the demo builds and a memo exports from it.

The fresh venv gets only the wheel; its dependencies (PySide6, pandas, ...) are borrowed
from the test environment through a .pth file instead of downloading ~400 MB per run.
The checkout itself is not importable there: the dev install is editable, and its hook
is not processed from a borrowed path, which the test asserts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
IGNORE = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", ".pytest_cache",
                                ".hypothesis", "__pycache__", "tests", "benchmarks")


def _run(*cmd: str, cwd: Path, timeout: int = 300) -> str:
    out = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"})
    assert out.returncode == 0, f"{cmd}\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_wheel_in_a_fresh_venv_runs_the_demo_and_exports_a_memo(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q",
         "-w", str(dist), str(src), cwd=tmp_path)
    wheel = next(dist.glob("thesis_desk-*.whl"))

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", str(venv), cwd=tmp_path)
    py = venv / "bin" / "python"
    _run(str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel),
         cwd=tmp_path)
    site = Path(_run(str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp_path).strip())
    (site / "zz_borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    where = _run(str(py), "-c", "import thesis_desk, thesis_desk.resources as r; "
                 "print(thesis_desk.__file__); print(r.seeds_dir()); "
                 "print(r.app_icon_files()[-1])", cwd=tmp_path).split()
    assert all(str(venv) in w for w in where), where  # the wheel's copy, not the checkout
    assert "_data" in where[1] and where[2].endswith(".png")

    exe = str(venv / "bin" / "thesis-desk")
    assert "Thesis Desk" in _run(exe, "--version", cwd=tmp_path)
    ws = tmp_path / "ws"
    assert "Demo workspace built" in _run(exe, "demo", "--data-dir", str(ws), cwd=tmp_path)
    memo = tmp_path / "memo.pdf"
    _run(exe, "export-memo", "1", "-o", str(memo), "--data-dir", str(ws), cwd=tmp_path)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(memo).pages)
    assert "Alibaba" in text and "Sources" in text
