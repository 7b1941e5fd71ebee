"""Growable numpy buffers for live plots (no Qt).

Plots keep their data in arrays that double in capacity when full, so appending a point is
amortised O(1) and a curve is redrawn from a view (``data[:n]``) without copying.
"""

from __future__ import annotations

import math

import numpy as np


class GrowArray:
    """A 1-D (or ``cols``-wide 2-D) float64 array that grows by doubling.

    Args:
        cols: 0 for a 1-D array, else the width of each row.
        capacity: the initial number of rows.
    """

    def __init__(self, cols: int = 0, capacity: int = 256) -> None:
        self.cols = cols
        shape = (capacity, cols) if cols else (capacity,)
        self._data = np.full(shape, np.nan, dtype=np.float64)
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def data(self) -> np.ndarray:
        """A view of the filled rows (valid until the next append)."""
        return self._data[: self.n]

    def _reserve(self, extra: int) -> None:
        need = self.n + extra
        if need <= len(self._data):
            return
        capacity = max(len(self._data), 1)
        while capacity < need:
            capacity *= 2
        shape = (capacity, self.cols) if self.cols else (capacity,)
        grown = np.full(shape, np.nan, dtype=np.float64)
        grown[: self.n] = self._data[: self.n]
        self._data = grown

    def append(self, value: float | np.ndarray) -> None:
        self._reserve(1)
        self._data[self.n] = value
        self.n += 1

    def extend(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        self._reserve(len(values))
        self._data[self.n : self.n + len(values)] = values
        self.n += len(values)

    def last(self, default: float = math.nan) -> float:
        return float(self._data[self.n - 1]) if self.n and not self.cols else default


def ema(values: np.ndarray, weight: float, start: float = 0.0, offset: int = 0) -> np.ndarray:
    """TensorBoard's debiased exponential moving average, vectorised.

    ``y_t = w * y_(t-1) + (1 - w) * x_t`` from ``y_(-1) = start``, divided by
    ``1 - w^(t+1)`` so the first points are not pulled towards zero. Non-finite values
    repeat the previous finite value.

    Args:
        values: the raw series.
        weight: smoothing in [0, 1); 0 returns a copy.
        start: the undebiased running value before ``values[0]`` (to continue a series).
        offset: how many points came before ``values`` (for the debias factor).

    Returns:
        ``(smoothed, last_raw)``: the smoothed series (same length) and the undebiased
        value after the last point, to pass as ``start`` with the next chunk.
    """
    x = np.asarray(values, dtype=np.float64)
    if weight <= 0 or len(x) == 0:
        return x.copy(), (float(x[-1]) if len(x) else start)
    x = _forward_fill(x)
    y = (1.0 - weight) * x
    # Hillis-Steele scan of the linear recurrence: after the pass with stride s every y_t
    # holds the sum over its last 2s inputs. Terms weighted below 1e-17 change nothing.
    s = 1
    while s < len(y) and weight**s > 1e-17:
        y[s:] = y[s:] + weight**s * y[:-s]
        s *= 2
    t = np.arange(offset + 1, offset + len(x) + 1, dtype=np.float64)
    if start:
        y += weight ** np.arange(1, len(x) + 1, dtype=np.float64) * start
    last = float(y[-1])
    return y / (1.0 - weight**t), last


def _forward_fill(x: np.ndarray) -> np.ndarray:
    finite = np.isfinite(x)
    if finite.all():
        return x
    idx = np.where(finite, np.arange(len(x)), 0)
    np.maximum.accumulate(idx, out=idx)
    out = x[idx]
    out[~np.isfinite(out)] = 0.0  # before the first finite value
    return out
