"""The lecture's long-distance example on trained language models (numpy only, no torch).

"I grew up in Korea. ... [many sentences] ... I will study until English is as easy as
(???)": the right word is predictable only from a clue far back. Each item is

    I grew up in {country}. {N words of other text} I will study until English is as easy as

followed by one of K languages (" Korean.", " French.", ...); the language model scores each
(`LanguageModel.continuations`). Every country is put before the same filler, so for one
filler the K x K log-probabilities M[clue, language] show what the clue does:

- accuracy: the right language is the most probable of the K (the model's pick; chance 1/K);
- p(right): its probability among the K ("how confidently"; 1/K on average without memory);
- gain: log P(right | its clue) less the mean of log P(same language | each clue), in nats:
  what the clue adds to the right word beyond the word's own prior. 0 means the clue left
  no trace; it is measured even where the prior still decides the pick.

The fillers are runs of N words from public-domain text (`resources/clue-filler.txt`, US
State of the Union addresses 2005-2006, or a file of yours), starting at a sentence, never
naming a country or language of the list, a fresh draw of fillers per seed. A 95%
confidence interval comes from a bootstrap of the crossed design: fillers and countries
resampled apart, each resample taking every pair of the ones drawn (`interval`). Each
country appears before every filler, so its items are not independent: at 0 words, where
every filler is empty, they are copies, and only the 12 countries vary.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources

import numpy as np

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.checks import MAX_SEED, check_whole
from rnncli.infer.blas import one_blas_thread

PAIRS = (("Korea", "Korean"), ("Italy", "Italian"), ("Germany", "German"), ("Spain", "Spanish"),
         ("China", "Chinese"), ("Japan", "Japanese"), ("Russia", "Russian"), ("France", "French"),
         ("Greece", "Greek"), ("Poland", "Polish"), ("Turkey", "Turkish"), ("Sweden", "Swedish"))
CLUE = "I grew up in {country}."
TARGET = "I will study until English is as easy as"
ANSWER = " {language}."
RESAMPLES = 1000  # bootstrap resamples for each interval
MAX_DISTANCE = 1000  # filler words
MAX_FILLERS = 1000
CHUNK = 25  # fillers scored at once: 25 x 12 x 12 candidate rows, about 30 MB of states for a 2x200 LSTM
CLEAR_GAIN = 0.01  # nats: a gain of at least this (1% more probability), its interval above 0, is a clear trace
_NAMES = re.compile(r"\b(" + "|".join(name for pair in PAIRS for name in pair) + r")", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def filler_sentences(text: str) -> list[list[str]]:
    """The sentences of `text` as lists of words, leaving out every sentence that names a
    country or language of PAIRS (which would give the answer away, or a wrong one)."""
    sentences = (s.split() for s in _SENTENCE_END.split(" ".join(text.split())))
    return [words for words in sentences if words and not _NAMES.search(" ".join(words))]


def bundled_filler() -> str:
    return resources.files("rnncli.resources").joinpath("clue-filler.txt").read_text(encoding="utf-8")


def draw_fillers(sentences: list[list[str]], distance: int, count: int, rng: np.random.Generator) -> list[str]:
    """`count` runs of `distance` words, each from the start of a random sentence on, ending
    with a full stop (one is added where the run stops inside a sentence)."""
    words = [w for s in sentences for w in s]
    starts = np.cumsum([0] + [len(s) for s in sentences[:-1]])  # where each sentence begins in `words`
    usable = starts[starts + distance <= len(words)]
    if distance and not len(usable):
        raise RnnCliError(f"the filler text has fewer than {distance:,} words", EXIT_USAGE)
    runs = []
    for start in rng.choice(usable, size=count):
        run = " ".join(words[start:start + distance])
        runs.append(run if not run or run[-1] in ".!?" else run + ".")
    return runs


def item_texts(filler: str) -> list[str]:
    """The K prefixes of one filler, one per country of PAIRS, in that order."""
    return [" ".join(part for part in (CLUE.format(country=country), filler, TARGET) if part) for country, _ in PAIRS]


def clue_scores(model, fillers: list[str]) -> np.ndarray:
    """M (fillers, K clues, K languages): log P(language | clue, filler) under `model`
    (infer.lm.LanguageModel), CHUNK fillers at a time (memory: K x K rows of states each)."""
    answers = [ANSWER.format(language=language) for _, language in PAIRS]
    k, parts = len(PAIRS), []
    for start in range(0, len(fillers), CHUNK):
        prefixes = [text for filler in fillers[start:start + CHUNK] for text in item_texts(filler)]
        parts.append(model.continuations(prefixes, [answers] * len(prefixes)).reshape(-1, k, k))
    return np.concatenate(parts)


def measures(m: np.ndarray) -> dict[str, np.ndarray]:
    """Per item (F, K), from M (F, K, K): accuracy (1 or 0), p_right and gain."""
    k = m.shape[1]
    right = np.arange(k)
    picks = m.argmax(axis=2) == right  # (F, K)
    normalised = m - np.logaddexp.reduce(m, axis=2, keepdims=True)  # log-probability among the K
    p_right = np.exp(normalised[:, right, right])  # (F, K)
    gain = m[:, right, right] - m.mean(axis=1)[:, right]  # (F, K): its clue against the mean over clues
    return {"accuracy": picks.astype(float), "p_right": p_right, "gain": gain}


def interval(values: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """95% interval of the mean of `values` (F fillers, K countries), the items being the
    crossed pairs of the two: each resample draws F fillers and K countries, both with
    replacement, and takes the mean over every pair of them (the two-way bootstrap of crossed
    random effects), so that the 12 countries, not the F x K items, bound what the clue is
    known to do for a country not among them. Counts stand for the drawn rows:
    mean = c_f^T values c_k / (F K)."""
    f, k = values.shape
    means = np.empty(RESAMPLES)
    for r in range(RESAMPLES):
        filler_counts = np.bincount(rng.integers(0, f, size=f), minlength=f)  # (F,)
        country_counts = np.bincount(rng.integers(0, k, size=k), minlength=k)  # (K,)
        means[r] = filler_counts @ values @ country_counts / (f * k)
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


@dataclass
class ClueRow:
    """One model at one distance, over all seeds' fillers."""

    model: str
    distance: int  # filler words between the clue's sentence and the target sentence
    items: int  # fillers x K
    accuracy: float
    accuracy_ci: tuple[float, float]
    p_right: float
    gain: float  # nats
    gain_ci: tuple[float, float]
    accuracy_per_seed: list[float]
    gain_per_seed: list[float]
    gain_by_country: dict[str, float]  # each country's mean gain: one country can carry the mean
    characters: float  # mean characters from the end of the country's name to the answer

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ClueResult:
    settings: dict
    chance: float  # 1 / K
    rows: list[ClueRow]  # model by model, distances in order
    wall_time_s: float

    def findings(self) -> list[str]:
        """Per model: the longest distance at which the clue leaves a clear trace (a gain of at
        least CLEAR_GAIN whose interval lies above 0), or that it never does."""
        lines = []
        for name in self.settings["models"]:
            rows = [r for r in self.rows if r.model == name]
            kept = [r.distance for r in rows if r.gain_ci[0] > 0 and r.gain >= CLEAR_GAIN]
            if not kept:
                top = max(rows, key=lambda r: max(r.gain_by_country.values()))
                country, gain = max(top.gain_by_country.items(), key=lambda item: item[1])
                largest = (f"; the largest of one country: {country} {gain:+.3f} at {top.distance} words"
                           if gain >= 0.0005 else "")  # what shows as +0.001 or more
                lines.append(f"{name}: no clear trace of the clue at any distance (no gain of {CLEAR_GAIN:g} nats "
                             f"or more with its interval above 0){largest}.")
                continue
            last = max(kept)
            best = max(rows, key=lambda r: r.accuracy)
            lines.append(f"{name}: the clue still raises the right language {last} filler words later "
                         f"(gain {next(r.gain for r in rows if r.distance == last):+.3f} nats); best accuracy "
                         f"{best.accuracy:.0%} at distance {best.distance} (chance {self.chance:.0%}).")
        return lines

    def to_dict(self) -> dict:
        return {"settings": self.settings, "chance": self.chance, "rows": [r.to_dict() for r in self.rows],
                "findings": self.findings(), "wall_time_s": self.wall_time_s}


