"""The bundled language models (pretrained/lm-*.safetensors): golden answers and the scores the
model card states."""

import pytest

from rnncli.infer.lm import LanguageModel
from rnncli.model.bundled import open_model


@pytest.mark.parametrize("name", ["lstm", "rnn"])
def test_a_plausible_word_follows_i_study_at(name):
    words = LanguageModel(open_model(name, "lm")).next_words("I study at", k=2)
    assert [w.word for w in words] == ["the", "a"]


def test_the_model_card_scores_are_the_files():
    lstm, rnn = (open_model(name, "lm").meta["scores"] for name in ("lstm", "rnn"))
    assert round(lstm["dev"]["bits_per_char"], 3) == 2.251 and round(rnn["dev"]["bits_per_char"], 3) == 2.397
    assert round(lstm["test"]["bits_per_char"], 3) == 2.324 and round(rnn["test"]["bits_per_char"], 3) == 2.468
