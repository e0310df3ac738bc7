"""Word keys: what a word is looked up by in the vocabulary."""

import pytest

from rnncli.model.vocab import word_key


@pytest.mark.parametrize("word, key", [("Hello", "hello"), ("A380s", "a000s"), ("1,234.5", "0,000.0"),
                                       ("x²", "x0"), ("٣ Kutub", "0 kutub"), ("\u212a9", "k0"), ("ÉTÉ-7", "été-0"),
                                       ("", "")])
def test_word_key_lowers_and_folds_every_digit(word, key):
    assert word_key(word) == key == "".join("0" if ch.isdigit() else ch for ch in word.lower())
