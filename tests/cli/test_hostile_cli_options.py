"""Hostile use of the command line, continued (test_hostile_cli.py): more threads than CPUs,
empty items in comma-separated options, invalid UTF-8 in arguments, a torch that cannot be
loaded, Ctrl-C at any point of start-up and shutdown.

Every case asserts the exit code, the message, and that no traceback is printed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rnncli
from conftest import TINY_TRAIN, sigint_as_at_a_terminal
from test_hostile_cli import TINY_TSV, TRAIN_TINY, run

PACKAGE = str(Path(rnncli.__file__).parent) + os.sep  # where rnncli's own code lives
SCRIPT = Path(sys.executable).parent / "rnncli"  # the console script (pyproject.toml: rnncli.__main__:main)


def python(code: str, *args, timeout: float = 120, **popen) -> subprocess.CompletedProcess:
    """`python -c code args...` with argv as given (str or bytes), stdout as bytes."""
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, timeout=timeout, **popen)
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    return result


CLI = "import sys; sys.argv[0] = 'rnncli'; from rnncli.__main__ import main; main()"


# --- --threads: never more than the CPUs this process may use -------------------------------

def test_threads_are_capped_at_the_cpus(tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr("rnncli.infer.parallel.cores", lambda: 2)
    before = torch.get_num_threads()
    try:
        out = tmp_path / "m.safetensors"
        result = run("train", "tagger", "--train", TINY_TRAIN, "--dev", TINY_TRAIN, "--out", out, *TRAIN_TINY,
                     "--threads", "64")
        assert result.exit_code == 0, result.output
        warnings = [line for line in result.stderr.splitlines()
                    if line.startswith("rnncli: warning:") and "training texts too" not in line]  # dev is train
        assert warnings == ["rnncli: warning: --threads 64 is more than the 2 CPU(s) this process may use; "
                            "training with 2"]
        assert torch.get_num_threads() == 2 and "--threads 2" in run("info", out).stdout  # used, and recorded
        fits = run("train", "tagger", "--train", TINY_TRAIN, "--dev", TINY_TRAIN, "--out", tmp_path / "n.safetensors",
                   *TRAIN_TINY, "--threads", "2")
        assert fits.exit_code == 0 and "--threads" not in fits.stderr
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("value, jobs", [("auto", None), ("AUTO", None), ("0", 2), ("1", 1), ("2", 2),
                                         ("-1", "error"), ("x", "error"), ("1e3", "error"), ("257", "error"),
                                         ("nan", "error"), ("", "error"), (" 2", 2), ("+1", "error"), ("1_0", "error"),
                                         ("\uff12", "error"), ("\u0663", "error")])  # int() takes the last four
def test_jobs_takes_auto_as_its_help_says_and_whole_numbers(value, jobs, tiny_model, monkeypatch):
    """`-j auto` was refused though --help shows auto as the default."""
    from rnncli.infer.parallel import Workers

    monkeypatch.setattr("rnncli.infer.parallel.cores", lambda: 2)
    seen, original = [], Workers.__init__
    monkeypatch.setattr(Workers, "__init__", lambda self, engines, jobs=1: seen.append(jobs) or original(self, engines,
                                                                                                      jobs))
    result = run("tag", "-m", tiny_model, "-j", value, "--tokenizer", "treebank", "-f", "tsv", input="I study .\n")
    if jobs == "error":
        assert result.exit_code == 2 and result.stderr == (
            f"rnncli: error: Invalid value for '--jobs' / '-j': {value!r} is not auto or a whole number from 0 to "
            "256; see 'rnncli tag --help'\n")
    else:
        assert result.exit_code == 0 and seen == [jobs], result.output


@pytest.mark.parametrize("command", ["tag", "sentiment"])
def test_jobs_are_capped_at_the_cpus(command, tiny_model, tiny_sentiment, monkeypatch):
    """-j 32 on 2 cores started 32 workers: 1.3 GB, and slower than one process."""
    from rnncli.infer.parallel import Workers

    monkeypatch.setattr("rnncli.infer.parallel.cores", lambda: 2)
    seen, original = [], Workers.__init__

    def recorded(self, engines, jobs=1):
        seen.append(jobs)
        original(self, engines, jobs)

    monkeypatch.setattr(Workers, "__init__", recorded)
    model = tiny_model if command == "tag" else tiny_sentiment
    result = run(command, "-m", model, "-j", "32", "--tokenizer", "treebank", "-f", "tsv", input="I study .\n" * 3)
    assert result.exit_code == 0 and seen == [2], (seen, result.output)
    assert result.stderr.splitlines() == ["rnncli: warning: --jobs 32 is more than the 2 CPU(s) this process may use; "
                                          "using 2"]


# --- comma-separated options refuse empty items, all in the same words ------------------------

@pytest.mark.parametrize("args, option, value, what", [
    (["explain-gradients", "--synthetic"], "--cell", "lstm,,gru", "names"),
    (["experiment", "memory", "--steps", "1", "--distances", "5"], "--cell", "lstm,", "names"),
    (["experiment", "memory", "--steps", "1"], "--distances", "5,,10", "whole numbers"),
    (["experiment", "tanh", "--steps", "1"], "--depths", ",1", "whole numbers"),
    (["train", "sentiment", "--train", TINY_TSV, "--dev", TINY_TSV, *TRAIN_TINY], "--label-names", "bad,,good",
     "names"),
    (["eval", "sentiment", "-m", "rnn", "-d", TINY_TSV], "--label-names", "bad, ,good", "names"),
], ids=["explain-cell", "memory-cell", "memory-distances", "tanh-depths", "train-label-names", "eval-label-names"])
def test_empty_items_in_lists_are_usage_errors(tmp_path, args, option, value, what):
    args = [*args, "--out", tmp_path / "m.safetensors"] if "train" in args else args
    result = run(*args, option, value)
    command = " ".join(["rnncli", *[a for a in args[:2] if not str(a).startswith("-")]])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"rnncli: error: {option} {value!r}: give {what} separated by commas, with none empty; "
                             f"see '{command} --help'\n")


@pytest.mark.parametrize("args, message", [
    (["experiment", "memory", "--steps", "1", "--cell", "foo"], "unknown cell 'foo'; use rnn, lstm, gru"),
    (["explain-gradients", "--synthetic", "--cell", "lstm,foo"], "unknown cell 'foo'; use rnn, lstm, gru"),
], ids=["memory", "explain"])
def test_an_unknown_cell_is_named_as_a_cell(args, message):
    """It was `cell: unknown value 'foo'`, named after the library's argument."""
    result = run(*args)
    assert result.exit_code == 2 and result.stderr.startswith(f"rnncli: error: {message}"), result.stderr


