"""The bundled language models (pretrained/lm-*.safetensors): golden answers and the scores the
model card states."""

import pytest

from rnncli.errors import RnnCliError
from rnncli.infer.lm import LanguageModel
from rnncli.model.bundled import open_model


@pytest.mark.parametrize("name", ["lstm", "rnn"])
def test_a_plausible_word_follows_i_study_at(name):
    words = LanguageModel(open_model(name, "lm")).next_words("I study at", k=2)
    assert [w.word for w in words] == ["the", "a"]


@pytest.mark.parametrize("name", ["lstm", "rnn"])
def test_a_text_is_read_as_a_paragraph_start(name):
    """"The" alone is a text's first word, read after a line break as the models read their
    training text: words follow it (read from a fresh state without one, punctuation did)."""
    lm = LanguageModel(open_model(name, "lm"))
    words = lm.next_words("The", k=5)
    assert sum(w.word.isalpha() for w in words) >= 4 and (name != "lstm" or words[0].word == "world")  # README
    assert all(w.word.isdigit() for w in lm.next_words("It costs $", k=3))  # a symbol ends a word: numbers follow
    assert [(w.word, w.prob) for w in words] == [(w.word, w.prob) for w in lm.next_words("\nThe", k=5)]
    assert "".join(lm.generate("The ", 40, seed=1)) == "".join(lm.generate("\nThe ", 40, seed=1))


def test_the_model_card_scores_are_the_files():
    lstm, rnn = (open_model(name, "lm").meta["scores"] for name in ("lstm", "rnn"))
    assert round(lstm["dev"]["bits_per_char"], 3) == 2.251 and round(rnn["dev"]["bits_per_char"], 3) == 2.397
    assert round(lstm["test"]["bits_per_char"], 3) == 2.324 and round(rnn["test"]["bits_per_char"], 3) == 2.468


def test_after_a_symbol_the_model_never_saw_no_word_is_glued_to_it():
    """A symbol ends a word only where the model knows it: after an emoji (<unk> to it) the next
    word came glued on ("ust", "ack")."""
    lm = LanguageModel(open_model("lstm", "lm"))
    assert "😀" not in lm.lm.index
    assert not any(w.word[0].isalpha() for w in lm.next_words("I love it 😀", k=5))


def test_the_library_reads_a_text_in_nfc_as_the_command_does():
    """rnncli.LanguageModel.next_words("cafe\u0301 is") read the decomposed é as two characters
    (the, a, ...), where `rnncli next` (and "café is") gave a, the, ...; generate's prime too."""
    import rnncli

    lm = rnncli.LanguageModel("lstm")
    assert lm.next_words("cafe\u0301 is", 3) == lm.next_words("caf\u00e9 is", 3)
    assert lm.generate("cafe\u0301 ", 30, seed=2) == lm.generate("caf\u00e9 ", 30, seed=2)
    with pytest.raises(RnnCliError, match="temperature must be a number from 0.01 to 100"):
        LanguageModel(open_model("lstm", "lm")).generate("The", 5, temperature=0)  # checked before the first character
