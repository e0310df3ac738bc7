"""Sentiment data as the pipeline reads it: NLTK's review corpora and their splits, texts
written as people write them and cut by the tokenizer, several dev sets, and the tokenizer
file kept safe from the outputs."""

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SHARED_DATA, TINY_SENTIMENT
from rnncli.cli.app import app
from rnncli.data.labelled import LabelledText, as_the_pipeline_reads, as_written, read_labelled
from rnncli.errors import RnnCliError
from rnncli.infer.tokenizer import open_tokenizer
from rnncli.model.model_file import load_model

needs_nltk_data = pytest.mark.skipif(not (SHARED_DATA / "nltk_data" / "corpora").is_dir(),
                                     reason="needs the NLTK data of ../shared/data (RNNCLI_DATA)")


def test_tokenized_text_is_written_as_people_write_it():
    assert as_written("it does n't feel like one .") == "it doesn't feel like one."
    assert as_written("`` great '' film , and i 'm happy") == '"great" film, and i\'m happy'
    assert as_written("Already written, isn't it?") == "Already written, isn't it?"


def test_texts_are_cut_as_rnncli_sentiment_cuts_a_raw_line():
    given = ["the film 's a roller-coaster , does n't it ?", "`` wow ''", "plain words"]
    examples = [LabelledText(g.split(), "positive", g) for g in given]
    cut = as_the_pipeline_reads(examples, open_tokenizer("lstm", "lines"))
    piped = CliRunner().invoke(app, ["tag", "-I", "lines", "-f", "tags"], input="".join(as_written(g) + "\n"
                                                                                     for g in given))
    assert [e.words for e in cut] == [[w.rsplit("/", 1)[0] for w in line.split()] for line in piped.stdout.splitlines()]
    assert cut[0].words[:6] == ["the", "film", "'s", "a", "roller", "-"]  # EWT cuts hyphens, SST does not
    assert [e.label for e in cut] == ["positive"] * 3 and cut[0].given == given[0]


def test_a_file_of_raw_text_is_cut_as_written(tmp_path):
    """The detokenizer rewrote raw text too ("small :(" to "small:(", "can not" to "cannot"), so
    training and eval read it otherwise than `rnncli sentiment` does; only a tokenized file
    (SST's) is written as people write it."""
    from rnncli.data.labelled import looks_tokenized

    raw = ["Screen is small :(", "I can not believe it, really.", "Works fine ... not great!", "Great, thanks."]
    path = tmp_path / "raw.tsv"
    path.write_text("".join(f"0\t{t}\n" for t in raw), encoding="utf-8")
    examples = read_labelled(path)
    assert not any(e.tokenized for e in examples)
    cut = as_the_pipeline_reads(examples, open_tokenizer("rnn", "lines"))
    piped = CliRunner().invoke(app, ["tag", "-I", "lines", "-f", "tags"], input="".join(t + "\n" for t in raw))
    assert [e.words for e in cut] == [[w.rsplit("/", 1)[0] for w in line.split()] for line in piped.stdout.splitlines()]
    assert ":(" in cut[0].words and ["can", "not"] == cut[1].words[1:3]
    assert looks_tokenized(["it does n't feel like one .", "a fine film", "great , but long"])
    assert not looks_tokenized(["it doesn't feel like one.", "a fine film", "great, but long"] * 40)
    assert not looks_tokenized(["a fine film", "good fun"])  # nothing to write otherwise: kept as it is
    assert not looks_tokenized(["love it !", "works great :) would buy again", "so cute . really"])  # chat
    assert looks_tokenized(["`` Elling '' is great"] + ["a fine , funny film"] * 97 + ["Great, loved it."] * 2)


def test_treebank_rules_as_the_tokenizer():
    (cut,) = as_the_pipeline_reads([LabelledText("does n't".split(), "negative", "does n't")], None)
    assert cut.words == ["does", "n't"]


@needs_nltk_data
@pytest.mark.parametrize("name, sizes", [("pros_cons", (36_695, 4_585, 4_587)), ("product_reviews", (2_923, 325, 375)),
                                         ("movie_review_sentences", (14_981, 1_748, 1_943)),
                                         ("opinion_lexicon", (5_427, 678, 678))])
