"""Next words and sampled text from a tiny character language model (numpy only)."""

import pytest

from rnncli.errors import RnnCliError
from rnncli.infer.lm import LanguageModel, ends_word
from rnncli.model.model_file import load_model


@pytest.fixture(scope="module")
def lm(tiny_lm):
    return LanguageModel(load_model(tiny_lm.out, task="lm"))


def test_the_next_word_is_the_one_the_text_always_has(lm):
    words = lm.next_words("the cat", k=3)
    assert words[0].word == "sat" and words[0].prob > 0.5
    assert [w.prob for w in words] == sorted((w.prob for w in words), reverse=True)
    assert lm.next_words("the cat sat on the", k=2)[0].word in ("mat", "log")


def test_a_word_ends_at_a_space_or_punctuation_and_punctuation_is_a_word(lm):
    assert ends_word(" ") and ends_word(".") and ends_word("\n") and ends_word("$") and not ends_word("a")
    (first,) = lm.next_words("the cat sat on the mat", k=1)
    assert first.word == "."  # after "mat" the text always has a full stop


def test_the_same_seed_gives_the_same_text(lm):
    one = "".join(lm.generate("the", 60, seed=4))
    assert one == "".join(lm.generate("the", 60, seed=4)) and len(one) == 60
    assert "sat on the" in "".join(lm.generate("the", 200, temperature=0.5, seed=1))
    with pytest.raises(RnnCliError, match="temperature"):
        next(lm.generate("the", 5, temperature=0))


def test_bits_per_char_is_low_on_the_text_it_learned(lm):
    bits, count = lm.bits_per_char("the cat sat on the mat. the dog sat on the log. " * 4)
    assert bits < 1.0 and count > 100


def test_a_text_that_ends_inside_a_word_gets_the_words_after_it(lm):
    """After "th" the next word follows a space or punctuation: never "e", the rest of "the"
    (which the model is sure of), and a space after "th" is improbable; after a whole word,
    with or without its space, the word that follows it."""
    words = lm.next_words("the cat sat on th", k=5)
    assert "e" not in [w.word for w in words] and sum(w.prob for w in words) < 0.01
    assert lm.next_words("the cat sat", k=1)[0].word == lm.next_words("the cat sat ", k=1)[0].word == "on"


def test_whitespace_the_model_never_saw_reads_as_a_space(lm):
    assert "\t" not in lm.lm.index and "\n" not in lm.lm.index  # its text has no line breaks: none put first
    assert lm.as_read("the\tcat") == "the cat" and lm.as_read("\nthe") == " the" and lm.as_read("") == "\n"
    assert [w.word for w in lm.next_words("the\tcat", k=3)] == [w.word for w in lm.next_words("the cat", k=3)]
