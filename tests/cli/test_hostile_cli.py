"""Hostile use of the command line: outputs that are inputs, write failures, closed pipes,
markup in user text, absurd option values, missing extras, killed writers, reproducibility.

Every case asserts the exit code, that no traceback is printed, the message, and that the
input files are byte-identical afterwards. (Hostile input text: test_hostile_input.py;
damaged model files: test_hostile_model_files.py.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, HERE, TINY_TRAIN
from rnncli.cli.app import app

runner = CliRunner()
TINY_TSV = FIXTURES / "tiny-sentiment.tsv"
TRAIN_TINY = ["--epochs", "1", "--hidden", "8", "--embedding-dim", "8", "--no-char", "--layers", "1", "--dtype", "float32"]


def run(*args, input=None):
    result = runner.invoke(app, [str(a) for a in args], input=input)
    assert "Traceback" not in result.output, result.output
    return result


def shell(command: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """A real process through bash, so that redirections (`>&-`, `> /dev/full`, pipes) are real."""
    rnncli = f"{sys.executable} -m rnncli"
    result = subprocess.run(["bash", "-c", command.replace("rnncli ", f"{rnncli} ")], capture_output=True,
                            text=True, timeout=timeout, env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def data(tmp_path) -> Path:
    """A copy of the tiny training data that tests may point outputs at."""
    shutil.copy(TINY_TRAIN, tmp_path / "train.conllu")
    shutil.copy(TINY_TSV, tmp_path / "train.tsv")
    return tmp_path


def unchanged(path: Path, original: Path) -> bool:
    return path.read_bytes() == original.read_bytes()


# --- 1. data loss: an output that is an input is refused before any work ---------------

@pytest.mark.parametrize("case", ["out", "dev-out", "symlink", "hardlink", "metrics-log", "plot", "checkpoint",
                                  "sentiment-out", "sentiment-embeddings", "out-is-resume", "plot-is-out"])
def test_outputs_never_overwrite_inputs(data, case):
    conllu, tsv = data / "train.conllu", data / "train.tsv"
    (data / "link.conllu").symlink_to(conllu)
    os.link(conllu, data / "hard.conllu")
    tagger = ["train", "tagger", "--train", conllu, "--dev", conllu, *TRAIN_TINY]
    sentiment = ["train", "sentiment", "--train", tsv, "--dev", tsv, *TRAIN_TINY]
    args, culprit = {
        "out": (tagger + ["--out", conllu], "--out"),
        "dev-out": (["train", "tagger", "--train", TINY_TRAIN, "--dev", conllu, "--out", conllu, *TRAIN_TINY], "--out"),
        "symlink": (tagger + ["--out", data / "link.conllu"], "--out"),
        "hardlink": (tagger + ["--out", data / "hard.conllu"], "--out"),
        "metrics-log": (tagger + ["--out", data / "m.safetensors", "--metrics-log", conllu], "--metrics-log"),
        "plot": (tagger + ["--out", data / "m.safetensors", "--plot", conllu], "--plot"),
        "checkpoint": (["train", "tagger", "--train", data / "m.ckpt", "--dev", conllu, "--out", data / "m",
                        *TRAIN_TINY], "the checkpoint"),
        "sentiment-out": (sentiment + ["--out", tsv], "--out"),
        "sentiment-embeddings": (sentiment + ["--out", data / "s.safetensors", "--embeddings-from", conllu,
                                              "--metrics-log", conllu], "--metrics-log"),
        "out-is-resume": (tagger + ["--out", conllu, "--resume", conllu], "--out"),
        "plot-is-out": (tagger + ["--out", data / "m.safetensors", "--plot", data / "m.safetensors"], "--plot"),
    }[case]
    if case == "checkpoint":
        shutil.copy(conllu, data / "m.ckpt")
    before = {p: p.read_bytes() for p in data.iterdir()}
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"rnncli: error: {culprit} ") and "is the same file as" in result.stderr
    assert {p: p.read_bytes() for p in data.iterdir()} == before  # nothing written, nothing changed


def test_a_fresh_run_never_overwrites_an_interrupted_runs_checkpoint(data):
    out, checkpoint = data / "m.safetensors", data / "m.safetensors.ckpt"
    checkpoint.write_bytes(b"the work of an interrupted run")
    args = ["train", "tagger", "--train", data / "train.conllu", "--dev", data / "train.conllu", "--out", out, *TRAIN_TINY]
    result = run(*args)
    assert result.exit_code == 1 and result.stderr == (
        f"rnncli: error: {checkpoint}: an interrupted run's checkpoint, which this run would overwrite; continue that "
        f"run with --resume {checkpoint}, or delete it to start afresh\n")
    assert checkpoint.read_bytes() == b"the work of an interrupted run" and not out.exists()
    resumed = run(*args, "--resume", checkpoint)  # resuming it is what the message asks for
    assert resumed.exit_code == 2 and "it starts as text does" in resumed.stderr
    assert "would overwrite" not in resumed.stderr


def test_training_replaces_an_earlier_model_but_no_other_file(data, tiny_model):
    out = data / "notes.safetensors"
    out.write_text("my notes, saved under a model's name")
    args = ["train", "tagger", "--train", data / "train.conllu", "--dev", data / "train.conllu", "--out", out, *TRAIN_TINY]
    refused = run(*args)
    assert refused.exit_code == 1 and refused.stderr.startswith(
        f"rnncli: error: --out {out} exists and is not an rnncli model file"), refused.stderr
    assert out.read_text() == "my notes, saved under a model's name"
    shutil.copy(tiny_model, out)  # an earlier run's model: retraining replaces it
    replaced = run(*args)
    assert replaced.exit_code == 0, replaced.stderr
    assert out.read_bytes() != tiny_model.read_bytes() and run("info", out).exit_code == 0


def test_no_report_plot_or_log_is_written_over_a_model_even_one_not_in_use(data, tiny_model):
    """`eval tokenizer --report pretrained/tokenizer-lstm.safetensors` wrote its JSON over that
    bundled model, which the run did not read (the default tokenizer is another)."""
    other = data / "other.safetensors"
    shutil.copy(tiny_model, other)
    gold = data / "train.conllu"
    for args, option in ((["eval", "tokenizer", "--data", gold, "--report", other], "--report"),
                         (["eval", "tagger", "-m", tiny_model, "--data", gold, "--report", other], "--report"),
                         (["train", "tagger", "--train", gold, "--dev", gold, "--out", data / "m.safetensors",
                           "--metrics-log", other, *TRAIN_TINY], "--metrics-log"),
                         (["explain-gradients", "--task", "tagger", "-m", tiny_model, "a b", "--plot", other], "--plot")):
        result = run(*args)
        assert result.exit_code == 1 and result.stderr.startswith(
            f"rnncli: error: {option} {other} is an rnncli model file; choose another output path"), result.stderr
    assert unchanged(other, tiny_model) and not (data / "m.safetensors").exists()


def test_weights_are_recognised_however_their_header_is_laid_out(data, tiny_model):
    """A model whose header's JSON began with 5,000 spaces still loads, but the first check of
    what an output would replace read only 4 KB: a report replaced it. Other safetensors
    weights (someone's model from elsewhere) are kept from reports too."""
    import json

    import numpy as np
    from safetensors.numpy import save

    from rnncli.model.model_file import read_tensors

    meta, tensors = read_tensors(tiny_model)
    raw = save(tensors, metadata={"rnncli": json.dumps(meta)})
    n = int.from_bytes(raw[:8], "little")
    header = b"{" + b" " * 5000 + raw[9:8 + n]
    padded, other = data / "padded.safetensors", data / "other.safetensors"
    padded.write_bytes(len(header).to_bytes(8, "little") + header + raw[8 + n:])
    other.write_bytes(save({"w": np.zeros(2, np.float32)}))
    assert run("info", padded).exit_code == 0  # a model, as rnncli reads it
    gold = data / "train.conllu"
    for target, what in ((padded, "an rnncli model file"), (other, "a safetensors weights file")):
        before = target.read_bytes()
        result = run("eval", "tokenizer", "--data", gold, "--report", target)
        assert result.exit_code == 1 and result.stderr.startswith(
            f"rnncli: error: --report {target} is {what}; choose another output path"), result.stderr
        assert target.read_bytes() == before
    train = ["train", "tagger", "--train", gold, "--dev", gold, *TRAIN_TINY]
    refused = run(*train, "--out", other)
    assert refused.exit_code == 1 and "exists and is not an rnncli model file" in refused.stderr
    assert run(*train, "--out", padded).exit_code == 0  # an earlier model: replaced


def test_a_report_plot_or_log_replaces_only_its_own_kind(data, tiny_model):
    """`eval --report notes.md` wrote its JSON over the notes (exit 0), `--plot notes.png` a PNG
    over a text file, `--metrics-log notes.txt` added JSON lines to it: only model files were
    kept. Now each replaces (or adds to) only an earlier one of its kind, or an empty file."""
    from rnncli.files import _holds_own_kind

    notes = data / "notes.md"
    notes.write_text("my notes\n")
    gold = data / "train.conllu"
    for args, option, what in (
            (["eval", "tagger", "-m", tiny_model, "--data", gold, "--report", notes], "--report", "a JSON report"),
            (["train", "tagger", "--train", gold, "--dev", gold, "--out", data / "m.safetensors", "--metrics-log",
              notes, *TRAIN_TINY], "--metrics-log", "a metrics log (JSON lines)"),
            (["explain-gradients", "--task", "tagger", "-m", tiny_model, "a b", "--plot", notes], "--plot",
             "an image")):
        result = run(*args)
        assert result.exit_code == 1 and result.stderr.startswith(
            f"rnncli: error: {option} {notes} exists and is not {what}; rnncli "), result.stderr
    assert notes.read_text() == "my notes\n" and not (data / "m.safetensors").exists()
    report = data / "report.json"
    for content in ("", '{"model": "old"}'):
        report.write_text(content)
        assert run("eval", "tagger", "-m", tiny_model, "--data", gold, "--report", report).exit_code == 0
        assert '"upos"' in report.read_text()
    kinds = {"--plot": [b"\x89PNG\r\n", b"%PDF-1.4", b'<?xml version="1.0"?>\n<svg xmlns=', b""],
             "--metrics-log": [b'{"epoch": 1, "loss": 0.5}\n{"epoch": 2', b""]}
    for option, contents in kinds.items():
        for content in contents:
            (data / "old").write_bytes(content)
            assert _holds_own_kind(option, data / "old"), (option, content)
        (data / "old").write_bytes(b"GIF89a, or a list of things to do\n")
        assert not _holds_own_kind(option, data / "old")
    (data / "old").write_bytes(b'["a JSON list is no report of ours"]')
    assert not _holds_own_kind("--report", data / "old")


@pytest.mark.parametrize("name", ["curves.gif", "curves.txt", "curves.JPG"])
def test_a_plot_named_as_another_kind_of_file_is_refused(data, tiny_model, name):
    """--plot curves.gif (and curves.txt) wrote a PNG under that name."""
    result = run("explain-gradients", "--task", "tagger", "-m", tiny_model, "a b", "--plot", data / name)
    suffix = name[name.index("."):]
    assert result.exit_code == 1 and f"draws PNG, SVG or PDF by the file's extension, and knows no {suffix};" in result.stderr
    assert not (data / name).exists()


def test_info_gives_a_language_models_work_per_character(tiny_lm):
    assert "multiply-adds per character" in run("info", tiny_lm.out).stdout


def test_a_replaced_output_keeps_its_permissions_and_a_symlink_stays_one(data):
    """Reports were written as new files: a private (0600) report became 0644, and a symlink
    was replaced by a file, its target left as it was."""
    import stat

    report, link = data / "report.json", data / "link.json"
    report.write_text("{}")
    report.chmod(0o600)
    link.symlink_to(report)
    result = run("eval", "tokenizer", "--data", data / "train.conllu", "--report", link)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and '"sentence_boundaries"' in report.read_text()
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    fresh = data / "fresh.json"
    assert run("eval", "tokenizer", "--data", data / "train.conllu", "--report", fresh).exit_code == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~current_umask()


@pytest.mark.parametrize("option", ["--out", "--plot", "--metrics-log"])
def test_a_link_into_a_missing_folder_is_refused_before_training(data, option):
    """An output that is a symlink to a file in a folder that does not exist passed the checks:
    the whole run trained, then failed to write (an internal error for --metrics-log), and left
    a checkpoint that blocked the next run."""
    link = data / {"--out": "o.safetensors", "--plot": "p.png", "--metrics-log": "m.jsonl"}[option]
    link.symlink_to(data / "missing" / link.name)
    outputs = {"--out": data / "m.safetensors", option: link}
    result = run("train", "tagger", "--train", data / "train.conllu", "--dev", data / "train.conllu", "--epochs", "1",
                 "--hidden", "4", "--layers", "1", *(x for pair in outputs.items() for x in pair))
    assert result.exit_code == 1 and result.stderr.strip().endswith(
        f"{option} {link}: folder {data / 'missing'} does not exist (the link points there)"), result.stderr
    assert "epoch" not in result.stderr and sorted(p.name for p in data.iterdir()) == sorted(
        ["train.conllu", "train.tsv", link.name])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission")
def test_a_metrics_log_that_can_be_written_but_not_read_is_appended_to(tmp_path):
    """Looking at the log's last byte opened it for reading too, which a write-only log refuses."""
    from rnncli.train.callbacks import MetricsLog

    log = tmp_path / "m.jsonl"
    log.write_text('{"epoch": 1}\n')
    log.chmod(0o200)
    try:
        MetricsLog(log).on_epoch_end(2, {"epoch": 2})
    finally:
        log.chmod(0o600)
    assert log.read_text() == '{"epoch": 1}\n{"epoch": 2}\n'


def test_a_metrics_log_whose_last_line_has_no_end_gets_its_records_on_lines_of_their_own(data):
    """A log whose last line was left without its line end (a run killed while writing, an edit)
    got the next record glued onto it: two objects on one line, no longer JSON lines."""
    import json

    log = data / "m.jsonl"
    log.write_text('{"epoch": 1}')
    result = run("train", "tagger", "--train", data / "train.conllu", "--dev", data / "train.conllu", "--epochs", "1",
                 "--hidden", "4", "--layers", "1", "--out", data / "m.safetensors", "--metrics-log", log)
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records[0] == {"epoch": 1} and records[1]["epoch"] == 1 and len(records) == 2


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("kind", ["tagger", "sentiment"])
def test_eval_report_is_never_the_data_or_a_model(data, tiny_model, kind):
    gold = data / ("train.conllu" if kind == "tagger" else "train.tsv")
    model = data / "model.safetensors"
    shutil.copy(tiny_model, model)
    for report in (gold, model):
        before = report.read_bytes()
        result = run("eval", kind, "-m", model, "--data", gold, "--report", report)
        assert result.exit_code == 1 and "is the same file as" in result.stderr
        assert report.read_bytes() == before


@pytest.mark.parametrize("kind, model", [("tagger", "rnn"), ("sentiment", "sentiment-lstm")])
def test_reports_and_plots_never_overwrite_bundled_models(tmp_path, kind, model):
    from rnncli.model.bundled import resolve_model

    bundled = resolve_model(model, kind)
    before = bundled.read_bytes()
    data = TINY_TRAIN if kind == "tagger" else TINY_TSV
    for args in (["eval", kind, "-m", model, "--data", data, "--report", bundled],
                 ["explain-gradients", "--task", kind, "-m", model, "a good film", "--plot", bundled]):
        result = run(*args)
        assert result.exit_code == 1 and "is the same file as --model" in result.stderr, result.stderr
    assert bundled.read_bytes() == before


def test_explain_plot_is_never_a_model(tmp_path, tiny_model):
    model = tmp_path / "model.safetensors"
    shutil.copy(tiny_model, model)
    result = run("explain-gradients", "--task", "tagger", "-m", model, "--plot", model, "a b")
    assert result.exit_code == 1 and "--plot" in result.stderr and "is the same file as --model" in result.stderr
    assert unchanged(model, tiny_model)


def test_raw_text_reports_never_overwrite_the_tokenizer(data, tiny_model):
    from rnncli.model.bundled import resolve_model
    from rnncli.model.config import DEFAULT_TOKENIZER

    bundled = resolve_model(DEFAULT_TOKENIZER, "tokenizer")  # what eval tokenizer reads by default
    mine = data / "tok.safetensors"
    shutil.copy(bundled, mine)
    for args in (["eval", "tokenizer", "--tokenizer", mine, "--report", mine],
                 ["eval", "tagger", "--raw", "-m", tiny_model, "--tokenizer", mine, "--report", mine],
                 ["eval", "tokenizer", "--report", bundled]):
        result = run(*args, "--data", data / "train.conllu")
        assert result.exit_code == 1 and result.stdout == "", result.stdout
        assert "is the same file as --tokenizer" in result.stderr and result.stderr.count("\n") == 1
    assert unchanged(mine, bundled)


def test_explain_plot_is_never_the_corpus(data, tiny_model):
    corpus = data / "train.conllu"
    result = run("explain-gradients", "--task", "tagger", "-m", tiny_model, "--input", corpus, "--plot", corpus)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"rnncli: error: --plot {corpus} is the same file as --input {corpus};")
    assert unchanged(corpus, TINY_TRAIN)


