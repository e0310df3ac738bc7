"""What a model asks of the machine, and what the machine can give: shared by the speed scripts.

* `macs_per_token(config)`: multiply-adds per token of a model's word-level network (input
  projections, recurrences, heads); `char_macs(config)`: multiply-adds per character of its
  character network (run once per distinct word, or once per word not yet cached).
* `sgemm_gmacs()`: numpy's float32 matrix product rate, GMAC/s, on this core now: the limit a
  forward pass built from matrix products cannot beat on one core (with OPENBLAS_NUM_THREADS=1
  set before numpy is imported, as `rnncli` runs it).
* fraction of the machine's limit = tokens/s x MACs per token / (cores used x sgemm rate).
"""

from __future__ import annotations

import time

GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def recurrent_macs(cell: str, inputs: int, hidden: int, layers: int, directions: int) -> int:
    """Multiply-adds per step of a recurrent stack: (input + state) x gates x state, per layer and direction."""
    total, size = 0, inputs
    for _ in range(layers):
        total += directions * (size + hidden) * GATES[cell] * hidden
        size = hidden * directions
    return total


def macs_per_token(config) -> int:
    """The word-level network per token: recurrent stack and output heads (attention scores included)."""
    top = config.hidden * config.directions
    if config.task == "tagger":
        heads = top * sum(config.heads.values())
    else:  # the per-token part: attention scores; the label head runs once per text
        heads = top if config.pooling == "attention" else 0
    return recurrent_macs(config.cell, config.word_features, config.hidden, config.layers, config.directions) + heads


def char_macs(config) -> int:
    """The character network per character (0 without character features)."""
    if not config.char:
        return 0
    return recurrent_macs(config.cell, config.char_dim, config.char_hidden, 1, config.directions)


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
