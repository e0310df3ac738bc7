"""What a model asks of the machine, and what the machine can give: shared by the speed scripts.

* `ModelConfig.macs_per_token()`: multiply-adds per token of a model's word-level network
  (input projections, recurrences, heads); `ModelConfig.char_macs()`: multiply-adds per
  character of its character network (run once per word not yet cached). `rnncli models`
  shows the first.
* `sgemm_gmacs()`: numpy's float32 matrix product rate, GMAC/s, on this core now: the limit a
  forward pass built from matrix products cannot beat on one core (with OPENBLAS_NUM_THREADS=1
  set before numpy is imported, as `rnncli` runs it).
* fraction of the machine's limit = tokens/s x MACs per token / (cores used x sgemm rate).
"""

from __future__ import annotations

import time


def sgemm_gmacs(seconds: float = 0.3) -> float:
    """numpy's float32 matrix product rate (GMAC/s): the best of 1024 x 1024 x 1024 products
    over `seconds`. One core when OPENBLAS_NUM_THREADS=1 was set before numpy was imported."""
    import numpy as np

    a = np.ones((1024, 1024), np.float32)
    out = np.empty_like(a)
    np.matmul(a, a, out=out)
    best, start, runs = float("inf"), time.perf_counter(), 0
    while runs < 3 or time.perf_counter() - start < seconds:
        begin = time.perf_counter()
        np.matmul(a, a, out=out)
        best, runs = min(best, time.perf_counter() - begin), runs + 1
    return 1024 ** 3 / best / 1e9


def fraction(tokens_per_s: float, macs: float, cores: int, gmacs: float) -> float:
    return tokens_per_s * macs / (cores * gmacs * 1e9)
