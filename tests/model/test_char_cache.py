"""The character-feature cache: the character network runs once per word, and no output changes."""

import numpy as np
import pytest

from rnncli.model.char_cache import CharCache
from rnncli.model.bundled import resolve_model
from rnncli.model.model_file import load_model
from rnncli.cli.views.sentiment import sentiment_tsv
from rnncli.cli.views.tag import tagged_tsv
from rnncli.infer.sentiment import classify_lines
from rnncli.infer.tagger import tag_lines

LINES = ["The cat sat on the mat .", "I study at night , the cat sleeps .", "Naïve cafés serve 42 crêpes at 9:30 !",
         "The mat , the cat and the night .", "Ünïcödé wörds and ☃ snowmen , the cat again .",
         "I study the cat at night ."] * 3


def fake_compute(calls):
    def compute(chars, lengths):  # (M, L), (M,) -> (M, 2): each word's first char id and length
        calls.append(len(lengths))
        return np.stack([chars[:, 0], lengths], axis=1).astype(np.float32)
    return compute


def test_features_are_computed_once_per_word_and_given_back():
    cache, calls = CharCache(), []
    chars = np.array([[5, 6, 0], [7, 0, 0], [5, 6, 0]])  # the third word is the first again
    first = cache.features(chars, np.array([2, 1, 2]), fake_compute(calls))
    np.testing.assert_array_equal(first, [[5, 2], [7, 1], [5, 2]])
    assert calls == [3] and len(cache) == 2  # the same char ids are one entry
    again = cache.features(np.array([[7, 0], [8, 9]]), np.array([1, 2]), fake_compute(calls))
    np.testing.assert_array_equal(again, [[7, 1], [8, 2]])
    assert calls == [3, 1]  # only the new word went to the network


def test_padding_is_not_part_of_the_key():
    cache, calls = CharCache(), []
    cache.features(np.array([[5, 6]]), np.array([2]), fake_compute(calls))
    cache.features(np.array([[5, 6, 0, 0]]), np.array([2]), fake_compute(calls))
    assert calls == [1]


def test_least_recently_used_words_go_first():
    cache, calls = CharCache(capacity=2), []
    compute = fake_compute(calls)
    for ids in ([1], [2], [1], [3]):  # 1 is used again, so 2 is the one to go when 3 comes
        cache.features(np.array([ids]), np.array([1]), compute)
    assert len(cache) == 2 and calls == [1, 1, 1]
    cache.features(np.array([[1], [3]]), np.array([1, 1]), compute)
    assert calls == [1, 1, 1]
    np.testing.assert_array_equal(cache.features(np.array([[2]]), np.array([1]), compute), [[2, 1]])
    assert calls == [1, 1, 1, 1]


def test_capacity_zero_holds_nothing():
    cache, calls = CharCache(capacity=0), []
    for _ in range(2):
        cache.features(np.array([[4]]), np.array([1]), fake_compute(calls))
    assert calls == [1, 1] and len(cache) == 0


def with_cache(name: str, task: str, capacity: int | None):
    """A freshly loaded model with the default cache, or one of `capacity` (0: no cache)."""
    model = load_model(resolve_model(name, task), task)
    if capacity is not None:
        model.char_cache = CharCache(capacity)
    return model


@pytest.mark.parametrize("capacity", [None, 8], ids=["default", "evicting"])
def test_tagging_output_is_the_same_with_and_without_the_cache(capacity):
    outputs = []
    for model in (with_cache("tagger-lstm", "tagger", 0), with_cache("tagger-lstm", "tagger", capacity)):
        results = list(tag_lines(model, [line + "\n" for line in LINES], "tokens", batch_size=2))
        outputs.append((np.concatenate([r.probs["upos"] for r in results]),
                        "".join(tagged_tsv(r.words, r.candidates(model.labels["upos"], "upos", 3)) for r in results)))
    distinct = {tuple(model.chars.ids(word)) for line in LINES for word in line.split()}
    assert len(model.char_cache) == (8 if capacity else len(distinct))
    np.testing.assert_allclose(outputs[0][0], outputs[1][0], rtol=0, atol=1e-6)
    assert outputs[0][1] == outputs[1][1]


def test_sentiment_output_is_the_same_with_and_without_the_cache():
    outputs = []
    for model in (with_cache("sentiment-lstm", "sentiment", 0), with_cache("sentiment-lstm", "sentiment", None)):
        results = list(classify_lines(model, [line + "\n" for line in LINES], "tokens", batch_size=2))
        outputs.append("".join(sentiment_tsv(r.text, r.label, r.probs) for r in results))
    assert len(model.char_cache) > 0
    assert outputs[0] == outputs[1]


def test_a_words_features_do_not_depend_on_the_words_computed_with_it():
    """What makes the cache (and batches run in other processes) give the bytes of a run without
    it: one matrix product over many words rounds a word's row by its company on some CPUs
    (OpenBLAS's AVX-512 and Haswell kernels), so the character network multiplies row by row."""
    from rnncli.model.forward import char_features
    model = load_model(resolve_model("tagger-lstm", "tagger"), "tagger")
    words = sorted({word for line in LINES for word in line.split()})
    ids = [model.chars.ids(word) for word in words]
    def features(chosen):  # the chosen words' features, computed in one call
        chars = np.zeros((len(chosen), max(len(ids[i]) for i in chosen)), np.int64)
        for row, i in enumerate(chosen):
            chars[row, :len(ids[i])] = ids[i]
        return char_features(model.config, model.weights, chars, np.array([len(ids[i]) for i in chosen]))
    together = features(list(range(len(words))))
    reversed_half = features(list(range(len(words)))[::-2])
    for row, i in enumerate(range(len(words))[::-2]):
        assert np.array_equal(reversed_half[row], together[i]), words[i]
    for i in (0, 5, len(words) - 1):
        assert np.array_equal(features([i])[0], together[i]), words[i]
