"""What a character language model may be asked, once for the CLI's options (`rnncli next`,
`generate`) and the library's checks (rnncli.LanguageModel): how many next words, how many
characters to sample, at what temperature, among how many, from which seed (whole numbers: rnncli.checks)."""

from __future__ import annotations

import numbers

from rnncli.errors import EXIT_USAGE, RnnCliError

MAX_WORDS = 100  # next words asked for (k)
MAX_LENGTH = 1_000_000  # characters sampled
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 100.0


def check_text(value, name: str) -> str:
    if not isinstance(value, str):
        raise RnnCliError(f"{name} must be a str, not {type(value).__name__}", EXIT_USAGE)
    return value


def check_temperature(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        raise RnnCliError(f"temperature must be a number from {MIN_TEMPERATURE} to {MAX_TEMPERATURE:g}, not {value!r}",
                          EXIT_USAGE)
    return float(value)
