"""What the benchmark scripts share: the process's peak memory."""

from __future__ import annotations


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
