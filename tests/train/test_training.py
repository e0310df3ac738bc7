"""A tiny fixed-seed training run, asserted exactly, and what the model file records."""

import json
import re

import numpy as np
import pytest

from conftest import SHARED_DATA, TINY_TRAIN, train_tiny
from rnncli.errors import RnnCliError
from rnncli.model.model_file import load_model
from rnncli.infer.tagger import Tagger

SENTENCES = [["I", "study", "at", "night", "."], ["The", "cat", "reads", "books", "."],
             ["They", "walk", "slowly", "."], ["Dogs", "like", "the", "park", "."]]


def test_tiny_model_tags_exactly(tiny_model):
    tagger = Tagger(load_model(tiny_model))
    assert tagger.best(SENTENCES) == [["PRON", "VERB", "ADP", "NOUN", "PUNCT"], ["DET", "NOUN", "VERB", "NOUN", "PUNCT"],
                                      ["DET", "VERB", "ADV", "PUNCT"], ["VERB", "VERB", "DET", "NOUN", "PUNCT"]]
    assert tagger.best(SENTENCES[:2], "xpos") == [["PRP", "VBP", "IN", "NN", "."], ["DT", "NN", "VBZ", "NN", "."]]
    (probs,) = tagger.probabilities(SENTENCES[:1])
    assert probs["upos"].shape == (5, 9)
    np.testing.assert_allclose(probs["upos"].sum(-1), 1.0, atol=1e-5)
    assert probs["upos"][0, tagger.model.labels["upos"].index("PRON")] == pytest.approx(0.768, abs=0.02)


def test_model_file_says_how_it_was_made(tiny_model):
    meta = load_model(tiny_model).meta
    assert meta["format"] == "rnncli-model" and meta["task"] == "tagger" and meta["name"] == "tiny-lstm"
    assert meta["config"]["cell"] == "lstm" and meta["config"]["hidden"] == 16
    training = meta["training"]
    assert training["command"] == "pytest tiny" and training["seed"] == 7
    assert training["data"]["train"] == str(TINY_TRAIN) and training["data"]["train_sentences"] == 12
    assert training["best_epoch"] == 15 and len(training["history"]) == 25
    assert meta["scores"]["dev"]["upos"] == 1.0
    assert meta["labels"]["upos"] == ["ADJ", "ADP", "ADV", "CCONJ", "DET", "NOUN", "PRON", "PUNCT", "VERB"]


def test_same_seed_same_weights(tiny_model, tmp_path):
    again = load_model(train_tiny(tmp_path / "again.safetensors").out)
    first = load_model(tiny_model)
    assert first.weights.keys() == again.weights.keys()
    for key in first.weights:
        np.testing.assert_array_equal(first.weights[key], again.weights[key])


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_other_cells_train(tmp_path, cell):
    result = train_tiny(tmp_path / f"{cell}.safetensors", cell=cell)
    assert result.scores["dev"]["upos"] > 0.9
    assert load_model(result.out).config.cell == cell


def test_bad_training_data_fails_before_training(tmp_path):
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tA\t_\tNOUN\t_\t_\t_\t_\t_\t_\n2\tB\t_\t_\t_\n", encoding="utf-8")
    with pytest.raises(RnnCliError, match=r"bad.conllu:2: expected 10 tab-separated"):
        train_tiny(tmp_path / "m.safetensors", dev=bad)
    assert not (tmp_path / "m.safetensors").exists()


class PressCtrlC:
    """A callback that sends this process SIGINT, as Ctrl-C does, after a batch of an epoch."""

    def __init__(self, epoch: int, step: int):
        self.at, self.warnings = (epoch, step), []

    def on_start(self, *args): ...
    def on_epoch_end(self, *args): ...
    def on_end(self, *args): ...

    def on_warning(self, message):
        self.warnings.append(message)

    def on_step(self, epoch, step, loss):
        if (epoch, step) == self.at:
            import os
            import signal

            os.kill(os.getpid(), signal.SIGINT)


