"""How much memory an unrolled network needs, estimated before it is built, and the limit a
run must fit in (no torch).

Backpropagation through time keeps every step's states and gate values until the gradient
has been read, so memory grows with sequences x steps x state size. The bytes per sequence,
step and state unit below are peak resident memory measured on the CPU (torch 2.13, the
largest of several sizes, float64 where the explanations compute in float64): a run whose
estimate is over MEMORY_LIMIT is refused before it allocates anything, or, where sequences
are independent, measured a chunk of sequences at a time.
"""

from __future__ import annotations

from rnncli.errors import EXIT_USAGE, RnnCliError

MEMORY_LIMIT = 1 << 30  # bytes
CORPUS_MAX_TOKENS = 100  # explain-gradients --input reads each sentence to its first CORPUS_MAX_TOKENS tokens
UNROLLED = {"rnn": 64, "gru": 200, "lstm": 192}  # one `cell_step` at a time, float64, kept for the gradient
WEIGHTS = 56  # bytes per recurrent weight (G*H x H) while they are made and scaled (synthetic), float64
TRAINING = {"rnn": 28, "gru": 52, "lstm": 68}  # torch's fused modules (ElmanRNN for rnn), float32, with gradients
INFERENCE = {"rnn": 13, "gru": 22, "lstm": 9}  # the same without gradients


def gigabytes(size: int) -> str:
    return f"{size / (1 << 30):.1f} GB"


def check_fits(size: int, what: str, lower: str) -> None:
    """A usage error unless `size` bytes (the estimate for `what`) fit in MEMORY_LIMIT; the
    message says which settings to `lower`."""
    if size > MEMORY_LIMIT:
        raise RnnCliError(f"{what} would need about {gigabytes(size)} of memory to keep every step for the "
                          f"gradient, more than the {gigabytes(MEMORY_LIMIT)} limit; lower {lower}", EXIT_USAGE)


def chunks(count: int, size_each: int) -> list[slice]:
    """`count` independent sequences of `size_each` bytes each, in as few chunks as fit in
    MEMORY_LIMIT (one each at least)."""
    step = max(1, MEMORY_LIMIT // max(1, size_each))
    return [slice(start, min(start + step, count)) for start in range(0, count, step)]
