"""The command-line interface: parse options, call one library function, render.

This is the only module that imports typer. Heavy modules (torch, the model code) are
imported inside the commands that need them, so `rnncli tag` starts fast.
"""

from __future__ import annotations

import math
import os
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

# numpy's BLAS threads only slow the many small per-step matrix products of a recurrent
# network (and fight each other on a busy machine); set OPENBLAS_NUM_THREADS to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import typer  # noqa: E402
import typer.core  # noqa: E402

try:  # typer carries its own copy of click since 0.26
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors

from rnncli import __version__  # noqa: E402

from rnncli.model import tagsets
from rnncli.model.config import ACTIVATIONS, CELLS, POOLINGS  # noqa: E402
from rnncli.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, RnnCliError  # noqa: E402
from rnncli.text.sentences import INPUT_FORMATS  # noqa: E402
from rnncli.train.job import DEFAULTS  # noqa: E402  (no torch)


def report_error(message: str) -> None:
    from rnncli.cli.views.render import print_error

    print_error(message)


def _debugging() -> bool:
    return bool(os.environ.get("RNNCLI_DEBUG"))


class RnnCliGroup(typer.core.TyperGroup):
    """The root command, with one way of ending for every command: `rnncli: error: ...` on
    stderr and a named exit code (errors.py), a `--help` hint after usage errors, a quiet
    exit 0 when the reader of stdout goes away, and never a traceback (RNNCLI_DEBUG=1 shows
    one for unexpected errors)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from rnncli.cli.views.render import quiet_broken_pipes
        from rnncli.cli.streams import ReaderGone, guard_streams, silence_stdout, write_stderr

        guard_streams()
        quiet_broken_pipes()
        try:
            code = super().main(args, prog_name or "rnncli", complete_var, standalone_mode=False, **extra)
            code = code if isinstance(code, int) else EXIT_OK
            if code == EXIT_INTERRUPTED:  # Ctrl-C, which typer turns into a return value
                report_error("interrupted")
            sys.stdout.flush()  # a full disk shows up here at the latest, while we can still say so
        except click_errors.NoArgsIsHelpError as exc:
            write_stderr(exc.format_message())
            code = EXIT_USAGE
        except click_errors.UsageError as exc:
            hint = f"; see '{exc.ctx.command_path} --help'" if exc.ctx is not None else ""
            report_error(exc.format_message().rstrip(".") + hint)
            code = EXIT_USAGE
        except click_errors.ClickException as exc:
            report_error(exc.format_message())
            code = exc.exit_code
        except RnnCliError as exc:
            hint = f"; see '{self.command_path_of(args)} --help'" if exc.exit_code == EXIT_USAGE else ""
            report_error(exc.message + hint)
            code = exc.exit_code
        except (KeyboardInterrupt, typer.Abort):
            report_error("interrupted")
            code = EXIT_INTERRUPTED
        except ReaderGone:  # `| head -1`: stop quietly
            code = EXIT_OK
        except Exception as exc:  # a bug: say so in one line; RNNCLI_DEBUG=1 shows where
            if _debugging():
                raise
            report_error(f"internal error: {type(exc).__name__}: {exc} (set RNNCLI_DEBUG=1 for the traceback)")
            code = EXIT_ERROR
        if not _stdout_alive():
            silence_stdout()
        if standalone_mode:
            sys.exit(code)
        return code

    def command_path_of(self, args) -> str:
        """`rnncli train tagger` for the arguments `train tagger --out ...`."""
        words, command = ["rnncli"], self
        for arg in sys.argv[1:] if args is None else args:
            command = getattr(command, "commands", {}).get(arg)
            if command is None:
                break
            words.append(arg)
        return " ".join(words)


def _stdout_alive() -> bool:
    try:
        sys.stdout.flush()
        return True
    except Exception:  # OutputError, ReaderGone, or anything a broken stream raises
        return False


# Help is Click's plain layout (rich_markup_mode=None): Typer's Rich panel is a table of six
# columns whose widths Rich shares out, which at 80 columns cut option names and metavars and
# left ~17 columns for the text. The plain layout wraps the text beside or below the option
# at any width, keeps \b paragraphs (the examples) as written, and never reads `[...]` as markup.
HELP = {"rich_markup_mode": None, "no_args_is_help": True}
app = typer.Typer(
    name="rnncli",
    cls=RnnCliGroup,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    **HELP,
)
train_app = typer.Typer(help="""Train a model of your own from data files.

    One subcommand per task; each writes one .safetensors model file (see rnncli info).

    \b
    Examples:
      rnncli train tagger --train train.conllu --dev dev.conllu -o m.safetensors
      rnncli train sentiment --train train.tsv --dev dev.tsv --out s.safetensors
      rnncli train tagger --help
    """, **HELP)
eval_app = typer.Typer(help="""Score a model on gold-labelled data.

    \b
    Examples:
      rnncli eval tagger --model lstm --data en_ewt-ud-test.conllu
      rnncli eval sentiment --model rnn --data test.tsv
    """, **HELP)
experiment_app = typer.Typer(help="""Small experiments that test the lecture's claims.

    Each trains small networks from scratch in about a minute (needs torch).

    \b
    Examples:
      rnncli experiment memory
      rnncli experiment tanh
    """, **HELP)
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")
app.add_typer(experiment_app, name="experiment")



def choices(name: str, values) -> type[Enum]:
    """A str Enum for Typer from one of the library's tuples of choices (config.py)."""
    return Enum(name, {v: v for v in values}, type=str)


Cell = choices("Cell", CELLS)
Activation = choices("Activation", ACTIVATIONS)
Pooling = choices("Pooling", POOLINGS)
Dtype = choices("Dtype", ("float16", "float32"))
Tagset = choices("Tagset", tagsets.HEADS)
TagFormat = choices("TagFormat", ("auto", "table", "tsv", "conllu", "jsonl", "tags"))
SentimentFormat = choices("SentimentFormat", ("auto", "table", "tsv", "jsonl"))
ExplainFormat = choices("ExplainFormat", ("auto", "table", "json", "tsv"))
InputFormat = choices("InputFormat", INPUT_FORMATS)
SentimentInput = choices("SentimentInput", ("lines", "text", "tokens"))
ExplainTask = choices("ExplainTask", ("sentiment", "tagger"))

