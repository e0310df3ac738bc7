"""Sentiment: the TSV reader, numpy/torch parity for every pooling, a tiny fixed-seed run, the CLI."""

import json
import re

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from conftest import FIXTURES, SHARED_DATA
from rnncli.cli.app import app
from rnncli.model.config import ModelConfig
from rnncli.data.labelled import read_sentiment_tsv
from rnncli.model.encoding import encode
from rnncli.errors import RnnCliError
from rnncli.model.forward import sentiment_forward
from rnncli.model.model_file import load_model
from rnncli.infer.sentiment import Classifier
from rnncli.train.model import SentimentModel, batch_tensors, numpy_state
from rnncli.model.vocab import Vocab

TINY = FIXTURES / "tiny-sentiment.tsv"
runner = CliRunner()


def test_reader_names_sst_labels_and_finds_columns(tmp_path):
    examples = read_sentiment_tsv(TINY)
    assert len(examples) == 16 and examples[0].words == ["a", "great", "film"] and examples[0].label == "positive"
    text_first = tmp_path / "glue.tsv"
    text_first.write_text("a fine film\t2\nan awful film\t0\nok\t1\n", encoding="utf-8")
    assert [(e.label, e.words) for e in read_sentiment_tsv(text_first)] == [
        ("2", ["a", "fine", "film"]), ("0", ["an", "awful", "film"]), ("1", ["ok"])]
    assert [e.label for e in read_sentiment_tsv(text_first, ["bad", "meh", "good"])] == ["good", "bad", "meh"]
    one_word_first = tmp_path / "awful.tsv"  # the first row alone cannot tell: the rows after it do
    one_word_first.write_text("Awful\t0\nan awful film\t0\na fine film\t1\n", encoding="utf-8")
    assert [e.label for e in read_sentiment_tsv(one_word_first)] == ["negative", "negative", "positive"]
    quotes = tmp_path / "q.tsv"
    quotes.write_text("label\tsentence\npos\tthe `` best '' film\n", encoding="utf-8")
    assert read_sentiment_tsv(quotes)[0].words == ["the", '"', "best", '"', "film"]


@pytest.mark.parametrize("content, message", [
    ("", "empty file"),
    ("label\tsentence\n1\tgood\textra\n", r"x.tsv:2: expected 2 tab-separated columns \(label, text\), found 3; a "
                                           r"text with a tab in it\? make the tab a space"),
    ("label,sentence\n1,good\n", r"x.tsv:1: .*found 1; is it comma-separated\? rnncli reads label<TAB>text"),
    ("label\tsentence\n1\t   \n", r"x.tsv:2: empty text"),
    ("label\tsentence\n", "no examples after the header"),
])
def test_reader_errors(tmp_path, content, message):
    path = tmp_path / "x.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RnnCliError, match=message):
        read_sentiment_tsv(path)