class StopAfter:
    """A callback that presses Ctrl-C at the end of an epoch."""

    def __init__(self, epoch: int):
        self.epoch = epoch

    def on_start(self, *args): ...
    def on_step(self, *args): ...
    def on_end(self, *args): ...
    def on_warning(self, *args): ...

    def on_epoch_end(self, epoch, metrics):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_interrupted_and_resumed_run_equals_an_uninterrupted_one(tmp_path, ctrl_c_reaches_us):
    from conftest import tiny_tagger_job
    from rnncli.train import TaggerTask, train

    def run(name, callbacks=None, resume=None):
        # dropout and word dropout exercise the random number generators
        job = tiny_tagger_job(tmp_path / f"{name}.safetensors", dropout=0.2, word_dropout=0.1, epochs=6, resume=resume)
        return train(job, TaggerTask(), callbacks)

    run("whole")
    checkpoint = tmp_path / "parts.safetensors.ckpt"
    message = f"interrupted; the last finished epoch is kept in {checkpoint}; continue with: pytest tiny --resume {checkpoint}"
    with pytest.raises(RnnCliError, match=re.escape(message)) as interrupted:
        run("parts", StopAfter(3))
    assert interrupted.value.exit_code == 130
    assert not (tmp_path / "parts.safetensors").exists() and checkpoint.exists()
    with pytest.raises(RnnCliError, match="made by a different run"):
        config_changed = tmp_path / "other.ckpt"
        config_changed.write_bytes(checkpoint.read_bytes())
        train(tiny_tagger_job(tmp_path / "x.safetensors", epochs=7, resume=config_changed), TaggerTask())
    result = run("parts", resume=checkpoint)
    assert not checkpoint.exists()  # removed once the model file is saved
    whole, parts = load_model(tmp_path / "whole.safetensors"), load_model(result.out)
    for key in whole.weights:
        np.testing.assert_array_equal(whole.weights[key], parts.weights[key])
    assert [h["loss"] for h in whole.meta["training"]["history"]] == [h["loss"] for h in parts.meta["training"]["history"]]

    # Ctrl-C within an epoch: the loop stops after that batch with a checkpoint of that very point
    checkpoint = tmp_path / "mid.safetensors.ckpt"
    ctrl_c = PressCtrlC(epoch=4, step=2)
    message = (f"interrupted; the run so far (epoch 4, batch 2 of 3) is kept in {checkpoint}; continue with: "
               f"pytest tiny --resume {checkpoint}")
    with pytest.raises(RnnCliError, match=re.escape(message)):
        run("mid", ctrl_c)
    assert [w for w in ctrl_c.warnings if "training texts too" not in w] == ["Ctrl-C: stopping after this batch, with a checkpoint to resume from (Ctrl-C again: "
                               "at once)"]
    import signal

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    from rnncli.model.model_file import read_tensors

    progress = read_tensors(checkpoint)[0]["checkpoint"]["progress"]
    assert (progress["epoch"], progress["step"], progress["loss_n"]) == (3, 2, 2)
    mid = load_model(run("mid", resume=checkpoint).out)
    for key in whole.weights:
        np.testing.assert_array_equal(whole.weights[key], mid.weights[key])
    assert [h["loss"] for h in whole.meta["training"]["history"]] == [h["loss"] for h in mid.meta["training"]["history"]]


def test_an_ignored_sigint_stays_ignored_while_training(tmp_path):
    # a shell script's `rnncli train ... &` starts with SIGINT ignored, so that Ctrl-C meant for
    # the script leaves the background run alone; training must not take SIGINT back
    import signal

    from conftest import tiny_tagger_job
    from rnncli.train import TaggerTask, train

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        result = train(tiny_tagger_job(tmp_path / "m.safetensors", epochs=2), TaggerTask(), PressCtrlC(1, 1))
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert result.out and len(result.history) == 2 and not result.stopped