MAX_SEED = 2**32 - 1  # what numpy and torch seeds can hold
MAX_THREADS = 256
MAX_SIZE = 2048  # state and embedding sizes: a 2-layer BiLSTM of 2048 already holds ~200 M parameters
MAX_LR = 10.0
MAX_RADIUS = 100.0
MAX_FORGET_BIAS = 50.0


def output_format(choice: Enum, when_piped: str) -> str:
    """`auto`: a table for a person at a terminal, `when_piped` for a program."""
    return choice.value if choice.value != "auto" else ("table" if sys.stdout.isatty() else when_piped)


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


def split_label_names(text: Optional[str]) -> Optional[list[str]]:
    """--label-names a,b,c: non-empty, distinct names of the integer labels 0, 1, 2, ..."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",")]
    if not all(names) or len(set(names)) != len(names) or any(len(n.split()) > 1 for n in names):
        raise RnnCliError(f"--label-names {text!r}: give distinct, non-empty names without spaces, separated by "
                          "commas (e.g. negative,positive)", EXIT_USAGE)
    return names


def require(module: str, extra: str) -> None:
    """One line naming the extra to install when an optional dependency is missing."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise RnnCliError(f"this command needs {module}, which is not installed: pip install 'rnncli[{extra}]'")


def refuse_input_as_output(text: Optional[list[str]], input_path: Optional[Path], models: list = ()) -> None:
    """`rnncli tag -i f >> f` would read its own output for ever (and `> f` has emptied f):
    refuse, as cat does, when stdout is the input file, or one of the model files read
    (`--model m.safetensors >> m.safetensors` would append text to the model)."""
    import stat

    try:
        out = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return
    if not stat.S_ISREG(out.st_mode):
        return
    inputs = [(str(path), path) for path in models if path is not None]
    if input_path is not None and str(input_path) != "-":
        inputs.insert(0, (str(input_path), input_path))
    elif not text or text == ["-"]:
        inputs.insert(0, ("<stdin>", 0))
    for name, path in inputs:
        try:
            inp = os.fstat(path) if path == 0 else os.stat(path)
        except (OSError, ValueError):
            continue
        if (out.st_dev, out.st_ino) == (inp.st_dev, inp.st_ino):
            raise RnnCliError(f"{name}: input file is output file")


