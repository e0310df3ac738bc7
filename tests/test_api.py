"""The public Python API, called as a user would: exact answers from the hand-set tagger,
NLTK's tagger interface, sentiment, loading by name, and a light `import rnncli`."""

import subprocess
import sys

import pytest

import rnncli
from conftest import HAND_PTB, hand_probs
from rnncli.errors import RnnCliError


def test_import_rnncli_is_light():
    code = ("import sys, rnncli; rnncli.__version__\n"
            "print(sorted(m for m in ('numpy', 'torch', 'typer', 'rich', 'nltk') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout == "[]\n", result.stderr


def test_tagger_is_an_nltk_style_tagger(hand_tagger):
    tagger = rnncli.Tagger(str(hand_tagger))
    assert tagger.tag(["I", "study", "at", "night", "."]) == [("I", "PRON"), ("study", "VERB"), ("at", "ADP"),
                                                               ("night", "NOUN"), (".", "PUNCT")]
    assert tagger.tag_sents([["They", "can", "fish"], [], ["I"]]) == [
        [("They", "PRON"), ("can", "AUX"), ("fish", "NOUN")], [], [("I", "PRON")]]
    ptb = rnncli.Tagger(str(hand_tagger), tagset="ptb")
    assert ptb.tag(["They", "can", "fish"]) == [("They", HAND_PTB["PRON"]), ("can", "MD"), ("fish", "NN")]


def test_tagged_sentences_carry_every_probability(hand_tagger):
    (first, second) = rnncli.Tagger(str(hand_tagger)).tag_text("I study at night. The cat can fish.")
    assert first.text == "I study at night." and first.tagset == "upos" and len(second.tokens) == 5
    token = first.tokens[1]
    assert (token.text, token.tag) == ("study", "VERB") and token.prob == pytest.approx(0.6, abs=1e-6)
    assert token.probs == pytest.approx(hand_probs("study"), abs=1e-6)
    assert rnncli.Tagger(str(hand_tagger)).tag_tokens([["can't", "fish"]])[0].pairs() == [("can't", "NOUN"),
                                                                                        ("fish", "NOUN")]


def test_tagger_refuses_what_it_cannot_do(hand_tagger, tiny_sentiment):
    with pytest.raises(RnnCliError, match="tokens must be non-empty strings without whitespace"):
        rnncli.Tagger(str(hand_tagger)).tag(["New York"])
    with pytest.raises(RnnCliError, match="a sentiment model, but this command needs a tagger model"):
        rnncli.Tagger(str(tiny_sentiment))
    with pytest.raises(RnnCliError, match="has no 'xpos' tags"):
        rnncli.Tagger(str(hand_tagger), tagset="xpos")


def test_sentiment_predicts_one_result_per_text(tiny_sentiment):
    classifier = rnncli.Sentiment(str(tiny_sentiment))
    results = classifier.predict(["a great film", "", "a boring film"])
    assert [r.text for r in results] == ["a great film", "", "a boring film"]
    assert [r.line for r in results] == [1, 2, 3]  # each text's place in the list, an empty one counted too
    assert results[0].label == "positive" and results[2].label == "negative"
    assert all(sum(r.probs.values()) == pytest.approx(1.0) for r in results)
    assert classifier.predict("a great film")[0].probs == pytest.approx(results[0].probs, abs=1e-6)


def test_load_by_name_or_file(hand_tagger, tiny_sentiment):
    assert isinstance(rnncli.load("tagger-rnn"), rnncli.Tagger)
    assert isinstance(rnncli.load("sentiment-lstm"), rnncli.Sentiment)
    assert isinstance(rnncli.load(str(tiny_sentiment)), rnncli.Sentiment)
    assert rnncli.load(str(hand_tagger)).tag(["I"]) == [("I", "PRON")]
    with pytest.raises(RnnCliError, match="no such file"):
        rnncli.load("nowhere/model.safetensors")


def test_explain_gradients_returns_explanations(tiny_model):
    (explanation,) = rnncli.explain_gradients("I study at night", models=[str(tiny_model)], task="tagger")
    assert explanation.name == "tiny-lstm" and len(explanation.grad_norms) == 4
    assert explanation.summary()["verdict"] in ("vanishes", "holds", "explodes")
