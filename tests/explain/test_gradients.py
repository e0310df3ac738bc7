"""explain-gradients: analytic checks on synthetic weights, unrolled == fused, the CLI."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from conftest import TINY_TRAIN
from rnncli.cli.app import app
from rnncli.errors import RnnCliError
from rnncli.model.config import ModelConfig
from rnncli.model.encoding import encode
from rnncli.explain.sentence import explain
from rnncli.explain.stats import decay_summary
from rnncli.explain.synthetic import synthetic
from rnncli.explain.unroll import unroll
from rnncli.model.model_file import load_model
from rnncli.infer.tagger import Tagger
from rnncli.train.model import SentimentModel, TaggerModel, batch_tensors
from rnncli.model.vocab import Vocab

runner = CliRunner()


@pytest.mark.parametrize("radius", [0.5, 0.9, 1.5])
def test_linear_rnn_matches_the_analytic_product(radius):
    result = synthetic("rnn", 40, radius, activation="linear", seed=3)
    np.testing.assert_allclose(result.grad_norms, result.analytic, rtol=1e-10)
    assert result.summary()["analytic_max_rel_error"] < 1e-10
    assert result.summary()["decay_factor"] == pytest.approx(radius, rel=0.15)


def test_small_radius_vanishes_and_large_radius_explodes():
    vanishing = synthetic("rnn", 31, 0.5).grad_norms  # index 0 is 30 steps back
    assert vanishing[-1] == pytest.approx(1.0) and vanishing[0] < 1e-6
    exploding = synthetic("rnn", 31, 1.5, activation="linear").grad_norms
    assert exploding[0] > 1e3 * exploding[-1]


def test_lstm_with_an_open_forget_gate_keeps_the_gradient():
    rnn = synthetic("rnn", 50, 0.5).grad_norms
    lstm = synthetic("lstm", 50, 0.5, forget_bias=3.0).grad_norms
    assert lstm[0] > 1e-2 and rnn[0] < 1e-10


def test_clipping_rescales_to_the_threshold():
    clip = synthetic("rnn", 30, 1.5, activation="linear", clip=5.0).clip
    assert clip["norm_before"] > 5.0 and clip["norm_after"] == pytest.approx(5.0)
    assert clip["scale"] == pytest.approx(5.0 / clip["norm_before"])


def test_decay_summary():
    assert decay_summary([1e-4, 1e-3, 1e-2, 1e-1, 1.0]) == {"decay_factor": pytest.approx(0.1), "reach": 3}
    assert decay_summary([8.0, 4.0, 2.0, 1.0])["reach"] == 3


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("task", ["tagger", "sentiment"])
def test_unrolled_cells_equal_the_fused_modules(cell, task):
    torch.manual_seed(0)
    config = ModelConfig(task=task, cell=cell, words=6, chars=5, embedding_dim=7, char=False, hidden=5, layers=2,
                         heads={"upos": 3} if task == "tagger" else {"label": 2})
    net = (TaggerModel if task == "tagger" else SentimentModel)(config).eval().double()
    batch = batch_tensors(encode([["a", "b", "c", "a"]], Vocab(["a", "b", "c"], specials=True), None, 30))
    with torch.no_grad():
        fused = net.states(batch["words"], batch["lengths"])[0]
        x = net.word_emb(batch["words"])[0]
        unrolled = unroll(net.rnn, cell, "tanh", 2, True, 5, x)
    torch.testing.assert_close(unrolled.top, fused, atol=1e-10, rtol=0)
    assert len(unrolled.h) == 4 and len(unrolled.c) == (4 if cell == "lstm" else 0)


def test_explain_a_tiny_tagger(tiny_model):
    model = load_model(tiny_model)
    tokens = ["I", "study", "at", "night", "."]
    e = explain(model, tokens, saliency=True)
    assert e.prediction["label"] == Tagger(model).best([tokens])[0][-1] == "PUNCT"
    assert len(e.grad_norms) == len(e.c_grad_norms) == len(e.forget_gate_mean) == len(e.saliency) == 5
    assert all(0 < f < 1 for f in e.forget_gate_mean)
    assert e.grad_norms[-1] == max(e.grad_norms)


def test_cli_json_and_tsv(tiny_model):
    args = ["explain-gradients", "--task", "tagger", "-m", str(tiny_model), "--saliency", "I study at night ."]
    piped = runner.invoke(app, args)  # auto: tsv when piped, as tag and sentiment
    assert piped.exit_code == 0, piped.output
    rows = [line.split("\t") for line in piped.stdout.splitlines()]
    assert rows[0] == ["step", "token", "distance", "tiny-lstm_grad_norm", "tiny-lstm_saliency"]
    assert [r[1] for r in rows[1:]] == ["I", "study", "at", "night", "."] and all(len(r) == 5 for r in rows)
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.stdout.count("\n") == 1
    data = json.loads(result.stdout)
    assert data["tokens"] == ["I", "study", "at", "night", "."]
    tiny = data["models"]["tiny-lstm"]
    assert len(tiny["grad_norms"]) == 5 and {"decay_factor", "reach", "forget_gate_mean", "saliency"} <= set(tiny)
    floats = [float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", result.stdout)]
    assert floats and all(float(f"{x:.4g}") == x for x in floats)  # 4 significant digits, not 17
    assert [float(r[3]) for r in rows[1:]] == pytest.approx(tiny["grad_norms"], rel=1e-3)
    synthetic_run = runner.invoke(app, ["explain-gradients", "--synthetic", "--length", "6", "--cell", "rnn,gru",
                                        "-f", "tsv", "--activation", "relu", "--seed", "2"])
    lines = synthetic_run.stdout.splitlines()
    assert lines[0] == "step\tdistance\trnn_grad_norm\tgru_grad_norm" and len(lines) == 7
    table = runner.invoke(app, ["explain-gradients", "--synthetic", "--activation", "linear", "--radius", "1.5",
                                "--cell", "rnn", "--clip", "1", "-f", "table"])
    assert "matches the analytic" in table.stdout and "clipping at 1" in table.stdout and "explodes" in table.stdout


@pytest.mark.parametrize("corpus", [False, True], ids=["text", "corpus"])
def test_models_of_one_name_are_not_merged(tiny_model, tmp_path, corpus):
    # JSON, TSV and the plot key each model by its name: two files named alike lost one silently
    (tmp_path / "b").mkdir()
    other = tmp_path / "b" / tiny_model.name
    other.write_bytes(tiny_model.read_bytes())
    source = ["--input", str(TINY_TRAIN), "--max-sentences", "2"] if corpus else ["I study ."]
    args = ["explain-gradients", "--task", "tagger", "-f", "json", *source]
    clash = runner.invoke(app, [*args, "-m", str(tiny_model), "-m", str(other)])
    assert clash.exit_code == 2 and "two models named 'tiny-lstm'" in clash.stderr, clash.output
    same = runner.invoke(app, [*args, "-m", str(tiny_model), "-m", str(tiny_model)])  # one file twice: once
    assert same.exit_code == 0 and list(json.loads(same.stdout)["models"]) == ["tiny-lstm"], same.output
    cells = runner.invoke(app, ["explain-gradients", "--synthetic", "--length", "3", "--cell", "rnn,rnn", "-f", "tsv"])
    assert cells.stdout.splitlines()[0] == "step\tdistance\trnn_grad_norm"


def test_cli_errors(tmp_path):
    bad = runner.invoke(app, ["explain-gradients", "--synthetic", "--cell", "rnn,transformer"])
    assert bad.exit_code == 2 and "unknown cell 'transformer'" in bad.stderr
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        missing = runner.invoke(app, ["explain-gradients", "--synthetic", "--plot", str(tmp_path / "p.png")])
        assert missing.exit_code == 1 and "pip install 'rnncli[plot]'" in missing.stderr and missing.stdout == ""
    else:
        for name, magic in [("p.png", b"\x89PNG"), ("p.svg", b"<?xml"), ("p.PDF", b"%PDF"), ("p", b"\x89PNG")]:
            made = runner.invoke(app, ["explain-gradients", "--synthetic", "--plot", str(tmp_path / name)])
            assert made.exit_code == 0 and (tmp_path / name).read_bytes().startswith(magic), name


def test_corpus_mode_through_the_cli(tiny_model, tmp_path):
    from conftest import TINY_TRAIN

    data = json.loads(runner.invoke(app, ["explain-gradients", "--task", "tagger", "-m", str(tiny_model),
                                          "--input", str(TINY_TRAIN), "-f", "json"]).stdout)
    model = data["models"]["tiny-lstm"]
    assert model["sentences"] + model["skipped"] == 12 and model["median"][0] == 1.0  # the 12 sentences of the file
    assert model["counts"][0] == model["sentences"]
    assert model["verdict"] in ("vanishes", "holds", "explodes") and model["verdict"] in model["summary"]
    table = runner.invoke(app, ["explain-gradients", "--task", "tagger", "-m", str(tiny_model), "--input",
                                str(TINY_TRAIN), "--max-sentences", "3", "-f", "table"], env={"COLUMNS": "80"})
    assert table.exit_code == 0 and "tiny-lstm (lstm, " in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    both = runner.invoke(app, ["explain-gradients", "--input", str(TINY_TRAIN), "some text"])
    assert both.exit_code == 2 and "not both" in both.stderr
    assert table.stderr == ""  # no sentence of the file is longer than 100 tokens
    two = ["explain-gradients", "--task", "tagger", "-m", str(tiny_model), "-m", "rnn", "--input", str(TINY_TRAIN),
           "--max-sentences", "5"]
    paired = json.loads(runner.invoke(app, [*two, "-f", "json"]).stdout)["paired"]
    assert [(p["model"], p["against"]) for p in paired] == [("tagger-rnn", "tiny-lstm")]
    assert paired[0]["n"] == 5 and paired[0]["higher"] + paired[0]["lower"] <= 5 and paired[0]["median_ratio"] > 0
    table = runner.invoke(app, [*two, "-f", "table"], env={"COLUMNS": "200"}).stdout
    assert f"tagger-rnn against tiny-lstm, sentence by sentence: its gradient falls more slowly in {paired[0]['higher']}" \
        in table


def test_sentences_cut_to_100_tokens_are_told(tiny_model, tmp_path):
    """--input read each sentence to its first 100 tokens without a word (the count was only in
    the JSON's `cut`); now stderr says so, and --help states the bound."""
    text = tmp_path / "long.txt"
    text.write_text("I study at night .\n" + "good " * 300 + "\n" + "night " * 101 + "\n")
    result = runner.invoke(app, ["explain-gradients", "--task", "tagger", "-m", str(tiny_model), "--input", str(text),
                                 "-f", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["models"]["tiny-lstm"]["cut"] == 2
    assert result.stderr == ("rnncli: warning: 2 of the sentences are longer than 100 tokens: each is read to its "
                             "first 100\n")
    one = runner.invoke(app, ["explain-gradients", "--task", "tagger", "-m", str(tiny_model), "--input", str(text),
                              "--max-sentences", "2", "-f", "json"])
    assert one.stderr == "rnncli: warning: 1 of the sentences is longer than 100 tokens: it is read to its first 100\n"
    assert "each read to its first 100 tokens" in " ".join(runner.invoke(app, ["explain-gradients", "--help"],
                                                                         env={"COLUMNS": "200"}).stdout.split())


def test_a_corpus_is_read_once_from_stdin_or_a_pipe(tiny_model, tmp_path):
    """`--input -` was "-: no such file"; a TSV through a pipe (`<(...)`) was read twice, and the
    second read found it empty."""
    args = ["explain-gradients", "--task", "tagger", "-m", str(tiny_model), "-f", "json", "--input"]
    from_file = json.loads(runner.invoke(app, [*args, str(TINY_TRAIN)]).stdout)["models"]
    with open(TINY_TRAIN, "rb") as stdin:
        piped = subprocess.run([sys.executable, "-m", "rnncli", *args, "-"], stdin=stdin, capture_output=True)
    assert piped.returncode == 0 and json.loads(piped.stdout)["models"] == from_file, piped.stderr
    tsv = tmp_path / "t.tsv"
    tsv.write_text("1\tI study at night .\n0\tWe eat .\n", encoding="utf-8")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["cp", str(tsv), str(fifo)])
    through_pipe = runner.invoke(app, [*args, str(fifo)])
    writer.wait()
    assert through_pipe.exit_code == 0, through_pipe.stderr
    assert json.loads(through_pipe.stdout)["models"] == json.loads(runner.invoke(app, [*args, str(tsv)]).stdout)["models"]


@pytest.mark.parametrize("stdin, message", [
    (b"ab\x00\xff\n", "<stdin>:1: input looks binary (NUL byte)"),
    (b"\xff\xfeh\x00i\x00\n\x00", "<stdin>:1: input looks binary"),  # UTF-16
    (None, "<stdin>: not open"),  # stdin closed
], ids=["NUL and bad bytes", "UTF-16", "closed"])
def test_a_hostile_stdin_corpus_is_an_error_that_names_stdin(stdin, message):
    command = [sys.executable, "-m", "rnncli", "explain-gradients", "--input", "-", "-f", "json"]
    if stdin is None:
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                                preexec_fn=lambda: os.close(0))
    else:
        result = subprocess.run(command, input=stdin, capture_output=True, timeout=60)
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 1 and message in stderr and "Traceback" not in stderr and result.stdout == b""


@pytest.mark.parametrize("args, message", [
    (["--radius", "2", "--clip", "5", "Good film"], "--radius, --clip apply only with --synthetic"),
    (["--synthetic", "-m", "lstm", "--task", "tagger"], "--task, --model apply to a trained model, not with --synthetic"),
    (["--max-sentences", "5", "Good film"], "--max-sentences applies only with --input"),
    (["--saliency", "--input", "x.txt"], "--saliency applies to one text, not with --input"),
])
def test_an_option_that_would_do_nothing_is_a_usage_error(args, message):
    """They were ignored without a word; a default given on purpose is refused as well, but for
    a flag turned off (`--no-saliency` asks for nothing)."""
    result = runner.invoke(app, ["explain-gradients", *args])
    assert result.exit_code == 2 and message in result.stderr
    off = runner.invoke(app, ["explain-gradients", "--synthetic", "--no-saliency", "--length", "4", "-f", "json"])
    assert off.exit_code == 0, off.stderr

def test_lstm_gates_table_fits_80_columns(tiny_model):
    result = runner.invoke(app, ["explain-gradients", "--task", "tagger", "-m", str(tiny_model), "-m", str(tiny_model),
                                 "--saliency", "-f", "table", "I study at night but sleep ."], env={"COLUMNS": "80"})
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and max(len(line) for line in lines) <= 80
    assert "tiny-lstm: gates per token" in result.stdout and "|c_t|" in result.stdout
    assert not any("…" in line for line in lines)  # nothing cut


@pytest.mark.parametrize("columns, models, tables", [(80, ["rnn", "lstm"], 1), (60, ["rnn", "lstm"], 2),
                                                     (80, ["rnn", "lstm", "lstm-small"], 2)])
def test_gradient_table_never_cuts_a_number(columns, models, tables):
    import re

    args = ["explain-gradients", "-f", "table", "--saliency", "The film starts slow but the ending is wonderful"]
    result = runner.invoke(app, [*args, *(x for m in models for x in ("-m", m))], env={"COLUMNS": str(columns)})
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and max(len(line) for line in lines) <= columns
    rows = [line for line in lines if re.match(r"\s*\d+ │", line) and "│" in line and "e-" in line]
    assert len(rows) == 9 * tables and "…" not in "".join(rows)  # a table per group of models that fits
    assert sum(len(re.findall(r"\d\.\de-\d\d", row)) for row in rows) == 9 * len(models)  # every |g_t| whole
    assert sum(row.count("wonderful") for row in rows) == tables  # the token whole too


def test_lstm_gates_table_never_cuts_a_number_at_60_columns():
    # the gates table kept its token column at 16 and its bar at 10: at 60 columns Rich cut every column, i_t to "0.…"
    import re

    args = ["explain-gradients", "-f", "table", "-m", "lstm", "The Supercalifragilisticexpialidocious film is good"]
    result = runner.invoke(app, args, env={"COLUMNS": "60"})
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "gates per token" in line)
    rows = [line for line in lines[start:] if re.match(r"\s*\d+ │", line)]
    assert result.exit_code == 0 and max(len(line) for line in lines) <= 60 and len(rows) == 5
    assert all(len(re.findall(r"│\s+\d+\.\d\d ", row)) == 4 for row in rows)  # i_t, f_t, o_t, |c_t| whole