def workers(jobs: int, interactive: bool) -> int:
    """--jobs: 0 is one per CPU; a person typing gets one (answers line by line, no workers to start)."""
    from rnncli.infer.parallel import cores

    return 1 if interactive else jobs or cores()


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"rnncli {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Look at text through small recurrent neural networks (RNN, LSTM, GRU), offline.

    Tagging and sentiment run on numpy alone; training, explain-gradients and the
    experiments need torch (pip install 'rnncli[train]'). Each command has its own --help.

    \b
    Examples:
      rnncli tag "Time flies like an arrow."
      echo "What a great film" | rnncli sentiment
      rnncli explain-gradients --task tagger "I study at night"
    """


# --- options shared by several commands, declared once ----------------------------------

TextArgs = Annotated[Optional[list[str]], typer.Argument(show_default=False, metavar="[TEXT]...",
                                                         help="Text; `-` or nothing reads stdin when it is piped.")]
InputFile = Annotated[Optional[Path], typer.Option("--input", "-i", metavar="FILE",
                                                   help="Read text from this file (`-`: stdin).")]
ModelName = Annotated[str, typer.Option("--model", "-m", metavar="MODEL",
                                        help="A bundled model (lstm, rnn, lstm-small, and rnn-small for tagging; "
                                             "see rnncli models) or the path of a model file.")]
ModelNames = Annotated[list[str], typer.Option("--model", "-m", metavar="MODEL", help=(
    "A bundled model (see rnncli models) or the path of a model file; repeat to compare models on the same data."))]
Jobs = Annotated[int, typer.Option("--jobs", "-j", min=0, max=MAX_THREADS, metavar="N", help=(
    "Worker processes for file and piped input (0: one per CPU); text typed at a terminal is answered by one."))]
AsJson = Annotated[bool, typer.Option("--json", help="Print the full report or description as JSON.")]
ReportFile = Annotated[Optional[Path], typer.Option("--report", metavar="FILE",
                                                    help="Also write the full report to this JSON file.")]
Tokenizer = Annotated[Optional[str], typer.Option(
    metavar="NAME", show_default="lstm",
    help="How text (and lines) is cut into sentences and tokens: lstm (the bundled character-level recurrent "
         "tokenizer), rnn (its vanilla RNN twin: 1.7x as fast, slightly less accurate), treebank (NLTK's Punkt "
         "and Treebank rules) or the path of a tokenizer model.")]
Mismatches = Annotated[Optional[int], typer.Option(
    min=0, metavar="N", show_default="10", help="How many of the most frequent tokenization mismatches to list.")]
LabelNames = Annotated[Optional[str], typer.Option(metavar="NAMES", show_default="negative,positive for 0/1 labels",
                                                   help="Names of the integer labels 0,1,..., comma-separated.")]

# train: each option once; each task's defaults come from train.job.DEFAULTS
Out = Annotated[Path, typer.Option("--out", "-o", metavar="FILE",
                                   help="Model file to write (.safetensors); its checkpoint is FILE.ckpt.")]
DevData = Annotated[Path, typer.Option(metavar="DATA", help="Dev data, same formats: picks the best epoch.")]
TestData = Annotated[Optional[Path], typer.Option(metavar="DATA", help="Test data, same formats: scored once at the "
                                                                     "end, never used for choices.")]
CellOption = Annotated[Cell, typer.Option(help="Recurrent cell.")]
ActivationOption = Annotated[Activation, typer.Option(help="Nonlinearity of the vanilla rnn cell.")]
Layers = Annotated[int, typer.Option(min=1, max=8, metavar="N", help="Recurrent layers.")]
Hidden = Annotated[int, typer.Option(min=1, max=MAX_SIZE, metavar="N", help="Recurrent state size per direction.")]
EmbeddingDim = Annotated[int, typer.Option(min=1, max=MAX_SIZE, metavar="N", help="Word embedding size.")]
Char = Annotated[bool, typer.Option("--char/--no-char", help="Character-level recurrent features per word.")]
CharHidden = Annotated[int, typer.Option(min=1, max=MAX_SIZE, metavar="N",
                                         help="Character recurrent state size per direction.")]
Bidirectional = Annotated[bool, typer.Option("--bidirectional/--no-bidirectional", help="Read the text both ways.")]
Dropout = Annotated[float, typer.Option(min=0.0, max=0.9, callback=finite, metavar="P",
                                        help="Dropout on embeddings, between layers, before the output.")]
WordDropout = Annotated[float, typer.Option(min=0.0, max=0.9, callback=finite, metavar="P",
                                            help="Probability of replacing a word by <unk> in training.")]
Epochs = Annotated[int, typer.Option(min=1, metavar="N", help="Passes over the training data.")]
BatchSize = Annotated[int, typer.Option(min=1, max=65536, metavar="N", help="Sentences (texts) per step.")]
LearningRate = Annotated[float, typer.Option(min=0.0, max=MAX_LR, callback=positive, metavar="LR",
                                             help="Peak Adam learning rate (cosine decay).")]
MinWordCount = Annotated[int, typer.Option(min=1, metavar="N",
                                           help="Words seen fewer times get no embedding of their own.")]
Seed = Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="N",
                                   help="Random seed: same seed and data, same weights (the file "
                                        "differs only in its recorded timings and --out name).")]
DtypeOption = Annotated[Dtype, typer.Option(help="Storage type of the saved weights.")]
Patience = Annotated[Optional[int], typer.Option(min=1, metavar="N",
                                                 help="Stop after N epochs without a better dev score.")]
MaxTime = Annotated[Optional[float], typer.Option(min=0.0, callback=finite, metavar="SECONDS", help=(
    "Stop once the run has taken this long, checked after every batch: the epoch under way ends there and is "
    "scored on dev like the others; the best epoch is saved."))]
Threads = Annotated[int, typer.Option(min=1, max=MAX_THREADS, metavar="N", help=(
    "Torch CPU threads. With 1, the same seed and data give the same model on any machine; 2 trained about 15% "
    "faster on 2 cores, but the weights then depend on the thread count."))]
Resume = Annotated[Optional[Path], typer.Option("--resume", metavar="CKPT", help="Continue an interrupted run from "
                                                "its checkpoint (the --out file's name + .ckpt).")]
MetricsLog = Annotated[Optional[Path], typer.Option("--metrics-log", metavar="FILE",
                                                    help="Append one JSON line per epoch to this file.")]
PLOT_FILE = "PNG, or SVG/PDF by the file's extension; needs matplotlib"
Plot = Annotated[Optional[Path], typer.Option("--plot", metavar="FILE", help="Draw learning curves (loss, dev "
                                              f"accuracy) to this file ({PLOT_FILE}).")]
T, S = DEFAULTS["tagger"], DEFAULTS["sentiment"]


@app.command("tag")
def tag(
    text: TextArgs = None,
    input_path: InputFile = None,
    input_format: Annotated[InputFormat, typer.Option(
        "--input-format", "-I", help="What the input is (see above).")] = "text",
    fmt: Annotated[TagFormat, typer.Option("--format", "-f", help="auto: a table on a terminal, tsv otherwise "
                                                                  "(see above).")] = "auto",
    tagset: Annotated[Optional[Tagset], typer.Option(
        "--tagset", "-t", show_default="upos if the model has it",
        help="Universal POS tags (upos) or Penn Treebank tags (ptb).")] = None,
    model: ModelName = "lstm",
    tokenizer: Tokenizer = None,
    top: Annotated[Optional[int], typer.Option(
        "--top", "-k", min=1, metavar="K", show_default="3 for table and jsonl, else 1",
        help="The K most probable tags per token (table, tsv, jsonl).")] = None,
    threshold: Annotated[Optional[float], typer.Option(
        "--threshold", "-p", min=0.0, max=1.0, metavar="P", show_default=False, callback=finite,
        help="Also every tag with probability >= P x the best tag's (table, tsv, jsonl).")] = None,
    jobs: Jobs = 1,
) -> None:
    """Part-of-speech tags, with each token's probability.

    Input (-I): text is running text, split into sentences and tokenized. From a pipe,
    a sentence is tagged once the next one has begun, so the last one waits for a blank
    line or the end of the input (at a terminal, each line is tagged as you type it; use
    -I lines for line-by-line answers from a pipe, e.g. after tail -f). lines: one
    sentence per line. tokens: one sentence per line, tokens separated by whitespace and
    kept as they are. conllu: CoNLL-U, every column and comment kept. With lines and
    tokens, each input line gives one record, a blank line an empty one, so that the
    output lines up with the input (paste).

    Output (-f): tsv: token, tag, prob (then tag, prob for each extra candidate) per
    line, a blank line after each sentence (a blank input line: just the blank line).
    tags: word/TAG, one sentence per line (an empty line for a blank one); the tag is
    what follows the last slash, as in and/or/CCONJ. jsonl: one object per sentence,
    with "line", the input line number, for lines and tokens (a blank line has no
    tokens). conllu: UPOS and XPOS filled; blank lines are left out, and sent_id is
    the input line number for lines and tokens. table: for people.

    \b
    Examples:
      rnncli tag "I study at night"
      rnncli tag -I lines -f tags --input notes.txt | paste notes.txt -
      rnncli tag -f jsonl --top 3 --tagset ptb "They can fish."
    """
    from rnncli.cli.views import render
    from rnncli.text.inputs import open_input
    from rnncli.model.model_file import open_model, resolve_model
    from rnncli.infer.tagger import tag_lines
    from rnncli.infer.tokenizer import open_tokenizer, tokenizer_file

    fmt = output_format(fmt, "tsv")
    refuse_input_as_output(text, input_path, [resolve_model(model, "tagger"), tokenizer_file(tokenizer or "lstm")])
    source = open_input(text, input_path, render.print_warning)
    tagger = open_model(model, "tagger")
    name = tagset.value if tagset else tagsets.tagset_of(tagsets.default_head(tagger.labels))
    head = tagsets.HEADS[name]
    if head not in tagger.labels:
        raise RnnCliError(f"{tagger.path}: this model has no {name} tags", EXIT_USAGE)
    results = tag_lines(tagger, source.lines, input_format.value, source.source, per_line=source.interactive,
                        input_waiting=source.input_waiting, jobs=workers(jobs, source.interactive),
                        tokenizer=open_tokenizer(tokenizer or "lstm", input_format.value))
    if fmt in ("tags", "conllu") and (top is not None or threshold is not None):
        render.print_warning(f"--top and --threshold show candidates in table, tsv and jsonl; -f {fmt} writes the "
                             "best tag only")
    top = top if top is not None else (3 if fmt in ("table", "jsonl") else 1)
    render.write_tags(results, fmt, name, tagger.labels[head], head, top, threshold)


@app.command("sentiment")
def sentiment(
    text: TextArgs = None,
    input_path: InputFile = None,
    input_format: Annotated[SentimentInput, typer.Option(
        "--input-format", "-I", help="What the input is (see above).")] = "lines",
    fmt: Annotated[SentimentFormat, typer.Option("--format", "-f", help="auto: a table on a terminal, tsv "
                                                                        "otherwise (see above).")] = "auto",
    model: ModelName = "lstm",
    tokenizer: Tokenizer = None,
    jobs: Jobs = 1,
) -> None:
    """Sentiment of each text: a label and its probability.

    Input (-I): lines: each line is one text (several arguments are one text). text:
    running text, one answer per sentence; from a pipe a sentence is answered once the
    next one has begun or the input ends. tokens: like lines, tokens separated by
    whitespace and kept. With lines and tokens each input line gives one record, a
    blank line an empty one, so that the output lines up with the input (paste).

    Output (-f): tsv: label, prob, text (an empty line for a blank line). jsonl:
    {"text", "label", "prob", "probs"}, and "line", the input line number, for lines
    and tokens (a blank line: label and prob null). table: for people.

    \b
    Examples:
      rnncli sentiment "What a great film"
      rnncli sentiment --input reviews.txt -f jsonl > labelled.jsonl
      rnncli sentiment --model rnn -I text --input review.txt
    """
    from rnncli.cli.views import render
    from rnncli.text.inputs import open_input
    from rnncli.model.model_file import open_model, resolve_model
    from rnncli.infer.sentiment import classify_lines
    from rnncli.infer.tokenizer import open_tokenizer, tokenizer_file

    fmt = output_format(fmt, "tsv")
    refuse_input_as_output(text, input_path, [resolve_model(model, "sentiment"), tokenizer_file(tokenizer or "lstm")])
    source = open_input(text, input_path, render.print_warning)
    results = classify_lines(open_model(model, "sentiment"), source.lines, input_format.value, source.source,
                             input_waiting=source.input_waiting, jobs=workers(jobs, source.interactive),
                             tokenizer=open_tokenizer(tokenizer or "lstm", input_format.value))
    render.write_sentiment(results, fmt)


@app.command("explain-gradients")
def explain_gradients(
    text: Annotated[Optional[list[str]], typer.Argument(
        show_default="a long-dependency sentence", metavar="[TEXT]...", help="Text to explain.")] = None,
    task: Annotated[ExplainTask, typer.Option(help="sentiment: the label; tagger: the last token's tag.")] = "sentiment",
    model: Annotated[list[str], typer.Option(
        "--model", "-m", metavar="MODEL", show_default="rnn and lstm",
        help="Model to explain (name or file); repeat to compare.")] = [],  # noqa: B006
    saliency: Annotated[bool, typer.Option(help="Add gradient x input per token: which words drove the "
                                                "prediction.")] = False,
    corpus: Annotated[Optional[Path], typer.Option(
        "--input", "-i", metavar="FILE", help="Statistics over many sentences of this file (CoNLL-U, "
                                              "label<TAB>text TSV, or one sentence per line) instead of one text.")] = None,
    max_sentences: Annotated[int, typer.Option(min=1, max=100_000, metavar="N",
                                               help="With --input: the first N sentences.")] = 500,
    synthetic: Annotated[bool, typer.Option(help="Random weights instead of a trained model.")] = False,
    length: Annotated[int, typer.Option(min=2, max=10_000, metavar="T", help="Synthetic: sequence length.")] = 50,
    cells: Annotated[str, typer.Option("--cell", metavar="CELLS", help="Synthetic: cells to compare, "
                                                                       "comma-separated (rnn, lstm, gru).")] = "rnn,lstm",
    radius: Annotated[float, typer.Option(min=0.0, max=MAX_RADIUS, callback=finite, metavar="R", help=(
        "Synthetic: spectral radius of the recurrent matrix (<1 vanishes, >1 explodes)."))] = 1.0,
    activation: Annotated[Activation, typer.Option(help="Synthetic: the rnn cell's nonlinearity (linear: compare "
                                                        "with W_hh^k).")] = "tanh",
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="N", help="Synthetic: random seed.")] = 0,
    hidden: Annotated[int, typer.Option(min=1, max=1024, metavar="N", help="Synthetic: state size.")] = 32,
    forget_bias: Annotated[float, typer.Option(min=-MAX_FORGET_BIAS, max=MAX_FORGET_BIAS, callback=finite,
                                               metavar="B", help=("Synthetic: LSTM forget-gate bias (3: the gate "
                                                                  "is ~0.95 open)."))] = 3.0,
    clip: Annotated[Optional[float], typer.Option(min=0.0, callback=positive, metavar="NORM", help=(
        "Synthetic: show gradient-norm clipping at this threshold."))] = None,
    fmt: Annotated[ExplainFormat, typer.Option("--format", "-f",
                                               help="auto: a table on a terminal, tsv otherwise.")] = "auto",
    plot: Annotated[Optional[Path], typer.Option(metavar="FILE", help="Also draw norm against distance (log scale) "
                                                                      f"to this file ({PLOT_FILE}).")] = None,
) -> None:
    """How far back the gradient reaches: RNN against LSTM.

    Shows how the gradient reaching earlier tokens vanishes in a vanilla RNN (or
    explodes), and how an LSTM keeps it: per token, or over a corpus with --input, or
    with random weights (--synthetic).

    Decay factor: the factor the gradient norm is multiplied by per step back, on
    average over a text of T tokens, (|g_1| / |g_T|) ** (1 / (T - 1)). Reach: how many
    steps back the norm is still at least 1e-3 of its largest value. The verdict:
    vanishes below x0.952 (1/1.05) per step, explodes above x1.05, holds between; with
    --input, on the quartiles of the sentences' factors (vanishes when three quarters
    of them are below x0.952). With -f json, numbers have 4 significant digits.

    \b
    Examples:
      rnncli explain-gradients "The film starts slow but the ending is wonderful"
      rnncli explain-gradients --task tagger --input dev.conllu -f json
      rnncli explain-gradients --synthetic --radius 1.5 --activation linear
    """
    from rnncli.cli.views import render
    from rnncli.model.model_file import resolve_model

    fmt = output_format(fmt, "tsv")
    if synthetic and (text or corpus):
        raise RnnCliError("--synthetic uses random inputs; give no text or --input with it", EXIT_USAGE)
    if corpus is not None and text:
        raise RnnCliError("give either TEXT or --input FILE, not both", EXIT_USAGE)
    require("torch", "train")
    specs = model or ["rnn", "lstm"]
    if plot is not None:
        from rnncli.files import check_outputs
        from rnncli.plot import pyplot

        check_outputs([("--plot", plot)], [("--model", resolve_model(spec, task.value)) for spec in specs]
                      + [("--input", corpus)])
        pyplot()  # fail before the work, not after
    from rnncli.explain import gradients

    if synthetic:
        results = gradients.synthetic_cells(cells, length, radius, activation.value, hidden, seed, clip, forget_bias)
        series = {r.cell: r.grad_norms for r in results}
        if fmt == "table":
            render.synthetic_table(render.stdout_console(), results)
        elif fmt == "json":
            render.write_json_line({"synthetic": True, "length": length, "radius": radius, "seed": seed,
                                    "models": {r.cell: r.to_dict() for r in results}})
        else:
            sys.stdout.write(render.synthetic_tsv(results))
    elif corpus is not None:
        explanations = gradients.explain_corpus(specs, task.value, gradients.read_corpus(str(corpus)), max_sentences)
        series = {e.name: [m for m in reversed(e.median) if m is not None] for e in explanations}
        if fmt == "table":
            render.corpus_table(render.stdout_console(), explanations, gradients.CORPUS_NOTE)
        elif fmt == "json":
            render.write_json_line({"input": str(corpus), "task": task.value,
                                    "models": {e.name: e.to_dict() for e in explanations}})
        else:
            sys.stdout.write(render.corpus_tsv(explanations))
    else:
        tokens, explanations = gradients.explain_models(specs, task.value, " ".join(text) if text else None,
                                                          saliency)
        series = {e.name: e.grad_norms for e in explanations}
        if fmt == "table":
            render.gradient_table(render.stdout_console(), tokens, explanations, saliency)
        elif fmt == "json":
            render.write_json_line({"tokens": tokens, "task": task.value, "note": render.GRADIENT_NOTE,
                                    "models": {e.name: e.to_dict() for e in explanations}})
        else:
            sys.stdout.write(render.gradient_tsv(tokens, explanations))
    if plot is not None:
        from rnncli.plot import plot_norms

        plot_norms(plot, series, title="gradient norm against distance to the output")


@app.command("models")
def models(
    files: Annotated[Optional[list[Path]], typer.Argument(
        readable=False, metavar="[FILE]...", help="Model files to list as well as the bundled ones.")] = None,
    as_json: AsJson = False,
) -> None:
    """List bundled models and model files, with scores.

    The name is what --model and rnncli info take (a file: its path); scores are the
    saved model's accuracy on the dev and test data it was trained with.

    \b
    Examples:
      rnncli models
      rnncli models my-tagger.safetensors --json
    """
    from rnncli.cli.views import render
    from rnncli.model.model_file import bundled_models, describe

    described = [describe(p) for p in bundled_models() + list(files or [])]
    if as_json:
        render.write_json(described)
    else:
        render.models_table(render.stdout_console(), described)


@app.command("info")
def info(
    model: Annotated[str, typer.Argument(metavar="MODEL", help="A bundled model (tagger-lstm, sentiment-rnn, "
                                                                "...) or a model file.")],
    as_json: AsJson = False,
) -> None:
    """Everything a model file says about itself.

    Architecture and recurrence, labels, the training command, data, seed, options,
    every epoch's loss and dev scores, and the saved model's scores.

    \b
    Examples:
      rnncli info tagger-rnn
      rnncli info my-tagger.safetensors --json
    """
    from rnncli.cli.views import render
    from rnncli.model.model_file import describe, resolve_model

    described = describe(resolve_model(model))
    if as_json:
        render.write_json(described)
    else:
        render.model_info(render.stdout_console(), described)


def command_line(ctx: typer.Context, *words: str) -> str:
    """The command with every option spelled out, defaults included: what a model file records
    (without --resume, so that it runs the whole training again)."""
    parts = ["rnncli", *words]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or not param.opts or param.name == "resume":
            continue
        value = value.value if isinstance(value, Enum) else value
        if getattr(param, "is_flag", False):
            if param.secondary_opts:
                parts.append(param.opts[0] if value else param.secondary_opts[0])
            elif value:
                parts.append(param.opts[0])
        elif isinstance(value, (list, tuple)):  # a repeatable option
            for item in value:
                parts += [param.opts[0], str(item)]
        else:
            parts += [param.opts[0], str(value)]
    return " ".join(shlex.quote(p) for p in parts)


def run_training(ctx: typer.Context, task: str, **task_options) -> None:
    """Both train commands: a TrainJob from the command's options, the task, the progress display."""
    require("torch", "train")
    if task_options.get("embeddings_from"):
        require("scipy", "train")
    from rnncli.cli.views.render import TrainingProgress
    from rnncli.train import TASKS, TrainJob, train

    values = {name: value.value if isinstance(value, Enum) else value for name, value in ctx.params.items()
              if name not in task_options}
    job = TrainJob.for_task(task, command=command_line(ctx, "train", task), **values)
    with TrainingProgress() as progress:
        train(job, TASKS[task](**task_options), progress)


