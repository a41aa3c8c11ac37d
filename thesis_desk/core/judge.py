"""Alert rules judged over a stretch of a series at once, with numpy.

``condition`` is the rule judged at one observation (the definition, used where one
value is asked about); ``fires`` judges every observation from ``start`` on in date
order, edge-triggered, as walking ``condition`` one observation at a time does, and
raises exactly what that walk raises (property-tested in tests/core/test_judge.py).

A state is 1 (the condition holds), -1 (it has cleared: the hysteresis band passed) or
0 (undecided: inside the band, too little history); for ``crosses``, 1 is a crossing.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

import numpy as np

# How near a z-score may come to its threshold (relative), or a window's deviation to
# zero, before the exact arithmetic of ``condition`` decides instead of numpy's.
_NEAR = 1e-9


def condition(kind: str, threshold: float | None, hysteresis: float | None,
              window: int | None, window_unit: str, days: Sequence[int],
              values: Sequence[float], n: int) -> int:
    """The rule's state at observation ``n`` (``days``: the dates as day numbers)."""
    v, t, h = values[n], threshold or 0.0, hysteresis or 0.0
    if kind == "above":
        return 1 if v > t else (-1 if v <= t - h else 0)
    if kind == "below":
        return 1 if v < t else (-1 if v >= t + h else 0)
    if kind == "crosses":
        if n == 0:
            return 0
        prev = values[n - 1]
        up = prev <= t - h and v > t if h else prev <= t < v
        down = prev >= t + h and v < t if h else prev >= t > v
        return 1 if up or down else 0
    w = window or 0
    if kind == "change_pct":
        if window_unit == "days":
            cutoff = days[n] - w
            older = [i for i in range(n) if days[i] <= cutoff]
            base = values[older[-1]] if older else None
        else:
            base = values[n - w] if n - w >= 0 else None
        if base is None or base == 0:
            return 0
        return 1 if abs((v - base) / abs(base) * 100) >= t else -1
    if kind == "zscore":
        if n < w or w < 1:
            return 0
        window_values = [float(x) for x in values[n - w:n]]
        sd = statistics.pstdev(window_values)
        if sd == 0:
            return 0
        return 1 if abs(v - statistics.fmean(window_values)) / sd >= t else -1
    return 0


def states(kind: str, threshold: float | None, hysteresis: float | None,
           window: int | None, window_unit: str, days: np.ndarray,
           values: np.ndarray) -> np.ndarray:
    """``condition`` at every observation, as an int8 array."""
    ys = np.asarray(values, dtype=float)
    t, h, w = threshold or 0.0, hysteresis or 0.0, window or 0
    n = len(ys)
    out = np.zeros(n, dtype=np.int8)
    if n == 0:
        return out
    if kind == "above":
        out[ys <= t - h] = -1
        out[ys > t] = 1
    elif kind == "below":
        out[ys >= t + h] = -1
        out[ys < t] = 1
    elif kind == "crosses":
        prev, v = ys[:-1], ys[1:]
        if h:
            edge = ((prev <= t - h) & (v > t)) | ((prev >= t + h) & (v < t))
        else:
            edge = ((prev <= t) & (t < v)) | ((prev >= t) & (t > v))
        out[1:][edge] = 1
    elif kind == "change_pct":
        idx = np.arange(n)
        if window_unit == "days":
            base_at = np.searchsorted(days, np.asarray(days) - w, side="right") - 1
            base_at = np.minimum(base_at, idx - 1)  # strictly earlier observations
        else:
            base_at = idx - w
        ok = base_at >= 0
        base = np.where(ok, ys[np.clip(base_at, 0, None)], 0.0)
        ok &= base != 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            move = np.abs((ys - base) / np.abs(base) * 100)  # inf compares as Python's does
        out[ok] = np.where(move[ok] >= t, 1, -1)
    elif kind == "zscore" and w >= 1 and n > w:
        windows = np.lib.stride_tricks.sliding_window_view(ys[:-1], w)  # before each n >= w
        mean, sd = windows.mean(axis=1), windows.std(axis=1)
        v = ys[w:]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = np.abs(v - mean) / sd
        scale = np.maximum(np.abs(mean), 1.0)
        near = (sd <= _NEAR * scale) | (np.abs(z - t) <= _NEAR * max(1.0, abs(t)))
        judged = np.where(z >= t, 1, -1).astype(np.int8)
        for i in np.flatnonzero(near):  # the exact arithmetic decides the close calls
            judged[i] = condition(kind, t, h, w, window_unit, days, ys, int(i) + w)
        out[w:] = judged
    return out


def fires(kind: str, threshold: float | None, hysteresis: float | None,
          window: int | None, window_unit: str, days: Any, values: Any, start: int,
          triggered: bool) -> tuple[np.ndarray, bool]:
    """The observations at ``start`` and after at which the rule fires, judged in order
    from the state ``triggered`` (before ``start``); and the state after the last one."""
    st = states(kind, threshold, hysteresis, window, window_unit,
                np.asarray(days, dtype=np.int64), np.asarray(values, dtype=float))[start:]
    if kind == "crosses":  # every crossing fires; the rule's state does not move
        return np.flatnonzero(st == 1) + start, triggered
    if not len(st):
        return np.empty(0, dtype=np.int64), triggered
    initial = 1 if triggered else -1
    decided = np.where(st != 0, np.arange(len(st)), -1)
    last = np.maximum.accumulate(decided)
    held = np.where(last >= 0, st[np.maximum(last, 0)], initial)  # the state after each
    before = np.concatenate(([initial], held[:-1]))
    fired = np.flatnonzero((st == 1) & (before == -1)) + start
    return fired, bool(held[-1] == 1)


def walk(kind: str, threshold: float | None, hysteresis: float | None,
         window: int | None, window_unit: str, days: Sequence[int],
         values: Sequence[float], start: int, triggered: bool) -> tuple[list[int], bool]:
    """``fires`` one observation at a time with ``condition``: the definition the
    vectorised judge is held to."""
    fired = []
    for n in range(start, len(values)):
        state = condition(kind, threshold, hysteresis, window, window_unit, days, values, n)
        if kind == "crosses":
            if state == 1:
                fired.append(n)
        elif state == 1 and not triggered:
            triggered = True
            fired.append(n)
        elif state == -1 and triggered:
            triggered = False
    return fired, triggered


def lookback(kind: str, window: int | None, window_unit: str) -> tuple[int, int]:
    """How far before the first observation judged the rule looks: (observations, days)."""
    w = window or 0
    if kind == "change_pct" and window_unit == "days":
        return 1, w
    if kind in ("change_pct", "zscore"):
        return w + 1, 0
    return 2, 0  # crosses compares with the previous one; levels need none
