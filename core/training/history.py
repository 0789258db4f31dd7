"""Per-epoch metrics in chunked float arrays: compact, and never copied wholesale to grow."""

from __future__ import annotations

import math

import numpy as np

CHUNK = 1 << 16


class History:
    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self._chunks: dict[str, list[np.ndarray]] = {c: [] for c in columns}
        self._len = 0
        self._cache: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return self._len

    def append(self, *values: float) -> None:
        i, j = divmod(self._len, CHUNK)
        for col, v in zip(self.columns, values, strict=True):
            chunks = self._chunks[col]
            if i == len(chunks):
                chunks.append(np.empty(CHUNK))
            chunks[i][j] = v
        self._len += 1
        self._cache.clear()

    def truncate(self, n: int) -> None:
        self._len = min(n, self._len)
        keep = -(-self._len // CHUNK)
        for chunks in self._chunks.values():
            del chunks[keep:]
        self._cache.clear()

    def values(self, col: str = "loss") -> np.ndarray:
        """A read-only array of one column (cached until the history changes)."""
        if col not in self._cache:
            chunks = self._chunks[col]
            arr = np.concatenate(chunks)[: self._len] if chunks else np.empty(0)
            arr.setflags(write=False)
            self._cache[col] = arr
        return self._cache[col]

    def at(self, i: int, col: str = "loss") -> float:
        """One entry, without building the whole column."""
        q, r = divmod(i, CHUNK)
        return float(self._chunks[col][q][r])

    def last(self, col: str = "loss") -> float | None:
        if not self._len:
            return None
        i, j = divmod(self._len - 1, CHUNK)
        return float(self._chunks[col][i][j])

    def best(self, col: str = "loss") -> tuple[int, float] | None:
        """(epoch, value) of the lowest value so far."""
        if not self._len:
            return None
        v = self.values(col)
        k = int(np.argmin(v))
        return k, float(v[k])


def downsample(values: np.ndarray, width: int, log: bool = False) -> list[float]:
    """Bucket means to fit `width` cells, optionally as log10; a chart's data, never shown as
    numbers. Non-positive values on a log scale sit at the smallest positive value."""
    v = np.asarray(values, dtype=float)
    if v.size == 0 or width <= 0:
        return []
    if log:
        pos = v[v > 0]
        floor = float(pos.min()) if pos.size else 1.0
        v = np.log10(np.maximum(v, floor))
    if v.size > width:
        edges = np.linspace(0, v.size, width + 1).astype(int)
        v = np.add.reduceat(v, edges[:-1]) / np.diff(edges)
    return [float(x) for x in v if math.isfinite(x)]