def test_review_corpora_have_fixed_disjoint_splits(name, sizes):
    splits = [read_labelled(f"nltk:{name}:{split}") for split in ("train", "dev", "test")]
    assert tuple(len(s) for s in splits) == sizes
    assert len(read_labelled(f"nltk:{name}")) == sum(len(s) for s in splits)
    assert {e.label for s in splits for e in s} == {"positive", "negative"}
    texts = [{" ".join(e.words) for e in s} for s in splits]
    assert len(texts[1] & texts[2]) < 0.05 * len(texts[2])  # short snippets may repeat ("Price"), reviews do not


@needs_nltk_data
def test_product_review_labels_follow_the_opinion_strengths():
    examples = read_labelled("nltk:product_reviews:train")
    first = next(e for e in examples if e.given.startswith("im a more happier person"))
    assert first.label == "positive"  # [+2] on its "player"
    written = [as_written(e.given) for e in examples]
    assert any("you're looking for my opinion" in w for w in written)  # "you ' re" put back together
    assert not any(" ' s " in w or "' re " in w for w in written)


@needs_nltk_data
def test_movie_review_sentences_carry_their_reviews_label_where_the_lexicon_agrees():
    import nltk

    lexicon = {"positive": set(nltk.corpus.opinion_lexicon.positive()),
               "negative": set(nltk.corpus.opinion_lexicon.negative())}
    from rnncli.data.corpora import CORPORA

    other = {"positive": "negative", "negative": "positive"}
    sentences = [(set(words), label) for words, label, split in CORPORA["movie_review_sentences"](nltk) if split == "dev"]
    assert all(lexicon[label] & words and not lexicon[other[label]] & words for words, label in sentences)
    examples = read_labelled("nltk:movie_review_sentences:dev")  # of the 200 reviews cv800-cv899
    assert len(examples) == len(sentences) and 0.4 < sum(e.label == "positive" for e in examples) / len(examples) < 0.6
    assert len(read_labelled("nltk:movie_reviews:dev")) == 200


@needs_nltk_data
def test_opinion_lexicon_words_are_one_word_texts_labelled_by_their_list():
    import nltk

    examples = read_labelled("nltk:opinion_lexicon")
    assert all(len(e.words) == 1 for e in examples)
    labels = {e.words[0]: e.label for e in examples}
    assert labels["delicious"] == "positive" and labels["overpriced"] == "negative"
    lexicon = nltk.corpus.opinion_lexicon
    on_both = set(lexicon.positive()) & set(lexicon.negative())
    assert len(labels) == len(examples) == len(lexicon.positive()) + len(lexicon.negative()) - 2 * len(on_both)
    assert on_both and not on_both & labels.keys()  # a word both lists hold says nothing on its own


@needs_nltk_data
def test_label_names_for_a_corpus_alone_are_refused_not_ignored():
    with pytest.raises(RnnCliError, match="nltk:opinion_lexicon:dev: label names were given, but NLTK's corpora"):
        read_labelled("nltk:opinion_lexicon:dev", ["bad", "good"])


def test_the_corpora_tokens_are_put_back_together():
    from rnncli.data.corpora import rejoined

    assert rejoined("it ' s a pocket - sized , 2 - 3 inch cam ' ra".split()) == "it's a pocket-sized , 2 - 3 inch cam ' ra"


@pytest.mark.parametrize("spec, message", [("nltk:sentence_polarity", "unknown corpus"),
                                           ("nltk:pros_cons:valid", "unknown split 'valid'"),
                                           ("nltk:pros_cons:", "unknown split ''")])
def test_unknown_corpora_and_splits_are_refused(spec, message):
    with pytest.raises(RnnCliError, match=message):
        read_labelled(spec)


def tiny_sentiment_job(out, **overrides):
    from rnncli.train import TrainJob

    values = {"train": TINY_SENTIMENT, "dev": TINY_SENTIMENT, "embedding_dim": 8, "hidden": 8, "layers": 1,
              "char": False, "dropout": 0.0, "word_dropout": 0.0, "epochs": 2, "batch_size": 4, "seed": 5,
              "min_word_count": 1, "dtype": "float32", "command": "pytest"}
    return TrainJob.for_task("sentiment", out=out, **{**values, **overrides})


