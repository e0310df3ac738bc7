"""What the commands share on the way in: the choices (as Enums for Typer), the options that
several commands take (declared once, as `Annotated` types), and the checks of their values
that Click's types cannot make (finite numbers, lists of numbers or names, files that must
not be both read and written, optional dependencies)."""

from __future__ import annotations

import math
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.model import tagsets
from rnncli.model.config import ACTIVATIONS, CELLS, DEFAULT_TOKENIZER, POOLINGS, shown
from rnncli.text.sentences import INPUT_FORMATS


def choices(name: str, values) -> type[Enum]:
    """A str Enum for Typer from one of the library's tuples of choices (model.config)."""
    return Enum(name, {v: v for v in values}, type=str)


Cell = choices("Cell", CELLS)
Activation = choices("Activation", ACTIVATIONS)
Pooling = choices("Pooling", POOLINGS)
Dtype = choices("Dtype", ("float16", "float32"))
Tagset = choices("Tagset", tagsets.HEADS)
TagFormat = choices("TagFormat", ("auto", "table", "tsv", "conllu", "jsonl", "tags"))
SentimentFormat = choices("SentimentFormat", ("auto", "table", "tsv", "jsonl"))
TrainDevice = choices("TrainDevice", ("auto", "cpu", "cuda"))
ExplainFormat = choices("ExplainFormat", ("auto", "table", "json", "tsv"))
InputFormat = choices("InputFormat", INPUT_FORMATS)
SentimentInput = choices("SentimentInput", ("lines", "text", "tokens"))
ExplainTask = choices("ExplainTask", ("sentiment", "tagger"))

MAX_THREADS = 256
MAX_SIZE = 2048  # state and embedding sizes: a 2-layer BiLSTM of 2048 already holds ~200 M parameters
MAX_LR = 10.0
MAX_RADIUS = 100.0
MAX_FORGET_BIAS = 50.0
PLOT_FILE = "PNG (.png or no extension), or SVG/PDF by the file's extension; needs matplotlib"


def from_argv(param: typer.CallbackParam, value: Optional[str]) -> Optional[str]:
    """Option callback for names that are printed and saved: bytes of argv that are not UTF-8
    become U+FFFD, with a warning, as in text arguments (text.inputs.argument_text)."""
    if value is None:
        return None
    from rnncli.cli.views.console import print_warning
    from rnncli.text.inputs import argument_text

    return argument_text(value, print_warning, param.opts[0])


# --- options shared by several commands, declared once ----------------------------------

TextArgs = Annotated[Optional[list[str]], typer.Argument(show_default=False, metavar="[TEXT]...",
                                                         help="Text; `-` or nothing reads stdin when it is piped.")]
InputFile = Annotated[Optional[Path], typer.Option("--input", "-i", readable=False, metavar="FILE",
                                                   help="Read text from this file (`-`: stdin).")]
ModelName = Annotated[str, typer.Option("--model", "-m", metavar="MODEL",
                                        help="A bundled model (lstm, rnn, lstm-small, and rnn-small for tagging; "
                                             "see rnncli models) or the path of a model file.")]
ModelNames = Annotated[list[str], typer.Option("--model", "-m", metavar="MODEL", help=(
    "A bundled model (see rnncli models) or the path of a model file; repeat to compare models on the same data."))]
def jobs_value(value: str | int | None) -> int | None:
    """--jobs: `auto` (None) or a count of workers from 0 to MAX_THREADS."""
    if value is None or isinstance(value, int):  # the default, or a value set from Python
        return value
    digits = value.strip()
    if digits.lower() == "auto":
        return None
    count = int(digits) if digits.isascii() and digits.isdigit() else -1  # not int()'s `+1`, `1_0`, `２`
    if not 0 <= count <= MAX_THREADS:
        raise typer.BadParameter(f"{shown(value)} is not auto or a whole number from 0 to {MAX_THREADS}")
    return count


Jobs = Annotated[Optional[int], typer.Option("--jobs", "-j", parser=jobs_value, metavar="N|auto",
                                             show_default="auto", help=(
    "Worker processes for file and piped input, at most one per CPU (0: one per CPU; auto: one per CPU left idle "
    "while the input is read, up to 4, once it fills a second batch); text typed at a terminal is answered by one."))]
AsJson = Annotated[bool, typer.Option("--json", help="Print the full report or description as JSON.")]
ReportFile = Annotated[Optional[Path], typer.Option("--report", readable=False, metavar="FILE",
                                                    help="Also write the full report to this JSON file.")]
