"""Whole numbers given in Python (the library's arguments, a training job's options, the
experiments' settings), checked one way: the value back as an int, or a usage error that names
it and its bounds, worded alike wherever it is raised."""

from __future__ import annotations

import numbers

from rnncli.errors import EXIT_USAGE, RnnCliError

MAX_SEED = 2**32 - 1  # the largest seed, what numpy and torch seeds can hold


def check_whole(value, name: str, least: int, most: int | None = None) -> int:
    """`value` as an int (numpy's too) from `least` to `most` (None: no limit), else a usage error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least \
            or (most is not None and value > most):
        bounds = f"from {least:,} to {most:,}" if most is not None else f"of at least {least:,}"
        raise RnnCliError(f"{name} must be a whole number {bounds}, not {value!r}", EXIT_USAGE)
    return int(value)