@train_app.command("tagger")
def train_tagger(
    ctx: typer.Context,
    train: Annotated[Path, typer.Option(metavar="DATA", help="Training data: CoNLL-U (UPOS and XPOS), token<TAB>tag "
                                                             "lines, word/TAG lines, or nltk:treebank or "
                                                             "nltk:conll2000[:FILE].")],
    dev: DevData,
    out: Out,
    test: TestData = None,
    cell: CellOption = "lstm", activation: ActivationOption = "tanh", layers: Layers = T["layers"],
    hidden: Hidden = T["hidden"], embedding_dim: EmbeddingDim = T["embedding_dim"], char: Char = T["char"],
    char_hidden: CharHidden = T["char_hidden"], bidirectional: Bidirectional = True, dropout: Dropout = T["dropout"],
    word_dropout: WordDropout = T["word_dropout"], epochs: Epochs = T["epochs"], batch_size: BatchSize = T["batch_size"],
    lr: LearningRate = T["lr"], min_word_count: MinWordCount = T["min_word_count"], seed: Seed = 1,
    dtype: DtypeOption = "float16", patience: Patience = None, max_time: MaxTime = None, threads: Threads = 1,
    resume: Resume = None, metrics_log: MetricsLog = None, plot: Plot = None,
) -> None:
    """Train a POS tagger (UPOS and PTB heads).

    A checkpoint is written after every epoch; Ctrl-C stops after the current batch and
    prints the command that continues the run (--resume) to the same weights.

    \b
    Examples:
      rnncli train tagger --train train.conllu --dev dev.conllu -o m.safetensors
      rnncli train tagger --train nltk:treebank --dev dev.conllu --cell rnn \\
          --epochs 10 --max-time 600 --out rnn.safetensors
    """
    run_training(ctx, "tagger")