@pytest.mark.parametrize("redirect", [">>", ">"])
def test_tag_refuses_stdout_that_is_its_input(tmp_path, tiny_model, redirect):
    book = tmp_path / "book.txt"
    book.write_text("I study at night.\n")
    result = shell(f"rnncli tag -m {tiny_model} --input {book} {redirect} {book}", timeout=20)
    assert result.returncode == 1 and "input file is output file" in result.stderr
    if redirect == ">>":
        assert book.read_text() == "I study at night.\n"


@pytest.mark.parametrize("command", ["tag -m {model}", "sentiment -m {sentiment}", "tag --tokenizer {model}"])
def test_stdout_is_never_a_model_file(tmp_path, tiny_model, command):
    from rnncli.model.bundled import resolve_model

    # a copy of the model (or of the tokenizer) that the command reads, with stdout appended to it
    kind = "tokenizer" if "--tokenizer" in command else "sentiment" if "sentiment" in command else "tagger"
    original = tiny_model if kind == "tagger" else resolve_model("lstm", kind)
    model = tmp_path / "m.safetensors"
    shutil.copy(original, model)
    result = shell(f"rnncli {command.format(model=model, sentiment=model)} 'a good film' >> {model}", timeout=20)
    assert result.returncode == 1 and result.stderr == f"rnncli: error: {model}: input file is output file\n"
    assert unchanged(model, original)


