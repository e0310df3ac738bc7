"""Every help screen at 80 columns (and 60): nothing cut, nothing wider than the terminal,
every option whole, defaults shown, examples kept line by line."""

import inspect
import os
import re
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from rnncli.cli.app import app

runner = CliRunner()
ROOT = typer.main.get_command(app)


def command_paths(command=ROOT, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*path, name))


COMMANDS = dict(command_paths())


def flat(text: str) -> str:
    """Words as a reader sees them: whitespace collapsed, a line broken after a hyphen joined."""
    return " ".join(re.sub(r"(?<=\w-)\n\s*", "", text.replace("\b", "")).split())


def help_screen(path, columns: int) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_command_is_covered():
    assert {" ".join(p) for p in COMMANDS} >= {
        "", "tag", "sentiment", "explain-gradients", "models", "info", "train", "train tagger", "train sentiment",
        "eval", "eval tagger", "eval sentiment", "experiment", "experiment memory", "experiment tanh"}


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "rnncli")
def test_help_at_80_columns_cuts_nothing(path):
    command = COMMANDS[path]
    screen = help_screen(path, 80)
    lines = screen.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in screen
    assert flat(inspect.cleandoc(command.help)) in flat(screen)  # every paragraph whole
    examples = screen.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert 2 <= len([e for e in examples if e.strip().startswith(("rnncli", "echo"))]) <= 3
    ctx = command.make_context(" ".join(["rnncli", *path]), [], resilient_parsing=True)
    for param in command.get_params(ctx):
        names, help_text = param.get_help_record(ctx)
        assert any(names in line for line in lines), names  # names and metavar on one line, whole
        for name in param.opts + param.secondary_opts:
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", screen), name
        assert flat(help_text) in flat(screen), help_text
        default = getattr(param, "default", None)
        if (getattr(param, "is_flag", False) is False and not param.required and default not in (None, [], ())
                and param.name != "help"):
            assert "[default: " in help_text, param.name
    for name, sub in getattr(command, "commands", {}).items():  # a group lists each command's first sentence whole
        assert re.search(rf"^  {re.escape(name)} +{re.escape(sub.get_short_help_str(limit=1000))}$", screen, re.M)


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "rnncli")
def test_help_at_60_columns(path):
    screen = help_screen(path, 60)
    for param in COMMANDS[path].params:
        for name in param.opts:
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", screen), name


def test_defaults_that_depend_on_the_model_or_format_are_said():
    screen = flat(help_screen(("tag",), 80))
    assert "[default: (upos if the model has it)]" in screen
    assert "[default: (3 for table and jsonl, else 1); x>=1]" in screen
    assert "[default: 1; 1<=x<=256]" in flat(help_screen(("train", "tagger"), 80))  # --threads


def test_train_help_names_every_task():
    screen = help_screen(("train",), 80)
    assert "tagger" in screen and "sentiment" in screen and "Train your own tagger" not in screen
    assert "  train  " not in screen and "Train a model of your own from data files." in help_screen((), 80)


@pytest.mark.parametrize("path", [("train", "sentiment"), ("eval", "sentiment")], ids=" ".join)
def test_sentiment_data_help_names_every_labelled_corpus(path):
    from rnncli.data.corpora import CORPORA

    screen = flat(help_screen(path, 80))
    assert [name for name in CORPORA if f"nltk:{name}" not in screen] == []


def test_help_of_a_real_process_at_80_columns():
    result = subprocess.run([sys.executable, "-m", "rnncli", "train", "tagger", "--help"], capture_output=True,
                            text=True, env={**os.environ, "COLUMNS": "80"}, timeout=60)
    assert result.returncode == 0 and "--min-word-count N" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


@pytest.mark.parametrize("path, option", [(("train", "tagger"), "--lr"), (("train", "lm"), "--lr"),
                                          (("explain-gradients",), "--clip")])
def test_a_range_open_at_zero_is_not_shown_as_closed(path, option):
    """0 is refused (must be above 0); the help said 0.0<=x."""
    screen = flat(help_screen(path, 200))
    said = screen[screen.index(option) + len(option):].split(" --", 1)[0]  # the option's own help
    assert "above 0" in said and "0.0<=x" not in said
