"""Every option of `tag`, `eval tagger` and `train tagger` through Typer's CliRunner, plus real processes."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, TINY_TRAIN
from rnncli import __version__
from rnncli.cli.app import app
from rnncli.model.bundled import pretrained_dir

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def tsv_rows(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.splitlines() if line]


def test_version_and_help():
    assert run("--version").stdout == f"rnncli {__version__}\n"
    result = run("tag", "--help")
    assert result.exit_code == 0 and "--threshold" in result.stdout


# Output formats, on a tagger with hand-set weights (conftest.HAND_WORDS): exact numbers.

def test_tag_tsv_is_the_default_when_piped(hand_tagger):
    result = run("tag", "--model", hand_tagger, "I study at night.")
    assert result.exit_code == 0, result.output
    assert result.stdout == "I\tPRON\t0.8000\nstudy\tVERB\t0.6000\nat\tADP\t0.9000\nnight\tNOUN\t0.7000\n.\tPUNCT\t0.9900\n\n"


def test_tag_top_and_threshold(hand_tagger):
    rows = tsv_rows(run("tag", "-m", hand_tagger, "--top", "2", "I study at night. They can fish.").stdout)
    assert [r[3:] for r in rows] == [["NOUN", "0.1000"], ["NOUN", "0.3000"], ["AUX", "0.0167"], ["VERB", "0.2000"],
                                     ["ADP", "0.0017"], ["ADP", "0.0167"], ["VERB", "0.3000"], ["VERB", "0.4000"],
                                     ["ADP", "0.0017"]]  # equal probabilities: the model's first tag wins
    rows = tsv_rows(run("tag", "-m", hand_tagger, "--threshold", "0.5", "They can fish.").stdout)
    assert [r[1::2] for r in rows] == [["PRON"], ["AUX", "VERB"], ["NOUN", "VERB"], ["PUNCT"]]  # p >= 0.5 x best
    rows = tsv_rows(run("tag", "-m", hand_tagger, "--top", "3", "--threshold", "0.5", "can").stdout)
    assert rows == [["can", "AUX", "0.5000", "VERB", "0.3000", "NOUN", "0.1500"]]  # top 3, whatever the threshold


def test_tag_formats(hand_tagger):
    text = "I study at night. The cat can fish."
    tags = run("tag", "-m", hand_tagger, "-f", "tags", text)
    assert tags.stdout == "I/PRON study/VERB at/ADP night/NOUN ./PUNCT\nThe/DET cat/NOUN can/AUX fish/NOUN ./PUNCT\n"
    ptb = run("tag", "-m", hand_tagger, "-f", "tags", "--tagset", "ptb", text)
    assert ptb.stdout == "I/PRP study/VBP at/IN night/NN ./.\nThe/DT cat/NN can/MD fish/NN ./.\n"
    lines = run("tag", "-m", hand_tagger, "-f", "jsonl", text).stdout.splitlines()
    assert json.loads(lines[0]) == {"text": "I study at night.", "sent_id": "1", "tagset": "upos", "tokens": [
        {"token": "I", "tag": "PRON", "prob": 0.8, "top": [["PRON", 0.8], ["NOUN", 0.1], ["ADP", 0.02]]},
        {"token": "study", "tag": "VERB", "prob": 0.6, "top": [["VERB", 0.6], ["NOUN", 0.3], ["ADP", 0.02]]},
        {"token": "at", "tag": "ADP", "prob": 0.9, "top": [["ADP", 0.9], ["AUX", 0.016667], ["DET", 0.016667]]},
        {"token": "night", "tag": "NOUN", "prob": 0.7, "top": [["NOUN", 0.7], ["VERB", 0.2], ["ADP", 0.02]]},
        {"token": ".", "tag": "PUNCT", "prob": 0.99, "top": [["PUNCT", 0.99], ["ADP", 0.001667], ["AUX", 0.001667]]}]}
    assert len(lines) == 2 and json.loads(lines[1])["sent_id"] == "2"
    conllu = run("tag", "-m", hand_tagger, "-f", "conllu", "I study at night.").stdout
    assert conllu == ("# sent_id = 1\n# text = I study at night.\n1\tI\t_\tPRON\tPRP\t_\t_\t_\t_\t_\n"
                      "2\tstudy\t_\tVERB\tVBP\t_\t_\t_\t_\t_\n3\tat\t_\tADP\tIN\t_\t_\t_\t_\t_\n"
                      "4\tnight\t_\tNOUN\tNN\t_\t_\t_\t_\tSpaceAfter=No\n5\t.\t_\tPUNCT\t.\t_\t_\t_\t_\t_\n\n")


MULTIWORD = ("# text = They study dei cat.\n1\tThey\t_\t_\t_\t_\t_\t_\t_\t_\n2\tstudy\t_\t_\t_\t_\t_\t_\t_\t_\n"
             "3-4\tdei\t_\t_\t_\t_\t_\t_\t_\t_\n3\tdi\t_\t_\t_\t_\t_\t_\t_\t_\n4\ti\t_\t_\t_\t_\t_\t_\t_\t_\n"
             "5\tcat\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n6\t.\t_\t_\t_\t_\t_\t_\t_\t_\n\n")  # Italian `dei` = di i


def test_every_format_keeps_a_multiword_tokens_form(hand_tagger):
    """`dei` is not spelled by its words `di i`: each format but tags (words only) still shows it."""
    tsv = run("tag", "-m", hand_tagger, "-I", "conllu", "-f", "tsv", input=MULTIWORD).stdout
    assert tsv == ("They\tPRON\t0.9000\nstudy\tVERB\t0.6000\n# multiword 3-4 = dei\ndi\tNOUN\t0.4000\n"
                   "i\tPRON\t0.8000\ncat\tNOUN\t0.8500\n.\tPUNCT\t0.9900\n\n")
    words = json.loads(run("tag", "-m", hand_tagger, "-I", "conllu", "-f", "jsonl", input=MULTIWORD).stdout)["tokens"]
    assert [w.get("multiword") for w in words] == [None, None, {"id": "3-4", "form": "dei"},
                                                   {"id": "3-4", "form": "dei"}, None, None]
    assert words[2] == {"token": "di", "tag": "NOUN", "prob": 0.4, "top": [["NOUN", 0.4], ["VERB", 0.3], ["ADP", 0.06]],
                        "multiword": {"id": "3-4", "form": "dei"}}  # the other fields as before
    table = [line.rstrip() for line in run("tag", "-m", hand_tagger, "-I", "conllu", "-f", "table",
                                           input=MULTIWORD).stdout.splitlines()]
    assert table[5:8] == ["3-4 │ dei   │       │      │            │",
                          "  3 │ di    │ NOUN  │ 0.40 │ ████       │ VERB 0.30  ADP 0.06",
                          "  4 │ i     │ PRON  │ 0.80 │ ████████   │ NOUN 0.10  ADP 0.02"]
    tags = run("tag", "-m", hand_tagger, "-I", "conllu", "-f", "tags", input=MULTIWORD).stdout
    assert tags == "They/PRON study/VERB di/NOUN i/PRON cat/NOUN ./PUNCT\n"
    from_text = run("tag", "-m", hand_tagger, "-f", "tsv", "They don't study.").stdout  # the bundled tokenizer's do|n't
    assert from_text == ("They\tPRON\t0.9000\ndo\tNOUN\t0.4000\nn't\tNOUN\t0.4000\n"  # do n't spell don't:
                         "study\tVERB\t0.6000\n.\tPUNCT\t0.9900\n\n")  # tsv stays token<TAB>tag lines
    jsonl = json.loads(run("tag", "-m", hand_tagger, "-f", "jsonl", "They don't study.").stdout)["tokens"]
    assert jsonl[1]["multiword"] == {"id": "2-3", "form": "don't"}


def test_tag_table_shows_the_distribution(hand_tagger):
    result = run("tag", "-m", hand_tagger, "-f", "table", "I study at night.")
    assert result.exit_code == 0
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[0] == "I study at night." and "runners-up" in lines[1]
    assert lines[3] == "1 │ I     │ PRON  │ 0.80 │ ████████   │ NOUN 0.10  ADP 0.02"
    assert lines[7] == "5 │ .     │ PUNCT │ 0.99 │ ██████████ │ ADP 2e-03  AUX 2e-03"
    assert max(len(line) for line in lines) <= 80


def test_conllu_in_keeps_everything_but_the_tags(hand_tagger):
    source = (FIXTURES / "special.conllu").read_text(encoding="utf-8")
    result = run("tag", "-m", hand_tagger, "--input-format", "conllu", "--format", "conllu", "--input",
                 FIXTURES / "special.conllu")
    out, src = result.stdout.splitlines(), source.splitlines()
    assert len(out) == len(src)
    for a, b in zip(out, src):
        a, b = a.split("\t"), b.split("\t")
        if len(b) == 10 and b[0].isdigit():
            assert a[:3] + a[5:] == b[:3] + b[5:] and a[3] != "_" and a[4] != "_"
        else:
            assert a == b  # comments, 2-3 ranges and 2.1 empty nodes unchanged


def test_input_sources(hand_tagger, tmp_path):
    expected = "I/PRON study/VERB at/ADP night/NOUN ./PUNCT\n"
    path = tmp_path / "in.txt"
    path.write_text("I study at night.\n", encoding="utf-8")
    assert run("tag", "-m", hand_tagger, "-f", "tags", "--input", path).stdout == expected
    assert run("tag", "-m", hand_tagger, "-f", "tags", "-", input="I study at night.\n").stdout == expected
    assert run("tag", "-m", hand_tagger, "-f", "tags", "--input", "-", input="I study at night.\n").stdout == expected
    assert run("tag", "-m", hand_tagger, "-f", "tags", input="I study at night.\n").stdout == expected


def test_input_formats(hand_tagger):
    text = "The cat can't fish . I study\n"
    assert run("tag", "-m", hand_tagger, "-f", "tags", "-I", "tokens", input=text).stdout == \
        "The/DET cat/NOUN can't/NOUN fish/NOUN ./PUNCT I/PRON study/VERB\n"  # tokens kept: can't is unknown
    assert run("tag", "-m", hand_tagger, "-f", "tags", "-I", "lines", input="I study. They fish\nThe cat\n").stdout \
        == "I/PRON study/VERB ./PUNCT They/PRON fish/NOUN\nThe/DET cat/NOUN\n"  # one sentence per line
    assert run("tag", "-m", hand_tagger, "-f", "tags", "-I", "text", input="I study. They fish\nThe cat\n").stdout \
        == "I/PRON study/VERB ./PUNCT\nThey/PRON fish/NOUN The/DET cat/NOUN\n"  # sentences from running text


def test_one_record_per_input_line(hand_tagger):
    text = "I study\n\n  \nThe cat\n"  # 4 lines, two of them blank
    tags = run("tag", "-m", hand_tagger, "-f", "tags", "-I", "lines", input=text).stdout
    assert tags == "I/PRON study/VERB\n\n\nThe/DET cat/NOUN\n"  # pastes back line by line
    assert run("tag", "-m", hand_tagger, "-f", "tags", "-I", "tokens", input=text).stdout == tags
    tsv = run("tag", "-m", hand_tagger, "-f", "tsv", "-I", "lines", input=text).stdout
    assert tsv == "I\tPRON\t0.8000\nstudy\tVERB\t0.6000\n\n" + "\n\n" + "The\tDET\t0.9500\ncat\tNOUN\t0.8500\n\n"
    records = [json.loads(line) for line in run("tag", "-m", hand_tagger, "-f", "jsonl", "-I", "lines",
                                                 input=text).stdout.splitlines()]
    assert [(r["line"], r["text"], len(r["tokens"])) for r in records] == [(1, "I study", 2), (2, "", 0), (3, "", 0),
                                                                          (4, "The cat", 2)]
    conllu = run("tag", "-m", hand_tagger, "-f", "conllu", "-I", "lines", input=text).stdout
    assert [line for line in conllu.splitlines() if line.startswith("# sent_id")] == ["# sent_id = 1", "# sent_id = 4"]
    assert "line" not in json.loads(run("tag", "-m", hand_tagger, "-f", "jsonl", input="I study.\n").stdout)


def test_sentiment_one_record_per_input_line(tiny_sentiment):
    text = "a great film\n\nterrible\n"
    tsv = run("sentiment", "-m", tiny_sentiment, input=text).stdout.split("\n")
    assert len(tsv) == 4 and tsv[1] == "" and tsv[0].endswith("\ta great film") and tsv[2].endswith("\tterrible")
    records = [json.loads(line) for line in run("sentiment", "-m", tiny_sentiment, "-f", "jsonl",
                                                 input=text).stdout.splitlines()]
    assert [(r["line"], r["text"]) for r in records] == [(1, "a great film"), (2, ""), (3, "terrible")]
    assert records[1]["label"] is None and records[1]["prob"] is None and records[1]["probs"] == {}


def test_tags_format_tag_follows_the_last_slash(hand_tagger):
    line = run("tag", "-m", hand_tagger, "-f", "tags", "-I", "tokens", "and/or 1/2 cat").stdout
    assert line == "and/or/NOUN 1/2/NOUN cat/NOUN\n"
    assert [item.rsplit("/", 1) for item in line.split()] == [["and/or", "NOUN"], ["1/2", "NOUN"], ["cat", "NOUN"]]


def test_tags_format_writes_whitespace_inside_a_word_as_an_underscore(hand_tagger, tmp_path):
    """A CoNLL-U form may hold a space (French Sequoia's `13 819`): `-f tags` wrote it as it was,
    and the line no longer split into its words."""
    path = tmp_path / "spaced.conllu"
    path.write_text("1\t13 819\t_\t_\t_\t_\t_\t_\t_\t_\n2\ta\u00a0b\t_\t_\t_\t_\t_\t_\t_\t_\n"
                    "3\t\u3000\t_\t_\t_\t_\t_\t_\t_\t_\n\n", encoding="utf-8")
    line = run("tag", "-m", hand_tagger, "-f", "tags", "-I", "conllu", "--input", path).stdout
    assert line == "13_819/NOUN a_b/NOUN _/NOUN\n"  # a form of whitespace alone is `_`, not an empty word


def test_bundled_models_by_name():
    for name in ("lstm", "rnn"):
        result = run("tag", "--model", name, "-f", "tags", "I study at night")
        assert result.exit_code == 0 and result.stdout == "I/PRON study/VERB at/ADP night/NOUN\n"


@pytest.mark.parametrize("args, message", [
    (["tag", "--format", "xml", "hi"], "Invalid value for '--format'"),
    (["tag", "--top", "0", "hi"], "Invalid value for '--top'"),
    (["tag", "--threshold", "2", "hi"], "Invalid value for '--threshold'"),
    (["tag", "--input", "x.txt", "hi"], "give either TEXT or --input FILE, not both"),
    (["tag", "   "], "the text is empty"),
    (["eval", "tagger", "--model", "lstm"], "Missing option '--data'"),
])
def test_usage_errors_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_model_errors_exit_1_and_an_unknown_name_2(tmp_path, tiny_model):
    """A model file that cannot be read is an error (1); a name that names no model is a
    usage error (2), as an unknown tokenizer is."""
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello", encoding="utf-8")
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(tiny_model.read_bytes()[:5000])
    for model, message, code in [
            ("gpt5", "no model named 'gpt5': use one of lstm, rnn, lstm-small, rnn-small or the path of a model file", 2),
            (tmp_path / "gone.safetensors", "gone.safetensors: no such file", 1),
            (text_file, "notes.txt: not a model file: it starts as text does (a data file?)", 2),
            (damaged, "damaged model file", 1), (tmp_path, "is a folder", 1)]:
        result = run("tag", "--model", model, "hi")
        assert result.exit_code == code, model
        assert result.stderr.startswith("rnncli: error: ") and message in result.stderr
        assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_eval_tagger(tiny_model):
    result = run("eval", "tagger", "--model", tiny_model, "--data", TINY_TRAIN, "--confusions", "3")
    assert result.exit_code == 0, result.output
    assert "UPOS accuracy 100.00%" in result.stdout and "PTB accuracy" in result.stdout
    assert "NOUN" in result.stdout and "precision" in result.stdout
    assert f"tiny-lstm on {TINY_TRAIN}: 72 words" in " ".join(result.stdout.split())  # words, not tokens (don't: 2)
    report = json.loads(run("eval", "tagger", "-m", tiny_model, "-d", TINY_TRAIN, "--json").stdout)
    assert report["upos"]["accuracy"] == 1.0 and report["upos"]["tokens"] == 72
    assert report["upos"]["per_tag"]["PRON"]["support"] == 8
    bad = run("eval", "tagger", "-m", tiny_model, "-d", FIXTURES / "nope.conllu")
    assert bad.exit_code == 1 and "nope.conllu: no such file" in bad.stderr


def test_eval_tagger_warns_of_gold_tags_the_model_never_predicts(tiny_model, tmp_path):
    """Gold tags of another tag set (or a typo) scored 0% and said nothing."""
    clean = run("eval", "tagger", "-m", tiny_model, "-d", TINY_TRAIN)
    assert clean.exit_code == 0 and clean.stderr == ""
    data = tmp_path / "foo.conllu"
    data.write_text(TINY_TRAIN.read_text(encoding="utf-8").replace("\tNOUN\t", "\tFOO\t"), encoding="utf-8")
    foo = TINY_TRAIN.read_text(encoding="utf-8").count("\tNOUN\t")
    result = run("eval", "tagger", "-m", tiny_model, "-d", data, "--json")
    assert result.exit_code == 0 and result.stderr == (
        f"rnncli: warning: {foo:,} of the gold UPOS tags (1 kind: FOO) are tags {tiny_model.stem} never predicts: "
        "each counts as an error\n")
    assert json.loads(result.stdout)["upos_unknown_gold"] == {"FOO": foo} and "upos_unknown_gold" not in clean.stdout


def test_eval_tagger_per_tag_table_of_the_tag_set_the_data_has(tiny_model, tmp_path):
    # PTB-only gold data (word/TAG): the per-tag table is PTB's, not silently left out
    ptb = tmp_path / "ptb.txt"
    ptb.write_text("I/PRP study/VBP at/IN night/NN ./.\n")
    result = run("eval", "tagger", "-m", tiny_model, "-d", ptb)
    assert result.exit_code == 0, result.output
    assert "PTB per tag" in result.stdout and "VBP" in result.stdout and not result.stderr
    # a tag set asked for that the data lacks: said on stderr, not silently nothing
    upos_only = tmp_path / "upos.conllu"
    upos_only.write_text("1\tI\t_\tPRON\t_\t_\t_\t_\t_\t_\n\n")
    result = run("eval", "tagger", "-m", tiny_model, "-d", upos_only, "--tagset", "ptb")
    assert result.exit_code == 0 and "UPOS accuracy 100.00%" in result.stdout
    assert result.stderr == (f"rnncli: warning: --tagset ptb: no PTB tags scored (none in {upos_only}, or no model "
                             "predicts them); no per-tag table\n")


def test_train_tagger_command(tmp_path):
    out = tmp_path / "cli.safetensors"
    result = run("train", "tagger", "--train", TINY_TRAIN, "--dev", TINY_TRAIN, "--test", TINY_TRAIN, "--out", out,
                 "--cell", "rnn", "--activation", "relu", "--layers", "1", "--hidden", "8", "--embedding-dim", "8",
                 "--no-char", "--no-bidirectional", "--dropout", "0", "--word-dropout", "0", "--epochs", "2",
                 "--batch-size", "6", "--lr", "0.01", "--min-word-count", "1", "--seed", "3", "--dtype", "float32",
                 "--patience", "5", "--max-time", "60", "--threads", "1")
    assert result.exit_code == 0, result.output
    assert "epoch 2/2" in result.stderr and "saved" in result.stderr
    from rnncli.model.model_file import load_model

    model = load_model(out)
    assert model.config.cell == "rnn" and model.config.activation == "relu" and not model.config.char
    # every option, defaults included: it runs again; --out by name (data outside the data folder stays as given)
    assert shlex.split(model.meta["training"]["command"]) == [
        "rnncli", "train", "tagger", "--train", str(TINY_TRAIN), "--dev", str(TINY_TRAIN), "--out", out.name,
        "--test", str(TINY_TRAIN), "--cell", "rnn", "--activation", "relu", "--layers", "1", "--hidden", "8",
        "--embedding-dim", "8", "--no-char", "--char-hidden", "64", "--no-bidirectional", "--dropout", "0.0",
        "--word-dropout", "0.0", "--epochs", "2", "--min-steps", "0", "--batch-size", "6", "--lr", "0.01",
        "--min-word-count", "1", "--seed", "3", "--dtype", "float32", "--patience", "5", "--max-time", "60.0",
        "--threads", "1", "--device", "auto"]
    assert set(model.meta["scores"]) == {"dev", "test"}


def test_training_log_fits_80_columns_and_says_why_it_stopped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short --out: only a long path could make a line longer
    args = ["train", "tagger", "--train", TINY_TRAIN, "--dev", TINY_TRAIN, "--hidden", "8", "--embedding-dim", "8",
            "--char-hidden", "4", "--layers", "1", "--threads", "1", "--batch-size", "4"]
    result = run(*args, "--out", "a.safetensors", "--epochs", "3", "--max-time", "0")
    lines = [line for line in result.stderr.splitlines() if not line.startswith("rnncli: warning:")]  # one line each
    assert result.exit_code == 0 and max(len(line) for line in lines) <= 80
    assert lines[:3] == ["reading the data", "train sentences 12, vocabulary words 15, vocabulary characters 26,",
                         "parameters 4,189, batch size 4, epochs 3, batches per epoch 3"]
    assert re.fullmatch(r"epoch 1/3  loss \d\.\d{3}  dev UPOS \d+\.\d\d% PTB \d+\.\d\d%  "
                        r"best epoch 1  0 s", lines[3]), lines[3]
    assert lines[4:6] == ["stopped early: --max-time 0: the time was up in epoch 1 after 1 of 3 batches",
                          "saved a.safetensors (epoch 1)"]
    assert re.fullmatch(r"saved model: dev UPOS \d+\.\d\d% PTB \d+\.\d\d%", lines[6])
    assert "rnncli: warning: 12 of the 12 dev texts are training texts too, word for word" in result.stderr


def test_training_log_says_why_the_saved_scores_differ(capsys):
    from rnncli.cli.views.progress import TrainingProgress
    from rnncli.train import TrainResult

    history = [{"epoch": 1, "loss": 0.5, "dev_upos": 0.95894, "dev_xpos": 0.9524, "lr": 1e-3, "elapsed_s": 60}]
    result = TrainResult("m.safetensors", 1, {"dev": {"upos": 0.95876, "xpos": 0.9524}}, history, dtype="float16")
    TrainingProgress().on_end(result)
    assert capsys.readouterr().err.splitlines() == [
        "saved m.safetensors (epoch 1)", "saved model: dev UPOS 95.88% XPOS 95.24%",
        "(epoch 1's line said dev UPOS 95.89%: the file holds float16 weights, run by numpy)"]
    with TrainingProgress() as german:  # XPOS named by what the tags are, as the task says at the start
        german.on_start(1, 1, {"train_sentences": 3, "head_names": {"upos": "UPOS", "xpos": "STTS"}})
        german.on_end(result)
    assert capsys.readouterr().err.splitlines()[:3] == [
        "train sentences 3, epochs 1, batches per epoch 1", "saved m.safetensors (epoch 1)",
        "saved model: dev UPOS 95.88% STTS 95.24%"]
    TrainingProgress().on_end(TrainResult("m.safetensors", 1, {"dev": {"upos": 0.95894}}, history))
    assert len(capsys.readouterr().err.splitlines()) == 2  # the same score: nothing to explain


def run_process(*args, input=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "rnncli", *map(str, args)], input=input, capture_output=True,
                          cwd=kwargs.get("cwd", REPO), env={**os.environ, "NO_COLOR": "1"}, timeout=60)


@pytest.mark.parametrize("args, out", [
    (["tag", "-f", "tags", "I study at night"], "I/PRON study/VERB at/ADP night/NOUN\n"),
    (["sentiment", "-f", "tsv", "What a great film"], "positive\t"),
], ids=["tag", "sentiment"])
def test_real_process_without_torch_nltk_or_rich(args, out):
    """Inference loads neither torch nor nltk, and output that is not a table not rich."""
    code = ("import sys; from rnncli.cli.app import app\n"
            f"try: app({args!r})\n"
            "except SystemExit as e: assert not e.code, e.code\n"
            "print('torch' in sys.modules, 'nltk' in sys.modules, 'rich' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith(out) and result.stdout.endswith("\nFalse False False\n"), result.stderr


def test_real_process():
    result = run_process("tag", "I study at night")
    assert result.returncode == 0 and result.stdout.decode().startswith("I\tPRON\t")


def test_shell_completion():
    def complete(words: str) -> list[str]:
        env = {**os.environ, "_RNNCLI_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - (not words.endswith(" ")))}
        result = subprocess.run([sys.executable, "-m", "rnncli"], capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert complete("rnncli ex") == ["explain-gradients", "experiment"]
    assert complete("rnncli tag -f ") == ["auto", "table", "tsv", "conllu", "jsonl", "tags"]
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}  # name the shell, don't detect it
    shown = subprocess.run([sys.executable, "-m", "rnncli", "--show-completion", "bash"], capture_output=True,
                           text=True, timeout=60, env=env)
    assert shown.returncode == 0 and "_rnncli_completion" in shown.stdout, shown.stderr


def test_closed_pipe_exits_quietly():
    process = subprocess.Popen([sys.executable, "-m", "rnncli", "tag", "-f", "tags"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    process.stdin.write(b"I study at night.\n" * 5000)
    process.stdin.close()
    process.stdout.readline()
    process.stdout.close()
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""


def test_models_and_info(tiny_model):
    listed = json.loads(run("models", tiny_model, "--json").stdout)
    names = [m["name"] for m in listed]
    assert {"tagger-lstm", "tagger-rnn", "sentiment-lstm", "sentiment-rnn"} <= set(names) and names[-1] == "tiny-lstm"
    tiny = listed[-1]
    assert tiny["task"] == "tagger" and tiny["cell"] == "lstm" and tiny["seed"] == 7 and tiny["command"] == "pytest tiny"
    table = run("models")
    assert table.exit_code == 0 and "tagger-rnn" in table.stdout
    info = run("info", "tagger-rnn")
    assert info.exit_code == 0 and "h_t = tanh(W_xh x_t + W_hh h_(t-1) + b)" in info.stdout
    assert "rnncli train tagger" in info.stdout
    assert json.loads(run("info", tiny_model, "--json").stdout)["recurrence"].startswith("i,f,o = sigmoid")
    missing = run("info", "nope")
    assert missing.exit_code == 2 and "no model named 'nope'" in missing.stderr


def test_models_at_80_columns_keep_every_name_whole(tiny_model):
    result = runner.invoke(app, ["models"], env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in result.stdout
    assert lines[-4].startswith("*: its task's default") and lines[-3].startswith("MAC/tok: ")  # the notes, each
    assert lines[-2].startswith("dev/test: ") and lines[-1].startswith("as each file records them;")  # one line
    rows = {line.split()[0]: [cell for cell in line.split() if cell != "*"] for line in lines[1:-4]}
    assert set(rows) == {"tagger-lstm", "tagger-rnn", "tagger-lstm-small", "tagger-rnn-small",
                         "sentiment-lstm", "sentiment-rnn",
                         "sentiment-lstm-small",
                         "tokenizer-lstm", "tokenizer-rnn", "tokenizer-rnn-small", "lm-lstm", "lm-rnn"}
    assert rows["tagger-lstm"][-2:] == ["95.88%", "95.87%"]  # dev and test, one line
    assert rows["tokenizer-lstm"][-2:] == ["99.06%", "99.06%"]  # Words F1
    # multiply-adds per token: (input + state) x 4 gates x state, per layer and direction, plus the heads
    assert rows["tagger-lstm"][5] == "2.7M" and rows["tagger-lstm-small"][5] == "312k"
    assert rows["tokenizer-lstm"][5] == "148k" and rows["sentiment-rnn"][5] == "105k"
    for columns in ("80", "60"):  # a name too long for the table: two lines per model
        lines = runner.invoke(app, ["models", str(tiny_model)], env={"COLUMNS": columns}).stdout.splitlines()
        assert str(tiny_model) in lines and "tagger-lstm *" in lines
        assert lines[lines.index("tagger-lstm *") + 1].split() == [
            "tagger,", "lstm", "2x256", "bi,", "2.7M", "MAC/tok,", "7.9", "MB;", "dev", "95.88%,", "test",
            "95.87%"][:len(lines[lines.index("tagger-lstm *") + 1].split())]


def test_models_marks_each_tasks_default_the_one_the_commands_run():
    import inspect

    import rnncli
    from rnncli.cli import eval as eval_commands, lm, sentiment, tag
    from rnncli.model.config import DEFAULT_MODEL, TASKS, default_model

    listed = json.loads(run("models", "--json").stdout)
    assert {m["name"] for m in listed if m["default"]} == {default_model(task) for task in TASKS}
    assert rnncli.Tagger().model.name == default_model("tagger") and rnncli.Sentiment().model.name == default_model(
        "sentiment") and rnncli.Tagger().tokenizer.name == default_model("tokenizer")
    for command in (tag.tag, sentiment.sentiment, lm.next_word, lm.generate, lm.eval_lm, eval_commands.eval_tagger,
                    eval_commands.eval_sentiment):  # no command names a default of its own
        assert inspect.signature(command).parameters["model"].default in (DEFAULT_MODEL, [DEFAULT_MODEL])
    table = run("models").stdout
    assert "tagger-lstm *" in table and "tagger-rnn *" not in table and "tokenizer-rnn *" in table
    assert run("info", "tokenizer-rnn").stdout.count("(the default tokenizer)") == 1
    assert "(the default" not in run("info", "tokenizer-lstm").stdout
    bundled = pretrained_dir() / "tagger-lstm.safetensors"  # the installed copy, not necessarily this checkout's
    for spelled in (bundled, bundled.parent / ".." / bundled.parent.name / bundled.name,
                    os.path.relpath(bundled)):  # the same file however its path is spelled
        described = json.loads(run("info", spelled, "--json").stdout)
        assert described["bundled"] and described["default"], spelled


def test_models_lists_a_bundled_model_given_by_its_path_once(tmp_path):
    """`rnncli models pretrained/tagger-lstm.safetensors` listed it twice."""
    bundled = pretrained_dir() / "tagger-lstm.safetensors"
    (tmp_path / "link.safetensors").symlink_to(bundled)
    listed = json.loads(run("models", bundled, os.path.relpath(bundled), tmp_path / "link.safetensors", "--json").stdout)
    assert [m["name"] for m in listed].count("tagger-lstm") == 1 and len(listed) == len(json.loads(
        run("models", "--json").stdout))
    (tmp_path / "a.safetensors").symlink_to(tmp_path / "b.safetensors")
    (tmp_path / "b.safetensors").symlink_to(tmp_path / "a.safetensors")
    loop = run("models", tmp_path / "a.safetensors")
    assert loop.exit_code == 1 and loop.stderr.count("\n") == 1 and "cannot read the model file" in loop.stderr


def test_readme_shows_what_models_prints():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ rnncli models\n", 1)[1].split("```", 1)[0]
    assert run("models").stdout == shown


def test_readme_states_the_sentiment_window_and_echo_bound():
    from rnncli.infer.sentiment import ECHO_CHARS, MAX_TOKENS

    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"past {MAX_TOKENS} tokens in windows of {MAX_TOKENS} (the last two evened out)" in readme
    assert f"a text over {ECHO_CHARS:,} characters (as read" in readme and "is echoed cut to its first million" in readme


BUNDLED_NAMES = ["sentiment-lstm-small", "sentiment-lstm", "sentiment-rnn", "tagger-lstm-small", "tagger-lstm",
                 "tagger-rnn-small", "tagger-rnn", "tokenizer-lstm", "tokenizer-rnn-small", "tokenizer-rnn", "lm-lstm",
                 "lm-rnn"]


def pasted_command(lines: list[str]) -> str:
    """The training command as `info` shows it, joined as a shell joins lines ending in a backslash."""
    start = next(i for i, line in enumerate(lines) if "trained with" in line)
    if not lines[start].replace("trained with", "").strip():  # shown under its label, at full width
        start += 1
    end = next(i for i in range(start, len(lines)) if not lines[i].endswith("\\"))
    return " ".join(line.replace("trained with", "").rstrip("\\").strip() for line in lines[start:end + 1])


@pytest.mark.parametrize("columns", [60, 80])
@pytest.mark.parametrize("model", BUNDLED_NAMES)
def test_info_command_pastes_back_whole_at_any_width(columns, model):
    # absolute data paths (tagger-lstm-small's) are wider than the value column at 60: Rich folded them mid-word
    lines = runner.invoke(app, ["info", model], env={"COLUMNS": str(columns)}).stdout.splitlines()
    assert max(len(line) for line in lines) <= columns  # no line wrapped by the terminal or by Rich
    assert all(line == line.rstrip() for line in lines)  # Rich's padding after a "\\" made a shell read "\\ "
    recorded = json.loads(run("info", model, "--json").stdout)["command"]
    assert shlex.split(pasted_command(lines)) == shlex.split(recorded)


def test_info_command_never_folds_a_line_continuation(tmp_path, monkeypatch):
    # at 40 columns "    --no-bidirectional \\" was one wider than the value column: the backslash was folded
    # onto a line of its own and the pasted command ended at --no-bidirectional
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.conllu").write_bytes(TINY_TRAIN.read_bytes())
    trained = runner.invoke(app, ["train", "tagger", "--train", "t.conllu", "--dev", "t.conllu", "--out", "m", "--epochs",
                                  "1", "--hidden", "8", "--embedding-dim", "8", "--no-char", "--no-bidirectional"])
    assert trained.exit_code == 0
    lines = [line.rstrip() for line in runner.invoke(app, ["info", "m"], env={"COLUMNS": "40"}).stdout.splitlines()]
    recorded = json.loads(runner.invoke(app, ["info", "m", "--json"]).stdout)["command"]
    assert "--no-bidirectional" in recorded and shlex.split(pasted_command(lines)) == shlex.split(recorded)


def test_info_shows_a_language_models_dev_bits_per_char_as_bits_not_percent():
    """The history printed 3.0725 bits/char as 307.25%."""
    history = json.loads(run("info", "lm-lstm", "--json").stdout)["training"]["history"]
    screen = run("info", "lm-lstm").stdout
    assert f"{history[0]['dev_bits_per_char']:.4f}" in screen and "%" not in screen.split("history", 1)[1]


def test_info_at_80_columns(tiny_model):
    result = runner.invoke(app, ["info", "sentiment-rnn"], env={"COLUMNS": "80"})
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert max(len(line) for line in lines) <= 80 and "{" not in result.stdout  # no Python dicts
    assert "labels (2)  negative positive" in result.stdout
    assert next(line for line in lines if line.startswith("       train  ")).endswith("sst2/train-phrases.tsv,")
    recorded = json.loads(run("info", "sentiment-rnn", "--json").stdout)["command"]
    assert shlex.split(pasted_command(lines)) == shlex.split(recorded)  # pastes back whole
    assert "embedding dim 200" in result.stdout and "pooling attention" in result.stdout  # the config that applies
    assert "char dim" not in result.stdout and "activation tanh" in result.stdout  # sentiment-rnn: no char features
    tokenizer = runner.invoke(app, ["info", "tokenizer-lstm"], env={"COLUMNS": "80"}).stdout
    config = tokenizer[tokenizer.index(" config "):tokenizer.index(" scores ")]
    assert "hidden 64" in config and not any(unused in config for unused in ("pooling", "activation", "char dim"))
    history = lines[lines.index(next(line for line in lines if line.startswith("history"))) + 2:]
    assert [row.split()[0] for row in history] == ["1", "2", "3", "4*", "5", "6"]
    assert history[3].split()[2] == "83.96%"  # the joined dev set: SST-2 dev and product reviews' dev
    described = json.loads(run("info", tiny_model, "--json").stdout)
    assert described["label_names"]["upos"][:2] == ["ADJ", "ADP"] and described["config"]["hidden"] == 16
    assert [e["epoch"] for e in described["training"]["history"]] == list(range(1, 26))
    assert described["training"]["options"]["batch_size"] == 4


def test_train_metrics_log_and_ctrl_c(tmp_path, monkeypatch):
    out, log = tmp_path / "m.safetensors", tmp_path / "metrics.jsonl"
    args = ["train", "tagger", "--train", TINY_TRAIN, "--dev", TINY_TRAIN, "--out", out, "--hidden", "4",
            "--embedding-dim", "4", "--char-hidden", "4", "--layers", "1", "--epochs", "2", "--threads", "1"]
    result = run(*args, "--metrics-log", log)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [m["epoch"] for m in lines] == [1, 2] and {"loss", "dev_upos", "dev_xpos", "lr"} <= set(lines[0])
    assert not Path(f"{out}.ckpt").exists()  # removed once the model file is saved

    import rnncli.train.run

    def interrupted(*a, **k):
        Path(f"{out}.ckpt").write_bytes(b"checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(rnncli.train.run, "fit", interrupted)
    result = run(*args, "--metrics-log", log)
    assert result.exit_code == 130
    assert f"the last finished epoch is kept in {out}.ckpt; continue with: rnncli train tagger" in result.stderr
    assert result.stderr.rstrip().endswith(f"--resume {out}.ckpt")
    # the paths as given: the model file's command names outputs by file name only (for another
    # machine), and the continue command said so too, which wrote the model into this folder
    assert f" --out {out} " in result.stderr and f" --metrics-log {log} " in result.stderr
    assert f" --train {TINY_TRAIN} " in result.stderr
    # and they paste back whole, through the error line's even spacing (a path of two spaces became one)
    odd = tmp_path / "two  spaces' \u00a0dir" / "m.safetensors"
    odd.parent.mkdir()
    out = odd  # what `interrupted` writes its checkpoint beside
    result = run(*[odd if a == tmp_path / "m.safetensors" else a for a in args])
    assert result.exit_code == 130, result.output
    command = result.stderr.rstrip("\n").split("continue with: ", 1)[1]
    words = subprocess.run(["bash", "-c", "printf '%s\\0' " + command.removeprefix("rnncli ")], capture_output=True,
                           text=True, check=True).stdout.split("\0")
    assert words[words.index("--out") + 1] == str(odd) and words[words.index("--resume") + 1] == f"{odd}.ckpt"
    missing = run(*args, "--resume", tmp_path / "nope.ckpt")
    assert missing.exit_code == 2 and "no such checkpoint" in missing.stderr


def test_eval_compares_models_and_writes_a_report(tiny_model, tmp_path):
    report = tmp_path / "report.json"
    result = run("eval", "tagger", "-m", tiny_model, "-m", tiny_model, "-d", TINY_TRAIN, "--report", report)
    assert result.exit_code == 0, result.output
    assert "2 models on" in result.stdout and "UPOS accuracy" in result.stdout and "+0.00" in result.stdout
    document = json.loads(report.read_text())
    assert document["data"] == str(TINY_TRAIN) and [m["upos"]["accuracy"] for m in document["models"]] == [1.0, 1.0]


def test_eval_of_three_models_gives_each_one_after_the_first_its_difference(tiny_model, tmp_path):
    """Only the second model had a difference column: a third one's was not shown."""
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["eval", "tagger", "-m", str(tiny_model), "-m", str(tiny_model), "-m", "rnn-small",
                                 "-d", str(TINY_TRAIN), "--report", str(report)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "tagger-rnn-small - " in line)
    assert header.count(f"- {Path(tiny_model).stem}") == 2
    upos = [m["upos"]["accuracy"] for m in json.loads(report.read_text())["models"]]
    row = [cell.strip() for cell in next(line for line in result.stdout.splitlines()
                                          if line.strip().startswith("UPOS accuracy")).split("│")]
    assert row[-2:] == ["+0.00", f"{(upos[2] - upos[0]) * 100:+.2f}"] and upos[2] != upos[0]


def test_train_plot_needs_matplotlib(tmp_path):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        result = run("train", "tagger", "--train", TINY_TRAIN, "--dev", TINY_TRAIN, "--out", tmp_path / "m.safetensors",
                     "--plot", tmp_path / "curves.png")
        assert result.exit_code == 1 and "pip install 'rnncli[plot]'" in result.stderr
        assert not (tmp_path / "m.safetensors").exists()  # refused before training
    else:
        result = run("train", "tagger", "--train", TINY_TRAIN, "--dev", TINY_TRAIN, "--out", tmp_path / "m.safetensors",
                     "--hidden", "4", "--epochs", "2", "--plot", tmp_path / "curves.png")
        assert result.exit_code == 0 and (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_output_streams_as_input_arrives():
    process = subprocess.Popen([sys.executable, "-m", "rnncli", "tag", "-I", "lines", "-f", "tags"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    try:
        for text in ("I study at night", "She reads"):
            process.stdin.write(f"{text}\n".encode())
            process.stdin.flush()  # stdin stays open: the answer must come before EOF
            line = process.stdout.readline().decode()
            assert line.split()[0].split("/")[0] == text.split()[0]
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0


def test_small_probabilities_keep_their_digits(hand_tagger):
    tsv = run("tag", "-m", hand_tagger, "--top", "2", "-I", "tokens", "!")
    assert tsv.stdout == "!\tPUNCT\t1.0000\tADP\t1.667e-08\n\n"
    record = json.loads(run("tag", "-m", hand_tagger, "-f", "jsonl", "-I", "tokens", "!").stdout)
    assert record["tokens"][0]["top"][1] == ["ADP", 1.667e-08]


def test_candidates_options_warn_where_they_cannot_show(hand_tagger):
    result = run("tag", "-m", hand_tagger, "-f", "tags", "--top", "2", "I study")
    assert result.exit_code == 0 and result.stdout == "I/PRON study/VERB\n"
    assert result.stderr == ("rnncli: warning: --top and --threshold show candidates in table, tsv and jsonl; "
                             "-f tags writes the best tag only\n")


def test_info_shows_a_tokenizers_sentence_bias_and_whether_it_was_fitted(tiny_tokenizer, tmp_path):
    from safetensors.numpy import save

    from rnncli.model.model_file import read_tensors

    meta, tensors = read_tensors(tiny_tokenizer)  # a file made before the bias was fitted has neither field
    del meta["sentence_bias"], meta["training"]["sentence_bias_dev"]
    (tmp_path / "older.safetensors").write_bytes(save(tensors, metadata={"rnncli": json.dumps(meta)}))
    fitted = runner.invoke(app, ["info", str(tiny_tokenizer)], env={"COLUMNS": "160"})
    older = runner.invoke(app, ["info", str(tmp_path / "older.safetensors")], env={"COLUMNS": "160"})
    tagger = runner.invoke(app, ["info", "tagger-rnn-small"], env={"COLUMNS": "160"})
    assert fitted.exit_code == older.exit_code == tagger.exit_code == 0
    assert re.search(r"sentence bias +0 \(added to the sentence label's log-probability; fitted on dev, Sentences F1 by "
                     r"bias: -1 100.00%, -0.75 100.00%, .*, 1.75 100.00%, 2 100.00%\)", " ".join(fitted.output.split()))
    assert re.search(r"sentence bias +0 \(none fitted\)", older.output)  # made before the bias was fitted
    assert "sentence bias" not in tagger.output


@pytest.mark.parametrize("curve", [{"x": 0.5}, {"nan": 0.9}, {"1_0": 0.5}, {"1e400": 0.9}, {"0.5": "high"},
                                   {"0.5": 1.5}, {"0.5": True}, {}, [0.5]])
def test_a_damaged_sentence_bias_record_is_refused_on_load(tiny_tokenizer, tmp_path, curve):
    """`info` printed NaN into its JSON, read `1_0` as 10 and showed an F1 of 150%."""
    from safetensors.numpy import save

    from rnncli.model.model_file import read_tensors

    meta, tensors = read_tensors(tiny_tokenizer)
    meta["training"]["sentence_bias_dev"] = curve
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(save(tensors, metadata={"rnncli": json.dumps(meta)}))
    for args in (["info", str(damaged)], ["tag", "--tokenizer", str(damaged), "a b."]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and result.stderr == (
            f"rnncli: error: {damaged}: damaged model file (training.sentence_bias_dev is not an object of sentence "
            "bias -> F1 from 0 to 1)\n"), result.output


@pytest.mark.parametrize("field", ["scores", "wall_time_s"])
def test_a_whole_number_beyond_a_floats_range_in_the_metadata_is_damage(tiny_tokenizer, tmp_path, field):
    """`math.isfinite` overflowed on it: an internal error in every command that read the file."""
    from safetensors.numpy import save

    from rnncli.model.model_file import read_tensors

    meta, tensors = read_tensors(tiny_tokenizer)
    if field == "scores":
        meta["scores"]["dev"]["tokens"] = 10 ** 400
    else:
        meta["training"]["wall_time_s"] = 10 ** 400
    path = tmp_path / "big.safetensors"
    path.write_bytes(save(tensors, metadata={"rnncli": json.dumps(meta)}))
    for args in (["info", str(path)], ["tag", "--tokenizer", str(path), "-f", "tsv", "a b."]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and result.stderr.startswith(f"rnncli: error: {path}: damaged model file (")
        assert "internal error" not in result.output and result.stderr.count("\n") == 1, result.output


def test_the_help_says_how_long_a_piped_sentence_waits_as_the_tokenizer_decides():
    """It said a sentence is tagged once the next one has begun: it waits for the text after it
    to fill the tokenizer's window (CONTEXT) past its block (CORE), as the README says."""
    from rnncli.infer.tokenizer import CONTEXT, CORE

    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"tagged once up to {CORE + CONTEXT} characters after it have arrived" in readme
    for command in ("tag", "sentiment"):
        shown = " ".join(runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).stdout.split())
        assert f"once up to {CORE + CONTEXT} characters after it have arrived" in shown, command


@pytest.mark.parametrize("model, shown", [
    ("tokenizer-rnn", "task tokenizer, cell rnn, activation tanh, characters 134, embedding dim 32, hidden 96, "
                      "layers 2, bidirectional yes, dropout 0.1, char dropout 0.02"),
    ("lm-rnn", "task lm, cell rnn, activation tanh, characters 112, embedding dim 64, hidden 200, layers 2, "
               "bidirectional no, dropout 0.1")])
def test_info_names_the_characters_of_a_tokenizer_and_a_language_model_as_such(model, shown):
    """`info tokenizer-rnn` said `words 134, chars 2, char no, ..., word dropout 0.02`: a tokenizer
    has no words, its vocabulary is of characters, and its word dropout is --char-dropout."""
    result = runner.invoke(app, ["info", model], env={"COLUMNS": "400"})
    config = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["config"])
    assert " ".join(config.split()[1:]) == shown
    options = next(line for line in result.stdout.splitlines() if line.split()[:1] == ["options"])
    assert "min char count" in options and "word" not in options  # --min-char-count, as the command line says