# --- 5. output locations checked before any work ----------------------------------------

@pytest.mark.parametrize("out, message", [("{dir}", "is a folder"), ("{dir}/no/such/m.safetensors", "does not exist"),
                                          ("/proc/m.safetensors", "cannot write in /proc"),
                                          ("/dev/null", "not a regular file"), ("{dir}/" + "c" * 300, "name too long"),
                                          ("-", "give a file path")],
                         ids=["folder", "missing-folder", "proc", "dev-null", "long-name", "dash"])
def test_unwritable_outputs_fail_before_training(data, out, message):
    for option in ("--out", "--metrics-log", "--plot"):
        path = out.format(dir=data)
        args = ["--out", data / "m.safetensors", option, path] if option != "--out" else ["--out", path]
        result = run("train", "tagger", "--train", data / "train.conllu", "--dev", data / "train.conllu",
                     *TRAIN_TINY, *args)
        assert result.exit_code == 1 and message in result.stderr, (option, result.stderr)
        assert "epoch" not in result.stderr  # refused before the first epoch
    assert not (data / "m.safetensors").exists() and not Path(f"{data}/no").exists()


def test_eval_report_in_a_missing_folder(tiny_model, data):
    result = run("eval", "tagger", "-m", tiny_model, "--data", data / "train.conllu", "--report", data / "no" / "r.json")
    assert result.exit_code == 1 and "does not exist" in result.stderr and not (data / "no").exists()