# --- invalid UTF-8 in arguments: U+FFFD and a warning, in every command -----------------------

@pytest.mark.parametrize("args", [["tag", "-f", "jsonl"], ["sentiment", "-f", "jsonl"],
                                  ["explain-gradients", "-f", "json"]], ids=["tag", "sentiment", "explain"])
def test_invalid_utf8_in_text_arguments(args):
    result = python(CLI, *args, b"caf\xe9 is good")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b"rnncli: warning: <argument>: invalid UTF-8 replaced by U+FFFD\n"
    shown = json.dumps(json.loads(result.stdout.splitlines()[0]), ensure_ascii=False)
    assert "caf\ufffd" in shown and "\udce9" not in shown and b"\\udce9" not in result.stdout


def test_invalid_utf8_in_label_names(tmp_path):
    out = tmp_path / "s.safetensors"
    result = python(CLI, "train", "sentiment", "--train", TINY_TSV, "--dev", TINY_TSV, "--out", out, *TRAIN_TINY,
                    "--label-names", b"n\xe9g,pos")
    assert result.returncode == 0, result.stderr  # was an internal error once trained: the names could not be saved
    assert result.stderr.startswith(b"rnncli: warning: --label-names: invalid UTF-8 replaced by U+FFFD\n")
    described = json.loads(python(CLI, "info", "--json", out).stdout)
    assert described["label_names"]["label"] == ["n\ufffdg", "pos"] and "n\ufffdg,pos" in described["command"]


# --- a torch that is installed but cannot be loaded -------------------------------------------

BROKEN_TORCH = """
import importlib.machinery, sys
class Loader:
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        raise {error}
class Finder:
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            return importlib.machinery.ModuleSpec("torch", Loader())
sys.meta_path.insert(0, Finder())
""" + CLI


