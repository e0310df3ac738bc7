"""The bundled models: golden outputs, and their accuracy on the official test splits
(skipped without the data of DATA.md)."""

import pytest

from conftest import EWT, SHARED_DATA
from rnncli.data.labelled import as_the_pipeline_reads, read_sentiment_tsv
from rnncli.data.tagged import read_tagged_conllu
from rnncli.evaluate.scores import evaluate_sentiment, evaluate_tagger
from rnncli.model.bundled import BUNDLED, pretrained_dir, resolve_model
from rnncli.model.model_file import load_model
from rnncli.infer.sentiment import Classifier
from rnncli.infer.tagger import Tagger
from rnncli.infer.tokenizer import tokenizer_for
from rnncli.text.rules import tokenize

GOLDEN_TAGS = {
    "I study at night": "PRON VERB ADP NOUN",
    "She doesn't like green apples.": "PRON AUX PART VERB ADJ NOUN PUNCT",
    "The dogs were barking loudly outside the house.": "DET NOUN AUX VERB ADV ADP DET NOUN PUNCT",
    "Can you send me the report by Friday?": "AUX PRON VERB PRON DET NOUN ADP PROPN PUNCT",
}
GOLDEN_PTB = {"I study at night": "PRP VBP IN NN", "She doesn't like green apples.": "PRP VBZ RB VB JJ NNS ."}
POSITIVE = ["What a great film", "A wonderful, moving story with brilliant acting.", "I loved every minute of it."]
# SST-2 test as people write it: floors under the bundled models (issue 19 asks 87.0, 84.0, 85.0)
SST2_TARGETS = {"lstm": 0.86, "rnn": 0.84, "lstm-small": 0.85}
NEGATIVE = ["This movie is terrible and boring.", "A dull, lifeless mess.", "The worst film I have seen this year."]


def tagger(name: str) -> Tagger:
    return Tagger(load_model(resolve_model(name, "tagger"), task="tagger"))


@pytest.mark.parametrize("name", ["lstm", "rnn", "lstm-small", "rnn-small"])
def test_golden_tags(name):
    t = tagger(name)
    sentences = [tokenize(text)[0] for text in GOLDEN_TAGS]
    assert [" ".join(tags) for tags in t.best(sentences)] == list(GOLDEN_TAGS.values())
    assert [" ".join(tags) for tags in t.best([tokenize(s)[0] for s in GOLDEN_PTB], "xpos")] == list(GOLDEN_PTB.values())


def test_the_bundled_sentiment_models_read_text_through_tokenizer_rnn():
    """As `rnncli sentiment --help` says of its default --tokenizer."""
    from rnncli.infer.tokenizer import trained_tokenizer

    for name in ("lstm", "rnn", "lstm-small"):
        model = load_model(resolve_model(name, "sentiment"))
        assert trained_tokenizer(model) == "rnn" and tokenizer_for(model, None, "lines").name == "tokenizer-rnn"


def test_the_tokenizer_help_names_every_bundled_tokenizer_and_ranks_their_work_as_their_speed():
    """--tokenizer's help says lstm is half as fast as rnn and rnn-small faster (README,
    "Tokenization", measures them); what they compute per character is ordered so."""
    from rnncli.cli.options import TOKENIZERS

    assert [name for name in BUNDLED["tokenizer"] if f"{name} (" in TOKENIZERS] == list(BUNDLED["tokenizer"])
    assert "half as fast" in TOKENIZERS and "rnn-small (a smaller vanilla RNN: faster" in TOKENIZERS
    macs = {name: load_model(resolve_model(name, "tokenizer")).config.macs_per_token() for name in BUNDLED["tokenizer"]}
    assert macs["lstm"] > 1.8 * macs["rnn"] and macs["rnn"] > 3 * macs["rnn-small"]


def test_the_default_tokenizer_is_the_bundled_rnn_with_its_sentence_bias_fitted_on_dev():
    from rnncli.infer.tokenizer import open_tokenizer
    from rnncli.model.config import DEFAULT_TOKENIZER

    tokenizer = open_tokenizer(DEFAULT_TOKENIZER)
    assert DEFAULT_TOKENIZER == "rnn" and tokenizer.name == "tokenizer-rnn" and tokenizer.sentence_bias == 0.75
    curve = tokenizer.model.meta["training"]["sentence_bias_dev"]
    assert max(curve.values()) == curve["0.75"] > curve["0.5"] > curve["0"]


@pytest.mark.parametrize("name", ["lstm", "rnn", "lstm-small"])
def test_golden_sentiment(name):
    classifier = Classifier(load_model(resolve_model(name, "sentiment"), task="sentiment"))
    probs = classifier.probabilities([tokenize(t)[0] for t in POSITIVE + NEGATIVE])
    labels = [classifier.labels[j] for j in probs.argmax(-1)]
    assert labels == ["positive"] * len(POSITIVE) + ["negative"] * len(NEGATIVE)