# --- 23. temporary files of killed writers ------------------------------------------------

def test_stale_temporary_files_are_removed(tmp_path):
    from rnncli.files import write_atomic

    out = tmp_path / "m.safetensors"
    dead = tmp_path / f".m.safetensors.{2**22 + 11}.abcd1234.tmp"  # above Linux's pid_max: never alive
    alive = tmp_path / f".m.safetensors.{os.getpid()}.abcd1234.tmp"
    other = tmp_path / f".m.safetensors.ckpt.{2**22 + 11}.abcd1234.tmp"  # the checkpoint's: not ours to judge
    data = tmp_path / ".m.safetensors.99999999.tmp"  # a user's file with a similar name (no random part)
    for p in (dead, alive, other, data):
        p.write_bytes(b"partial")
    write_atomic(out, b"data")
    assert out.read_bytes() == b"data"
    assert not dead.exists() and alive.exists() and other.exists() and data.exists()
    long = tmp_path / ("b" * 250)  # a name near the limit still gets a temporary file
    write_atomic(long, b"data")
    assert long.read_bytes() == b"data"


# --- 3. user text is data, never Rich markup ----------------------------------------------

def test_markup_in_text_is_printed_as_text(tiny_model):
    text = "Error loading [/usr/lib/libfoo.so] at [quote]x[/quote] [link=http://e.com]y[/link] :smile: [/]"
    result = run("tag", "-m", tiny_model, "-I", "lines", "-f", "table", text)
    assert result.exit_code == 0
    title = result.stdout.split(" # ")[0]  # the table's title (wrapped to the table's width): the sentence
    assert " ".join(title.split()) == text


def test_markup_in_paths_and_names(tmp_path, tiny_model):
    model = tmp_path / "[red]m[link=x].safetensors"
    shutil.copy(tiny_model, model)
    data = tmp_path / "[bold]gold[blink].conllu"
    shutil.copy(TINY_TRAIN, data)
    info = run("info", model)
    assert info.exit_code == 0 and str(model) in info.stdout.replace("\n", "")
    models = run("models", model)
    assert models.exit_code == 0
    report = run("eval", "tagger", "-m", model, "--data", data)
    assert report.exit_code == 0 and "[bold]gold[blink].conllu" in report.stdout


def test_control_characters_never_reach_the_terminal(tiny_model):
    row = "1\tred\x1b[31m\t_\t_\t_\t_\t_\t_\t_\t_\n2\tx\x9b2J\ry\t_\t_\t_\t_\t_\t_\t_\t_\n\n"
    for fmt in ("table", "tsv", "tags"):
        result = run("tag", "-m", tiny_model, "-I", "conllu", "-f", fmt, input=row)
        assert result.exit_code == 0 and not any(c in result.stdout for c in "\x1b\x9b\r"), fmt
        assert "red\ufffd[31m" in result.stdout and "x\ufffd2J\ufffdy" in result.stdout


