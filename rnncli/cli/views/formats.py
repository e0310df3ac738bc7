"""Pieces of output that several views share: probabilities as text and in JSON, bars,
score lines, and the two ways of writing JSON (one line, or indented)."""

from __future__ import annotations

import math
import sys

from rnncli.model.tagsets import display


def prob_text(p: float) -> str:
    """4 decimals, and 4 significant digits below 1e-4, so that a runner-up never reads 0.0000."""
    return f"{p:.4f}" if p >= 1e-4 or p == 0 else f"{p:.3e}"


def json_prob(p: float) -> float:
    """6 decimals, and 4 significant digits below 1e-4 (never a flat 0.0)."""
    return round(p, 6) if p >= 1e-4 else float(f"{p:.4g}")


def bar(p: float, width: int = 10) -> str:
    halves = round(p * width * 2)
    return "█" * (halves // 2) + ("▌" if halves % 2 else "")


RATES = ("bits_per_char",)  # scores that are not fractions: shown as numbers, not percentages


def score(name: str, value: float) -> str:
    """`95.88%` for an accuracy, `1.632` for bits per character."""
    return f"{value:.3f}" if name in RATES else f"{value:.2%}"


def head_scores(scores: dict[str, float], names: dict[str, str] | None = None) -> str:
    """`UPOS 95.88% PTB 95.24%`, `accuracy 82.80%`, `bits per char 1.632`: each output's score,
    named by `names` (tagsets.head_names) where given."""
    names = names or {}
    return " ".join(f"{names.get(k) or display(k)} {score(k, v)}" for k, v in scores.items())


def split_scores(scores: dict, names: dict[str, str] | None = None) -> str:
    """`dev UPOS 95.88% PTB 95.24%  test ...`: every split and output, as percentages."""
    return "  ".join(f"{split} {head_scores(s, names)}" for split, s in scores.items())


def short_floats(value, digits: int = 4):
    """`value` with every float rounded to `digits` significant digits (for JSON that a person
    may read and a script parses: 0.6991, not 0.69912345678901234)."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: short_floats(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [short_floats(v, digits) for v in value]
    return value


_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def jsonl_record(record: dict) -> str:
    """A JSON Lines record, its text as UTF-8, with the line breaks that JSON leaves as they are
    (U+2028, U+2029, NEL) escaped: a reader that splits on them (str.splitlines, JavaScript)
    still gets one record a line."""
    import json

    return json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKS) + "\n"


def write_json_line(document) -> None:
    """One JSON document on one line, floats with 4 significant digits (explain-gradients, experiments)."""
    import json

    sys.stdout.write(json.dumps(short_floats(document)) + "\n")


def json_text(document) -> str:
    """A report or description as indented JSON (what --json prints and --report writes)."""
    import json

    return json.dumps(document, indent=2) + "\n"


def write_json(document) -> None:
    sys.stdout.write(json_text(document))
