"""What the benchmark scripts share: the process's peak memory, the program compiled
as an installed copy has it."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def peak_mb() -> float:
    """This process's peak resident set (VmHWM, Linux), in MB; 0 where not known."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def compiled_env(cache: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The program's bytecode compiled into ``cache``, and an environment for child
    processes that uses it: an installed app has its bytecode (pip compiles at install),
    while PYTHONDONTWRITEBYTECODE, set on some machines, would have every launch compile
    each module it imports again, inside what is measured. The installed packages are
    compiled into ``cache`` too: with a cache prefix Python no longer reads their own
    ``__pycache__``, and the first run compiled pyqtgraph, pandas and SQLAlchemy in its
    gaps (70-90 ms stalls no later run had); 12 s once."""
    import compileall
    import sysconfig

    out = {k: v for k, v in (env or os.environ).items() if k != "PYTHONDONTWRITEBYTECODE"}
    out["PYTHONPYCACHEPREFIX"] = str(cache)
    sys.pycache_prefix = str(cache)
    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "thesis_desk"), quiet=1)
    # quiet=2: a few packages ship templates named .py that are not Python
    compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=2, workers=os.cpu_count() or 1)
    return out
