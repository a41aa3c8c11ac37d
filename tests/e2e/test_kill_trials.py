"""A few SIGKILL trials in the suite (the README's trial command runs a hundred)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "kill_trials.py"


def test_sigkill_during_writes_loses_no_committed_row(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), "--trials", "4", "--seed", "7",
                          "--data-dir", str(tmp_path), "--json"],
                         capture_output=True, text=True, timeout=240)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert out.returncode == 0, out.stdout + out.stderr
    assert result["writes_reported"] > 0  # the child did write before each kill
    assert result["rows_lost"] == 0 and result["partial_imports"] == 0
    assert result["integrity"] == "ok" and result["fts_ok"]
    assert result["counts"]["thesis"] > 0 and result["counts"]["observation"] > 0