# --- 4. write failures, closed descriptors, encodings --------------------------------------

@pytest.mark.parametrize("redirect, message", [
    ("> /dev/full", "rnncli: error: cannot write output: No space left on device\n"),
    (">&-", "rnncli: error: cannot write output: standard output is closed\n"),
])
def test_failed_writes_are_one_line(tiny_model, redirect, message):
    for fmt in ("tsv", "table", "jsonl"):
        result = shell(f"rnncli tag -m {tiny_model} -f {fmt} 'I study at night.' {redirect}")
        assert result.returncode == 1 and result.stderr == message, (fmt, result.stderr)


def test_failed_writes_of_other_commands(tiny_model):
    for command in ("info tagger-lstm", "models", "explain-gradients --synthetic --length 5 -f json", "--help"):
        result = shell(f"rnncli {command} > /dev/full")
        assert result.returncode == 1 and "cannot write output" in result.stderr, (command, result.stderr)


def test_closed_or_write_only_stdin(tiny_model):
    closed = shell(f"rnncli tag -m {tiny_model} - <&-")
    assert closed.returncode in (1, 2) and closed.stderr.startswith("rnncli: error: ")
    write_only = shell(f"rnncli tag -m {tiny_model} - 0>/dev/null")
    assert write_only.returncode in (1, 2) and write_only.stderr.startswith("rnncli: error: ")


def test_warnings_that_cannot_be_written(tiny_model):
    result = shell(f"printf 'Hello \\377 world.\\n' | rnncli tag -m {tiny_model} -f tags 2>/dev/full")
    assert result.returncode == 0 and result.stdout.startswith("Hello/")
    closed = shell(f"printf 'Hello \\377 world.\\n' | rnncli tag -m {tiny_model} -f tags 2>&-")
    assert closed.returncode == 0 and closed.stdout.startswith("Hello/")


def test_ascii_stdout_encoding(tiny_model):
    for fmt in ("tsv", "table", "jsonl", "conllu"):
        result = shell(f"rnncli tag -m {tiny_model} -f {fmt} 'Café 東京 ✓'", env={"PYTHONIOENCODING": "ascii"})
        assert result.returncode == 0, (fmt, result.stderr)
        assert "Caf" in result.stdout


# --- 21. a closed pipe ends quietly with exit 0 --------------------------------------------

@pytest.mark.parametrize("command", ["tag -m {model} -f table 'I study. You sleep. We eat.'", "info tagger-lstm",
                                     "eval tagger -m {model} --data {data}", "--help", "tag --help", "models",
                                     "explain-gradients --synthetic -f table"])
def test_closed_pipe_exits_0(tiny_model, command):
    command = command.format(model=tiny_model, data=TINY_TRAIN)
    result = shell(f"set -o pipefail; rnncli {command} | head -c 1 > /dev/null", env={"COLUMNS": "80"})
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_closed_pipe_while_streaming(tmp_path, tiny_model):
    book = tmp_path / "book.txt"
    book.write_text("I study at night.\n" * 20_000)
    result = shell(f"set -o pipefail; rnncli tag -m {tiny_model} -I lines --input {book} | head -1")
    assert result.returncode == 0 and result.stdout.startswith("I\t") and result.stdout.count("\n") == 1
    assert result.stderr == ""


# --- 22. one format for every error, exit codes as documented ------------------------------

def test_usage_errors_are_one_line_with_a_help_hint():
    result = run("tag", "--zzz")  # (a name near an option's, like --bogus and --jobs, gets Click's suggestion too)
    assert result.exit_code == 2
    assert result.stderr == "rnncli: error: No such option: --zzz; see 'rnncli tag --help'\n"
    missing = run("train", "tagger")
    assert missing.exit_code == 2 and missing.stderr.startswith("rnncli: error: Missing option '--train'")
    assert missing.stderr.count("\n") == 1 and "╭" not in missing.stderr


def test_a_bad_input_file_is_exit_1(tmp_path):
    for path, message in [(tmp_path / "nosuch.txt", "no such file"), (tmp_path, "is a folder")]:
        result = run("tag", "--input", path)
        assert result.exit_code == 1 and result.stderr.startswith(f"rnncli: error: {path}: {message}")


def test_unexpected_errors_are_one_line_unless_debugging(monkeypatch, tiny_model):
    import rnncli.infer.tagger

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(rnncli.infer.tagger, "tag_lines", broken)
    result = run("tag", "-m", tiny_model, "x")
    assert result.exit_code == 1
    assert result.stderr == ("rnncli: error: internal error: ZeroDivisionError: boom "
                             "(set RNNCLI_DEBUG=1 for the traceback)\n")
    monkeypatch.setenv("RNNCLI_DEBUG", "1")
    assert isinstance(runner.invoke(app, ["tag", "-m", str(tiny_model), "x"]).exception, ZeroDivisionError)


# --- 7. option values are checked when parsed ------------------------------------------------

@pytest.mark.parametrize("option, value", [
    ("--lr", "nan"), ("--lr", "inf"), ("--lr", "1e30"), ("--lr", "0"), ("--dropout", "nan"), ("--word-dropout", "nan"),
    ("--seed", "-1"), ("--seed", str(2**32)), ("--threads", "4096"), ("--threads", "0"), ("--max-time", "nan"),
])
def test_training_options_out_of_range(data, option, value):
    result = run("train", "tagger", "--train", data / "train.conllu", "--dev", data / "train.conllu",
                 "--out", data / "m.safetensors", option, value)
    assert result.exit_code == 2 and result.stderr.startswith(f"rnncli: error: Invalid value for '{option}'")
    assert not (data / "m.safetensors").exists()