TOKENIZERS = ("rnn (the bundled character-level recurrent tokenizer, a vanilla RNN), lstm (its LSTM twin: as "
              "accurate, half as fast), rnn-small (a smaller vanilla RNN: faster, less accurate), "
              "treebank (NLTK's Punkt and Treebank rules) or the path of a tokenizer model")
TokenizerOption = Annotated[Optional[str], typer.Option(
    metavar="NAME", show_default=DEFAULT_TOKENIZER,
    help=f"How text (and lines) is cut into sentences and tokens: {TOKENIZERS}.")]
SentimentTokenizer = Annotated[Optional[str], typer.Option(
    "--tokenizer", metavar="NAME", show_default="the one the model records as having cut its training texts (rnn "
                                                "for the bundled ones, and for one trained on its data's own tokens)",
    help=f"How text (and lines) is cut into sentences and tokens: {TOKENIZERS}.")]
DATA_TOKENIZER = ("How each labelled text is read: as rnncli sentiment reads raw text, written as people write it "
                  "(SST's \"does n't\" as \"doesn't\", by NLTK's Treebank detokenizer; a file of raw text as it "
                  "is) and cut by this tokenizer "
                  "(lstm, rnn, rnn-small, treebank or a tokenizer model's path); none: the data's own tokens, split on "
                  "spaces.")
DataTokenizer = Annotated[str, typer.Option("--tokenizer", metavar="NAME", help=DATA_TOKENIZER)]
EvalTokenizer = Annotated[Optional[str], typer.Option("--tokenizer", metavar="NAME", help=DATA_TOKENIZER,
                                                      show_default="each model's own, the one that cut its training "
                                                                   "texts (rnn where they kept their own tokens)")]
Mismatches = Annotated[Optional[int], typer.Option(
    min=0, metavar="N", show_default="10", help="How many of the most frequent tokenization mismatches to list.")]
LabelNames = Annotated[Optional[str], typer.Option(metavar="NAMES", show_default="negative,positive for 0/1 labels",
                                                   callback=from_argv,
                                                   help="Names of the integer labels 0,1,..., comma-separated.")]


# --- checks and conversions of option values -----------------------------------------


def given(ctx: typer.Context, name: str) -> bool:
    """Whether the option was given on the command line (not its default)."""
    source = ctx.get_parameter_source(name)  # an enum of the click that typer carries: compared by name
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def refuse_unused(ctx: typer.Context, names: tuple[str, ...], where: str) -> None:
    """A usage error that names the options of `names` given on the command line, which would
    do nothing here: each applies only `where` ("only with --synthetic"). A flag turned off
    (`--no-saliency`) is no request, and passes."""
    used = [max(p.opts, key=len) for p in ctx.command.params if p.name in names and given(ctx, p.name)
            and not (getattr(p, "is_flag", False) and not ctx.params.get(p.name))]
    if used:
        raise RnnCliError(f"{', '.join(used)} {'applies' if len(used) == 1 else 'apply'} {where}", EXIT_USAGE)


def output_format(choice: Enum, when_piped: str) -> str:
    """`auto`: a table for a person at a terminal, `when_piped` for a program."""
    if choice.value != "auto":
        return choice.value
    from rnncli.cli.views.console import is_terminal

    return "table" if is_terminal(sys.stdout) else when_piped


def tokenizer_name(tokenizer: Optional[str]) -> str:
    """--tokenizer as given, or the default tokenizer when it was not."""
    return tokenizer or DEFAULT_TOKENIZER


def finite(value: Optional[float]) -> Optional[float]:
    """Option callback: NaN and infinity pass Click's range checks, but are never what a user means."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number")
    return value


def positive(value: Optional[float]) -> Optional[float]:
    """Option callback: a finite number above zero."""
    if finite(value) is not None and value <= 0:
        raise typer.BadParameter(f"{value} is not above 0")
    return value


def list_items(text: str, option: str, what: str) -> list[str]:
    """The items of a comma-separated option (`--cell rnn,lstm`), stripped: the one way every
    such option is split, and refused with the same words when an item is empty (`5,,10`)."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise RnnCliError(f"{option} {text!r}: give {what} separated by commas, with none empty", EXIT_USAGE)
    return items


