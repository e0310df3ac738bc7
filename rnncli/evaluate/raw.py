"""Scoring a system's sentences against gold ones when both come from the same raw text, the
CoNLL 2018 shared task's way (its conll18_ud_eval.py, whose figures these equal; a test runs
it): tokens, words and sentences are spans of the text's characters without whitespace, so
that a system that segments differently can still be scored.

- Tokens, Sentences: a system span is correct when a gold span has the same start and end.
- Words: words are aligned on their spans; inside a stretch of text holding a multiword token
  (`don't` = do + n't) on either side, by the longest common subsequence of their forms.
- UPOS, XPOS: aligned words whose tags agree.

Both sides are read in Unicode NFC, as rnncli reads all text (`rnncli tag` writes `é` for an
input's `e` + U+0301): a gold file in NFD is scored as the same text (the official script, which
compares code points as they are, would refuse such a pair).

Precision is correct / system, recall correct / gold, F1 2 correct / (gold + system). Beyond the
official figures: the tokenization mismatches (stretches between the places where both sides
put a token boundary, where gold and system tokens differ), and sentence ends missed and
made up.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from rnncli.text.conllu import FORM, ID, UPOS, XPOS, Sentence
from rnncli.errors import RnnCliError
from rnncli.text.hygiene import composed

TAG_COLUMNS = {"upos": UPOS, "xpos": XPOS}
METRICS = ("Tokens", "Sentences", "Words", "UPOS", "XPOS")
IGNORED = ("Zs", "Cc", "Cf", "Zl", "Zp")  # whitespace, and the characters text.clean turns into it


@dataclass
class Word:
    start: int
    end: int  # the span of the word, or of its multiword token
    form: str
    tags: dict[str, str]  # "upos", "xpos" -> tag
    multiword: bool


@dataclass
class Segmentation:
    """Sentences as spans of their characters, whitespace and control characters (IGNORED) left out."""

    characters: str
    tokens: list[tuple[int, int]]
    forms: list[str]  # one per token, as written (its spaces too, which the alignment leaves out)
    words: list[Word]
    sentences: list[tuple[int, int]]
    places: list[str]  # each sentence's file:line, for messages


def segmentation(sentences: Iterable[Sentence], source: str) -> Segmentation:
    chars: list[str] = []
    tokens, forms, words, spans, places = [], [], [], [], []
    at = 0
    for sentence in sentences:
        begin, inside = at, 0  # `inside`: the last word ID of the multiword token being read
        for row in sentence.rows:
            if "." in row[ID]:  # an empty node
                continue
            first, dash, last = row[ID].partition("-")
            tags = {name: row[column] for name, column in TAG_COLUMNS.items()}
            if not dash and int(first) <= inside:
                words.append(Word(*tokens[-1], composed(row[FORM]), tags, True))
                continue
            form = "".join(c for c in composed(row[FORM]) if unicodedata.category(c) not in IGNORED)
            if not form:
                raise RnnCliError(f"{source}:{sentence.line}: a token of only spaces or control characters "
                                  f"({row[FORM]!r})")
            chars.append(form)
            tokens.append((at, at + len(form)))
            forms.append(composed(row[FORM]))  # as written, for the mismatch lists (French `13 819`)
            at += len(form)
            if dash:
                inside = int(last)
            else:
                words.append(Word(*tokens[-1], form, tags, False))
        spans.append((begin, at))
        places.append(f"{source}:{sentence.line}")
    return Segmentation("".join(chars), tokens, forms, words, spans, places)


@dataclass
class Score:
    correct: int
    gold: int
    system: int
    aligned: int | None = None  # words aligned, for the tag metrics

    @property
    def precision(self) -> float:
        return self.correct / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.correct / (self.gold + self.system) if self.gold + self.system else 0.0

    @property
    def aligned_accuracy(self) -> float | None:
        """Of the aligned words, the share tagged right: tagging alone, segmentation aside."""
        return self.correct / self.aligned if self.aligned else None

    def to_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "correct": self.correct,
                "gold": self.gold, "system": self.system, "aligned": self.aligned,
                "aligned_accuracy": self.aligned_accuracy}


@dataclass
class RawScores:
    scores: dict[str, Score]  # METRICS: UPOS and XPOS only where both sides have tags
    mismatches: list[tuple[tuple[str, ...], tuple[str, ...], int]]  # (gold tokens, system tokens, count), top first
    mismatch_kinds: int  # distinct (gold tokens, system tokens) pairs
    boundaries: int  # gold sentence ends
    missed_boundaries: int  # of those, ones the system did not make
    extra_boundaries: int  # system sentence ends that are not gold ones

    def to_dict(self) -> dict:
        return {"scores": {name: s.to_dict() for name, s in self.scores.items()},
                "mismatches": [{"gold": list(g), "system": list(s), "count": n} for g, s, n in self.mismatches],
                "mismatch_kinds": self.mismatch_kinds,
                "sentence_boundaries": {"gold": self.boundaries, "missed": self.missed_boundaries,
                                        "extra": self.extra_boundaries}}


def _span_matches(gold: list[tuple[int, int]], system: list[tuple[int, int]]) -> int:
    correct = gi = si = 0
    while gi < len(gold) and si < len(system):
        if system[si][0] < gold[gi][0]:
            si += 1
        elif gold[gi][0] < system[si][0]:
            gi += 1
        else:
            correct += gold[gi][1] == system[si][1]
            gi += 1
            si += 1
    return correct


def _beyond(words: list[Word], i: int, end: int) -> bool:
    if i >= len(words):
        return True
    return words[i].start >= end if words[i].multiword else words[i].end > end


def _multiword_stretch(gold: list[Word], system: list[Word], gi: int, si: int) -> tuple[int, int, int, int]:
    """The smallest stretch around a multiword token at gold[gi] or system[si] that no multiword
    token sticks out of: (gold start, system start, gold end, system end) indices."""
    if gold[gi].multiword:
        end = gold[gi].end
        if not system[si].multiword and system[si].start < gold[gi].start:
            si += 1
    else:
        end = system[si].end
        if not gold[gi].multiword and gold[gi].start < system[si].start:
            gi += 1
    gs, ss = gi, si
    while not _beyond(gold, gi, end) or not _beyond(system, si, end):
        if gi < len(gold) and (si >= len(system) or gold[gi].start <= system[si].start):
            word, gi = gold[gi], gi + 1
        else:
            word, si = system[si], si + 1
        if word.multiword:
            end = max(end, word.end)
    return gs, ss, gi, si


def _lcs_pairs(gold: list[Word], system: list[Word]) -> list[tuple[Word, Word]]:
    """Words of two stretches paired along a longest common subsequence of their lowercased
    forms, as the official script walks it (gold first where the choice is free)."""
    g_forms, s_forms = [w.form.lower() for w in gold], [w.form.lower() for w in system]
    lcs = [[0] * (len(system) + 1) for _ in range(len(gold) + 1)]
    for g in reversed(range(len(gold))):
        for s in reversed(range(len(system))):
            lcs[g][s] = max(lcs[g + 1][s + 1] + 1 if g_forms[g] == s_forms[s] else 0, lcs[g + 1][s], lcs[g][s + 1])
    pairs, g, s = [], 0, 0
    while g < len(gold) and s < len(system):
        if g_forms[g] == s_forms[s]:
            pairs.append((gold[g], system[s]))
            g, s = g + 1, s + 1
        elif lcs[g][s] == lcs[g + 1][s]:
            g += 1
        else:
            s += 1
    return pairs


def align_words(gold: list[Word], system: list[Word]) -> list[tuple[Word, Word]]:
    pairs, gi, si = [], 0, 0
    while gi < len(gold) and si < len(system):
        if gold[gi].multiword or system[si].multiword:
            gs, ss, gi, si = _multiword_stretch(gold, system, gi, si)
            pairs += _lcs_pairs(gold[gs:gi], system[ss:si])
        elif (gold[gi].start, gold[gi].end) == (system[si].start, system[si].end):
            pairs.append((gold[gi], system[si]))
            gi, si = gi + 1, si + 1
        elif gold[gi].start <= system[si].start:
            gi += 1
        else:
            si += 1
    return pairs


def token_mismatches(gold: Segmentation, system: Segmentation) -> Counter:
    """(gold tokens, system tokens) -> count, for each stretch between two places where both
    put a token boundary that is not one token on both sides: `ice-cream` against `ice - cream`."""
    found: Counter = Counter()
    gi = si = 0
    while gi < len(gold.tokens) and si < len(system.tokens):
        g0, s0 = gi, si
        while gold.tokens[gi][1] != system.tokens[si][1]:
            if gold.tokens[gi][1] < system.tokens[si][1]:
                gi += 1
            else:
                si += 1
        gi, si = gi + 1, si + 1
        if gi - g0 > 1 or si - s0 > 1:
            found[tuple(gold.forms[g0:gi]), tuple(system.forms[s0:si])] += 1
    return found


def _all_tagged(gold: Segmentation, name: str) -> None:
    """A tag set is scored where gold has it: then every gold word must have its tag (a word
    without one, `_`, would count as a tag no system gives)."""
    untagged = next((w for w in gold.words if w.tags[name] == "_"), None)
    if untagged is not None:
        sentence = bisect.bisect_right([start for start, _ in gold.sentences], untagged.start) - 1
        raise RnnCliError(f"{gold.places[sentence]}: the sentence that starts here has a word without a"
                          f"{'n' * (name == 'xpos')} {name.upper()} tag ({untagged.form!r}), where other words have "
                          "one; tag every word, or none")


def score(gold: Segmentation, system: Segmentation, mismatches: int = 10) -> RawScores:
    """The scores of `system` against `gold`, with the `mismatches` most frequent tokenization
    mismatches. Both must hold the same characters (whitespace aside)."""
    if gold.characters != system.characters:
        at = next((i for i, (g, s) in enumerate(zip(gold.characters, system.characters)) if g != s),
                  min(len(gold.characters), len(system.characters)))
        sentence = bisect.bisect_right([start for start, _ in gold.sentences], at) - 1  # the one holding `at`
        raise RnnCliError(f"{gold.places[sentence] if gold.places else 'gold'}: the system's tokens do not spell the gold text: at "
                          f"character {at:,} (whitespace aside) gold has {gold.characters[at:at + 20]!r}, the system "
                          f"{system.characters[at:at + 20]!r}")
    pairs = align_words(gold.words, system.words)
    scores = {"Tokens": Score(_span_matches(gold.tokens, system.tokens), len(gold.tokens), len(system.tokens)),
              "Sentences": Score(_span_matches(gold.sentences, system.sentences), len(gold.sentences),
                                 len(system.sentences)),
              "Words": Score(len(pairs), len(gold.words), len(system.words))}
    for name in TAG_COLUMNS:
        if any(w.tags[name] != "_" for w in system.words) and any(w.tags[name] != "_" for w in gold.words):
            _all_tagged(gold, name)
            correct = sum(g.tags[name] == s.tags[name] for g, s in pairs)
            scores[name.upper()] = Score(correct, len(gold.words), len(system.words), len(pairs))
    gold_ends = {end for _, end in gold.sentences}
    system_ends = {end for _, end in system.sentences}
    found = token_mismatches(gold, system)
    top = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:mismatches]
    return RawScores(scores, [(g, s, n) for (g, s), n in top], len(found), len(gold_ends),
                     len(gold_ends - system_ends), len(system_ends - gold_ends))
