"""Sentiment with a loaded model (numpy only): a text in, a probability per label out.
Many-to-one: the model reads the whole text and answers once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator

import numpy as np

from rnncli.model.encoding import BATCH_TOKENS, BATCH_WORDS, encode, length_groups
from rnncli.errors import RnnCliError
from rnncli.model.forward import sentiment_forward
from rnncli.model.model_file import ModelFile
from rnncli.model.vocab import UNK
from rnncli.infer.parallel import Workers
from rnncli.text.conllu import MISC, Sentence
from rnncli.text.pieces import MAX_HELD_CHARS
from rnncli.text.sentences import FIRST_BATCH, batched, read_sentences, words_weight
from rnncli.infer.tokenizer import Tokenizer

MAX_TOKENS = 200  # a longer text is read in windows of at most this many tokens (see Classifier)
TINY = np.finfo(np.float32).tiny  # the least probability whose log WindowMean takes (a softmax may give 0)
ECHO_CHARS = MAX_HELD_CHARS  # the most characters of a text kept to echo with its result (SentimentResult.cut)


def windows(tokens: list[str]) -> list[list[str]]:
    """`tokens` in windows of MAX_TOKENS from the start, the last two evened out (give or take
    one), so that no window is a short leftover that the model reads without context. A text
    read in pieces gets the same windows (_TextWindows), whatever its pieces."""
    out, rest = _leading_windows(tokens)  # rest: at most 2 * MAX_TOKENS
    if len(rest) <= MAX_TOKENS:
        return out + [rest]
    half = (len(rest) + 1) // 2
    return out + [rest[:half], rest[half:]]


def _leading_windows(tokens: list[str]) -> tuple[list[list[str]], list[str]]:
    """The windows of MAX_TOKENS that `windows` cuts before the last two, and the tokens after them."""
    full = max(0, -(-len(tokens) // MAX_TOKENS) - 2)
    return [tokens[i * MAX_TOKENS:(i + 1) * MAX_TOKENS] for i in range(full)], tokens[full * MAX_TOKENS:]


class Classifier:
    def __init__(self, model: ModelFile):
        if model.config.task != "sentiment":
            raise RnnCliError(f"{model.path}: a {model.config.task} model, not a sentiment model")
        self.model = model
        self.labels = model.labels["label"]

    def probabilities(self, texts: list[list[str]]) -> np.ndarray:
        """(texts, labels) probabilities; an empty text gets the model's answer for <unk>. A
        text longer than MAX_TOKENS is read in windows (see windows) whose answers are
        combined by WindowMean."""
        pieces = [(i, window or [UNK]) for i, tokens in enumerate(texts) for window in windows(tokens)]
        means = [WindowMean() for _ in texts]
        for group in length_groups([len(p[1]) for p in pieces], BATCH_TOKENS):
            batch = encode([pieces[g][1] for g in group], self.model.words, self.model.chars,
                           self.model.config.max_word_chars)
            probs = sentiment_forward(self.model.config, self.model.weights, batch, self.model.char_cache)["label"]
            for b, g in enumerate(group):
                i, window = pieces[g]
                means[i].add(probs[b], len(window))
        return np.array([mean.probabilities() for mean in means], np.float32).reshape(len(texts), len(self.labels))


class WindowMean:
    """The answer for a text read in windows: the windows' log-probabilities averaged, each
    weighted by its words (so every part of the text counts as much as its share of them), and
    normalized again, a weighted geometric mean: a window sure of its label outweighs one that
    hesitates, as independent evidence adds in log space. A text of one window gets that
    window's probabilities as they are. The models were trained on sentences and snippets: on
    whole film reviews (movie_reviews' 1,800 train and dev reviews, median 731 tokens) windows
    of 200 scored best of 100-2,000 in the mean over the three bundled models, and this mean
    above the arithmetic one for each of them (pretrained/README.md, "Long texts")."""

    def __init__(self):
        self.log_sum: np.ndarray | float = 0.0  # (labels,) sum of words * log p, from the second window on
        self.words = 0
        self.only: np.ndarray | None = None  # (labels,) the first window's probabilities, while it is the only one

    def add(self, probs: np.ndarray, words: int) -> None:
        if self.only is not None:  # a second window: the first joins the sum
            self.log_sum, self.only = self._weighted_log(self.only, self.words), None
        if self.words == 0:
            self.only = probs
        else:
            self.log_sum = self.log_sum + self._weighted_log(probs, words)
        self.words += words

    @staticmethod
    def _weighted_log(probs: np.ndarray, words: int) -> np.ndarray:
        return np.log(np.maximum(probs, TINY)).astype(np.float64) * words

    def probabilities(self) -> np.ndarray:
        if self.only is not None:
            return self.only
        mean = self.log_sum / self.words  # (labels,)
        e = np.exp(mean - mean.max())
        return e / e.sum()


@dataclass
class SentimentResult:
    text: str
    probs: dict[str, float]  # label -> probability, in the model's label order; {} for a blank line
    line: int = 0  # the input line (-I lines and tokens; the text's place in Sentiment.predict), 0 where unknown
    cut: int = 0  # characters left out of `text` after its first ECHO_CHARS (its label reads them all), counted
    # in the text as read: NFC, each run of whitespace one space (text.hygiene.clean)

    @property
    def label(self) -> str | None:
        return max(self.probs, key=lambda k: self.probs[k], default=None)  # ties: the first label


def classify_lines(model: ModelFile, lines: Iterable[str], input_format: str = "lines", source: str = "<stdin>",
                   input_waiting: Callable[[], bool] = lambda: True, batch_size: int = 256,
                   tokenizer: Tokenizer | None = None, jobs: int | None = 1) -> Iterator[SentimentResult]:
    """One result per input line (`lines`, `tokens`; a blank line, or one without words, gets one
    without a label) or per sentence (`text`), as input arrives. A line or sentence too long to
    hold whole comes from read_sentences in pieces, and is read in the windows that the whole
    text would be (see windows and Classifier). `tokenizer`: see text.read_sentences. With
    jobs > 1 (None: as many as cores are free), the tokenizer's and the classifier's batches
    run in worker processes (parallel.Workers)."""
    workers = Workers({"classifier": Classifier(model), "tokenizer": tokenizer}, jobs)
    sentences = read_sentences(lines, input_format, source, per_line=False, input_waiting=input_waiting,
                               max_words=None, tokenizer=tokenizer, workers=workers)
    return workers.closing(_classified(workers, sentences, batch_size, input_waiting))


def _classified(workers: Workers, sentences: Iterable[Sentence], batch_size: int,
                input_waiting: Callable[[], bool]) -> Iterator[SentimentResult]:
    """A result per text, however many pieces it came in: its windows' probabilities (see
    windows) combined (WindowMean)."""
    labels = workers.engines["classifier"].labels
    mean = WindowMean()  # of the text being read
    groups = batched(_TextWindows().read(sentences), batch_size, input_waiting, lambda unit: unit.weight, BATCH_WORDS,
                     FIRST_BATCH)
    for group, group_probs in workers.ordered_map("classifier", "probabilities", groups,
                                                  lambda g: [w for unit in g for w in unit.windows], input_waiting):
        at = 0
        for unit in group:
            for window in unit.windows:
                mean.add(group_probs[at], len(window))
                at += 1
            if unit.done is not None:
                probs = {label: float(q) for label, q in zip(labels, mean.probabilities())} if mean.words else {}
                yield replace(unit.done, probs=probs)
                mean = WindowMean()


@dataclass
class _Unit:
    """What one piece of input adds: the windows it fills, and, where it ends a text, that text's
    result but its probabilities."""

    windows: list[list[str]]
    done: SentimentResult | None = None

    @property
    def weight(self) -> int:
        """What its windows weigh in a batch (sentences.words_weight)."""
        return sum(words_weight(len(w), sum(map(len, w))) for w in self.windows)


class _TextWindows:
    """Texts read in pieces (read_sentences' `continued`) cut into windows as they come: a
    window of MAX_TOKENS goes out once more than two windows' worth is held, and a text's last
    tokens are evened out at its end, as `windows` cuts the whole text. Memory stays bounded
    however long a text is: between pieces, at most 2 * MAX_TOKENS of its words are held, and
    ECHO_CHARS of its characters."""

    def __init__(self):
        self.held: list[str] = []  # the text's tokens not yet in a window
        self.echo, self.gap = _Echo(), False  # what is echoed; whether a space goes before the next piece

    def read(self, sentences: Iterable[Sentence]) -> Iterator[_Unit]:
        for sentence in sentences:
            if sentence.text:
                self.echo.add(" " * (self.gap and not self.echo.empty) + sentence.text)
            self.held += sentence.words
            if sentence.continued:
                ready, self.held = _leading_windows(self.held)
                # the pieces of a text are joined as they were cut: a word cut in two stays one
                self.gap = not sentence.rows or "SpaceAfter=No" not in sentence.rows[-1][MISC].split("|")
                yield _Unit(ready)
            else:
                yield _Unit(windows(self.held) if self.held else [],
                            SentimentResult(self.echo.text(), {}, sentence.line, self.echo.cut))
                self.held, self.echo, self.gap = [], _Echo(), False


class _Echo:
    """The text of a line (or sentence) read in pieces, to echo with its result: its first
    ECHO_CHARS characters, the rest only counted, so that memory stays bounded however long it is."""

    def __init__(self):
        self.parts: list[str] = []
        self.held = 0  # characters in parts
        self.cut = 0  # characters after them, not held

    @property
    def empty(self) -> bool:
        return not self.parts

    def add(self, part: str) -> None:
        kept = part[:max(ECHO_CHARS - self.held, 0)]
        if kept:
            self.parts.append(kept)
            self.held += len(kept)
        self.cut += len(part) - len(kept)

    def text(self) -> str:
        return "".join(self.parts)
