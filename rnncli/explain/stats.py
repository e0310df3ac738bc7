"""The statistics every gradient measurement shares (numpy only, no torch).

A measurement is a list of gradient norms |g_t|, one per step, left to right, so that the
last one is distance 0 (the predicting step). `decay_summary` turns it into a decay factor
per step back and a reach; `verdict` names what a factor, or the quartiles of many factors,
means ("vanishes", "holds", "explodes", by VERDICT_RULE); `quartiles` summarises many values
(sentences, test sequences) by their median and quartiles; `paired_factors` compares two
models' factors on the same sentences.
"""

from __future__ import annotations

import math

import numpy as np

KEEP_RATIO = 1e-3  # "reaches" = gradient norm at least this fraction of its maximum
CLEAR_FACTOR = 1.05  # a decay factor beyond x1.05 (or below 1/1.05) per step is clear growth (decay)
VERDICT_RULE = (f"vanishes when the upper quartile of the decay factors is below 1/{CLEAR_FACTOR:g} (three quarters "
                "of the sentences lose at least ~5% per step back: tenfold within 48 steps); explodes when the lower "
                f"quartile is above {CLEAR_FACTOR:g} (three quarters gain at least 5% per step: tenfold within 48 "
                "steps); holds otherwise. One text: the same rule on its one factor")
QUARTILE_POINTS = {"q1": 0.25, "median": 0.5, "q3": 0.75}  # the fraction below each (numpy's linear interpolation)


def quartiles(values, finite_only: bool = True) -> dict:
    """{"q1", "median", "q3", "n"} of the values, None left out, and the infinite and NaN ones
    too unless `finite_only` is False; None for each quartile when nothing is left."""
    kept = [x for x in values if x is not None and (not finite_only or math.isfinite(x))]
    v = np.asarray(kept, dtype=np.float64)
    if len(v) == 0:
        return {"q1": None, "median": None, "q3": None, "n": 0}
    q1, median, q3 = (float(q) for q in np.quantile(v, list(QUARTILE_POINTS.values())))
    return {"q1": q1, "median": median, "q3": q3, "n": len(v)}


def verdict(q1: float | None, q3: float | None = None) -> str | None:
    """The word for decay factors whose quartiles are q1 <= q3 (one sequence: q1 = q3 = its
    factor): "vanishes" when q3 < 1/CLEAR_FACTOR, "explodes" when q1 > CLEAR_FACTOR, "holds"
    otherwise (the factor stays within x1.05 of 1, or the sentences disagree); None without a
    factor. A factor like x1.016 per step is "holds", never "explodes"."""
    q3 = q1 if q3 is None else q3
    if q1 is None or q3 is None:
        return None
    if q3 < 1 / CLEAR_FACTOR:
        return "vanishes"
    if q1 > CLEAR_FACTOR:
        return "explodes"
    return "holds"


def decay_summary(norms: list[float]) -> dict:
    """`decay_factor`: the factor |g| is multiplied by per step back in time, on average: the
    geometric mean of the successive ratios |g_(t-1)| / |g_t|, which is
    (|g_1| / |g_T|) ** (1 / (T - 1)) for a sequence of T steps (distance 0 = the last step T);
    < 1 the gradient shrinks going back, > 1 it grows. Where it has shrunk below what a float
    holds (0 from some step back on), the factor is that of the steps before it vanished; 0 when
    it is 0 one step back already. None for one step, or no gradient at the last.
    `reach`: the largest distance k (steps back from the last step) at which |g| is still at
    least KEEP_RATIO (1e-3) of its largest value in the sequence, so 0..T-1; T-1 when it is still
    that high at the first token (then the text's length, not the network, set the limit). The summaries of
    Explanation and SyntheticResult add `verdict` (`summary_with_verdict`)."""
    n = np.asarray(norms, dtype=np.float64)  # (T,)
    if len(n) == 0 or n.max() <= 0:
        return {"decay_factor": None, "reach": 0}
    above = np.nonzero(n >= KEEP_RATIO * n.max())[0]
    reach = len(n) - 1 - int(above[0])
    if len(n) < 2 or n[-1] <= 0:
        return {"decay_factor": None, "reach": reach}
    first = int(np.nonzero(n > 0)[0][0])  # the furthest step back whose gradient a float still holds
    if first == len(n) - 1:  # 0 one step back: gone at once
        return {"decay_factor": 0.0, "reach": reach}
    return {"decay_factor": float(math.exp(math.log(n[first] / n[-1]) / (len(n) - 1 - first))), "reach": reach}


def summary_with_verdict(norms: list[float]) -> dict:
    """`decay_summary` plus `verdict`: the corpus rule (`verdict`) applied to the one factor,
    since one text gives no quartiles; None without a factor."""
    out = decay_summary(norms)
    out["verdict"] = verdict(out["decay_factor"])
    return out


def summary_line(summary: dict, steps: int) -> str:
    """One sequence's verdict (VERDICT_RULE) with the factor and reach it rests on, in words
    (a decay_summary with its verdict, of a sequence of `steps` steps)."""
    factor = summary["decay_factor"]
    if steps < 2:
        return "no decay factor (one token: no step back)"
    if factor is None:
        text = "no decay factor (zero gradient)"
    else:
        text = f"{summary['verdict']}: x{factor:.3f} per step back"
    first = " (the first token)" if summary["reach"] == steps - 1 else ""
    return text + f"; still >= 1e-3 of its maximum {summary['reach']} of {steps - 1} steps back{first}"


def sign_test(higher: int, lower: int) -> float:
    """Two-sided exact sign test: the probability, were each of n = higher + lower paired
    differences as likely up as down, of a split at least as uneven as this one (1.0 for n = 0)."""
    n = higher + lower
    tail = sum(math.comb(n, k) for k in range(min(higher, lower) + 1))
    return min(1.0, 2 * tail / 2**n) if n else 1.0


def paired_factors(first: list[float | None], second: list[float | None]) -> dict:
    """Two models' decay factors on the same sentences: on the sentences where both have a
    positive finite factor (`n`), in how many `second`'s is higher (its gradient falls more
    slowly going back) and in how many lower, the sign test's p (ties left out), and the median
    of the per-sentence ratios second / first."""
    pairs = [(a, b) for a, b in zip(first, second) if a and b and math.isfinite(a) and math.isfinite(b)]
    higher, lower = sum(b > a for a, b in pairs), sum(b < a for a, b in pairs)
    ratio = float(np.median([b / a for a, b in pairs])) if pairs else None
    return {"n": len(pairs), "higher": higher, "lower": lower, "p_sign_test": sign_test(higher, lower),
            "median_ratio": ratio}