@train_app.command("sentiment")
def train_sentiment(
    ctx: typer.Context,
    train: Annotated[list[Path], typer.Option(metavar="DATA", help="Training data: label<TAB>text TSV, or "
                                                                   "nltk:movie_reviews[:train|dev|test]; repeat to "
                                                                   "join.")],
    dev: DevData,
    out: Out,
    test: TestData = None,
    label_names: LabelNames = None,
    embeddings_from: Annotated[list[str], typer.Option(metavar="TEXT", help=(
        "Pretrain word vectors (PPMI + SVD) on unlabelled text: a text file, or nltk:movie_reviews with NLTK_DATA "
        "set; repeatable."))] = [],  # noqa: B006
    cell: CellOption = "lstm", activation: ActivationOption = "tanh",
    pooling: Annotated[Pooling, typer.Option(help="How the states over time become one vector.")] = S["pooling"],
    layers: Layers = S["layers"], hidden: Hidden = S["hidden"], embedding_dim: EmbeddingDim = S["embedding_dim"],
    char: Char = S["char"], char_hidden: CharHidden = S["char_hidden"], bidirectional: Bidirectional = True,
    dropout: Dropout = S["dropout"], word_dropout: WordDropout = S["word_dropout"], epochs: Epochs = S["epochs"],
    batch_size: BatchSize = S["batch_size"], lr: LearningRate = S["lr"],
    min_word_count: MinWordCount = S["min_word_count"], seed: Seed = 1, dtype: DtypeOption = "float16",
    patience: Patience = None, max_time: MaxTime = None, threads: Threads = 1, resume: Resume = None,
    metrics_log: MetricsLog = None, plot: Plot = None,
) -> None:
    """Train a sentiment classifier (many-to-one).

    Data: label<TAB>text lines (header optional); 0/1 labels are named negative and
    positive unless --label-names says otherwise. Checkpoints and Ctrl-C as for
    rnncli train tagger.

    \b
    Examples:
      rnncli train sentiment --train train.tsv --dev dev.tsv --out m.safetensors
      rnncli train sentiment --train nltk:movie_reviews:train \\
          --dev nltk:movie_reviews:dev --max-time 1800 --out reviews.safetensors
    """
    run_training(ctx, "sentiment", label_names=split_label_names(label_names), embeddings_from=embeddings_from)