def test_training_reads_the_texts_through_the_tokenizer_and_says_which(tmp_path):
    from rnncli.train import SentimentTask, train

    tsv = tmp_path / "train.tsv"
    tsv.write_text("label\tsentence\n1\tit 's a feel-good film\n0\tit does n't work\n")
    kept, cut = (load_model(train(tiny_sentiment_job(tmp_path / f"{t}.safetensors", train=tsv), SentimentTask(
        tokenizer=t)).out) for t in ("none", "lstm"))
    assert {"feel-good", "n't"} <= set(kept.words.items) and "feel-good" not in cut.words.items
    assert {"feel", "good", "-", "n't"} <= set(cut.words.items)
    assert (kept.meta["training"]["data"]["tokenizer"], cut.meta["training"]["data"]["tokenizer"]) == ("none", "lstm")


FOREIGN = "Привет мир как дела у тебя сегодня"  # never seen by a tokenizer: its warning names it


def test_a_model_reads_raw_text_through_the_tokenizer_its_training_texts_went_through(tmp_path):
    from rnncli.api import Sentiment
    from rnncli.train import SentimentTask, train

    models = {t: train(tiny_sentiment_job(tmp_path / f"{t}.safetensors"), SentimentTask(tokenizer=t)).out
              for t in ("lstm", "none", "treebank")}  # lstm: not the default tokenizer, rnn
    assert load_model(models["lstm"]).meta["training"]["data"]["tokenizer"] == "lstm"
    assert Sentiment(str(models["lstm"])).tokenizer.name == "tokenizer-lstm"
    assert Sentiment(str(models["none"])).tokenizer.name == "tokenizer-rnn"  # its data's own tokens: the default
    assert Sentiment(str(models["treebank"])).tokenizer is None  # Punkt and the Treebank rules
    assert Sentiment(str(models["lstm"]), tokenizer="rnn").tokenizer.name == "tokenizer-rnn"
    for args, used in (([], "tokenizer-lstm"), (["--tokenizer", "rnn"], "tokenizer-rnn")):
        result = CliRunner().invoke(app, ["sentiment", "-m", str(models["lstm"]), *args, FOREIGN])
        assert result.exit_code == 0 and f"the tokenizer {used} never saw" in result.stderr
    result = CliRunner().invoke(app, ["eval", "sentiment", "-m", str(models["lstm"]), "-m", str(models["none"]),
                                      "-d", str(TINY_SENTIMENT), "--json"])
    assert [d["tokenizer"] for d in json.loads(result.stdout)["models"]] == ["lstm", "rnn"]
    table = CliRunner().invoke(app, ["eval", "sentiment", "-m", str(models["lstm"]), "-m", str(models["none"]),
                                     "-d", str(TINY_SENTIMENT)], env={"COLUMNS": "200"}).stdout.splitlines()
    assert table[0] == f"2 models on {TINY_SENTIMENT}" and "lstm (lstm)" in table[1] and "none (rnn)" in table[1]
    same = CliRunner().invoke(app, ["eval", "sentiment", "-m", str(models["lstm"]), "-m", str(models["none"]),
                                    "--tokenizer", "rnn-small", "-d", str(TINY_SENTIMENT)]).stdout
    assert same.startswith(f"2 models on {TINY_SENTIMENT}, cut by tokenizer rnn-small\n")  # one for all: said once