def test_a_checkpoint_is_not_resumed_on_other_data_of_the_same_size(tmp_path):
    from conftest import tiny_tagger_job
    from rnncli.train import TaggerTask, train

    with pytest.raises(RnnCliError, match="interrupted"):
        train(tiny_tagger_job(tmp_path / "m.safetensors", epochs=3), TaggerTask(), StopAfter(1))
    # as many sentences, words, characters and tags: only the data itself tells them apart
    other = tmp_path / "other.conllu"
    other.write_text(TINY_TRAIN.read_text().replace("night", "thgin").replace("\tADP\tIN\t", "\tNOUN\tNN\t", 1))
    job = tiny_tagger_job(tmp_path / "m.safetensors", train=other, epochs=3, resume=tmp_path / "m.safetensors.ckpt")
    with pytest.raises(RnnCliError, match=r"made by a different run \(differs in the training data\)"):
        train(job, TaggerTask())
    smaller = tmp_path / "smaller.conllu"  # fewer words: the vocabulary's size follows, and is not an option
    smaller.write_text(TINY_TRAIN.read_text().split("\n\n", 1)[1])
    job = tiny_tagger_job(tmp_path / "m.safetensors", train=smaller, epochs=3, resume=tmp_path / "m.safetensors.ckpt")
    with pytest.raises(RnnCliError, match=r"made by a different run \(differs in the training data\);"):
        train(job, TaggerTask())
    job = tiny_tagger_job(tmp_path / "m.safetensors", epochs=3, lr=0.5, hidden=24, resume=tmp_path / "m.safetensors.ckpt")
    with pytest.raises(RnnCliError, match=r"differs in hidden \(16 there, 24 here\), lr \(0\.01 there, 0\.5 here\)\); "
                                          "resume with the same data and options"):  # it said "config, options"
        train(job, TaggerTask())


def test_max_time_and_patience_end_a_run_and_say_why(tmp_path):
    result = train_tiny(tmp_path / "quick.safetensors", max_time=0.0)  # time is up after the first batch
    assert result.stopped == "--max-time 0: the time was up in epoch 1 after 1 of 3 batches"
    assert [(h["epoch"], h["steps"]) for h in result.history] == [(1, 1)]
    saved = load_model(result.out)
    assert saved.meta["training"]["stopped"] == result.stopped and result.best_epoch == 1
    patient = train_tiny(tmp_path / "patient.safetensors", patience=2)
    assert patient.stopped == (f"--patience 2: no better dev score in the 2 epoch(s) after epoch "
                               f"{patient.best_epoch}")
    assert len(patient.history) == patient.best_epoch + 2 < 25 and "steps" not in patient.history[-1]
    assert train_tiny(tmp_path / "whole.safetensors", epochs=2).stopped is None


def test_tagged_formats(tmp_path):
    from rnncli.data.tagged import read_tagged

    vertical = tmp_path / "v.tsv"
    vertical.write_text("I\tPRON\nrun\tVERB\n\nGo\tVERB\n!\tPUNCT\n", encoding="utf-8")
    assert [(s.words, s.tags) for s in read_tagged(vertical)] == [
        (["I", "run"], {"upos": ["PRON", "VERB"]}), (["Go", "!"], {"upos": ["VERB", "PUNCT"]})]
    slash = tmp_path / "s.txt"
    slash.write_text("I/PRP run/VBP ./.\n\nand/CC 1/2/CD\n", encoding="utf-8")
    assert [(s.words, s.tags) for s in read_tagged(slash)] == [
        (["I", "run", "."], {"xpos": ["PRP", "VBP", "."]}), (["and", "1/2"], {"xpos": ["CC", "CD"]})]
    assert read_tagged(TINY_TRAIN)[0].tags["xpos"] == ["PRP", "VBP", "IN", "NN", "."]


@pytest.mark.parametrize("content, message", [
    ("I\tPRON\nrun\tVERB\textra\n", r"x:2: expected token<TAB>tag, found 3 column\(s\)"),
    ("I/PRP run\n", r"x:1: 'run' is not word/TAG"),
    ("", "no sentences found"),
])
def test_tagged_format_errors(tmp_path, content, message):
    from rnncli.data.tagged import read_tagged

    path = tmp_path / "x"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RnnCliError, match=message):
        read_tagged(path)