@pytest.mark.parametrize("option, value", [("--radius", "nan"), ("--radius", "inf"), ("--radius", "1e300"),
                                           ("--forget-bias", "nan"), ("--clip", "nan"), ("--clip", "0"),
                                           ("--seed", "-1")])
def test_explain_options_out_of_range(option, value):
    result = run("explain-gradients", "--synthetic", option, value)
    assert result.exit_code == 2 and result.stderr.startswith(f"rnncli: error: Invalid value for '{option}'")


def test_threshold_nan():
    result = run("tag", "--threshold", "nan", "x")
    assert result.exit_code == 2 and "not a finite number" in result.stderr


@pytest.mark.parametrize("value, message", [("nan", "nan is not a finite number"), ("inf", "inf is not in the range"),
                                            ("-1", "-1.0 is not in the range"), ("0", "0.0 is not in the range")])
def test_generate_temperature_out_of_range(value, message):
    """NaN passed Click's range check and reached the library ("temperature must be above 0, not
    nan"): every bad --temperature is now Click's usage error, naming the option, before a model
    is opened."""
    result = run("generate", "-m", "no-such-model.safetensors", "--temperature", value)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"rnncli: error: Invalid value for '--temperature': {message}"), result.stderr
    assert run("next", "--temperature", "0.5", "x").exit_code == 2  # next has no temperature: its words are not sampled


def test_overflowing_synthetic_gradient_is_an_error_not_nan():
    result = run("explain-gradients", "--synthetic", "--radius", "100", "--activation", "linear", "--length", "500",
                 "-f", "json")
    assert result.exit_code == 1 and "overflows float64" in result.stderr and "NaN" not in result.stdout


def test_diverging_training_stops_with_an_error(tmp_path):
    import torch

    from conftest import train_tiny
    from rnncli.errors import RnnCliError
    from rnncli.train.tasks import TaggerTask

    real = TaggerTask.loss

    def diverging(self, *args):
        return real(self, *args) * torch.tensor(float("inf"))  # as a run with far too large a step would

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TaggerTask, "loss", diverging)
        with pytest.raises(RnnCliError, match="training diverged: the loss is inf at epoch 1, step 1"):
            train_tiny(tmp_path / "m.safetensors", epochs=2)
    assert not (tmp_path / "m.safetensors").exists()


def test_explain_gradients_caps_its_input(tiny_model):
    result = run("explain-gradients", "--task", "tagger", "-m", tiny_model, " ".join(["a"] * 1500))
    assert result.exit_code == 2 and "at most 1,000 tokens (this text has 1,500)" in result.stderr
    huge = run("explain-gradients", "--task", "tagger", "-m", tiny_model, "word " * 1_000_000)
    assert huge.exit_code == 2 and "at most 1,000 tokens" in huge.stderr


# --- 8, 9. missing extras, degenerate embeddings, Ctrl-C while importing ---------------------

@pytest.mark.parametrize("args", [["explain-gradients", "--synthetic"],
                                  ["train", "tagger", "--train", "x", "--dev", "x", "--out", "y"]])
def test_missing_torch_names_the_extra(args):
    code = ("import sys; sys.modules['torch'] = None; sys.argv = ['rnncli'] + sys.argv[1:]; "
            "from rnncli.__main__ import main; main()")
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == "rnncli: error: this command needs torch, which is not installed: pip install 'rnncli[train]'\n"


def test_degenerate_embedding_source(data):
    lonely = data / "one-word-lines.txt"
    lonely.write_text("good\nbad\n")
    (data / "one-word.tsv").write_text("label\tsentence\n1\tgood\n0\tbad\n")
    result = run("train", "sentiment", "--train", data / "one-word.tsv", "--dev", data / "one-word.tsv",
                 "--out", data / "s.safetensors", "--embeddings-from", lonely, *TRAIN_TINY)
    assert result.exit_code == 1 and "--embeddings-from:" in result.stderr and "give more text" in result.stderr