def test_the_analytic_check_has_its_rule_in_the_library():
    from rnncli.explain.synthetic import synthetic

    linear = synthetic("rnn", 12, 1.5, activation="linear")
    assert linear.matches_analytic is True
    linear.analytic = [a * 1.01 for a in linear.analytic]
    assert linear.matches_analytic is False
    assert synthetic("rnn", 12, 1.5).matches_analytic is None  # tanh: no analytic gradient


def test_explain_gradients_reads_a_piped_text_as_tag_does(tiny_model):
    """`echo ... | rnncli explain-gradients` explained the built-in sentence, and `-` the token "-"."""
    runner = CliRunner()
    args = ["explain-gradients", "--task", "tagger", "-m", str(tiny_model), "-f", "tsv"]
    piped = runner.invoke(app, args, input="I study at night\n")
    dash = runner.invoke(app, [*args, "-"], input="I study at night\n")
    assert piped.exit_code == dash.exit_code == 0 and piped.stdout == dash.stdout
    assert [line.split("\t")[1] for line in piped.stdout.splitlines()[1:]] == ["I", "study", "at", "night"]
    for nothing in ("", "\n", "  \n\n"):  # no words piped: the built-in sentence
        empty = runner.invoke(app, args, input=nothing)
        assert empty.exit_code == 0 and empty.stdout.splitlines()[1].split("\t")[1] == "I"
        assert len(empty.stdout.splitlines()) > 10


