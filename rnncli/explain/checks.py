"""The option checks of the lecture's experiments (no torch): each raises a usage error
(RnnCliError with EXIT_USAGE) that names the option, so that the library and the CLI report
bad settings alike. Whole numbers: rnncli.checks."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rnncli.errors import EXIT_USAGE, RnnCliError


def check_number(name: str, value, positive: bool = True) -> float:
    """`value` as a float if it is finite (and > 0 when `positive`), else a usage error."""
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            or (positive and value <= 0)):
        raise RnnCliError(f"{name} must be a{' positive' if positive else ''} number (got {value!r})", EXIT_USAGE)
    return float(value)


def check_choices(name: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    """`values` as a tuple if there are some and each is one of `allowed`, else a usage error."""
    values = (values,) if isinstance(values, str) else tuple(values)
    bad = [v for v in values if v not in allowed]
    if bad or not values:  # worded for the CLI's option and the library's argument alike
        what = f"unknown {name} {bad[0]!r}" if bad else f"no {name} given"
        raise RnnCliError(f"{what}; use {', '.join(allowed)}", EXIT_USAGE)
    return values