def test_bundled_models_are_small_and_describe_themselves():
    files = {p.stem: p for p in pretrained_dir().glob("*.safetensors")}
    assert set(files) == {"tagger-lstm", "tagger-rnn", "tagger-lstm-small", "tagger-rnn-small",
                          "sentiment-lstm", "sentiment-rnn",
                          "sentiment-lstm-small",
                          "tokenizer-lstm", "tokenizer-rnn", "tokenizer-rnn-small", "lm-lstm", "lm-rnn"}
    assert sum(p.stat().st_size for p in files.values()) <= 47_000_000  # see the model card: 45.8 MB
    assert files["tagger-lstm"].stat().st_size + files["tagger-rnn"].stat().st_size <= 15_000_000
    assert files["tokenizer-lstm"].stat().st_size <= 2_000_000 and files["tokenizer-rnn"].stat().st_size <= 2_000_000
    for name, path in files.items():
        meta = load_model(path).meta
        assert meta["name"] == name and meta["training"]["command"].startswith("rnncli train ")
        assert meta["training"]["seed"] is not None and "test" in meta["scores"]


needs_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="needs the data of DATA.md (RNNCLI_DATA)")


@needs_data
@pytest.mark.parametrize("name, upos, ptb", [("lstm", 0.955, 0.945), ("rnn", 0.940, None), ("lstm-small", 0.95, None),
                                              ("rnn-small", 0.945, None)])
def test_tagger_accuracy_on_ewt_test(name, upos, ptb):
    model = load_model(resolve_model(name, "tagger"))
    report = evaluate_tagger(model, read_tagged_conllu(EWT / "en_ewt-ud-test.conllu"))
    assert report.accuracy["upos"] == pytest.approx(model.meta["scores"]["test"]["upos"], abs=1e-6)
    assert report.accuracy["upos"] >= upos
    if ptb:
        assert report.accuracy["xpos"] >= ptb


SST2_RIGHT = {"lstm": 1568, "rnn": 1548, "lstm-small": 1559}  # of SST-2 test's 1,821, on the default path


@needs_data
@pytest.mark.parametrize("name, target", [("lstm", SST2_TARGETS["lstm"]), ("rnn", SST2_TARGETS["rnn"]),
                                          ("lstm-small", SST2_TARGETS["lstm-small"])])
def test_sentiment_accuracy_on_sst2_test_as_people_write_it(name, target):
    """SST-2 test detokenized and cut by the tokenizer the model records (`rnn`), as `rnncli
    sentiment` reads a raw line by default: the model card's figure, and within one text of the
    model file's own test score, made through the 20-epoch tokenizer-rnn bundled before."""
    model = load_model(resolve_model(name, "sentiment"))
    tokenizer = tokenizer_for(model, None, "lines")
    examples = as_the_pipeline_reads(read_sentiment_tsv(SHARED_DATA / "sst2" / "test.tsv"), tokenizer)
    report = evaluate_sentiment(model, examples)
    right = round(report.accuracy["label"] * len(examples))
    assert (len(examples), right) == (1821, SST2_RIGHT[name])
    assert abs(right - model.meta["scores"]["test"]["label"] * len(examples)) <= 1 + 1e-6
    assert report.accuracy["label"] >= target


@needs_data
def test_the_default_sentiment_model_reads_whole_reviews_in_windows():
    """movie_reviews' 200 test reviews, each one raw line (median 731 tokens): read in windows
    of MAX_TOKENS combined by WindowMean, the default model gets 172 right (86.0%, the model
    card's figure); read in windows of 2,000 averaged as before, 162 (81.0%)."""
    from rnncli.data.labelled import read_labelled

    model = load_model(resolve_model("lstm", "sentiment"))
    examples = as_the_pipeline_reads(read_labelled("nltk:movie_reviews:test"), tokenizer_for(model, None, "lines"))
    right = round(evaluate_sentiment(model, examples).accuracy["label"] * len(examples))
    assert (len(examples), right) == (200, 172)


def test_rnn_gradient_decays_faster_than_lstm_on_the_bundled_sentiment_models():
    from rnncli.explain.sentence import explain

    tokens = tokenize("I grew up in Korea , so when I moved to Canada for university I practised every single day , "
                      "reading books , watching films and talking with friends , until at last my English was as "
                      "comfortable as my Korean")[0]
    assert len(tokens) == 41
    rnn, lstm = (explain(load_model(resolve_model(name, "sentiment")), tokens) for name in ("rnn", "lstm"))
    assert rnn.summary()["decay_factor"] < lstm.summary()["decay_factor"] < 1.0
    assert rnn.summary()["reach"] < lstm.summary()["reach"]
    assert rnn.grad_norms[0] / rnn.grad_norms[-1] < 0.25 * lstm.grad_norms[0] / lstm.grad_norms[-1]  # 41 tokens back: 1/6
