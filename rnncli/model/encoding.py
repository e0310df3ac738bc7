"""Turn tokenized sentences into padded id arrays (numpy), shared by training and inference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from rnncli.model.vocab import Vocab, word_key
from rnncli.text.hygiene import composed

BATCH_TOKENS = 4000  # padded tokens per forward batch of a tagger or classifier (memory: ~100 MB peak for the LSTM)
BATCH_WORDS = 10_000  # words of input held at once (with MAX_SENTENCE_CHARS, what bounds memory)


@dataclass
class Batch:
    words: np.ndarray  # (B, T) int64 word ids, 0 = padding
    lengths: np.ndarray  # (B,) int64 tokens per sentence
    chars: np.ndarray  # (U, L) int64 char ids of the batch's U distinct word forms
    char_lengths: np.ndarray  # (U,) int64
    char_index: np.ndarray  # (B, T) int64 row of each token in `chars` (0 for padding)
    candidates: np.ndarray | None = None  # (B, T) bool, a tokenizer with an upper layer: where a token can end


def clip_word(word: str, max_chars: int) -> str:
    """Very long tokens (URLs, runs of symbols) keep their first and last characters."""
    if len(word) <= max_chars:
        return word
    half = max_chars // 2
    return word[:half] + word[-(max_chars - half):]


def length_groups(lengths: list[int], max_tokens: int) -> Iterator[list[int]]:
    """Indices in order of length, grouped so that each group padded to its longest member
    holds at most `max_tokens` tokens (one item per group at the least)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and (end - start + 1) * lengths[order[end]] <= max_tokens:
            end += 1
        yield order[start:end]
        start = end


def encode(sentences: list[list[str]], words: Vocab, chars: Vocab | None, max_word_chars: int) -> Batch:
    B = len(sentences)
    T = max(len(s) for s in sentences)
    word_ids = np.zeros((B, T), dtype=np.int64)
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    char_index = np.zeros((B, T), dtype=np.int64)
    forms: dict[str, int] = {}
    for b, sentence in enumerate(sentences):
        word_ids[b, : len(sentence)] = words.ids(map(word_key, sentence))
        if chars is not None:
            char_index[b, : len(sentence)] = [forms.setdefault(clip_word(composed(w), max_word_chars), len(forms))
                                              for w in sentence]
    if chars is None or not forms:
        return Batch(word_ids, lengths, np.zeros((1, 1), np.int64), np.ones(1, np.int64), char_index)
    L = max(len(f) for f in forms)
    char_ids = np.zeros((len(forms), L), dtype=np.int64)
    char_lengths = np.zeros(len(forms), dtype=np.int64)
    for form, u in forms.items():
        char_ids[u, : len(form)] = chars.ids(form)
        char_lengths[u] = len(form)
    return Batch(word_ids, lengths, char_ids, char_lengths, char_index)
