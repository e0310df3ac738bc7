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

from rnncli import __version__, tagsets  # noqa: E402
from rnncli.config import ACTIVATIONS, CELLS, POOLINGS  # noqa: E402
from rnncli.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, RnnCliError  # noqa: E402
from rnncli.text import INPUT_FORMATS  # noqa: E402
from rnncli.train.job import DEFAULTS  # noqa: E402  (no torch)


def report_error(message: str) -> None:
    from rnncli.render import print_error

    print_error(message)


def _debugging() -> bool:
    return bool(os.environ.get("RNNCLI_DEBUG"))


class RnnCliGroup(typer.core.TyperGroup):
    """The root command, with one way of ending for every command: `rnncli: error: ...` on
    stderr and a named exit code (errors.py), a `--help` hint after usage errors, a quiet
    exit 0 when the reader of stdout goes away, and never a traceback (RNNCLI_DEBUG=1 shows
    one for unexpected errors)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from rnncli.render import quiet_broken_pipes
        from rnncli.streams import ReaderGone, guard_streams, silence_stdout, write_stderr

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


app = typer.Typer(
    name="rnncli",
    cls=RnnCliGroup,
    help="Look at text through small recurrent neural networks (RNN, LSTM, GRU), offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
train_app = typer.Typer(help="Train your own tagger or sentiment model from standard files.", no_args_is_help=True)
eval_app = typer.Typer(help="Score a model on gold-labelled data.", no_args_is_help=True)
experiment_app = typer.Typer(help="Experiments that train small networks to test the lecture's claims.",
                             no_args_is_help=True)
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


def refuse_input_as_output(text: Optional[list[str]], input_path: Optional[Path]) -> None:
    """`rnncli tag -i f >> f` would read its own output for ever (and `> f` has emptied f):
    refuse, as cat does, when stdout is the input file."""
    import stat

    try:
        out = os.fstat(sys.stdout.fileno())
        if input_path is not None and str(input_path) != "-":
            inp, name = os.stat(input_path), str(input_path)
        elif not text or text == ["-"]:
            inp, name = os.fstat(0), "<stdin>"
        else:
            return
    except (OSError, ValueError, AttributeError):
        return
    if stat.S_ISREG(out.st_mode) and (out.st_dev, out.st_ino) == (inp.st_dev, inp.st_ino):
        raise RnnCliError(f"{name}: input file is output file")


def workers(jobs: int, interactive: bool) -> int:
    """--jobs: 0 is one per CPU; a person typing gets one (answers line by line, no workers to start)."""
    from rnncli.parallel import cores

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
    """Look at text through small recurrent neural networks (RNN, LSTM, GRU), offline."""


# --- options shared by several commands, declared once ----------------------------------

TextArgs = Annotated[Optional[list[str]], typer.Argument(show_default=False,
                                                         help="Text; `-` or nothing reads stdin when it is piped.")]
InputFile = Annotated[Optional[Path], typer.Option("--input", "-i", help="Read text from this file (`-`: stdin).")]
ModelName = Annotated[str, typer.Option("--model", "-m", help="lstm, rnn (bundled) or the path of a model file.")]
ModelNames = Annotated[list[str], typer.Option("--model", "-m", help="lstm, rnn (bundled) or the path of a model "
                                               "file; repeat to compare models on the same data.")]
Jobs = Annotated[int, typer.Option("--jobs", "-j", min=0, max=MAX_THREADS, help=(
    "Worker processes for file and piped input (0: one per CPU); text typed at a terminal is answered by one."))]
AsJson = Annotated[bool, typer.Option("--json", help="Print the full report or description as JSON.")]
ReportFile = Annotated[Optional[Path], typer.Option("--report", help="Also write the full report to this JSON file.")]
LabelNames = Annotated[Optional[str], typer.Option(help="Names of integer labels 0,1,...: e.g. negative,positive "
                                                   "[default for 0/1 labels: negative,positive].")]

# train: each option once; each task's defaults come from train.job.DEFAULTS
Out = Annotated[Path, typer.Option("--out", "-o", help="Model file to write (.safetensors); its checkpoint is OUT.ckpt.")]
CellOption = Annotated[Cell, typer.Option(help="Recurrent cell.")]
ActivationOption = Annotated[Activation, typer.Option(help="Nonlinearity of the vanilla rnn cell.")]
Layers = Annotated[int, typer.Option(min=1, max=8, help="Recurrent layers.")]
Hidden = Annotated[int, typer.Option(min=1, max=MAX_SIZE, help="Recurrent state size per direction.")]
EmbeddingDim = Annotated[int, typer.Option(min=1, max=MAX_SIZE, help="Word embedding size.")]
Char = Annotated[bool, typer.Option("--char/--no-char", help="Character-level recurrent features per word.")]
CharHidden = Annotated[int, typer.Option(min=1, max=MAX_SIZE, help="Character recurrent state size per direction.")]
Bidirectional = Annotated[bool, typer.Option("--bidirectional/--no-bidirectional", help="Read the text both ways.")]
Dropout = Annotated[float, typer.Option(min=0.0, max=0.9, callback=finite,
                                        help="Dropout on embeddings, between layers, before the output.")]
WordDropout = Annotated[float, typer.Option(min=0.0, max=0.9, callback=finite,
                                            help="Probability of replacing a word by <unk> in training.")]
Epochs = Annotated[int, typer.Option(min=1, help="Passes over the training data.")]
BatchSize = Annotated[int, typer.Option(min=1, max=65536, help="Sentences (texts) per step.")]
LearningRate = Annotated[float, typer.Option(min=0.0, max=MAX_LR, callback=positive,
                                             help="Peak Adam learning rate (cosine decay).")]
MinWordCount = Annotated[int, typer.Option(min=1, help="Words seen fewer times get no embedding of their own.")]
Seed = Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Random seed: same seed and data, same model file.")]
DtypeOption = Annotated[Dtype, typer.Option(help="Storage type of the saved weights.")]
Patience = Annotated[Optional[int], typer.Option(min=1, help="Stop after this many epochs without a better dev score.")]
MaxTime = Annotated[Optional[float], typer.Option(min=0.0, callback=finite,
                                                  help="Stop after the epoch that passes this many seconds.")]
Threads = Annotated[int, typer.Option(min=1, max=MAX_THREADS, help=(
    "Torch CPU threads. 1 gives the same model for the same seed and data on any machine; more threads train "
    "faster (about 15% with 2), but the weights then depend on the thread count and can differ from run to run."))]
Resume = Annotated[Optional[Path], typer.Option("--resume", help="Continue an interrupted run from its checkpoint "
                                                "(OUT.ckpt).")]
MetricsLog = Annotated[Optional[Path], typer.Option("--metrics-log", help="Append one JSON line per epoch to this file.")]
Plot = Annotated[Optional[Path], typer.Option("--plot", help="Draw learning curves (loss, dev accuracy) to this PNG "
                                              "(needs matplotlib).")]
T, S = DEFAULTS["tagger"], DEFAULTS["sentiment"]


@app.command("tag")
def tag(
    text: TextArgs = None,
    input_path: InputFile = None,
    input_format: Annotated[InputFormat, typer.Option(
        "--input-format", "-I", help="text: running text; lines: one sentence per line; tokens: whitespace-separated "
                                     "tokens, one sentence per line; conllu.")] = "text",
    fmt: Annotated[TagFormat, typer.Option("--format", "-f", help="auto: a table on a terminal, tsv otherwise.")] = "auto",
    tagset: Annotated[Optional[Tagset], typer.Option(
        "--tagset", "-t", show_default=False,
        help="Universal POS tags or Penn Treebank tags [default: upos if the model has it].")] = None,
    model: ModelName = "lstm",
    top: Annotated[Optional[int], typer.Option(
        "--top", "-k", min=1, show_default=False,
        help="Candidates per token [default: 3 for table and jsonl, 1 otherwise].")] = None,
    threshold: Annotated[Optional[float], typer.Option(
        "--threshold", "-p", min=0.0, max=1.0, show_default=False, callback=finite,
        help="Also show every tag with probability >= P x the best tag's.")] = None,
    jobs: Jobs = 1,
) -> None:
    """Part-of-speech tags, with each token's probability over tags.

    Formats: tsv (token, tag, prob[, tag, prob ...]; a blank line after each sentence),
    tags (word/TAG, one sentence per line), jsonl (one object per sentence), conllu (input
    columns kept, UPOS and XPOS filled), table (for people).
    """
    from rnncli import render
    from rnncli.inputs import open_input
    from rnncli.model_file import open_model
    from rnncli.tagger import tag_lines

    fmt = output_format(fmt, "tsv")
    refuse_input_as_output(text, input_path)
    source = open_input(text, input_path, render.print_warning)
    tagger = open_model(model, "tagger")
    name = tagset.value if tagset else tagsets.tagset_of(tagsets.default_head(tagger.labels))
    head = tagsets.HEADS[name]
    if head not in tagger.labels:
        raise RnnCliError(f"{tagger.path}: this model has no {name} tags", EXIT_USAGE)
    results = tag_lines(tagger, source.lines, input_format.value, source.source, per_line=source.interactive,
                        input_waiting=source.input_waiting, jobs=workers(jobs, source.interactive))
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
        "--input-format", "-I", help="lines: one text per line; text: running text, one answer per sentence; "
                                     "tokens: whitespace-separated tokens per line.")] = "lines",
    fmt: Annotated[SentimentFormat, typer.Option("--format", "-f",
                                                 help="auto: a table on a terminal, tsv otherwise.")] = "auto",
    model: ModelName = "lstm",
    jobs: Jobs = 1,
) -> None:
    """Sentence sentiment (many-to-one): a label and its probability for each text.

    Formats: tsv (label, prob, text), jsonl ({"text", "label", "prob", "probs"}), table (for people).
    """
    from rnncli import render
    from rnncli.inputs import open_input
    from rnncli.model_file import open_model
    from rnncli.sentiment import classify_lines

    fmt = output_format(fmt, "tsv")
    refuse_input_as_output(text, input_path)
    source = open_input(text, input_path, render.print_warning)
    results = classify_lines(open_model(model, "sentiment"), source.lines, input_format.value, source.source,
                             input_waiting=source.input_waiting, jobs=workers(jobs, source.interactive))
    render.write_sentiment(results, fmt)


@app.command("explain-gradients")
def explain_gradients(
    text: Annotated[Optional[list[str]], typer.Argument(
        show_default=False, help="Text to explain [default: a long-dependency sentence].")] = None,
    task: Annotated[ExplainTask, typer.Option(help="sentiment: the label; tagger: the last token's tag.")] = "sentiment",
    model: Annotated[list[str], typer.Option(
        "--model", "-m", show_default=False,
        help="Model to explain (name or file; repeat to compare) [default: rnn and lstm].")] = [],  # noqa: B006
    saliency: Annotated[bool, typer.Option(help="Add gradient x input per token: which words drove the "
                                                "prediction.")] = False,
    corpus: Annotated[Optional[Path], typer.Option(
        "--input", "-i", help="Statistics over many sentences of this file (CoNLL-U, label<TAB>text TSV, or one "
                              "sentence per line) instead of one text.")] = None,
    max_sentences: Annotated[int, typer.Option(min=1, max=100_000, help="With --input: the first N sentences.")] = 500,
    synthetic: Annotated[bool, typer.Option(help="Random weights instead of a trained model.")] = False,
    length: Annotated[int, typer.Option(min=2, max=10_000, help="Synthetic: sequence length T.")] = 50,
    cells: Annotated[str, typer.Option("--cell", help="Synthetic: cells to compare, comma-separated (rnn, lstm, "
                                                      "gru).")] = "rnn,lstm",
    radius: Annotated[float, typer.Option(min=0.0, max=MAX_RADIUS, callback=finite, help=(
        "Synthetic: spectral radius of the recurrent matrix (<1 vanishes, >1 explodes)."))] = 1.0,
    activation: Annotated[Activation, typer.Option(help="Synthetic: the rnn cell's nonlinearity (linear: compare "
                                                        "with W_hh^k).")] = "tanh",
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Synthetic: random seed.")] = 0,
    hidden: Annotated[int, typer.Option(min=1, max=1024, help="Synthetic: state size.")] = 32,
    forget_bias: Annotated[float, typer.Option(min=-MAX_FORGET_BIAS, max=MAX_FORGET_BIAS, callback=finite, help=(
        "Synthetic: LSTM forget-gate bias (3: the gate is ~0.95 open)."))] = 3.0,
    clip: Annotated[Optional[float], typer.Option(min=0.0, callback=positive, help=(
        "Synthetic: show gradient-norm clipping at this threshold."))] = None,
    fmt: Annotated[ExplainFormat, typer.Option("--format", "-f",
                                               help="auto: a table on a terminal, json otherwise.")] = "auto",
    plot: Annotated[Optional[Path], typer.Option(help="Also draw norm against distance (log scale) to this PNG "
                                                      "(needs matplotlib).")] = None,
) -> None:
    """Show how the gradient reaching earlier tokens vanishes in a vanilla RNN (or explodes), and how an LSTM keeps it.

    Decay factor: the factor the gradient norm is multiplied by per step back, on average over
    a text of T tokens, (|g_1| / |g_T|) ** (1 / (T - 1)). Reach: how many steps back the norm
    is still at least 1e-3 of its largest value. The verdict: vanishes below x0.952 (1/1.05)
    per step, explodes above x1.05, holds between; with --input, on the quartiles of the
    sentences' factors (vanishes when three quarters of them are below x0.952).
    """
    import json

    from rnncli import render
    from rnncli.model_file import resolve_model

    fmt = output_format(fmt, "json")
    if synthetic and (text or corpus):
        raise RnnCliError("--synthetic uses random inputs; give no text or --input with it", EXIT_USAGE)
    if corpus is not None and text:
        raise RnnCliError("give either TEXT or --input FILE, not both", EXIT_USAGE)
    require("torch", "train")
    specs = model or ["rnn", "lstm"]
    if plot is not None:
        from rnncli.files import check_outputs
        from rnncli.plot import pyplot

        check_outputs([("--plot", plot)], [("--model", resolve_model(spec, task.value)) for spec in specs])
        pyplot()  # fail before the work, not after
    from rnncli import gradients

    if synthetic:
        results = gradients.synthetic_cells(cells, length, radius, activation.value, hidden, seed, clip, forget_bias)
        series = {r.cell: r.grad_norms for r in results}
        if fmt == "table":
            render.synthetic_table(render.stdout_console(), results)
        elif fmt == "json":
            sys.stdout.write(json.dumps({"synthetic": True, "length": length, "radius": radius, "seed": seed,
                                         "models": {r.cell: r.to_dict() for r in results}}) + "\n")
        else:
            sys.stdout.write(render.synthetic_tsv(results))
    elif corpus is not None:
        explanations = gradients.explain_corpus(specs, task.value, gradients.read_corpus(str(corpus)), max_sentences)
        series = {e.name: [m for m in reversed(e.median) if m is not None] for e in explanations}
        if fmt == "table":
            render.corpus_table(render.stdout_console(), explanations, gradients.CORPUS_NOTE)
        elif fmt == "json":
            sys.stdout.write(json.dumps({"input": str(corpus), "task": task.value,
                                         "models": {e.name: e.to_dict() for e in explanations}}) + "\n")
        else:
            sys.stdout.write(render.corpus_tsv(explanations))
    else:
        tokens, explanations = gradients.explain_models(specs, task.value, " ".join(text) if text else None,
                                                          saliency)
        series = {e.name: e.grad_norms for e in explanations}
        if fmt == "table":
            render.gradient_table(render.stdout_console(), tokens, explanations, saliency)
        elif fmt == "json":
            sys.stdout.write(json.dumps({"tokens": tokens, "task": task.value, "note": render.GRADIENT_NOTE,
                                         "models": {e.name: e.to_dict() for e in explanations}}) + "\n")
        else:
            sys.stdout.write(render.gradient_tsv(tokens, explanations))
    if plot is not None:
        from rnncli.plot import plot_norms

        plot_norms(plot, series, title="gradient norm against distance to the output")


@app.command("models")
def models(
    files: Annotated[Optional[list[Path]], typer.Argument(
        readable=False, help="Model files to list as well as the bundled ones.")] = None,
    as_json: AsJson = False,
) -> None:
    """List the bundled models (and any given model files) with what they are and how they score."""
    from rnncli import render
    from rnncli.model_file import bundled_models, describe

    described = [describe(p) for p in bundled_models() + list(files or [])]
    if as_json:
        render.write_json(described)
    else:
        render.models_table(render.stdout_console(), described)


@app.command("info")
def info(
    model: Annotated[str, typer.Argument(help="A bundled model (tagger-lstm, sentiment-rnn, ...) or a model file.")],
    as_json: AsJson = False,
) -> None:
    """Everything a model file says about itself: architecture, recurrence, training command, data, scores."""
    from rnncli import render
    from rnncli.model_file import describe, resolve_model

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
    from rnncli.render import TrainingProgress
    from rnncli.train import TASKS, TrainJob, train

    values = {name: value.value if isinstance(value, Enum) else value for name, value in ctx.params.items()
              if name not in task_options}
    job = TrainJob.for_task(task, command=command_line(ctx, "train", task), **values)
    with TrainingProgress() as progress:
        train(job, TASKS[task](**task_options), progress)


@train_app.command("tagger")
def train_tagger(
    ctx: typer.Context,
    train: Annotated[Path, typer.Option(help="Training data: CoNLL-U (UPOS and XPOS), token<TAB>tag lines, word/TAG "
                                             "lines, or nltk:treebank / nltk:conll2000[:FILE].")],
    dev: Annotated[Path, typer.Option(help="Dev data, same formats: picks the best epoch.")],
    out: Out,
    test: Annotated[Optional[Path], typer.Option(help="Test data, same formats: scored once at the end, never used "
                                                      "for choices.")] = None,
    cell: CellOption = "lstm", activation: ActivationOption = "tanh", layers: Layers = T["layers"],
    hidden: Hidden = T["hidden"], embedding_dim: EmbeddingDim = T["embedding_dim"], char: Char = T["char"],
    char_hidden: CharHidden = T["char_hidden"], bidirectional: Bidirectional = True, dropout: Dropout = T["dropout"],
    word_dropout: WordDropout = T["word_dropout"], epochs: Epochs = T["epochs"], batch_size: BatchSize = T["batch_size"],
    lr: LearningRate = T["lr"], min_word_count: MinWordCount = T["min_word_count"], seed: Seed = 1,
    dtype: DtypeOption = "float16", patience: Patience = None, max_time: MaxTime = None, threads: Threads = 1,
    resume: Resume = None, metrics_log: MetricsLog = None, plot: Plot = None,
) -> None:
    """Train a POS tagger (UPOS and PTB heads) on CoNLL-U files."""
    run_training(ctx, "tagger")


@train_app.command("sentiment")
def train_sentiment(
    ctx: typer.Context,
    train: Annotated[list[Path], typer.Option(help="Training data: label<TAB>text TSV, or "
                                                   "nltk:movie_reviews[:train|dev|test] (repeat to join).")],
    dev: Annotated[Path, typer.Option(help="Dev data, same formats: picks the best epoch.")],
    out: Out,
    test: Annotated[Optional[Path], typer.Option(help="Test data, same formats: scored once at the end, never used "
                                                      "for choices.")] = None,
    label_names: LabelNames = None,
    embeddings_from: Annotated[list[str], typer.Option(help=(
        "Pretrain word vectors (PPMI + SVD) on unlabelled text: a text file, or nltk:movie_reviews with NLTK_DATA "
        "set. Repeatable."))] = [],  # noqa: B006
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
    """Train a sentiment classifier (many-to-one) on label/text TSV files."""
    run_training(ctx, "sentiment", label_names=split_label_names(label_names), embeddings_from=embeddings_from)


def write_report(reports: list[dict], data: Path, as_json: bool, report_path: Optional[Path]) -> bool:
    """--json prints and --report writes (atomically) the reports: one object for one model,
    {"data", "models": [...]} for several. Returns whether the table should still be drawn."""
    from rnncli import render
    from rnncli.files import write_atomic

    document = {**reports[0]} if len(reports) == 1 else {"data": str(data), "models": reports}
    if report_path is not None:
        write_atomic(report_path, render.json_text(document).encode("utf-8"))
    if as_json:
        render.write_json(document)
    return not as_json


def check_report(report_path: Optional[Path], data: Path, models: list[str], task: str) -> None:
    """Before any scoring: the report can be written and is neither the data nor a model file."""
    from rnncli.files import check_outputs
    from rnncli.model_file import resolve_model

    check_outputs([("--report", report_path)], [("--data", data)] + [("--model", resolve_model(m, task)) for m in models])


@eval_app.command("sentiment")
def eval_sentiment(
    data: Annotated[Path, typer.Option("--data", "-d", help="Gold label<TAB>text TSV file, or "
                                                            "nltk:movie_reviews[:SPLIT].")],
    model: ModelNames = ["lstm"],  # noqa: B006
    label_names: LabelNames = None,
    as_json: AsJson = False,
    report_path: ReportFile = None,
) -> None:
    """Accuracy, per-label precision/recall/F1 and the confusion matrix."""
    from rnncli import render
    from rnncli.data import read_labelled
    from rnncli.evaluate import compare_sentiment, evaluate_sentiment
    from rnncli.model_file import open_model

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
    data: Annotated[Path, typer.Option("--data", "-d", help="Gold tagged data (CoNLL-U, token<TAB>tag, word/TAG or "
                                                            "nltk:NAME); its tokenization is used.")],
    model: ModelNames = ["lstm"],  # noqa: B006
    tagset: Annotated[Tagset, typer.Option("--tagset", "-t", help="Tag set of the per-tag table.")] = "upos",
    confusions: Annotated[int, typer.Option(min=0, help="How many of the most frequent confusions to list.")] = 10,
    as_json: AsJson = False,
    report_path: ReportFile = None,
) -> None:
    """UPOS and PTB accuracy, per-tag precision/recall/F1 and the most frequent confusions."""
    from rnncli import render
    from rnncli.data import read_tagged
    from rnncli.evaluate import compare_taggers, evaluate_tagger
    from rnncli.model_file import open_model

    check_report(report_path, data, model, "tagger")
    taggers = [open_model(m, "tagger") for m in model]
    sentences = read_tagged(data)
    reports = [evaluate_tagger(t, sentences, confusions) for t in taggers]
    documents = [{"model": str(t.path), "data": str(data), **r.to_dict()} for t, r in zip(taggers, reports)]
    if write_report(documents, data, as_json, report_path):
        head = tagsets.HEADS[tagset.value]
        console = render.stdout_console()
        if len(reports) == 1:
            render.tagger_report(console, reports[0], taggers[0].name, str(data), head)
        else:
            render.compare_table(console, [t.name for t in taggers], compare_taggers(reports, head), str(data))


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
                                                         help="auto: a table on a terminal, json otherwise.")]


@experiment_app.command("memory")
def experiment_memory(
    cells: Annotated[str, typer.Option("--cell", help="Cells to compare, comma-separated.")] = "rnn,lstm,gru",
    distances: Annotated[str, typer.Option(help="Distances between the label and the end, comma-separated.")]
    = "5,10,20,50,100",
    steps: Annotated[int, typer.Option(min=1, max=100_000, help="Training steps per cell and distance.")] = 600,
    hidden: Annotated[int, typer.Option(min=1, max=1024, help="State size of every cell.")] = 32,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="First random seed.")] = 0,
    seeds: Annotated[int, typer.Option(min=1, max=100, help="Seeds to average over (seed, seed+1, ...).")] = 1,
    fmt: ExperimentFormat = "auto",
    plot: Annotated[Optional[Path], typer.Option(help="Also draw accuracy against distance to this PNG.")] = None,
) -> None:
    """Train a vanilla RNN, an LSTM and a GRU of the same size to remember the first symbol of a
    sequence across N distractors, for several N; print test accuracy and each trained network's
    gradient decay per step (Bengio et al. 1994; Hochreiter & Schmidhuber 1997).

    Examples: rnncli experiment memory; rnncli experiment memory --distances 10,50 --seeds 3;
    rnncli experiment memory -f json > memory.json
    """
    run_experiment("memory", fmt, plot, cells=name_list(cells), distances=int_list(distances, "--distances", 1000),
                   steps=steps, hidden=hidden, seed=seed, seeds=seeds)


@experiment_app.command("tanh")
def experiment_tanh(
    depths: Annotated[str, typer.Option(help="Numbers of stacked RNN layers, comma-separated.")] = "1,3",
    task: Annotated[str, typer.Option(help="parity: of all bits; xor: of the first and last bit.")] = "parity",
    length: Annotated[int, typer.Option(min=2, max=64, help="Bits per sequence.")] = 3,
    steps: Annotated[int, typer.Option(min=1, max=100_000, help="Training steps per network.")] = 500,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Random seed.")] = 0,
    fmt: ExperimentFormat = "auto",
) -> None:
    """Why tanh: vanilla RNNs of 1 and 3 layers with the linear activation and with tanh, trained on
    a task no linear map can do. The linear stacks stay at chance at every depth (the trained network
    is checked to be one affine map of its input: stacked linear maps collapse into one); tanh learns.

    Examples: rnncli experiment tanh; rnncli experiment tanh --task parity --depths 1,2,3
    """
    run_experiment("tanh", fmt, None, depths=int_list(depths, "--depths", 8), task=task, length=length, steps=steps,
                   seed=seed)


def run_experiment(name: str, fmt: Enum, plot: Optional[Path], **options) -> None:
    """Run one experiment with a progress bar on stderr, then render its result."""
    import json

    from rnncli import render

    fmt = output_format(fmt, "json")
    require("torch", "train")
    if plot is not None:
        from rnncli.files import check_outputs
        from rnncli.plot import pyplot

        check_outputs([("--plot", plot)], [])
        pyplot()  # fail before the work, not after
    from rnncli import experiments

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
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
    else:
        sys.stdout.write(tsv(result))
    if plot is not None:
        from rnncli.plot import plot_memory

        plot_memory(plot, result)


def main() -> None:
    app()