def split_label_names(text: Optional[str]) -> Optional[list[str]]:
    """--label-names a,b,c: non-empty, distinct names of the integer labels 0, 1, 2, ..."""
    if text is None:
        return None
    names = list_items(text, "--label-names", "names")
    if len(set(names)) != len(names) or any(len(n.split()) > 1 for n in names):
        raise RnnCliError(f"--label-names {text!r}: give distinct names without spaces, separated by commas "
                          "(e.g. negative,positive)", EXIT_USAGE)
    return names


def int_list(text: str, option: str, maximum: int, minimum: int = 1) -> list[int]:
    """`5,10,20`: whole numbers from `minimum` to `maximum`, each once, in the order given."""
    try:
        values = [int(x) for x in list_items(text, option, "whole numbers")]
    except ValueError:
        raise RnnCliError(f"{option} {text!r}: give whole numbers separated by commas", EXIT_USAGE) from None
    if any(not minimum <= v <= maximum for v in values):
        raise RnnCliError(f"{option} {text!r}: each must be from {minimum} to {maximum:,}", EXIT_USAGE)
    return list(dict.fromkeys(values))


def name_list(text: str, option: str) -> list[str]:
    """`rnn,lstm`: names, each once, in the order given."""
    return list(dict.fromkeys(list_items(text, option, "names")))


def check_plot(plot: Path, inputs: list[tuple[str, Optional[Path]]]) -> None:
    """--plot FILE can be written, is none of the `inputs` ((option, path) pairs), and
    matplotlib is there: fail before the work, not after."""
    from rnncli.files import check_outputs
    from rnncli.plot import pyplot

    check_outputs([("--plot", plot)], inputs)
    pyplot()


def refuse_input_as_output(text: Optional[list[str]], input_path: Optional[Path], models: list = ()) -> None:
    """`rnncli tag -i f >> f` would read its own output for ever (and `> f` has emptied f):
    refuse, as cat does, when stdout is the input file (a model file that stdout appends to is
    refused where it is resolved, model.bundled.resolve_model). A model file that is stdin
    while the text comes from stdin too (`cat m | rnncli tag -m /dev/stdin`) is refused as
    well: the model would take all of it and leave no text."""
    stdin = _identity(0)
    stdin_text = (not text or text == ["-"]) and (input_path is None or str(input_path) == "-" or (
        stdin is not None and _identity(input_path) == stdin))  # (--input /dev/stdin is stdin too)
    refuse_model_from_stdin(models, stdin_text, "an argument or with --input")
    from rnncli.files import is_stdout

    inputs = [("<stdin>", 0)] if stdin_text else [] if input_path is None else [(str(input_path), input_path)]
    for name, path in inputs:
        if is_stdout(path):
            raise RnnCliError(f"{name}: input file is output file")


def refuse_model_from_stdin(models: list, stdin_text: bool, instead: str) -> None:
    """A model file (of `models`, paths or None) that is stdin, when the text is read from stdin
    too (`stdin_text`), is a usage error: the model would take all of it and leave no text, or
    the text the model. `instead`: where the text can be given instead."""
    stdin = _identity(0)
    for path in (p for p in models if p is not None):
        if stdin_text and stdin is not None and _identity(path) == stdin:
            raise RnnCliError(f"{path}: a model read from stdin, where the text comes from too; give the text as "
                              f"{instead}", EXIT_USAGE)


def _identity(file: str | Path | int) -> tuple[int, int] | None:
    """(device, inode) of a path or a descriptor; None where it cannot be told."""
    try:
        info = os.stat(file) if isinstance(file, (str, Path)) else os.fstat(file)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def workers(jobs: int | None, interactive: bool) -> int | None:
    """--jobs: 0 is one per CPU, None as many as CPUs are free when workers are first wanted
    (parallel.FreeCores), more than the CPUs as many as the CPUs (at_most_cores); a person
    typing gets one (answers line by line, no workers to start)."""
    from rnncli.infer.parallel import cores

    if interactive:
        return 1
    return cores() if jobs == 0 else None if jobs is None else at_most_cores(jobs, "--jobs", "using")


def at_most_cores(count: int, option: str, doing: str) -> int:
    """`count` threads or processes (--threads, --jobs), capped at the CPUs this process may
    use, with a warning: more only wait for each other, in more memory (64 training threads on
    2 cores took 177 s for what 2 did in 13 s; 32 workers took 1.3 GB and longer than 1)."""
    from rnncli.cli.views.console import print_warning
    from rnncli.infer.parallel import cores

    available = cores()
    if count <= available:
        return count
    print_warning(f"{option} {count} is more than the {available} CPU(s) this process may use; {doing} {available}")
    return available