@pytest.mark.parametrize("pooling", ["max", "mean", "final", "attention"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_numpy_matches_torch(pooling, cell):
    torch.manual_seed(1)
    words = Vocab(["a", "great", "film", "boring"], specials=True)
    chars = Vocab(list("agretfilmbon"), specials=True)
    config = ModelConfig(task="sentiment", cell=cell, pooling=pooling, words=len(words), chars=len(chars),
                         embedding_dim=8, char=cell == "gru", char_dim=4, char_hidden=3, hidden=6, layers=2,
                         heads={"label": 3})
    model = SentimentModel(config).eval()
    batch = encode([["a", "great", "film"], ["boring"], ["a", "very", "boring", "film", "!"]], words,
                   chars if config.char else None, config.max_word_chars)
    with torch.no_grad():
        expected = model(**batch_tensors(batch))["label"].softmax(-1).numpy()
    got = sentiment_forward(config, numpy_state(model), batch)["label"]
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_tiny_model_classifies_exactly(tiny_sentiment):
    model = load_model(tiny_sentiment)
    assert model.labels == {"label": ["negative", "positive"]}
    assert model.meta["scores"]["dev"]["label"] == 1.0
    probs = Classifier(model).probabilities([["a", "great", "movie"], ["a", "boring", "movie"], ["loved", "it"],
                                             ["dull", "acting"], []])
    assert [model.labels["label"][j] for j in probs.argmax(-1)] == ["positive", "negative", "positive", "negative",
                                                                   "positive"]
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)


def test_sentiment_command_formats(tiny_sentiment):
    result = runner.invoke(app, ["sentiment", "-m", str(tiny_sentiment), "a great movie"])
    label, prob, text = result.stdout.rstrip("\n").split("\t")
    assert (label, text) == ("positive", "a great movie") and 0.5 < float(prob) <= 1.0
    result = runner.invoke(app, ["sentiment", "-m", str(tiny_sentiment), "-f", "jsonl"],
                           input="a great movie\n\na boring movie\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["label"] for r in records] == ["positive", None, "negative"]  # the blank line keeps its place
    assert set(records[0]) == {"line", "text", "label", "prob", "probs"}
    assert records[0]["probs"]["positive"] == records[0]["prob"]
    result = runner.invoke(app, ["sentiment", "-m", str(tiny_sentiment), "-I", "text", "-f", "tsv"],
                           input="A great movie. A boring movie.\n")
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["positive", "negative"]
    table = runner.invoke(app, ["sentiment", "-m", str(tiny_sentiment), "-f", "table", "a great movie"])
    assert "positive" in table.stdout and "negative 0." in table.stdout and "a great movie" in table.stdout


def test_each_view_marks_a_text_echoed_cut(capsys, monkeypatch):
    from rnncli.cli.views import sentiment as view
    from rnncli.infer.sentiment import ECHO_CHARS, SentimentResult

    monkeypatch.setenv("COLUMNS", "200")
    cut, whole = SentimentResult("so good", {"negative": 0.1, "positive": 0.9}, 4, cut=12), SentimentResult("ok", {})
    for fmt, mark in [("tsv", "so good…\n"), ("table", "so good…"), ("jsonl", '"cut": 12}')]:
        view.show([cut, whole], fmt)
        out, err = capsys.readouterr()
        assert mark in out.splitlines(keepends=True)[0] and "…" not in out.split("so good")[1][1:]
        assert err.count("line 4: a text of 19 characters is echoed cut to its first 7") == 1
    help_text = runner.invoke(app, ["sentiment", "--help"], env={"COLUMNS": "200"}).stdout
    assert f"A text over {ECHO_CHARS:,} characters is echoed cut" in " ".join(help_text.split())


def test_sentiment_errors(tiny_sentiment, tiny_model):
    wrong = runner.invoke(app, ["sentiment", "-m", str(tiny_model), "great"])
    assert wrong.exit_code == 2 and "a tagger model, where a sentiment model is needed" in wrong.stderr
    binary = runner.invoke(app, ["sentiment", "-m", str(tiny_sentiment)], input=b"\x00\x01")
    assert binary.exit_code == 1 and "input looks binary" in binary.stderr
    long = runner.invoke(app, ["sentiment", "-m", str(tiny_sentiment)], input="great " * 100_000 + "\n")
    assert long.exit_code == 0 and long.stdout.startswith("positive\t")


def test_eval_and_train_sentiment_commands(tiny_sentiment, tmp_path):
    result = runner.invoke(app, ["eval", "sentiment", "-m", str(tiny_sentiment), "-d", str(TINY)])
    assert result.exit_code == 0 and "accuracy 100.00%" in result.stdout and "confusion matrix" in result.stdout
    report = json.loads(runner.invoke(app, ["eval", "sentiment", "-m", str(tiny_sentiment), "-d", str(TINY),
                                            "--json"]).stdout)
    assert report["confusion_matrix"] == [[8, 0], [0, 8]] and report["labels"] == ["negative", "positive"]
    text = tmp_path / "unlabelled.txt"
    text.write_text("A great film. A wonderful film. A boring film.\nA terrible story.\n", encoding="utf-8")
    out = tmp_path / "cli.safetensors"
    result = runner.invoke(app, ["train", "sentiment", "--train", str(TINY), "--dev", str(TINY), "--out", str(out),
                                 "--cell", "rnn", "--pooling", "attention", "--hidden", "8", "--embedding-dim", "8",
                                 "--epochs", "2", "--embeddings-from", str(text), "--label-names", "bad,good",
                                 "--threads", "1"])
    assert result.exit_code == 0, result.output
    meta = load_model(out).meta
    assert meta["labels"]["label"] == ["bad", "good"] and meta["config"]["pooling"] == "attention"
    assert meta["training"]["embeddings"]["sources"] == [str(text)]
    progress = [line for line in result.stderr.splitlines() if line.startswith("word vectors")]
    assert progress[0] == f"word vectors (PPMI + SVD): counting co-occurrences in {text}"  # before the silent work
    assert progress[1].startswith("word vectors: 20 sentences counted; truncated SVD of ")
    assert re.fullmatch(r"word vectors ready for \d+ of \d+ words \(\d+ s\)", progress[2])
    refused = runner.invoke(app, ["train", "sentiment", "--train", str(TINY), "--dev", str(TINY), "--out",
                                  str(tmp_path / "x.safetensors"), "--embeddings-from", "nltk:sentence_polarity"])
    assert refused.exit_code == 1 and "refused" in refused.stderr


def test_recorded_command_repeats_repeatable_options(tmp_path):
    out = tmp_path / "m.safetensors"
    result = runner.invoke(app, ["train", "sentiment", "--train", str(TINY), "--train", str(TINY), "--dev", str(TINY),
                                 "--out", str(out), "--hidden", "4", "--embedding-dim", "4", "--epochs", "1"])
    assert result.exit_code == 0, result.output
    command = load_model(out).meta["training"]["command"]
    assert f"--train {TINY} --train {TINY} --dev {TINY}" in command and "(" not in command


@pytest.mark.skipif(not (SHARED_DATA / "nltk_data").is_dir(), reason="needs nltk_data (DATA.md)")
def test_movie_reviews_by_name(monkeypatch):
    from rnncli.data.labelled import read_labelled

    monkeypatch.setenv("NLTK_DATA", str(SHARED_DATA / "nltk_data"))
    train, dev, test = (read_labelled(f"nltk:movie_reviews:{split}") for split in ("train", "dev", "test"))
    assert (len(train), len(dev), len(test)) == (1600, 200, 200)
    assert {e.label for e in test} == {"negative", "positive"} and sum(e.label == "positive" for e in dev) == 100
    with pytest.raises(RnnCliError, match="unknown split 'valid'"):
        read_labelled("nltk:movie_reviews:valid")