K = DEFAULTS["tokenizer"]


@train_app.command("tokenizer")
def train_tokenizer(
    ctx: typer.Context,
    train: Annotated[list[Path], typer.Option(metavar="DATA", help="Training data: CoNLL-U whose # text, "
                                                                   "SpaceAfter=No and # newpar spell out the raw "
                                                                   "text; repeat to join.")],
    dev: DevData,
    out: Out,
    test: TestData = None,
    cell: CellOption = "lstm", activation: ActivationOption = "tanh", layers: Layers = K["layers"],
    hidden: Hidden = K["hidden"],
    embedding_dim: Annotated[int, typer.Option(min=1, max=MAX_SIZE, metavar="N",
                                               help="Character embedding size.")] = K["embedding_dim"],
    bidirectional: Bidirectional = True, dropout: Dropout = K["dropout"],
    word_dropout: Annotated[float, typer.Option(
        "--char-dropout", min=0.0, max=0.9, callback=finite, metavar="P",
        help="Probability of replacing a character by <unk> in training.")] = K["word_dropout"],
    epochs: Epochs = K["epochs"], batch_size: BatchSize = K["batch_size"], lr: LearningRate = K["lr"],
    min_word_count: Annotated[int, typer.Option(
        "--min-char-count", min=1, metavar="N",
        help="Characters seen fewer times read as their Unicode category.")] = K["min_word_count"],
    seed: Seed = 1, dtype: DtypeOption = "float16", patience: Patience = None, max_time: MaxTime = None,
    threads: Threads = 1, resume: Resume = None, metrics_log: MetricsLog = None, plot: Plot = None,
) -> None:
    """Train a tokenizer and sentence splitter on raw text.

    A character-level recurrent network labels each character: inside, token end,
    sentence end, or word end inside a multiword token (do|n't). The raw text and
    the labels come from the CoNLL-U files themselves.

    \b
    Examples:
      rnncli train tokenizer --train en_ewt-ud-train.conllu \\
          --dev en_ewt-ud-dev.conllu -o tok.safetensors
      rnncli tag --tokenizer tok.safetensors "I don't know."
    """
    run_training(ctx, "tokenizer")


def write_report(reports: list[dict], data: Path, as_json: bool, report_path: Optional[Path]) -> bool:
    """--json prints and --report writes (atomically) the reports: one object for one model,
    {"data", "models": [...]} for several. Returns whether the table should still be drawn."""
    from rnncli.cli.views import render
    from rnncli.files import write_atomic

    document = {**reports[0]} if len(reports) == 1 else {"data": str(data), "models": reports}
    if report_path is not None:
        write_atomic(report_path, render.json_text(document).encode("utf-8"))
    if as_json:
        render.write_json(document)
    return not as_json


def check_report(report_path: Optional[Path], data: Path, models: list[str], task: str,
                 tokenizer: Optional[str] = None) -> None:
    """Before any scoring: the report can be written and is neither the data nor a model
    file (the tokenizer's too, for raw text: `tokenizer` is --tokenizer, or "lstm")."""
    from rnncli.files import check_outputs
    from rnncli.model.model_file import resolve_model
    from rnncli.infer.tokenizer import tokenizer_file

    check_outputs([("--report", report_path)], [("--data", data)] + [("--model", resolve_model(m, task)) for m in models]
                  + [("--tokenizer", tokenizer_file(tokenizer) if tokenizer else None)])


