"""Tagging with a loaded model (numpy only): tokens in, a probability per tag out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from rnncli.text.conllu import UPOS, XPOS, Sentence
from rnncli.model.encoding import BATCH_TOKENS, BATCH_WORDS, encode, length_groups
from rnncli.errors import RnnCliError
from rnncli.model.forward import tagger_forward
from rnncli.model.model_file import ModelFile
from rnncli.infer.parallel import Workers
from rnncli.text.sentences import FIRST_BATCH, batch_weight, batched, read_sentences
from rnncli.infer.tokenizer import Tokenizer

MAX_TOKENS = 500  # longer sentences run in consecutive windows of this many tokens


class Tagger:
    def __init__(self, model: ModelFile):
        if model.config.task != "tagger":
            raise RnnCliError(f"{model.path}: a {model.config.task} model, not a tagger")
        self.model = model
        self.config = model.config

    def probabilities(self, sentences: list[list[str]]) -> list[dict[str, np.ndarray]]:
        """For each sentence: tag set name -> (tokens, classes) probabilities."""
        pieces = [(i, start, tokens[start:start + MAX_TOKENS])  # (sentence index, offset, tokens)
                  for i, tokens in enumerate(sentences) for start in range(0, len(tokens), MAX_TOKENS)]
        results = [{name: np.zeros((len(s), len(labels)), np.float32) for name, labels in self.model.labels.items()}
                   for s in sentences]
        for group in length_groups([len(p[2]) for p in pieces], BATCH_TOKENS):
            batch = encode([pieces[g][2] for g in group], self.model.words, self.model.chars, self.config.max_word_chars)
            probs = tagger_forward(self.config, self.model.weights, batch, self.model.char_cache)
            for b, g in enumerate(group):
                i, offset, tokens = pieces[g]
                for name, p in probs.items():
                    results[i][name][offset:offset + len(tokens)] = p[b, : len(tokens)]
        return results

    def best(self, sentences: list[list[str]], tagset: str = "upos") -> list[list[str]]:
        labels = self.model.labels[tagset]
        return [[labels[j] for j in p[tagset].argmax(-1)] for p in self.probabilities(sentences)]


def ranked(probs: np.ndarray, labels: list[str], top: int, threshold: float | None = None,
           order: np.ndarray | None = None) -> list[tuple[str, float]]:
    """The `top` most probable tags, plus any within `threshold` x the best one's probability.
    Ties go to the tag listed first in the model, so output is deterministic. `order`: the
    classes by falling probability, when already known."""
    order = (np.argsort(-probs, kind="stable") if order is None else order).tolist()  # stable: ties in model order
    best = float(probs[order[0]])
    chosen = order[:max(top, 1)]
    if threshold is not None:
        chosen += [j for j in order[len(chosen):] if float(probs[j]) >= threshold * best]
    return [(labels[j], float(probs[j])) for j in chosen]


@dataclass
class TagResult:
    sentence: Sentence  # UPOS and XPOS columns of its word rows filled in
    probs: dict[str, np.ndarray]  # head name -> (words, classes)

    @property
    def words(self) -> list[str]:
        return self.sentence.words

    def candidates(self, labels: list[str], head: str, top: int = 1,
                   threshold: float | None = None) -> list[list[tuple[str, float]]]:
        """Per word: its best tag first, then runners-up (see `ranked`)."""
        probs = self.probs[head]  # (words, classes)
        orders = np.argsort(-probs, axis=-1, kind="stable")  # one sort for the sentence
        return [ranked(p, labels, top, threshold, order) for p, order in zip(probs, orders)]


def tag_lines(model: ModelFile, lines: Iterable[str], input_format: str = "text", source: str = "<stdin>",
              per_line: bool = False, input_waiting: Callable[[], bool] = lambda: True,
              batch_size: int = 256, tokenizer: Tokenizer | None = None, jobs: int | None = 1) -> Iterator[TagResult]:
    """Read sentences from input lines (see text.read_sentences; `tokenizer` None: Punkt and
    the Treebank rules) and tag them as they come; with jobs > 1 (None: as many as cores are
    free), the tokenizer's and the tagger's batches run in worker processes (parallel.Workers)."""
    workers = Workers({"tagger": Tagger(model), "tokenizer": tokenizer}, jobs)
    sentences = read_sentences(lines, input_format, source, per_line=per_line, input_waiting=input_waiting,
                               tokenizer=tokenizer, workers=workers)
    return workers.closing(tag_sentences(workers, sentences, batch_size, input_waiting))


def tag_sentences(workers: Workers, sentences: Iterable[Sentence], batch_size: int = 256,
                  input_waiting: Callable[[], bool] = lambda: True) -> Iterator[TagResult]:
    """Tag a stream of CoNLL-U sentences in small batches, filling UPOS and XPOS; yields as it goes.
    The batches are tagged by workers' "tagger" (in worker processes once they are started)."""
    labels = workers.engines["tagger"].model.labels
    groups = batched(sentences, batch_size, input_waiting, batch_weight, BATCH_WORDS, FIRST_BATCH)
    for group, group_probs in workers.ordered_map("tagger", "probabilities", groups, lambda g: [s.words for s in g],
                                                  input_waiting):
        for sentence, probs in zip(group, group_probs):
            best = {name: probs[name].argmax(-1) for name in probs}
            for i, row in enumerate(sentence.word_rows):
                for name, column in (("upos", UPOS), ("xpos", XPOS)):
                    if name in best:
                        row[column] = labels[name][best[name][i]]
            yield TagResult(sentence, probs)