def test_dev_data_must_have_the_training_tag_sets(tmp_path):
    dev = tmp_path / "dev.txt"
    dev.write_text("I/PRP run/VBP\n", encoding="utf-8")
    with pytest.raises(RnnCliError, match="dev.txt: has no upos tags, but the training data has"):
        train_tiny(tmp_path / "m.safetensors", dev=dev)


def test_single_tag_set_model_trains_and_tags(tmp_path):
    from typer.testing import CliRunner

    from rnncli.cli.app import app

    slash = tmp_path / "ptb.txt"
    slash.write_text("I/PRP run/VBP ./.\nWe/PRP walk/VBP ./.\n", encoding="utf-8")
    result = train_tiny(tmp_path / "ptb.safetensors", train=slash, dev=slash)
    assert load_model(result.out).labels == {"xpos": [".", "PRP", "VBP"]}
    tagged = CliRunner().invoke(app, ["tag", "-m", result.out, "-f", "tags", "I run ."])
    assert tagged.stdout == "I/PRP run/VBP ./.\n"


@pytest.mark.skipif(not (SHARED_DATA / "nltk_data").is_dir(), reason="needs the data of DATA.md (RNNCLI_DATA)")
def test_nltk_corpora(monkeypatch):
    from rnncli.data.tagged import read_tagged

    monkeypatch.setenv("NLTK_DATA", str(SHARED_DATA / "nltk_data"))
    treebank = read_tagged("nltk:treebank")
    assert len(treebank) == 3914 and treebank[0].tags["xpos"][:3] == ["NNP", "NNP", ","]
    assert treebank[0].tags["upos"][:3] == ["PROPN", "PROPN", "PUNCT"]  # UD UPOS via data.ptb_to_upos
    assert all("-NONE-" not in s.tags["xpos"] for s in treebank)
    assert len(read_tagged("nltk:conll2000:test.txt")) == 2012
    with pytest.raises(RnnCliError, match="unknown corpus"):
        read_tagged("nltk:brown")
    with pytest.raises(RnnCliError, match=r"nltk:conll2000:test: nltk:conll2000 has no file 'test' \(it has "
                                          r"train.txt, test.txt\); tagged NLTK corpora name a file there, not a split"):
        read_tagged("nltk:conll2000:test")  # was: No such file or directory: '.../conll2000/test'
    with pytest.raises(RnnCliError, match="nltk:conll2000:: no file name after the colon"):
        read_tagged("nltk:conll2000:")  # was: the whole corpus, where nltk:movie_reviews: is an error


@pytest.mark.parametrize("values, message", [
    ({"epochs": 0}, "epochs must be a whole number of at least 1, not 0"),
    ({"hidden": "8"}, "hidden must be a whole number"),
    ({"lr": float("nan")}, "lr must be a finite number above 0 and at most 10"), ({"dropout": 1.0}, "dropout"),
    ({"seed": -1}, "seed must be"), ({"dtype": "int8"}, "dtype must be"),
])
def test_train_jobs_are_checked_when_made(values, message):
    from rnncli.train import TrainJob

    with pytest.raises(RnnCliError, match=message) as error:
        TrainJob.for_task("tagger", train=TINY_TRAIN, dev=TINY_TRAIN, out="m.safetensors", **values)
    assert error.value.exit_code == 2


@pytest.mark.parametrize("files", [{TINY_TRAIN, TINY_TRAIN.with_suffix(".b")}, frozenset({TINY_TRAIN}),
                                   {TINY_TRAIN: 1}])
def test_a_job_refuses_data_files_in_no_order(files):
    """A set of training files was joined in the order the set holds them, which the hash seed decides:
    the same call trained other models from one run to the next."""
    from rnncli.train import TrainJob

    with pytest.raises(RnnCliError, match=f"train is a path or a list of paths, in the order to join them; "
                                          f"not a {type(files).__name__}: give a list") as error:
        TrainJob.for_task("tagger", train=files, dev=TINY_TRAIN, out="m.safetensors")
    assert error.value.exit_code == 2
    job = TrainJob.for_task("tagger", train=[TINY_TRAIN], dev=(TINY_TRAIN,), out="m.safetensors")
    assert job.train == (str(TINY_TRAIN),)