@eval_app.command("sentiment")
def eval_sentiment(
    data: Annotated[Path, typer.Option("--data", "-d", metavar="DATA", help="Gold label<TAB>text TSV file, or "
                                                                          "nltk:movie_reviews[:SPLIT].")],
    model: ModelNames = ["lstm"],  # noqa: B006
    label_names: LabelNames = None,
    as_json: AsJson = False,
    report_path: ReportFile = None,
) -> None:
    """Accuracy, per-label precision/recall/F1, confusion matrix.

    With several --model, the models side by side on the same data.

    \b
    Examples:
      rnncli eval sentiment --model lstm --data test.tsv
      rnncli eval sentiment -m lstm -m rnn -d test.tsv --report scores.json
      rnncli eval sentiment -m my.safetensors -d nltk:movie_reviews:test --json
    """
    from rnncli.cli.views import render
    from rnncli.data.examples import read_labelled
    from rnncli.evaluate.scores import compare_sentiment, evaluate_sentiment
    from rnncli.model.model_file import open_model

    check_report(report_path, data, model, "sentiment")
    classifiers = [open_model(m, "sentiment") for m in model]
    examples = read_labelled(data, split_label_names(label_names))
    reports = [evaluate_sentiment(c, examples) for c in classifiers]
    documents = [{"model": str(c.path), "data": str(data), **r.to_dict()} for c, r in zip(classifiers, reports)]
    if write_report(documents, data, as_json, report_path):
        console = render.stdout_console()
        if len(reports) == 1:
            render.sentiment_report(console, reports[0], classifiers[0].name, str(data))
        else:
            render.compare_table(console, [c.name for c in classifiers], compare_sentiment(reports), str(data))


@eval_app.command("tagger")
def eval_tagger(
    data: Annotated[Path, typer.Option("--data", "-d", metavar="DATA", help="Gold tagged data (CoNLL-U, "
                                                                          "token<TAB>tag, word/TAG or nltk:NAME); its "
                                                                          "tokenization is used unless --raw.")],
    model: ModelNames = ["lstm"],  # noqa: B006
    tagset: Annotated[Optional[Tagset], typer.Option("--tagset", "-t", show_default="upos if the data has it",
                                                     help="Tag set of the per-tag table.")] = None,
    confusions: Annotated[int, typer.Option(min=0, metavar="N",
                                            help="How many of the most frequent confusions to list.")] = 10,
    raw: Annotated[bool, typer.Option("--raw", help=(
        "Start from the raw text instead (rebuilt from the gold CoNLL-U's # text, SpaceAfter and # newpar): cut and "
        "tag it as `rnncli tag -I text` does, and score on characters as the CoNLL 2018 shared task does: Tokens, "
        "Sentences, Words, UPOS and XPOS F1, and the tokenization mismatches."))] = False,
    tokenizer: Tokenizer = None,
    mismatches: Mismatches = None,
    as_json: AsJson = False,
    report_path: ReportFile = None,
) -> None:
    """UPOS and PTB accuracy, per-tag precision/recall/F1, confusions.

    The gold data's own tokenization is used, so the numbers are tagging accuracy
    alone. With several --model, the models side by side on the same data. With
    --raw, the whole pipeline from raw text: Tokens, Sentences, Words, UPOS, XPOS F1.

    \b
    Examples:
      rnncli eval tagger --model lstm --data en_ewt-ud-test.conllu
      rnncli eval tagger -m lstm -m rnn -d dev.conllu --tagset ptb --confusions 20
      rnncli eval tagger --raw -m lstm -d en_ewt-ud-test.conllu --report raw.json
    """
    from rnncli.cli.views import render
    from rnncli.data.examples import read_tagged
    from rnncli.evaluate.scores import compare_taggers, evaluate_tagger
    from rnncli.model.model_file import open_model

    if not raw and (tokenizer is not None or mismatches is not None):
        raise RnnCliError("--tokenizer and --mismatches are for raw text: add --raw", EXIT_USAGE)
    check_report(report_path, data, model, "tagger", (tokenizer or "lstm") if raw else None)
    taggers = [open_model(m, "tagger") for m in model]
    if raw:
        eval_raw(data, taggers, tokenizer, mismatches, as_json, report_path)
        return
    sentences = read_tagged(data)
    reports = [evaluate_tagger(t, sentences, confusions) for t in taggers]
    documents = [{"model": str(t.path), "data": str(data), **r.to_dict()} for t, r in zip(taggers, reports)]
    if write_report(documents, data, as_json, report_path):
        scored = [name for name in ("upos", "xpos") if any(name in r.tagsets for r in reports)]
        head = tagsets.HEADS[tagset.value] if tagset else tagsets.default_head(scored or ["upos"])
        if head not in scored:  # the data (or every model) lacks it: no per-tag table to show
            render.print_warning(f"--tagset {tagsets.tagset_of(head)}: no {tagsets.display(head)} tags scored "
                                 f"(none in {data}, or no model predicts them); no per-tag table")
        console = render.stdout_console()
        if len(reports) == 1:
            render.tagger_report(console, reports[0], taggers[0].name, str(data), head)
        else:
            render.compare_table(console, [t.name for t in taggers], compare_taggers(reports, head), str(data))


@eval_app.command("tokenizer")
def eval_tokenizer(
    data: Annotated[Path, typer.Option("--data", "-d", help="Gold CoNLL-U whose raw text (# text, SpaceAfter, "
                                                            "# newpar) is cut and scored.")],
    tokenizer: Tokenizer = None,
    mismatches: Mismatches = None,
    as_json: AsJson = False,
    report_path: ReportFile = None,
) -> None:
    """Score sentence splitting and tokenization of raw text.

    Tokens, Sentences and Words F1 (aligned on characters, as the CoNLL 2018
    shared task does), the most frequent tokenization mismatches, and the
    sentence ends missed and made up.

    \b
    Examples:
      rnncli eval tokenizer --data en_ewt-ud-test.conllu --mismatches 20
      rnncli eval tokenizer --tokenizer treebank --data en_ewt-ud-dev.conllu
    """
    check_report(report_path, data, [], "tokenizer", tokenizer or "lstm")
    eval_raw(data, [None], tokenizer, mismatches, as_json, report_path)


