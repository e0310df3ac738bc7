"""Tagging with a loaded model (numpy only): tokens in, a probability per tag out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncli.checkpoint import ModelFile
from rnncli.encoding import encode
from rnncli.forward import tagger_forward

MAX_TOKENS = 500  # longer sentences run in consecutive windows of this many tokens
BATCH_TOKENS = 4000  # padded tokens per forward batch


@dataclass
class TokenTags:
    token: str
    probs: np.ndarray  # (classes,) probabilities over the model's tags of one tag set


class Tagger:
    def __init__(self, model: ModelFile):
        if model.config.task != "tagger":
            raise ValueError("not a tagger model")
        self.model = model
        self.config = model.config

    def tagsets(self) -> list[str]:
        return list(self.model.labels)

    def probabilities(self, sentences: list[list[str]]) -> list[dict[str, np.ndarray]]:
        """For each sentence: tag set name -> (tokens, classes) probabilities."""
        pieces = []  # (sentence index, start, tokens)
        for i, tokens in enumerate(sentences):
            for start in range(0, max(len(tokens), 1), MAX_TOKENS):
                if tokens:
                    pieces.append((i, start, tokens[start:start + MAX_TOKENS]))
        results = [{name: np.zeros((len(s), len(labels)), np.float32) for name, labels in self.model.labels.items()}
                   for s in sentences]
        pieces.sort(key=lambda p: len(p[2]))
        start = 0
        while start < len(pieces):
            end = start + 1
            while end < len(pieces) and (end - start + 1) * len(pieces[end][2]) <= BATCH_TOKENS:
                end += 1
            group = pieces[start:end]
            batch = encode([p[2] for p in group], self.model.words, self.model.chars, self.config.max_word_chars)
            probs = tagger_forward(self.config, self.model.weights, batch)
            for b, (i, offset, tokens) in enumerate(group):
                for name, p in probs.items():
                    results[i][name][offset:offset + len(tokens)] = p[b, : len(tokens)]
            start = end
        return results

    def best(self, sentences: list[list[str]], tagset: str = "upos") -> list[list[str]]:
        labels = self.model.labels[tagset]
        return [[labels[j] for j in p[tagset].argmax(-1)] for p in self.probabilities(sentences)]


def ranked(probs: np.ndarray, labels: list[str], top: int, threshold: float | None = None) -> list[tuple[str, float]]:
    """The `top` most probable tags, plus any within `threshold` x the best one's probability.
    Ties go to the tag listed first in the model, so output is deterministic."""
    order = sorted(range(len(labels)), key=lambda j: (-float(probs[j]), j))
    best = float(probs[order[0]])
    chosen = order[:max(top, 1)]
    if threshold is not None:
        chosen += [j for j in order[len(chosen):] if float(probs[j]) >= threshold * best]
    return [(labels[j], float(probs[j])) for j in chosen]
