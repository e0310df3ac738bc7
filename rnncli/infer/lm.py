"""What a character language model says (numpy only): the next word's distribution, found by
a small beam search over characters, and text sampled one character at a time.

A word's probability is the product of its characters' probabilities and that of the
character that ends it (a space, a line break or punctuation): P("study" | "I ") =
P(s) P(t) P(u) P(d) P(y) P(end). Whitespace before the word counts too but is not part of
it (P(" study" | "I") is the word "study"), and punctuation right after the text is a word of
its own. The next word is never the rest of the text's last word: after a text that ends
inside a word ("I study at"), the first character is a space or punctuation, so the words
proposed are those after "at" ("the", "night", "."), never "tached". An empty text gives
the words that start a text. A text (or a prime to generate from) is read as the start of a
paragraph, after a line break, as the models read their training text (a paragraph a line):
"The" alone is then a text's first word, not the middle of a stream; whitespace a model never
saw (a tab) reads as a space.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from rnncli.checks import MAX_SEED, check_whole
from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.infer import sampling
from rnncli.model.lm_forward import CharLanguageModel, State
from rnncli.model.model_file import ModelFile
from rnncli.model.vocab import SPECIALS
from rnncli.text.hygiene import composed

BEAM = 24  # partial words kept at each character
MAX_WORD = 20  # characters: a longer word is not looked for
MAX_EXPONENT = 1000  # bits: a perplexity per word of 2 ** bits_per_word past this is not given (a float ends near 2 ** 1024)


def ends_word(ch: str) -> bool:
    """A space, a line break, a punctuation mark or a symbol (`$`, `+`): what ends a word (and
    starts no word but itself)."""
    return ch.isspace() or unicodedata.category(ch)[0] in "PS"


@dataclass
class NextWord:
    word: str
    prob: float


def _select(state: State, rows: np.ndarray) -> State:
    """The state of the streams `rows` (each row may repeat)."""
    return [(h[rows], None if c is None else c[rows]) for h, c in state]


class LanguageModel:
    """A saved character language model: `next_words` and `generate`."""

    def __init__(self, model: ModelFile):
        self.model, self.lm = model, CharLanguageModel(model)
        self.chars = model.words.items  # id -> character; 0 and 1 are <pad> and <unk>
        self.ends = np.array([i >= SPECIALS and ends_word(ch) for i, ch in enumerate(self.chars)])  # (V,)

    def as_read(self, text: str) -> str:
        """What the model reads for a text: whitespace it never saw as a space, and a paragraph's
        start (a line break first) where it knows line breaks; an empty text, a line break."""
        index = self.lm.index
        text = "".join(" " if ch.isspace() and ch not in index else ch for ch in text)
        start = "\n" if "\n" in index else ""
        return text if text and text.startswith(start) else "\n" + text

    def next_words(self, text: str, k: int = 5, beam: int = BEAM) -> list[NextWord]:
        """The k most probable next words after `text` (read in NFC, as the models' training text
        is), most probable first; after a text that ends inside a word, the words that follow it
        (a space or punctuation first). k as sampling checks it."""
        text, k = composed(sampling.check_text(text, "text")), check_whole(k, "k", 1, sampling.MAX_WORDS)
        last = text[-1:]
        # a space or punctuation first, unless the text ends in whitespace, or in punctuation or a symbol the
        # model knows (after one it never saw, <unk> to it, the rest of a word would glue on: "😀ust")
        inside = bool(last) and not (ends_word(last) and (last.isspace() or last in self.lm.index))
        logp, state = self.lm.read(self.as_read(text))
        words, done = [""], {}
        scores = np.zeros(1)  # (W,) log-probability of each partial word
        logp = logp[None]  # (W, V)
        spaces = np.array([i >= SPECIALS and ch.isspace() for i, ch in enumerate(self.chars)])  # (V,)
        for _ in range(MAX_WORD):
            total = scores[:, None] + logp  # (W, V)
            total[:, :SPECIALS] = -np.inf  # never <pad> or <unk>
            for w, word in enumerate(words):  # a word ends: its end character's probability counts
                for i in np.flatnonzero(self.ends):
                    if not word and self.chars[i].isspace():
                        continue  # no word is empty
                    finished = word if word else self.chars[i]  # punctuation alone is a word of its own
                    done[finished] = np.logaddexp(done.get(finished, -np.inf), total[w, i])
            started = np.array([bool(word) for word in words])  # (W,) whitespace may come before a word
            total[:, self.ends & ~spaces] = -np.inf
            total[np.ix_(started, spaces)] = -np.inf
            if inside:
                total[:, ~spaces] = -np.inf  # not "tached" after "I study at": a space first
                inside = False
            best = np.argsort(total, axis=None)[::-1][:beam]
            rows, cols = np.unravel_index(best, total.shape)
            keep = np.isfinite(total[rows, cols])
            if not keep.any():
                break
            rows, cols = rows[keep], cols[keep]
            words = [words[r] + ("" if spaces[c] else self.chars[c]) for r, c in zip(rows, cols)]
            scores = total[rows, cols]
            logp, state = self.lm.step(cols, _select(state, rows))
            if len(done) >= k and scores.max() < sorted(done.values())[-k]:
                break  # no partial word can still beat the k-th finished one
        ranked = sorted(done.items(), key=lambda item: -item[1])[:k]
        return [NextWord(word, float(np.exp(score))) for word, score in ranked]

    def generate(self, prime: str = "\n", length: int = 200, temperature: float = 1.0, top_k: int | None = None,
                 seed: int = 0) -> Iterator[str]:
        """`length` characters sampled after `prime` (read in NFC), one at a time; the same seed, the
        same text. The settings are checked here, before the first character (infer.sampling)."""
        prime = composed(sampling.check_text(prime, "prime"))
        length = check_whole(length, "length", 1, sampling.MAX_LENGTH)
        top_k = None if top_k is None else check_whole(top_k, "top_k", 1)
        temperature, seed = sampling.check_temperature(temperature), check_whole(seed, "seed", 0, MAX_SEED)
        return self._sample(prime, length, temperature, top_k, seed)

    def _sample(self, prime: str, length: int, temperature: float, top_k: int | None, seed: int) -> Iterator[str]:
        rng = np.random.default_rng(seed)
        logp, state = self.lm.read(self.as_read(prime))
        for _ in range(length):
            scores = logp / temperature
            scores[:SPECIALS] = -np.inf  # never <pad> or <unk>
            if top_k is not None and top_k < len(scores):
                scores[np.argsort(scores)[:-top_k]] = -np.inf
            p = np.exp(scores - scores.max())
            i = int(rng.choice(len(p), p=p / p.sum()))
            yield self.chars[i]
            logp, state = self.lm.step(np.array([i]), state)
            logp = logp[0]

    def continuations(self, prefixes: list[str], candidates: list[list[str]]) -> np.ndarray:
        """log P(candidate | prefix) of every prefix's candidates, (B, K): the sum of the log-
        probabilities of the candidate's characters, read after the prefix. Each prefix
        needs at least one character, every list of candidates the same number K."""
        k = len(candidates[0]) if candidates else 0
        if len(candidates) != len(prefixes) or any(len(c) != k for c in candidates) or k == 0:
            raise ValueError("one list of candidates per prefix, all of the same length")
        logp, state = self.lm.read_many(prefixes)  # (B, V)
        rows = np.repeat(np.arange(len(prefixes)), k)  # (B*K,) each prefix's stream once per candidate
        logp, state = logp[rows], _select(state, rows)
        texts = [candidate for group in candidates for candidate in group]
        ids = [self.lm.ids(text) for text in texts]
        total, longest = np.zeros(len(texts)), max(map(len, ids))  # (B*K,)
        for t in range(longest):
            col = np.array([row[t] if t < len(row) else 0 for row in ids])  # (B*K,)
            active = np.array([t < len(row) for row in ids])
            total += np.where(active, logp[np.arange(len(ids)), col], 0.0)
            if t + 1 < longest:
                logp, state = self.lm.step(col, state)
        return total.reshape(len(prefixes), k)

    def bits_per_char(self, text: str) -> tuple[float, int]:
        """Bits per character of `text` (after its first), and how many characters were scored."""
        nats, count = self.lm.nats(text)
        return nats / max(count, 1) / np.log(2), count

    def scores(self, text: str) -> dict:
        """Bits per character, and per (whitespace-separated) word with its perplexity, of `text` (in NFC).
        Per word: None for a text without words; the perplexity also None where it is beyond a
        float (2 ** bits_per_word past 2 ** 1000: a long text without spaces). `unknown`: the
        scored characters the model never saw, which it is scored on as <unk> (predicting <unk>
        counts as right for any of them: the more there are, the less its bits mean)."""
        text = composed(sampling.check_text(text, "text"))  # as next_words and generate read it
        if len(text) < 2:
            raise RnnCliError("a text to score needs at least two characters", EXIT_USAGE)
        bits, count = self.bits_per_char(text)
        words = len(text.split())
        per_word = float(bits) * len(text) / words if words else None
        perplexity = 2.0 ** per_word if per_word is not None and per_word <= MAX_EXPONENT else None
        index = self.lm.index
        unknown = sum(ch not in index for ch in text[1:count + 1])
        return {"bits_per_char": float(bits), "bits_per_word": per_word, "perplexity_per_word": perplexity,
                "characters": count, "words": words, "unknown": unknown}