def eval_raw(data: Path, taggers: list, tokenizer: Optional[str], mismatches: Optional[int], as_json: bool,
             report_path: Optional[Path]) -> None:
    """Both raw-text evaluations: `taggers` are tagger models, or [None] to score the tokenizer alone."""
    from rnncli.cli.views import render
    from rnncli.data.examples import read_conllu_file
    from rnncli.evaluate.scores import compare_raw, evaluate_raw
    from rnncli.infer.tokenizer import open_tokenizer

    tokenizer, mismatches = tokenizer or "lstm", 10 if mismatches is None else mismatches
    cutter = open_tokenizer(tokenizer)
    gold = read_conllu_file(data)
    reports = [evaluate_raw(gold, t, cutter, mismatches, str(data)) for t in taggers]
    documents = [{**({"model": str(t.path)} if t else {}), "data": str(data), "input": "raw text",
                  "tokenizer": tokenizer, **r.to_dict()} for t, r in zip(taggers, reports)]
    if write_report(documents, data, as_json, report_path):
        console = render.stdout_console()
        if len(reports) == 1:
            render.raw_report(console, reports[0], taggers[0] and taggers[0].name, str(data), tokenizer)
        else:
            render.compare_table(console, [t.name for t in taggers], compare_raw(reports),
                                 f"{data} from raw text, {tokenizer} tokenizer")
            render.raw_mismatches(console, reports[0])


def int_list(text: str, option: str, maximum: int) -> list[int]:
    """`5,10,20`: whole numbers from 1 to `maximum`, each once, in the order given."""
    try:
        values = [int(x) for x in text.split(",")]
    except ValueError:
        raise RnnCliError(f"{option} {text!r}: give whole numbers separated by commas", EXIT_USAGE) from None
    if any(not 1 <= v <= maximum for v in values):
        raise RnnCliError(f"{option} {text!r}: each must be from 1 to {maximum:,}", EXIT_USAGE)
    return list(dict.fromkeys(values))


def name_list(text: str) -> list[str]:
    """`rnn,lstm`: names, each once, in the order given."""
    return list(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))


ExperimentFormat = Annotated[ExplainFormat, typer.Option("--format", "-f",
                                                         help="auto: a table on a terminal, tsv otherwise.")]


@experiment_app.command("memory")
def experiment_memory(
    cells: Annotated[str, typer.Option("--cell", metavar="CELLS", help="Cells to compare, "
                                                                       "comma-separated.")] = "rnn,lstm,gru",
    distances: Annotated[str, typer.Option(metavar="N,N,...", help="Distances between the label and the end, "
                                                                   "comma-separated.")] = "5,10,20,50,100",
    steps: Annotated[int, typer.Option(min=1, max=100_000, metavar="N",
                                       help="Training steps per cell and distance.")] = 600,
    hidden: Annotated[int, typer.Option(min=1, max=1024, metavar="N", help="State size of every cell.")] = 32,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="N", help="First random seed.")] = 0,
    seeds: Annotated[int, typer.Option(min=1, max=100, metavar="N",
                                       help="Seeds to average over (seed, seed+1, ...).")] = 1,
    fmt: ExperimentFormat = "auto",
    plot: Annotated[Optional[Path], typer.Option(metavar="FILE", help="Also draw accuracy against distance to "
                                                                      f"this file ({PLOT_FILE}).")] = None,
) -> None:
    """Can an RNN, an LSTM and a GRU remember across N steps?

    Trains a vanilla RNN, an LSTM and a GRU of the same size to remember the first
    symbol of a sequence across N distractors, for several N; prints test accuracy and
    each trained network's gradient decay per step (Bengio et al. 1994; Hochreiter &
    Schmidhuber 1997).

    \b
    Examples:
      rnncli experiment memory
      rnncli experiment memory --distances 10,50 --seeds 3
      rnncli experiment memory -f json > memory.json
    """
    run_experiment("memory", fmt, plot, cells=name_list(cells), distances=int_list(distances, "--distances", 1000),
                   steps=steps, hidden=hidden, seed=seed, seeds=seeds)


@experiment_app.command("tanh")
def experiment_tanh(
    depths: Annotated[str, typer.Option(metavar="N,N,...", help="Numbers of stacked RNN layers, "
                                                                 "comma-separated.")] = "1,3",
    task: Annotated[str, typer.Option(help="parity: of all bits; xor: of the first and last bit.")] = "parity",
    length: Annotated[int, typer.Option(min=2, max=64, metavar="N", help="Bits per sequence.")] = 3,
    steps: Annotated[int, typer.Option(min=1, max=100_000, metavar="N", help="Training steps per network.")] = 500,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="N", help="Random seed.")] = 0,
    fmt: ExperimentFormat = "auto",
) -> None:
    """Why tanh: stacked linear RNN layers collapse into one.

    Vanilla RNNs of 1 and 3 layers with the linear activation and with tanh, trained on
    a task no linear map can do. The linear stacks stay at chance at every depth (the
    trained network is checked to be one affine map of its input); tanh learns.

    \b
    Examples:
      rnncli experiment tanh
      rnncli experiment tanh --task xor --length 8 --depths 1,2,3
    """
    run_experiment("tanh", fmt, None, depths=int_list(depths, "--depths", 8), task=task, length=length, steps=steps,
                   seed=seed)


def run_experiment(name: str, fmt: Enum, plot: Optional[Path], **options) -> None:
    """Run one experiment with a progress bar on stderr, then render its result."""
    from rnncli.cli.views import render

    fmt = output_format(fmt, "tsv")
    require("torch", "train")
    if plot is not None:
        from rnncli.files import check_outputs
        from rnncli.plot import pyplot

        check_outputs([("--plot", plot)], [])
        pyplot()  # fail before the work, not after
    from rnncli.explain import experiments

    if name == "memory":
        total = len(options["cells"]) * len(options["distances"]) * options["steps"] * options["seeds"]
        with render.StepProgress(total) as progress:
            result = experiments.memory_experiment(**options, progress=progress)
        table, tsv = render.memory_table, render.memory_tsv
    else:
        total = 2 * len(options["depths"]) * options["steps"]
        with render.StepProgress(total) as progress:
            result = experiments.tanh_experiment(**options, progress=progress)
        table, tsv = render.tanh_table, render.tanh_tsv
    if fmt == "table":
        table(render.stdout_console(), result)
    elif fmt == "json":
        render.write_json_line(result.to_dict())
    else:
        sys.stdout.write(tsv(result))
    if plot is not None:
        from rnncli.plot import plot_memory

        plot_memory(plot, result)


def main() -> None:
    app()