@pytest.mark.parametrize("args", [
    ["train", "tagger", "--train", str(TINY_TRAIN), "--dev", str(TINY_TRAIN), "--out", "{tmp}/m.safetensors"],
    ["train", "sentiment", "--train", str(TINY_TSV), "--dev", str(TINY_TSV), "--out", "{tmp}/m.safetensors"],
    ["explain-gradients", "--synthetic"], ["explain-gradients", "x"], ["experiment", "memory"],
    ["experiment", "tanh"]], ids=["train-tagger", "train-sentiment", "explain-synthetic", "explain", "memory", "tanh"])
@pytest.mark.parametrize("error, shown", [
    ("OSError('libtorch_cpu.so: failed to map segment from shared object')",
     "OSError: libtorch_cpu.so: failed to map segment from shared object"),
    ("MemoryError()", "MemoryError"),
    ("ImportError('libgomp.so.1: cannot open shared object file')",
     "ImportError: libgomp.so.1: cannot open shared object file"),
    ("ModuleNotFoundError('No module named sympy', name='sympy')", "ModuleNotFoundError: No module named sympy"),
], ids=["oserror", "memoryerror", "importerror", "missing-dependency"])
def test_torch_that_cannot_be_loaded_is_one_line(tmp_path, args, error, shown):
    result = python(BROKEN_TORCH.format(error=error), *[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 1
    assert result.stderr.decode() == (f"rnncli: error: cannot load torch ({shown}); give the process more memory "
                                      "if it is limited (ulimit -v), or reinstall it: pip install --force-reinstall "
                                      "'rnncli[train]'\n")
    assert not (tmp_path / "m.safetensors").exists()


# --- Ctrl-C at any point: one line, exit 130, never a traceback -------------------------------

INTERRUPT_AT_IMPORT = """
import sys
class Interrupt:  # once, as a Ctrl-C comes
    def find_spec(self, name, path=None, target=None):
        if name == {module!r} and self in sys.meta_path:
            sys.meta_path.remove(self)
            raise {error}
sys.meta_path.insert(0, Interrupt())
""" + CLI


@pytest.mark.parametrize("module, args", [
    ("rnncli.cli", ["--version"]), ("typer", ["--version"]), ("rnncli.cli.train", ["--version"]),
    ("rnncli.cli.streams", ["--version"]), ("rnncli.cli.views.console", ["tag", "I study"]),
    ("rich.console", ["models"]), ("rich.table", ["tag", "-f", "table", "I study"])])
@pytest.mark.parametrize("error", ["KeyboardInterrupt",
                                   "RuntimeError('Error calling __set_name__') from KeyboardInterrupt()"],
                         ids=["interrupt", "interrupt-in-set-name"])
def test_ctrl_c_while_starting(module, args, error):
    # streams is imported by the root command itself, before its error handling; views.console
    # by the commands that print, and rich only by one that draws (a table), when it first does
    result = python(INTERRUPT_AT_IMPORT.format(module=module, error=error), *args, timeout=60)
    assert result.returncode == 130 and result.stderr == b"rnncli: error: interrupted\n"


def test_ctrl_c_while_typer_builds_the_commands():
    code = "import typer.main\ndef stop(*a, **k): raise KeyboardInterrupt\ntyper.main.get_group = stop\n" + CLI
    result = python(code, "--version", timeout=60)
    assert result.returncode == 130 and result.stderr == b"rnncli: error: interrupted\n"


def test_ctrl_c_in_a_finalizer_is_not_lost():
    # Python prints "Exception ignored in ..." with a traceback for an exception in __del__ or
    # weakref.finalize (forward.py frees its prepared weights so), and carries on
    code = """
import rnncli.cli.app, rnncli.cli.tag as tag
class Freed:
    def __del__(self):
        raise KeyboardInterrupt
held = [Freed()]
real = tag.output_format
def output_format(*args):
    held.clear()
    return real(*args)
tag.output_format = output_format
""" + CLI
    result = python(code, "tag", "-f", "tsv", "x", timeout=60, preexec_fn=sigint_as_at_a_terminal)
    assert result.returncode == 130 and result.stderr == b"rnncli: error: interrupted\n" and result.stdout == b""


def test_ctrl_c_during_shutdown(tmp_path):
    marker = tmp_path / "exiting"
    code = (f"import atexit, pathlib, time\natexit.register(time.sleep, 30)\n"
            f"atexit.register(pathlib.Path({str(marker)!r}).touch)\n" + CLI)  # atexit runs them last first
    process = subprocess.Popen([sys.executable, "-c", code, "--version"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, preexec_fn=sigint_as_at_a_terminal)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=20)  # at once, not after the 30 s sleep
    assert process.returncode == 130 and stderr == b"rnncli: error: interrupted\n"
    assert stdout == f"rnncli {rnncli.__version__}\n".encode()  # the command itself had ended


def interpreter_start_up(stderr: str) -> bool:
    """A traceback from before any code of rnncli runs (Python's own start-up: importing site,
    or runpy for -m; the console script's import line), which nothing of rnncli's can catch:
    no frame in rnncli's files, and not one of a finalizer or of the shutdown."""
    return PACKAGE not in stderr and "Exception ignored" not in stderr


@pytest.mark.parametrize("delay_ms", [0, 10, 20, 40, 80, 120])
@pytest.mark.parametrize("how", ["python-m", "script"])
def test_ctrl_c_early_in_a_real_process(tmp_path, delay_ms, how):
    if how == "script" and not SCRIPT.exists():
        pytest.skip("rnncli is not installed as a console script next to this python")
    command = [sys.executable, "-m", "rnncli"] if how == "python-m" else [str(SCRIPT)]
    process = subprocess.Popen([*command, "tag", "-f", "tsv", "x"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=tmp_path, preexec_fn=sigint_as_at_a_terminal)
    time.sleep(delay_ms / 1000)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    stderr = stderr.decode(errors="replace")
    if ("Traceback" in stderr or "Could not import runpy module" in stderr) and interpreter_start_up(stderr):
        return  # (CPython's "Could not import runpy module", exit 1, with or without a traceback): nothing of
        # rnncli's had run yet
    # -SIGINT: killed by the signal before Python had a handler for it (a shell shows 130),
    # or Python's own end after a KeyboardInterrupt it saw inside exec()
    assert process.returncode in (0, 130, -signal.SIGINT), (process.returncode, stderr)
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    if process.returncode == 0:
        assert stdout.startswith(b"x\t") and stderr == ""
    elif process.returncode == 130:
        assert stderr.endswith("rnncli: error: interrupted\n"), stderr


def test_an_out_name_that_is_not_utf8_is_saved(tmp_path):
    out = os.fsencode(tmp_path) + b"/m\xe9.safetensors"  # a Latin-1 file name, as argv hands it on
    result = python(CLI, "train", "sentiment", "--train", TINY_TSV, "--dev", TINY_TSV, "--out", out, *TRAIN_TINY)
    assert result.returncode == 0, result.stderr  # was an internal error once trained: UnicodeEncodeError
    assert os.path.exists(out) and python(CLI, "info", out).returncode == 0


@pytest.mark.parametrize("command, input_format", [("tag", "tokens"), ("tag", "conllu"), ("tag", "text"),
                                                   ("sentiment", "tokens"), ("sentiment", "text")])
def test_a_tokenizer_typo_is_an_error_even_where_no_tokenizer_is_needed(command, input_format):
    """-I tokens and -I conllu need no tokenizer, but a misspelt --tokenizer was passed over
    silently there: the user meant something, so it is refused as with -I text."""
    result = run(command, "-I", input_format, "--tokenizer", "rnn-smal", "I study .")
    assert result.exit_code == 2 and "unknown tokenizer 'rnn-smal'; use lstm, rnn, rnn-small, treebank" in result.output


@pytest.mark.parametrize("args", [["eval", "sentiment", "-d", TINY_TSV],
                                  ["train", "sentiment", "--train", TINY_TSV, "--dev", TINY_TSV, "--out"]],
                         ids=["eval", "train"])
def test_a_tokenizer_typo_where_none_is_a_choice_names_none_too(args, tmp_path):
    """eval and train sentiment also take `--tokenizer none` (the data's own tokens): the
    message listed every choice but that one."""
    out = [tmp_path / "x.safetensors"] if args[-1] == "--out" else []
    result = run(*args, *out, "--tokenizer", "rnn-smal")
    assert result.exit_code == 2
    assert "unknown tokenizer 'rnn-smal'; use lstm, rnn, rnn-small, treebank, none or the path" in result.output