@pytest.mark.parametrize("values, message", [
    ({"patience": -3}, "patience must be a whole number of at least 1, not -3"), ({"patience": True}, "patience"),
    ({"max_time": float("nan")}, "max_time must be a finite number of seconds, 0 or more, not nan"),
    ({"max_time": -1.0}, "max_time"), ({"max_time": 10**400}, "max_time must be a finite number"),
    ({"train": None}, "train is a path or a list of paths, not None"), ({"train": b"a.conllu"}, "not bytes"),
    ({"lr": 10**400}, "lr must be a finite number above 0 and at most 10, not 1000"),
    ({"train": [TINY_TRAIN, 3]}, "train is a path or a list of paths, not 3"),
    ({"test": ["a", "b"]}, "test is the path of one file, not a list")])
def test_every_option_of_a_job_is_checked_before_training(values, message):
    """patience and max_time were not checked: a numpy patience trained a whole run and then failed to
    save it (not JSON), a negative one was taken; test=[...] became the path "['a', 'b']"."""
    from rnncli.train import TrainJob

    with pytest.raises(RnnCliError, match=re.escape(message)) as error:
        TrainJob.for_task("tagger", **{"train": TINY_TRAIN, "dev": TINY_TRAIN, "out": "m.safetensors", **values})
    assert error.value.exit_code == 2
    job = TrainJob.for_task("tagger", train=TINY_TRAIN, dev=TINY_TRAIN, out="m.safetensors", patience=np.int64(2),
                            max_time=np.float32(9), lr=np.float32(0.5))
    assert json.dumps([job.patience, job.max_time, job.lr]) == "[2, 9.0, 0.5]"


def test_a_job_must_match_its_task(tmp_path):
    from rnncli.train import SentimentTask, TrainJob, train

    with pytest.raises(RnnCliError, match="unknown task 'tager'; use tagger, sentiment"):
        TrainJob.for_task("tager", train=TINY_TRAIN, dev=TINY_TRAIN, out=tmp_path / "m.safetensors")
    job = TrainJob.for_task("tagger", train=TINY_TRAIN, dev=TINY_TRAIN, out=tmp_path / "m.safetensors")
    with pytest.raises(RnnCliError, match="a tagger job given to the sentiment task"):
        train(job, SentimentTask())


def test_a_model_never_replaces_an_interrupted_runs_checkpoint(tmp_path):
    """`--out m.safetensors.ckpt` counted the checkpoint as an earlier model and replaced it: that
    run could no longer be resumed."""
    from conftest import tiny_tagger_job
    from rnncli.train import TaggerTask, train

    with pytest.raises(RnnCliError, match="interrupted"):
        train(tiny_tagger_job(tmp_path / "m.safetensors", epochs=3), TaggerTask(), StopAfter(1))
    checkpoint = tmp_path / "m.safetensors.ckpt"
    before = checkpoint.read_bytes()
    with pytest.raises(RnnCliError, match=f"--out {checkpoint} is an interrupted run's checkpoint, which a model would "
                                          f"replace; continue that run with --resume {checkpoint}"):
        train(tiny_tagger_job(checkpoint, epochs=1), TaggerTask())
    assert checkpoint.read_bytes() == before and not (tmp_path / "m.safetensors").exists()


def test_a_checkpoint_from_before_piece_chars_still_resumes(tmp_path):
    """The resume check compared every option, and piece_chars (None for a tagger) was missing from
    checkpoints made before the option: none of them could be resumed."""
    from conftest import tiny_tagger_job
    from rnncli.model.model_file import read_tensors
    from rnncli.train import TaggerTask, train

    with pytest.raises(RnnCliError, match="interrupted"):
        train(tiny_tagger_job(tmp_path / "m.safetensors", epochs=3), TaggerTask(), StopAfter(1))
    checkpoint = tmp_path / "m.safetensors.ckpt"
    meta, _ = read_tensors(checkpoint)
    assert "piece_chars" not in meta["checkpoint"]["fingerprint"]["options"]  # as before the option
    job = tiny_tagger_job(tmp_path / "m.safetensors", epochs=3, resume=checkpoint)
    assert train(job, TaggerTask()).out


