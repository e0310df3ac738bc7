"""`rnncli next`, `generate`, `eval lm` and `train lm` on a tiny language model."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import LM_TEXT
from rnncli.cli.app import app
from rnncli.errors import RnnCliError

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_next_prints_tsv_and_jsonl_when_piped(tiny_lm):
    out = run("next", "-m", tiny_lm.out, "-k", "2", "the cat")
    assert out.exit_code == 0, out.output
    first = out.output.splitlines()[0].split("\t")
    assert first[0] == tiny_lm.out and first[1:3] == ["1", "sat"] and float(first[3]) > 0.5
    record = json.loads(run("next", "-m", tiny_lm.out, "-f", "jsonl", "the cat").output)
    assert record["text"] == "the cat" and record["words"][0]["word"] == "sat" and len(record["words"]) == 5
    assert run("next", "-m", tiny_lm.out, input="the dog\n").output.split("\t")[2] == "sat"



def test_next_table_shows_a_long_texts_end_above_it(tiny_lm):
    text = "the dog sat on the log. " * 200 + "the cat"
    out = run("next", "-m", tiny_lm.out, "-f", "table", text)
    title, *rest = out.output.splitlines()
    assert out.exit_code == 0 and title.strip() == "… " + text[-60:] + " …" and len(out.output.splitlines()) < 15
    assert run("next", "-m", tiny_lm.out, "-f", "table", "the cat").output.splitlines()[0].strip() == "the cat …"

def test_generate_is_the_same_for_the_same_seed(tiny_lm):
    one = run("generate", "-m", tiny_lm.out, "--prime", "the", "--length", "50", "--seed", "3")
    two = run("generate", "-m", tiny_lm.out, "--prime", "the", "--length", "50", "--seed", "3")
    assert one.exit_code == 0 and one.output == two.output and len(one.output) == 51


def test_eval_lm_reports_bits_per_char_and_word_perplexity(tiny_lm, tmp_path):
    (tmp_path / "t.txt").write_text(LM_TEXT[:500], encoding="utf-8")
    out = run("eval", "lm", "--data", tmp_path / "t.txt", "-m", tiny_lm.out, "--json")
    scores = json.loads(out.output)
    assert scores["bits_per_char"] < 1.0 and scores["words"] == len(LM_TEXT[:500].split())
    assert scores["bits_per_word"] == scores["bits_per_char"] * 500 / scores["words"]
    assert scores["perplexity_per_word"] == 2 ** scores["bits_per_word"]


@pytest.mark.parametrize("text, shown", [("x" * 3000, "perplexity/word 2^"), (" \n\n  \n", "perplexity/word -")],
                         ids=["a long text without spaces", "no words"])
def test_eval_lm_json_stays_json_where_a_word_perplexity_is_beyond_a_float_or_has_no_words(tiny_lm, tmp_path, text,
                                                                                           shown):
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    out = run("eval", "lm", "--data", tmp_path / "t.txt", "-m", tiny_lm.out, "--json")
    scores = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert out.exit_code == 0 and scores["perplexity_per_word"] is None and "RuntimeWarning" not in out.stderr
    assert (scores["bits_per_word"] is None) == (scores["words"] == 0)
    table = run("eval", "lm", "--data", tmp_path / "t.txt", "-m", tiny_lm.out)
    assert table.exit_code == 0 and shown in table.output


def test_train_lm_writes_a_model_that_next_reads(tmp_path):
    (tmp_path / "t.txt").write_text(LM_TEXT, encoding="utf-8")
    out = run("train", "lm", "--train", f"{tmp_path}/t.txt@0-0.8", "--dev", f"{tmp_path}/t.txt@0.8-1",
              "--out", tmp_path / "m.safetensors", "--epochs", "1", "--hidden", "8", "--layers", "1", "--cell", "gru", "--batch-size", "4")
    assert out.exit_code == 0, out.output
    assert "bits/char" in out.output and (tmp_path / "m.safetensors").is_file()
    assert run("next", "-m", tmp_path / "m.safetensors", "the").exit_code == 0


def test_the_library_gives_the_same_words(tiny_lm):
    import rnncli

    model = rnncli.LanguageModel(tiny_lm.out)
    assert model.next_words("the cat", k=1)[0][0] == "sat"
    assert model.generate("the", 40, seed=2) == model.generate("the", 40, seed=2)
    assert isinstance(rnncli.load(tiny_lm.out), rnncli.LanguageModel) and model.bits_per_char(LM_TEXT[:300]) < 1


def test_the_library_checks_its_arguments_as_the_cli_does(tiny_lm):
    """generate("the", -1) gave "", seed=-1 a numpy error, next_words(["I"]) a TypeError."""
    import rnncli

    model = rnncli.LanguageModel(tiny_lm.out)
    for call, message in [(lambda: model.generate("the", -1), "length must be a whole number from 1 to 1,000,000"),
                          (lambda: model.generate("the", 5, seed=-1), "seed must be a whole number from 0"),
                          (lambda: model.generate("the", 5, temperature=float("inf")), "temperature must be a number"),
                          (lambda: model.generate("the", 5, top_k=0), "top_k must be a whole number of at least 1"),
                          (lambda: model.generate(None), "prime must be a str, not NoneType"),
                          (lambda: model.next_words(["the"]), "text must be a str, not list"),
                          (lambda: model.next_words("the", "3"), "k must be a whole number from 1 to 100"),
                          (lambda: model.bits_per_char(None), "text must be a str")]:
        with pytest.raises(RnnCliError, match=message):
            call()
    assert model.generate("the", np.int64(20), seed=np.int64(2)) == model.generate("the", 20, seed=2)  # numpy ints


def test_generate_reads_its_prime_from_stdin_given_dash(tiny_lm):
    given = run("generate", "-m", tiny_lm.out, "--prime", "the cat", "--length", "30", "--seed", "1")
    piped = run("generate", "-m", tiny_lm.out, "--prime", "-", "--length", "30", "--seed", "1", input="the cat\n")
    assert piped.exit_code == 0 and piped.output == given.output
    start = run("generate", "-m", tiny_lm.out, "--length", "30", "--seed", "1")
    assert run("generate", "-m", tiny_lm.out, "--prime", "-", "--length", "30", "--seed", "1", input="").output \
        == start.output  # nothing piped: the start of a text, as with no --prime
    assert given.output != start.output


def test_generate_help_spells_the_default_prime():
    """The default prime is a line break: --help showed it as a blank ("[default: " then a new line)."""
    out = runner.invoke(app, ["generate", "--help"])
    assert out.exit_code == 0 and '[default: ("\\n", a line break: the start of a text)]' in " ".join(out.stdout.split())


def test_a_model_given_twice_is_shown_twice_as_eval_shows_it(tiny_lm):
    """-m X -m X showed one column (the models were a dict): now one per -m, as eval sentiment
    and eval tagger show a repeated model, in every format."""
    tsv = run("next", "-m", tiny_lm.out, "-m", tiny_lm.out, "-k", "2", "-f", "tsv", "the cat").output.splitlines()
    assert [line.split("\t")[:2] for line in tsv] == [[tiny_lm.out, "1"], [tiny_lm.out, "2"]] * 2
    jsonl = run("next", "-m", tiny_lm.out, "-m", tiny_lm.out, "-f", "jsonl", "the cat").output.splitlines()
    assert len(jsonl) == 2 and jsonl[0] == jsonl[1]
    table = run("next", "-m", tiny_lm.out, "-m", tiny_lm.out, "-k", "1", "-f", "table", "the cat").output
    assert table.count("sat") == 2


def test_a_cr_reads_as_the_warning_says(tiny_lm):
    """`next` warned that a CR alone reads as a space, but scored it as an unknown character
    ("The cat\\rsat on": "the" 0.264, with a space 0.205); a CR LF is one line end, which this
    model (its text has none) reads as a space, as it reads all whitespace it never saw."""
    spaced, crlf_line = (run("next", "-m", tiny_lm.out, "-f", "tsv", input=text).stdout
                         for text in ("The cat sat on", "The cat\nsat on"))
    lone = run("next", "-m", tiny_lm.out, "-f", "tsv", input="The cat\rsat on")
    assert lone.stdout == spaced and "CR alone" in lone.stderr and "read as spaces" in lone.stderr
    two_spaces = run("next", "-m", tiny_lm.out, "-f", "tsv", input="The cat  sat on").stdout
    crlf = run("next", "-m", tiny_lm.out, "-f", "tsv", input="The cat\r\nsat on").stdout
    assert crlf == crlf_line == spaced != two_spaces


@pytest.mark.parametrize("content, what", [("", "empty"), ("a", "one character")])
def test_eval_lm_names_a_text_too_short_to_score(tiny_lm, tmp_path, content, what):
    """An empty data file was a usage error (exit 2) that did not name the file."""
    data = tmp_path / "short.txt"
    data.write_text(content)
    result = run("eval", "lm", "-m", tiny_lm.out, "--data", data)
    assert result.exit_code == 1 and result.stderr == (
        f"rnncli: error: {data}: {what}; a text to score needs at least two\n")


def test_eval_lm_warns_when_the_text_is_mostly_characters_the_model_never_saw(tiny_lm, tmp_path):
    """A model that maps every character to <unk> scored 0.09 bits/char, "beating" the bundled LSTM:
    predicting <unk> counts as right for any unknown character. It is counted and warned about."""
    (tmp_path / "t.txt").write_text("the cat sat. 日本語のテキストです。これは長い文章です。", encoding="utf-8")
    out = run("eval", "lm", "--data", tmp_path / "t.txt", "-m", tiny_lm.out, "--json")
    scores = json.loads(out.stdout)
    assert scores["unknown"] == 21 and "21 characters of the" in out.stderr and "not comparable" in out.stderr
    (tmp_path / "known.txt").write_text(LM_TEXT[:300], encoding="utf-8")
    known = run("eval", "lm", "--data", tmp_path / "known.txt", "-m", tiny_lm.out, "--json")
    assert json.loads(known.stdout)["unknown"] == 0 and "never saw" not in known.stderr


def test_train_lm_refuses_a_vocabulary_that_leaves_most_of_the_text_unknown(tmp_path):
    (tmp_path / "t.txt").write_text(LM_TEXT, encoding="utf-8")
    out = run("train", "lm", "--train", f"{tmp_path}/t.txt@0-0.8", "--dev", f"{tmp_path}/t.txt@0.8-1",
              "--out", tmp_path / "m.safetensors", "--epochs", "1", "--hidden", "8", "--layers", "1",
              "--min-char-count", "100000")
    assert out.exit_code == 1 and "training characters would be <unk>" in out.stderr
    assert not (tmp_path / "m.safetensors").exists()


@pytest.mark.parametrize("streams, advice", [("4", "give more text or a smaller --batch-size"),
                                             ("1", "1 stream of 101 characters; give more text")])
def test_too_little_text_asks_for_a_smaller_batch_only_where_there_is_one(tmp_path, streams, advice):
    (tmp_path / "t.txt").write_text("the cat sat on the mat. " * 3, encoding="utf-8")
    out = run("train", "lm", "--train", tmp_path / "t.txt", "--dev", tmp_path / "t.txt", "--out",
              tmp_path / "m.safetensors", "--batch-size", streams, "--epochs", "1")
    assert out.exit_code == 1 and advice in out.stderr and (streams != "1" or "--batch-size" not in out.stderr)


def test_eval_lm_shows_a_model_given_twice_twice_as_the_other_evals_do(tiny_lm, tmp_path):
    (tmp_path / "t.txt").write_text(LM_TEXT[:300], encoding="utf-8")
    out = run("eval", "lm", "--data", tmp_path / "t.txt", "-m", tiny_lm.out, "-m", "rnn", "-m", tiny_lm.out)
    rows = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert out.exit_code == 0 and rows == [tiny_lm.out, "rnn", tiny_lm.out]
    as_json = json.loads(run("eval", "lm", "--data", tmp_path / "t.txt", "-m", tiny_lm.out, "-m", "rnn", "-m",
                             tiny_lm.out, "--json").stdout)  # as eval tagger's: every model, with its path
    names = [Path(m["model"]).name for m in as_json["models"]]
    assert names == [Path(tiny_lm.out).name, "lm-rnn.safetensors", Path(tiny_lm.out).name]
    assert as_json["data"] == str(tmp_path / "t.txt") and as_json["models"][0]["bits_per_char"] > 0