def test_ctrl_c_while_importing():
    code = """
import sys
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupt())
from rnncli.__main__ import main
main()
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 130 and result.stderr == "rnncli: error: interrupted\n"


# --- 24. the same seed and data give the same model, by default, on any number of cores ------

def test_same_seed_same_model_by_default(tmp_path):
    import torch
    from safetensors.numpy import load_file

    torch.set_num_threads(2)  # as a 2-core machine would start
    outs = [tmp_path / f"m{i}.safetensors" for i in range(2)]
    for out in outs:
        result = run("train", "tagger", "--train", TINY_TRAIN, "--dev", TINY_TRAIN, "--out", out, "--epochs", "2",
                     "--hidden", "16", "--embedding-dim", "16", "--char-hidden", "8", "--seed", "7")
        assert result.exit_code == 0, result.output
    assert torch.get_num_threads() == 1  # the default: one thread, whatever the machine has
    first, second = (load_file(str(o)) for o in outs)
    assert first.keys() == second.keys() and all((first[k] == second[k]).all() for k in first)
    assert "--threads 1" in run("info", outs[0]).stdout


@pytest.mark.parametrize("width", [30, 40, 60, 80])
def test_narrow_terminals_keep_words_tags_and_probabilities(hand_tagger, width):
    result = runner.invoke(app, ["tag", "-m", str(hand_tagger), "-f", "table", "I study internationalization ."],
                           env={"COLUMNS": str(width)})
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and max(len(line) for line in lines) <= width
    tokens = "".join(line.split("│")[1].strip() for line in lines if line.count("│") >= 3)
    assert tokens == "Istudyinternationalization."  # long tokens fold, never vanish
    assert all(tag in result.stdout for tag in ("PRON", "VERB", "NOUN", "PUNCT")) and "0.80" in result.stdout


@pytest.mark.parametrize(("columns", "lines"), [("0", None), ("\u00b2", None), (None, "\u00b2"), ("-5", "0")],
                         ids=["zero", "superscript", "lines-superscript", "negative"])
def test_odd_columns_and_lines_are_ignored(hand_tagger, columns, lines):
    # Rich takes any str.isdigit() COLUMNS/LINES: "0" drew nothing at all and "²" crashed int()
    env = {name: value for name, value in (("COLUMNS", columns), ("LINES", lines)) if value is not None}
    result = runner.invoke(app, ["tag", "-m", str(hand_tagger), "-f", "table", "I study ."], env=env)
    assert result.exit_code == 0 and "study" in result.stdout and "VERB" in result.stdout, result.output


def test_ctrl_c_says_so():
    code = ("import sys, rnncli.explain.synthetic as g\n"
            "def stop(*a, **k): raise KeyboardInterrupt\n"
            "g.synthetic_cells = stop\n"
            "from rnncli.cli.app import app\n"
            "app(['explain-gradients', '--synthetic', '-f', 'json'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 130 and result.stderr == "rnncli: error: interrupted\n"


def test_ctrl_c_in_a_run_in_this_process_leaves_ctrl_c_as_it_was(monkeypatch):
    """A run that ends by Ctrl-C ignores a second one while it ends; a caller in the same process
    (a test, a program that runs the CLI) gets Ctrl-C back as it was."""
    import signal

    import rnncli.infer.tagger

    def stop(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(rnncli.infer.tagger, "tag_lines", stop)
    before = signal.getsignal(signal.SIGINT)
    result = run("tag", "I study at night")
    assert result.exit_code == 130 and result.stderr == "rnncli: error: interrupted\n"
    assert signal.getsignal(signal.SIGINT) is before


def test_library_usage_errors_point_to_help():
    result = run("experiment", "memory", "--cell", "cnn", "--steps", "1")
    assert result.exit_code == 2 and result.stderr.endswith("; see 'rnncli experiment memory --help'\n")
    duplicate = run("experiment", "tanh", "--depths", "9")
    assert duplicate.exit_code == 2 and "each must be from 1 to 8" in duplicate.stderr


def test_explain_gradients_corpus_input_is_checked(tmp_path, tiny_model):
    binary, empty = tmp_path / "b.bin", tmp_path / "empty.txt"
    binary.write_bytes(b"\x7fELF\x00\x01" * 100)
    empty.write_text("\n\n")
    for path, message in [(binary, "binary"), (tmp_path, "is a folder"), (empty, f"{empty}: no sentences to explain"),
                          ("/dev/null", "/dev/null: no sentences to explain"),
                          (tmp_path / "nosuch.conllu", "no such file")]:
        result = run("explain-gradients", "--task", "tagger", "-m", tiny_model, "--input", path)
        assert result.exit_code == 1 and result.stderr.startswith("rnncli: error: ") and message in result.stderr
    assert binary.read_bytes() == b"\x7fELF\x00\x01" * 100


def test_an_unreadable_file_is_ours_to_report_with_exit_1_not_a_usage_error():
    """Typer's paths are checked for reading at parse time by default: an unreadable --data was
    `Invalid value ... is not readable` with exit 2, where rnncli's readers say
    `FILE: cannot read it (Permission denied)` with exit 1 (a bad input file, as the README's
    exit codes say). Root reads anything, so the parameters are checked, not a file."""
    import typer.main

    def commands(group):
        for name, command in group.commands.items():
            yield from commands(command) if hasattr(command, "commands") else [(name, command)]

    paths = [(name, p) for name, command in commands(typer.main.get_command(app)) for p in command.params
             if hasattr(p.type, "readable")]
    assert len(paths) > 20 and [(name, p.name) for name, p in paths if p.type.readable] == []


@pytest.mark.parametrize("env", [{"FORCE_COLOR": "1"}, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, {"TTY_COMPATIBLE": "1"}])
@pytest.mark.parametrize("args", [["models"], ["tag", "-f", "table", "I go"], ["sentiment", "-f", "table", "Good"],
                                  ["info", "tagger-rnn-small"]])
def test_a_pipe_gets_no_escape_codes_whatever_the_environment_says(env, args):
    """FORCE_COLOR or TTY_COMPATIBLE made Rich write bold and colour codes into piped output, NO_COLOR
    or not: the README promises colour only on a terminal."""
    result = subprocess.run([sys.executable, "-m", "rnncli", *args], capture_output=True, timeout=60,
                            env={**os.environ, **env})
    assert result.returncode == 0 and result.stdout and b"\x1b" not in result.stdout + result.stderr


@pytest.mark.parametrize("command", ["tag", "sentiment"])
def test_a_model_read_from_stdin_leaves_no_text_and_is_refused(command):
    """`cat model | rnncli tag -m /dev/stdin` read the model from stdin, found no text left there
    and exited 0 with no output; with the text given, the model may come from stdin."""
    model = HERE.parent / "pretrained" / f"{'tagger-rnn-small' if command == 'tag' else 'sentiment-rnn'}.safetensors"
    for text in ([], ["--input", "/dev/stdin"]):
        with open(model, "rb") as weights:
            result = subprocess.run([sys.executable, "-m", "rnncli", command, "-m", "/dev/stdin", *text], stdin=weights,
                                    capture_output=True, timeout=60)
        assert result.returncode == 2 and result.stderr.startswith(
            b"rnncli: error: /dev/stdin: a model read from stdin, where the text comes from too"), result.stderr
    with open(model, "rb") as weights:
        result = subprocess.run([sys.executable, "-m", "rnncli", command, "-m", "/dev/stdin", "Good night"],
                                stdin=weights, capture_output=True, timeout=60)
    assert result.returncode == 0 and result.stdout, result.stderr


@pytest.mark.parametrize("command, appended", [
    ("next -m {model} The", "model"), ("generate -m {model} --length 5", "model"), ("info {model}", "model"),
    ("eval lm -m {model} -d {data}", "model"), ("eval lm -d {data}@0-0.5", "data"),
    ("eval tagger -m tagger-rnn-small -d {data}", "data"), ("eval tokenizer -d {data}", "data")])
def test_an_input_that_stdout_appends_to_is_refused_and_kept(data, command, appended):
    """`rnncli next -m m.safetensors >> m.safetensors` appended its words to the model and damaged
    it, and `eval ... -d f >> f` appended the report to the gold data; `tag` refused this already."""
    files = {"model": data / "lm.safetensors", "data": data / "train.conllu"}
    shutil.copy(HERE.parent / "pretrained" / "lm-rnn.safetensors", files["model"])
    before = files[appended].read_bytes()
    result = shell(f"rnncli {command.format(**files)} >> {files[appended]}")
    assert result.returncode == 1 and "input file is output file" in result.stderr, result.stderr
    assert files[appended].read_bytes() == before


@pytest.mark.parametrize("command", ["next -m rnn", "generate -m rnn --prime - --length 5"])
def test_a_language_model_refuses_stdin_that_stdout_appends_to(tmp_path, command):
    """`rnncli next < f >> f` and `generate --prime - < f >> f` appended their output to the text
    they read, where tag refuses its own input as output."""
    text = tmp_path / "text.txt"
    text.write_text("I study at night.\n")
    result = shell(f"rnncli {command} < {text} >> {text}")
    assert result.returncode == 1 and result.stderr == "rnncli: error: <stdin>: input file is output file\n"
    assert text.read_text() == "I study at night.\n"


@pytest.mark.parametrize("args, text, instead", [
    (["next"], ["I study at"], "arguments"), (["next", "-"], ["I study at"], "arguments"),
    (["generate", "--prime", "-"], ["--prime", "The ", "--length", "5"], "--prime TEXT")])
def test_a_language_model_read_from_stdin_leaves_no_text_and_is_refused(args, text, instead):
    """`cat m | rnncli next -m /dev/stdin` read the model's bytes as the text and said that the
    text looked binary (exit 1): the usage error tag and sentiment give."""
    model = HERE.parent / "pretrained" / "lm-rnn.safetensors"
    with open(model, "rb") as weights:
        result = subprocess.run([sys.executable, "-m", "rnncli", *args, "-m", "/dev/stdin"], stdin=weights,
                                capture_output=True, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith(
        b"rnncli: error: /dev/stdin: a model read from stdin, where the text comes from too; give the text as "
        + instead.encode()), result.stderr
    with open(model, "rb") as weights:
        result = subprocess.run([sys.executable, "-m", "rnncli", args[0], "-m", "/dev/stdin", *text], stdin=weights,
                                capture_output=True, timeout=60)
    assert result.returncode == 0 and result.stdout, result.stderr


def _on_a_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """What `rnncli ARGS` writes to stdout when stdout is a terminal (a pseudo-terminal)."""
    import pty

    controller, terminal = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "rnncli", *args], stdout=terminal, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, timeout=60, env={**os.environ, "COLUMNS": "100", **env})
        os.close(terminal)
        out = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end closed: all is read
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(controller)
    assert result.returncode == 0, result.stderr
    return out


def _colours(out: bytes) -> set[int]:
    """The colour parameters (foreground and background, 30-49 and 90-107) of the SGR escape codes in `out`."""
    params = {int(p) for codes in re.findall(rb"\x1b\[([0-9;]*)m", out) for p in codes.split(b";") if p}
    return {p for p in params if 30 <= p <= 49 or 90 <= p <= 107}


@pytest.mark.parametrize("value, colour", [("", True), ("1", False), ("0", False)])
def test_no_color_set_and_not_empty_turns_colour_off_on_a_terminal(value, colour):
    """no-color.org: NO_COLOR turns colour off when it is set to a value that is not empty (bold
    stays); set and empty, it used to turn colour off too."""
    out = _on_a_terminal(["tag", "-f", "table", "I study at night."], {"NO_COLOR": value})
    assert b"study" in out and b"\x1b[1m" in out and bool(_colours(out)) == colour


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\r"])
def test_an_argument_is_cut_into_lines_where_stdin_is(separator):
    """str.splitlines cut an argument at U+2028, \\f, \\x1c, a lone CR ...: `tag "the big<LS><LS>dog runs"` gave
    two sentences ("runs" a noun), the same text piped one. Only \\n (and \\r\\n) end a line."""
    text = f"the big{separator}{separator}dog runs"
    for command in (["tag", "-f", "tags"], ["sentiment", "-f", "jsonl"], ["tag", "-f", "tags", "-I", "lines"]):
        given, piped = run(*command, text), run(*command, "-", input=text)
        assert given.exit_code == piped.exit_code == 0 and given.stdout == piped.stdout, (command, given.stdout)
        assert given.stdout.count("\n") == 1


def test_jsonl_records_hold_no_line_break_a_reader_may_split_on():
    """JSON leaves U+2028, U+2029 and NEL unescaped: `next -f jsonl 'a<LS>b'` wrote a record that
    str.splitlines (and JavaScript) cut in two. Each command's records now escape them."""
    text = "a\u2028b\u2029c\x85d"
    for command in (["next", "-f", "jsonl", "-k", "1"], ["tag", "-f", "jsonl"], ["sentiment", "-f", "jsonl"]):
        out = run(*command, text)
        assert out.exit_code == 0 and len(out.stdout.splitlines()) == 1, (command, out.stdout)
        assert all(ch not in out.stdout for ch in "\u2028\u2029\x85")
        json.loads(out.stdout)
    assert json.loads(run("next", "-f", "jsonl", "-k", "1", text).stdout)["text"] == text  # escaped, not changed