def clue_experiment(models: Sequence[tuple[str, object]], distances: Sequence[int] = (0, 10, 20, 40),
                    fillers: int = 40, seed: int = 0, seeds: int = 3, filler_text: str | None = None) -> ClueResult:
    """Score every (name, infer.lm.LanguageModel) on the same items: for each distance and
    seed, `fillers` runs of filler words (drawn from `filler_text`, by default the bundled
    text) times the K countries."""
    if not models:
        raise RnnCliError("give at least one language model", EXIT_USAGE)
    distances = tuple(check_whole(d, "distance", 0, MAX_DISTANCE) for d in distances)
    if not distances:
        raise RnnCliError("give at least one distance", EXIT_USAGE)
    fillers, seed, seeds = (check_whole(value, name, low, high) for name, value, low, high in (  # numpy's ints as ints
        ("fillers", fillers, 2, MAX_FILLERS), ("seed", seed, 0, MAX_SEED), ("seeds", seeds, 1, 100)))
    sentences = filler_sentences(bundled_filler() if filler_text is None else filler_text)
    started = time.monotonic()
    drawn = {(d, s): draw_fillers(sentences, d, fillers, np.random.default_rng([s, d]))
             for d in distances for s in range(seed, seed + seeds)}
    rows = []
    with one_blas_thread():  # small matrices, one step after another: BLAS threads only fight (infer.blas)
        for name, model in models:
            for d in distances:
                per_seed = [measures(clue_scores(model, drawn[d, s])) for s in range(seed, seed + seeds)]
                rows.append(_row(name, d, per_seed, drawn, seed, seeds))
    settings = {"models": [name for name, _ in models], "distances": list(distances), "fillers": fillers,
                "seeds": list(range(seed, seed + seeds)), "pairs": [list(p) for p in PAIRS], "clue": CLUE,
                "target": TARGET, "answer": ANSWER, "filler": "bundled" if filler_text is None else "given"}
    return ClueResult(settings, 1 / len(PAIRS), rows, time.monotonic() - started)


def _row(name: str, distance: int, per_seed: list[dict], drawn: dict, seed: int, seeds: int) -> ClueRow:
    """A ClueRow from each seed's per-item measures, the intervals over all the items."""
    joined = {key: np.concatenate([m[key] for m in per_seed]) for key in per_seed[0]}
    rng = np.random.default_rng([seed, distance, 1])
    texts = [f for s in range(seed, seed + seeds) for f in drawn[distance, s]]
    gap = np.mean([len(f) + len(TARGET) + 2 + (1 if f else 0) for f in texts])  # ". " + filler + " " + TARGET
    return ClueRow(name, distance, joined["gain"].size, float(joined["accuracy"].mean()),
                   interval(joined["accuracy"], rng), float(joined["p_right"].mean()), float(joined["gain"].mean()),
                   interval(joined["gain"], rng), [float(m["accuracy"].mean()) for m in per_seed],
                   [float(m["gain"].mean()) for m in per_seed],
                   {country: float(g) for (country, _), g in zip(PAIRS, joined["gain"].mean(axis=0))}, float(gap))
