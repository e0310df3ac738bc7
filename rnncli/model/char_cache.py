"""Character features computed once per word: the character network's output for a word
depends only on its character ids, and running text repeats the same words over and over,
so a bounded cache (least recently used out first) keeps the features of the words seen."""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import numpy as np

CAPACITY = 20_000  # words; 160 features each for the bundled taggers: ~13 MB of float32 at most


class CharCache:
    """Word (as its character ids) -> its character features, for one model; capacity 0 holds nothing."""

    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self.slots: OrderedDict[bytes, int] = OrderedDict()  # key -> row of `table`, least recently used first
        self.table: np.ndarray | None = None  # (capacity, F), allocated on first use (pages touched as filled)

    def features(self, chars: np.ndarray, lengths: np.ndarray,
                 compute: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
        """Features (U, F) of U words given as char ids (U, L) and lengths (U,); `compute` gets
        the rows of the words not held (M, L) with their lengths (M,) and returns (M, F)."""
        keys = [row[:n].tobytes() for row, n in zip(chars, lengths.tolist())]
        rows = np.array([self._lookup(key) for key in keys], dtype=np.int64)  # -1: not held
        missing = np.flatnonzero(rows < 0)
        if not missing.size:
            return self.table[rows]
        computed = compute(chars[missing], lengths[missing])  # (M, F)
        out = np.empty((len(keys), computed.shape[1]), np.float32)
        held = rows >= 0
        if held.any():
            out[held] = self.table[rows[held]]
        out[missing] = computed
        for i, features in zip(missing.tolist(), computed):
            self._store(keys[i], features)
        return out

    def _lookup(self, key: bytes) -> int:
        row = self.slots.get(key, -1)
        if row >= 0:
            self.slots.move_to_end(key)
        return row

    def _store(self, key: bytes, features: np.ndarray) -> None:
        if not self.capacity:
            return
        if self.table is None:
            self.table = np.empty((self.capacity, features.shape[0]), np.float32)
        if key in self.slots:  # two forms with the same char ids (unknown characters) in one batch
            row = self.slots[key]
        elif len(self.slots) < self.capacity:
            row = len(self.slots)
        else:
            _, row = self.slots.popitem(last=False)
        self.slots[key] = row
        self.table[row] = features

    def __len__(self) -> int:
        return len(self.slots)
