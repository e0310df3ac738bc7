"""Sentiment with a loaded model (numpy only): a text in, a probability per label out.
Many-to-one: the model reads the whole text and answers once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from rnncli.model.encoding import encode, length_groups
from rnncli.errors import RnnCliError
from rnncli.model.forward import sentiment_forward
from rnncli.model.model_file import ModelFile
from rnncli.infer.parallel import Workers
from rnncli.text.conllu import MISC, Sentence
from rnncli.text.pieces import MAX_HELD_CHARS
from rnncli.text.sentences import FIRST_BATCH, batch_weight, batched, read_sentences
from rnncli.infer.tokenizer import Tokenizer

MAX_TOKENS = 200  # a longer text is read in windows of at most this many tokens (see Classifier)
BATCH_TOKENS = 4000  # padded tokens per forward batch (memory: ~100 MB peak for the LSTM)
BATCH_WORDS = 10_000  # words of input held at once (sentences.batch_weight; with MAX_SENTENCE_CHARS, what bounds memory)
ECHO_CHARS = MAX_HELD_CHARS  # the most characters of a text kept to echo with its result (SentimentResult.cut)


def windows(tokens: list[str]) -> list[list[str]]:
    """`tokens` in the fewest windows of at most MAX_TOKENS, of equal length (give or take one),
    so that no window is a short leftover that the model reads without context."""
    count = -(-len(tokens) // MAX_TOKENS)
    if count <= 1:
        return [tokens]
    size, extra = divmod(len(tokens), count)
    bounds = [i * size + min(i, extra) for i in range(count + 1)]
    return [tokens[a:b] for a, b in zip(bounds, bounds[1:])]


class Classifier:
    def __init__(self, model: ModelFile):
        if model.config.task != "sentiment":
            raise RnnCliError(f"{model.path}: a {model.config.task} model, not a sentiment model")
        self.model = model
        self.labels = model.labels["label"]

    def probabilities(self, texts: list[list[str]]) -> np.ndarray:
        """(texts, labels) probabilities; an empty text gets the model's answer for <unk>. A
        text longer than MAX_TOKENS is read in windows; its probabilities are the windows'
        average, weighted by window length, so every part of the text counts as much as its
        share of the words. The models were trained on sentences and snippets: on whole film
        reviews (movie_reviews' 1,800 train and dev reviews, median 731 tokens) windows of 200
        scored best of 20-2000 in the mean over the three bundled models (pretrained/README.md,
        "Long texts")."""
        pieces = [(i, window or ["<unk>"]) for i, tokens in enumerate(texts) for window in windows(tokens)]
        out = np.zeros((len(texts), len(self.labels)), np.float64)
        weights = np.zeros(len(texts))
        for group in length_groups([len(p[1]) for p in pieces], BATCH_TOKENS):
            batch = encode([pieces[g][1] for g in group], self.model.words, self.model.chars,
                           self.model.config.max_word_chars)
            probs = sentiment_forward(self.model.config, self.model.weights, batch, self.model.char_cache)["label"]
            for b, g in enumerate(group):
                i, window = pieces[g]
                out[i] += probs[b] * len(window)
                weights[i] += len(window)
        return (out / weights[:, None]).astype(np.float32)


@dataclass
class SentimentResult:
    text: str
    probs: dict[str, float]  # label -> probability, in the model's label order; {} for a blank line
    line: int = 0  # the input line (-I lines and tokens; the text's place in Sentiment.predict), 0 where unknown
    cut: int = 0  # characters of the text left out of `text` after its first ECHO_CHARS (its label reads them all)

    @property
    def label(self) -> str | None:
        return max(self.probs, key=lambda k: self.probs[k], default=None)  # ties: the first label


def classify_lines(model: ModelFile, lines: Iterable[str], input_format: str = "lines", source: str = "<stdin>",
                   input_waiting: Callable[[], bool] = lambda: True, batch_size: int = 256,
                   tokenizer: Tokenizer | None = None, jobs: int | None = 1) -> Iterator[SentimentResult]:
    """One result per input line (`lines`, `tokens`; a blank line gets one without a label) or
    per sentence (`text`), as input arrives. A line or sentence too long to hold whole comes
    from read_sentences in pieces; their probabilities are combined as the windows of one text
    are (see Classifier). `tokenizer`: see text.read_sentences. With jobs > 1 (None: as many as
    cores are free), the tokenizer's and the classifier's batches run in worker processes
    (parallel.Workers)."""
    workers = Workers({"classifier": Classifier(model), "tokenizer": tokenizer}, jobs)
    sentences = read_sentences(lines, input_format, source, per_line=False, input_waiting=input_waiting,
                               max_words=None, tokenizer=tokenizer, workers=workers)
    return workers.closing(_classified(workers, sentences, batch_size, input_waiting))


def _classified(workers: Workers, sentences: Iterable[Sentence], batch_size: int,
                input_waiting: Callable[[], bool]) -> Iterator[SentimentResult]:
    """A result per text: its sentences' (or pieces') probabilities, weighted by their words."""
    labels = workers.engines["classifier"].labels
    echo, total, tokens = _Echo(), 0.0, 0  # the text being read so far: what is echoed, its probabilities
    groups = batched(sentences, batch_size, input_waiting, batch_weight, BATCH_WORDS, FIRST_BATCH)
    for group, group_probs in workers.ordered_map("classifier", "probabilities", groups, lambda g: [s.words for s in g],
                                                  input_waiting):
        for sentence, p in zip(group, group_probs):
            if not sentence.rows and echo.empty:
                yield SentimentResult("", {}, sentence.line)
                continue
            weight = max(len(sentence.rows), 1)
            echo.add(sentence.text)
            total, tokens = total + p.astype(np.float64) * weight, tokens + weight
            if not sentence.continued:
                yield SentimentResult(echo.text(), {label: float(q) for label, q in zip(labels, total / tokens)},
                                      sentence.line, echo.cut)
                echo, total, tokens = _Echo(), 0.0, 0
            elif not sentence.rows or "SpaceAfter=No" not in sentence.rows[-1][MISC].split("|"):
                echo.add(" ")  # the pieces of a text are joined as they were cut: a word cut in two stays one


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