def test_the_readme_says_what_the_default_sentence_shows():
    """The README promised the LSTM keeping the gradient on the demo sentence, where the bundled
    LSTM's falls faster: it now says so, with these figures."""
    from pathlib import Path

    shown = json.loads(CliRunner().invoke(app, ["explain-gradients", "-f", "json"]).stdout)["models"]
    rnn, lstm = shown["sentiment-rnn"]["decay_factor"], shown["sentiment-lstm"]["decay_factor"]
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    assert lstm < rnn and f"(x{lstm:.3f} per step back against x{rnn:.3f};" in readme


def test_norms_are_finite_while_the_gradient_is():
    """At radius 100 the linear RNN's gradient is 1e300 after 150 steps: finite, though the sum of
    its squares is not (the norm overflowed from step 78 on, and the message blamed the gradient)."""
    import math

    from rnncli.explain.synthetic import scaled_norm

    assert scaled_norm(torch.full((4,), 1e160, dtype=torch.float64)) == pytest.approx(2e160)
    assert scaled_norm(torch.zeros(3)) == 0.0 and scaled_norm(torch.tensor([math.inf])) == math.inf
    result = synthetic("rnn", 150, 100.0, activation="linear", hidden=8)
    assert math.isfinite(result.grad_norms[0]) and result.grad_norms[0] > 1e290 and result.matches_analytic
    with pytest.raises(RnnCliError, match="rnn: the gradient overflows float64 15[0-9] steps back at radius 100"):
        synthetic("rnn", 200, 100.0, activation="linear", hidden=8)
    with pytest.raises(RnnCliError, match="rnn: the gradient of W_hh, a sum over the steps, overflows float64 at "
                                          "radius 10"):  # each step's is finite: it was an internal StopIteration
        synthetic("rnn", 310, 10.0, activation="linear")
