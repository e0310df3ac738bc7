"""Sentiment with a loaded model (numpy only): a text in, a probability per label out.
Many-to-one: the model reads the whole text and answers once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from rnncli.checkpoint import ModelFile
from rnncli.encoding import encode, length_groups
from rnncli.errors import RnnCliError
from rnncli.forward import sentiment_forward
from rnncli.text import batched, read_sentences

MAX_TOKENS = 2000  # longer texts are cut: a sentiment model reads sentences and short reviews
BATCH_TOKENS = 4000  # padded tokens per forward batch (memory: ~100 MB peak for the LSTM)


class Classifier:
    def __init__(self, model: ModelFile):
        if model.config.task != "sentiment":
            raise RnnCliError(f"{model.path}: a {model.config.task} model, not a sentiment model")
        self.model = model
        self.labels = model.labels["label"]

    def probabilities(self, texts: list[list[str]]) -> np.ndarray:
        """(texts, labels) probabilities; an empty text gets the model's answer for <unk>."""
        texts = [t[:MAX_TOKENS] or ["<unk>"] for t in texts]
        out = np.zeros((len(texts), len(self.labels)), np.float32)
        for group in length_groups([len(t) for t in texts], BATCH_TOKENS):
            batch = encode([texts[i] for i in group], self.model.words, self.model.chars, self.model.config.max_word_chars)
            out[group] = sentiment_forward(self.model.config, self.model.weights, batch)["label"]
        return out


@dataclass
class SentimentResult:
    text: str
    words: list[str]
    probs: dict[str, float]  # label -> probability, in the model's label order

    @property
    def label(self) -> str:
        return max(self.probs, key=lambda k: self.probs[k])  # ties: the first label


def classify_lines(model: ModelFile, lines: Iterable[str], input_format: str = "lines", source: str = "<stdin>",
                   input_waiting: Callable[[], bool] = lambda: True, batch_size: int = 256) -> Iterator[SentimentResult]:
    """One result per input line (`lines`, `tokens`) or per sentence (`text`), as input arrives."""
    classifier = Classifier(model)
    sentences = read_sentences(lines, input_format, source, per_line=False)
    for group in batched(sentences, batch_size, input_waiting):
        probs = classifier.probabilities([s.words for s in group])
        for sentence, p in zip(group, probs):
            yield SentimentResult(sentence.text, sentence.words,
                                  {label: float(q) for label, q in zip(classifier.labels, p)})