def test_a_tokenizer_file_is_recorded_by_its_absolute_path_and_missed_when_gone(tmp_path, monkeypatch):
    from rnncli.api import Sentiment
    from rnncli.train import SentimentTask, train

    monkeypatch.chdir(tmp_path)
    Path("tok.safetensors").write_bytes(open_tokenizer("rnn").model.path.read_bytes())
    model = train(tiny_sentiment_job(tmp_path / "m.safetensors"), SentimentTask(tokenizer="tok.safetensors")).out
    assert load_model(model).meta["training"]["data"]["tokenizer"] == str(tmp_path / "tok.safetensors")
    monkeypatch.chdir("/")
    assert Sentiment(str(model)).tokenizer.model.path == tmp_path / "tok.safetensors"
    (tmp_path / "tok.safetensors").unlink()
    result = CliRunner().invoke(app, ["sentiment", "-m", str(model), "good"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (f"rnncli: error: {model}: its training texts were cut by the tokenizer "
                             f"'{tmp_path / 'tok.safetensors'}', which cannot be used here ({tmp_path / 'tok.safetensors'}"
                             ": no such file); name another (--tokenizer, or tokenizer= in Python)\n")
    assert CliRunner().invoke(app, ["sentiment", "-m", str(model), "--tokenizer", "lstm", "good"]).exit_code == 0
    assert CliRunner().invoke(app, ["sentiment", "-m", str(model), "-I", "tokens", "good"]).exit_code == 0  # needs none


def recording(tmp_path, tokenizer, name="m.safetensors"):
    """A copy of the bundled sentiment-lstm-small whose file records `tokenizer` as its training texts'."""
    from rnncli.model.bundled import resolve_model
    from rnncli.model.model_file import read_tensors
    from safetensors.numpy import save

    meta, tensors = read_tensors(resolve_model("lstm-small", "sentiment"))
    meta = json.loads(json.dumps(meta))
    meta["training"]["data"]["tokenizer"] = tokenizer
    (tmp_path / name).write_bytes(save(dict(tensors), metadata={"rnncli": json.dumps(meta)}))
    return tmp_path / name


@pytest.mark.parametrize("recorded, message", [
    ("/x" * 3000, "File name too long"), ("a" * 300, "File name too long"),
    ("bogus", "unknown tokenizer 'bogus'"), ("tagger-lstm", "a tagger model, where a tokenizer model is needed"),
    ("/tmp/no\x1b[31m\nsuch", "no such file"),
], ids=["long-path", "long-name", "unknown", "a-tagger", "control-characters"])
def test_a_recorded_tokenizer_that_cannot_be_used_is_one_clear_line(tmp_path, recorded, message):
    from rnncli.api import Sentiment

    model = recording(tmp_path, recorded)
    for args in (["sentiment", "-m", str(model), "good"], ["eval", "sentiment", "-m", str(model), "-d", str(TINY_SENTIMENT)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1 and "Traceback" not in result.output and result.stderr.count("\n") == 1
        assert result.stderr.startswith(f"rnncli: error: {model}: its training texts were cut by the tokenizer ")
        assert message in result.stderr and "\x1b" not in result.stderr
    with pytest.raises(RnnCliError) as raised:
        Sentiment(str(model))
    assert message in str(raised.value) and "\x1b" not in str(raised.value) and "\n" not in str(raised.value)


def test_a_recorded_tokenizer_file_is_never_the_report(tmp_path):
    tokenizer = tmp_path / "tok.safetensors"
    tokenizer.write_bytes(open_tokenizer("rnn").model.path.read_bytes())
    model = recording(tmp_path, str(tokenizer))
    result = CliRunner().invoke(app, ["eval", "sentiment", "-m", str(model), "-d", str(TINY_SENTIMENT),
                                      "--report", str(tokenizer)])
    assert result.exit_code == 1 and result.stderr == (
        f"rnncli: error: --report {tokenizer} is an rnncli model file; choose another output path (only a new model "
        "replaces a model)\n")  # refused as a model before it is known as the one the model records
    assert tokenizer.read_bytes() == open_tokenizer("rnn").model.path.read_bytes()


def test_a_tokenizer_given_by_a_home_path_is_recorded_expanded(tmp_path, monkeypatch):
    from rnncli.infer.tokenizer import recorded_tokenizer

    monkeypatch.setenv("HOME", str(tmp_path))
    assert recorded_tokenizer("~/tok.safetensors") == str(tmp_path / "tok.safetensors")


def test_a_bundled_tokenizer_is_recorded_by_its_name_and_odd_records_read_as_the_default():
    from types import SimpleNamespace

    from rnncli.infer.tokenizer import recorded_tokenizer, trained_tokenizer

    bundled = open_tokenizer("rnn").model.path
    assert [recorded_tokenizer(s) for s in ("lstm", "none", "treebank", "tokenizer-rnn", str(bundled))] == \
        ["lstm", "none", "treebank", "tokenizer-rnn", "tokenizer-rnn"]
    for training in (None, [], {"data": 5}, {"data": {"tokenizer": 5}}, {"data": {"tokenizer": ""}}, {"data": {}}):
        assert trained_tokenizer(SimpleNamespace(meta={"training": training}, path=Path("m"))) == "rnn"  # the default


def test_several_dev_sets_are_joined_and_recorded(tmp_path):
    from rnncli.train import SentimentTask, train

    other = tmp_path / "other-dev.tsv"
    other.write_text("label\tsentence\n1\ta great film\n")
    result = train(tiny_sentiment_job(tmp_path / "m.safetensors", dev=[TINY_SENTIMENT, other]), SentimentTask())
    assert load_model(result.out).meta["training"]["data"]["dev"] == [str(TINY_SENTIMENT), str(other)]
    other.write_text("label\tsentence\n2\ta third kind of film\n")  # the second set is read and checked too
    with pytest.raises(RnnCliError, match="other-dev.tsv: label.s. 2 never occur"):
        train(tiny_sentiment_job(tmp_path / "n.safetensors", dev=[TINY_SENTIMENT, other]), SentimentTask())


def test_the_tokenizer_model_is_never_an_output(tmp_path):
    from rnncli.train import SentimentTask, train

    tokenizer = tmp_path / "tok.safetensors"
    tokenizer.write_bytes(open_tokenizer("lstm").model.path.read_bytes())
    with pytest.raises(RnnCliError, match="tok.safetensors"):
        train(tiny_sentiment_job(tokenizer), SentimentTask(tokenizer=str(tokenizer)))
    assert tokenizer.read_bytes() == open_tokenizer("lstm").model.path.read_bytes()


def test_eval_scores_as_the_pipeline_reads_unless_told_otherwise(tiny_sentiment, tmp_path):
    tsv = tmp_path / "test.tsv"
    tsv.write_text("label\tsentence\n1\ta great-film\n0\ta boring-movie\n")
    scores = {}
    for option in ([], ["--tokenizer", "none"]):
        result = CliRunner().invoke(app, ["eval", "sentiment", "-m", str(tiny_sentiment), "-d", str(tsv), "--json",
                                          *option])
        assert result.exit_code == 0, result.output
        scores[tuple(option)] = json.loads(result.stdout)["accuracy"]
    assert scores[()] == 1.0 and scores[("--tokenizer", "none")] < 1.0  # "great-film" is unknown as one token


@pytest.mark.parametrize("spec, has, needs", [
    ("nltk:pros_cons:test", [], "corpora/pros_cons"),
    ("nltk:movie_review_sentences:test", [], "corpora/movie_reviews and opinion_lexicon"),
    ("nltk:movie_review_sentences:test", ["movie_reviews", "movie_reviews.zip"], "corpora/movie_reviews and opinion_lexicon"),
], ids=["pros_cons", "movie_review_sentences, none", "movie_review_sentences, no lexicon"])
def test_a_corpus_missing_from_nltk_data_is_one_line_naming_what_it_needs(tmp_path, spec, has, needs):
    import shutil
    import subprocess
    import sys

    if has and not (SHARED_DATA / "nltk_data" / "corpora").is_dir():
        pytest.skip("needs the NLTK data of ../shared/data (RNNCLI_DATA)")
    (tmp_path / "corpora").mkdir()
    for name in has:
        source = SHARED_DATA / "nltk_data" / "corpora" / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / "corpora" / name)
    env = {**os.environ, "NLTK_DATA": str(tmp_path), "HOME": str(tmp_path)}  # no ~/nltk_data either
    result = subprocess.run([sys.executable, "-m", "rnncli", "eval", "sentiment", "-m", "lstm", "-d", spec],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"rnncli: error: {spec}: not found; set NLTK_DATA to the folder that holds {needs} "
                             f"(currently {tmp_path})\n")


@pytest.mark.parametrize("corpus, damage, problem", [
    ("opinion_lexicon", "positive-words.txt", "No such file or directory"),
    ("pros_cons", "IntegratedPros.txt", "Category Pros not found"),
])
def test_a_damaged_corpus_is_one_line_naming_it(tmp_path, corpus, damage, problem):
    """A file missing from a corpus was an "internal error" (NLTK's OSError or ValueError)."""
    import shutil
    import subprocess
    import sys

    source = SHARED_DATA / "nltk_data" / "corpora" / corpus
    if not source.is_dir():
        pytest.skip("needs the NLTK data of ../shared/data (RNNCLI_DATA)")
    shutil.copytree(source, tmp_path / "corpora" / corpus)
    (tmp_path / "corpora" / corpus / damage).unlink()
    env = {**os.environ, "NLTK_DATA": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "rnncli", "eval", "sentiment", "-m", "lstm", "-d",
                             f"nltk:{corpus}:test"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1 and result.stdout == "" and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"rnncli: error: nltk:{corpus}:test: corpora/{corpus} under NLTK_DATA ({tmp_path}) "
                                    "cannot be read (") and problem in result.stderr and "reinstall it" in result.stderr