def test_dev_tags_of_another_tag_set_are_warned_of(tmp_path):
    """A Korean dev set under a German training set trained silently, its dev UPOS 8.49% choosing the
    epoch: only a dev without any UPOS was refused. A dev whose XPOS are all "_" has none, which is
    said as such (not as another tag set), and still trains, as it did."""
    from types import SimpleNamespace

    from typer.testing import CliRunner

    from rnncli.cli.app import app
    from rnncli.train.tasks import unseen_tags

    labels = {"upos": ["NOUN", "VERB"], "xpos": ["NN", "VB"]}
    ours = SimpleNamespace(tags={"upos": ["NOUN", "VERB"] * 9 + ["X"], "xpos": ["NN"] * 19})  # 1 in 19 unseen: real
    theirs = SimpleNamespace(tags={"upos": ["NOUN"] * 9, "xpos": ["NNG", "VV+EP", "NNG"] * 3})
    assert unseen_tags("dev.conllu", [ours], labels) == []
    assert unseen_tags("dev.conllu", [ours, theirs], labels) == [
        "dev.conllu: 9 of its 28 XPOS tags (2 kinds: 'NNG', 'VV+EP') never occur in the training data: "
        "another tag set? The scores, and the epoch they choose, will mean little"]
    rows = [line.split("\t") for line in TINY_TRAIN.read_text().splitlines()]
    alien = tmp_path / "alien.conllu"
    alien.write_text("\n".join("\t".join(r[:3] + ["ZZ" + r[3]] + r[4:]) if len(r) == 10 else "\t".join(r) for r in rows)
                     + "\n")
    result = CliRunner().invoke(app, ["train", "tagger", "--train", str(TINY_TRAIN), "--dev", str(alien),
                                 "--out", str(tmp_path / "m.safetensors"), "--epochs", "1", "--hidden", "4"])
    assert result.exit_code == 0 and f"{alien}: " in result.stderr and "UPOS tags (" in result.stderr
    no_xpos = tmp_path / "no-xpos.conllu"  # "_" is a missing tag, not another tag set's
    no_xpos.write_text("\n".join("\t".join(r[:4] + ["_"] + r[5:]) if len(r) == 10 else "\t".join(r) for r in rows)
                       + "\n")
    result = CliRunner().invoke(app, ["train", "tagger", "--train", str(TINY_TRAIN), "--dev", str(no_xpos),
                                      "--out", str(tmp_path / "n.safetensors"), "--epochs", "1", "--hidden", "4"])
    said = " ".join(result.stderr.split())  # warnings wrap at the terminal's width
    assert result.exit_code == 0 and f'{no_xpos}: has no PTB tags (all "_"), which the model predicts: its PTB ' \
        "scores will read 0" in said and "another tag set" not in said


def test_dev_and_test_texts_that_are_training_texts_are_warned_of():
    """A dev file that is the training file, or shares a fifth of its texts with it, scores high and
    chooses the epoch that remembers best; training said nothing."""
    from types import SimpleNamespace

    from rnncli.train.run import shared_texts
    from rnncli.train.tasks import Splits

    texts = [SimpleNamespace(words=[f"w{k}", "x"]) for k in range(40)]
    assert shared_texts(Splits(texts, texts, None)) == [
        "40 of the 40 dev texts are training texts too, word for word: dev scores will read high"]
    other = [SimpleNamespace(words=[f"v{k}"]) for k in range(32)]
    assert shared_texts(Splits(texts, other + texts[:8], other + texts[:7])) == [
        "8 of the 40 dev texts are training texts too, word for word: dev scores will read high"]  # test: 7 of 39
