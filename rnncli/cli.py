"""The command-line interface: parse options, call one library function, render.

This is the only module that imports typer. Heavy modules (torch, the model code) are
imported inside the commands that need them, so `rnncli tag` starts fast.
"""

from __future__ import annotations

import math
import os
import shlex
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Optional

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
from rnncli.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, RnnCliError  # noqa: E402


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
            report_error(exc.message)
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
train_app = typer.Typer(help="Train your own tagger from standard files.", no_args_is_help=True)
eval_app = typer.Typer(help="Score a model on gold-labelled data.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")


class Cell(str, Enum):
    lstm = "lstm"
    gru = "gru"
    rnn = "rnn"


class Activation(str, Enum):
    tanh = "tanh"
    relu = "relu"
    linear = "linear"


class InputFormat(str, Enum):
    text = "text"
    lines = "lines"
    tokens = "tokens"
    conllu = "conllu"


class TagFormat(str, Enum):
    auto = "auto"
    table = "table"
    tsv = "tsv"
    conllu = "conllu"
    jsonl = "jsonl"
    tags = "tags"


class SentimentFormat(str, Enum):
    auto = "auto"
    table = "table"
    tsv = "tsv"
    jsonl = "jsonl"


class SentimentInput(str, Enum):
    lines = "lines"
    text = "text"
    tokens = "tokens"


class Pooling(str, Enum):
    max = "max"
    mean = "mean"
    final = "final"
    attention = "attention"


class ExplainTask(str, Enum):
    sentiment = "sentiment"
    tagger = "tagger"


class ExplainFormat(str, Enum):
    auto = "auto"
    table = "table"
    json = "json"
    tsv = "tsv"


class Tagset(str, Enum):
    upos = "upos"
    ptb = "ptb"


class Dtype(str, Enum):
    float16 = "float16"
    float32 = "float32"


MAX_SEED = 2**32 - 1  # what numpy and torch seeds can hold
MAX_THREADS = 256
MAX_LR = 10.0
MAX_RADIUS = 100.0
MAX_FORGET_BIAS = 50.0
THREADS_HELP = ("Torch CPU threads. 1 gives the same model for the same seed and data on any machine; more threads "
                "train faster (about 15% with 2), but the weights then depend on the thread count and can differ "
                "from run to run.")


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


def command_line(ctx: typer.Context, *words: str) -> str:
    """The command with every option spelled out, defaults included: what a model file records."""
    parts = ["rnncli", *words]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or not param.opts:
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


def run_training(ctx: typer.Context, task: str, inputs: list[tuple[str, object]], out: Path, resume: Optional[Path],
                 plot: Optional[Path], metrics_log: Optional[Path], title: str, train, **option_values) -> None:
    """What both train commands share: output checks before any work, the checkpoint at
    OUT.ckpt, the recorded command, the progress display, the metrics log, Ctrl-C, learning
    curves. `inputs`: (option, path) of every data file. `train(options, command, callbacks)`
    runs the task's training function."""
    from rnncli.files import check_outputs
    from rnncli.render import TrainingProgress
    from rnncli.training import CallbackList, MetricsLog, TrainOptions

    checkpoint = Path(f"{out}.ckpt")
    if resume is not None and resume.is_dir():
        raise RnnCliError(f"--resume {resume}: is a folder; give the OUT.ckpt file of the interrupted run", EXIT_USAGE)
    if resume is not None and not resume.is_file():
        raise RnnCliError(f"{resume}: no such checkpoint", EXIT_USAGE)
    outputs = [("--out", out), ("--metrics-log", metrics_log), ("--plot", plot)]
    check_outputs(outputs, inputs + [("--resume", resume)])
    check_outputs([("the checkpoint", checkpoint)], inputs + outputs)  # --resume may (should) be the checkpoint
    if plot is not None:
        from rnncli.plot import plot_history, pyplot

        pyplot()  # fail before training, not after
    options = TrainOptions(**option_values, checkpoint=str(checkpoint), resume=str(resume) if resume else None)
    command = command_line(ctx, "train", task)
    with interruptible(command, options), TrainingProgress() as progress:
        result = train(options, command, CallbackList(progress, MetricsLog(metrics_log) if metrics_log else None))
    if plot is not None and result.get("history"):  # rank 0 only under torchrun
        plot_history(plot, result["history"], f"{out.stem}: {title}")


@contextmanager
def interruptible(command: str, options):
    """Ctrl-C keeps the last good checkpoint and says how to continue; success removes it."""
    try:
        yield
    except KeyboardInterrupt:
        ckpt = Path(options.checkpoint)
        if ckpt.is_file():
            again = command if " --resume " in command else f"{command} --resume {shlex.quote(str(ckpt))}"
            raise RnnCliError(f"interrupted; the last finished epoch is kept in {ckpt}; continue with: {again}",
                              EXIT_INTERRUPTED) from None
        raise RnnCliError("interrupted before the first epoch ended; nothing to resume", EXIT_INTERRUPTED) from None
    Path(options.checkpoint).unlink(missing_ok=True)


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


@app.command("tag")
def tag(
    text: Optional[list[str]] = typer.Argument(None, show_default=False,
                                               help="Text to tag; `-` or nothing reads stdin when it is piped."),
    input_path: Optional[Path] = typer.Option(None, "--input", "-i", help="Read text from this file (`-`: stdin)."),
    input_format: InputFormat = typer.Option(InputFormat.text, "--input-format", "-I",
                                             help="text: running text; lines: one sentence per line; tokens: "
                                                  "whitespace-separated tokens, one sentence per line; conllu."),
    output_format: TagFormat = typer.Option(TagFormat.auto, "--format", "-f",
                                            help="auto: a table on a terminal, tsv otherwise."),
    tagset: Optional[Tagset] = typer.Option(None, "--tagset", "-t", show_default=False,
                                            help="Universal POS tags or Penn Treebank tags [default: upos if the model has it]."),
    model: str = typer.Option("lstm", "--model", "-m", help="lstm, rnn (bundled) or the path of a model file."),
    top: Optional[int] = typer.Option(None, "--top", "-k", min=1, show_default=False,
                                      help="Candidates per token [default: 3 for table and jsonl, 1 otherwise]."),
    threshold: Optional[float] = typer.Option(None, "--threshold", "-p", min=0.0, max=1.0, show_default=False, callback=finite,
                                              help="Also show every tag with probability >= P x the best tag's."),
) -> None:
    """Part-of-speech tags, with each token's probability over tags.

    Formats: tsv (token, tag, prob[, tag, prob ...]; a blank line after each sentence),
    tags (word/TAG, one sentence per line), jsonl (one object per sentence), conllu (input
    columns kept, UPOS and XPOS filled), table (for people).
    """
    from rnncli.render import print_warning

    from rnncli.checkpoint import load_model, resolve_model
    from rnncli.inputs import open_input
    from rnncli.tagger import TAGSET_HEADS, tag_lines

    fmt = output_format.value
    if fmt == "auto":
        fmt = "table" if sys.stdout.isatty() else "tsv"
    k = top if top is not None else (3 if fmt in ("table", "jsonl") else 1)
    refuse_input_as_output(text, input_path)
    source = open_input(text, input_path, print_warning)
    tagger = load_model(resolve_model(model, "tagger"), task="tagger")
    name = tagset.value if tagset else ("upos" if "upos" in tagger.labels else "ptb")
    head = TAGSET_HEADS[name]
    if head not in tagger.labels:
        raise RnnCliError(f"{tagger.path}: this model has no {name} tags", EXIT_USAGE)
    results = tag_lines(tagger, source.lines, input_format.value, source.source,
                        per_line=source.interactive, input_waiting=source.input_waiting)
    render_tags(results, fmt, name, tagger.labels[head], head, k, threshold)


def render_tags(results, fmt: str, tagset: str, labels: list[str], head: str, top: int,
                threshold: Optional[float]) -> None:
    from rnncli import render

    console = render.stdout_console() if fmt == "table" else None
    out = sys.stdout
    for result in results:
        candidates = result.candidates(labels, head, top, threshold)
        if fmt == "table":
            render.tagged_table(console, result.sentence.text, result.words, candidates, tagset)
        elif fmt == "tsv":
            out.write(render.tagged_tsv(result.words, candidates))
        elif fmt == "tags":
            out.write(render.tagged_tags(result.words, candidates))
        elif fmt == "jsonl":
            out.write(render.tagged_json(result.sentence.text, result.words, candidates, tagset,
                                          result.sentence.comment("sent_id")))
        else:
            out.write(result.sentence.to_conllu())
        out.flush()


@app.command("sentiment")
def sentiment(
    text: Optional[list[str]] = typer.Argument(None, show_default=False,
                                               help="Text to classify; `-` or nothing reads stdin when it is piped."),
    input_path: Optional[Path] = typer.Option(None, "--input", "-i", help="Read texts from this file (`-`: stdin)."),
    input_format: SentimentInput = typer.Option(SentimentInput.lines, "--input-format", "-I",
                                                help="lines: one text per line; text: running text, one answer per "
                                                     "sentence; tokens: whitespace-separated tokens per line."),
    output_format: SentimentFormat = typer.Option(SentimentFormat.auto, "--format", "-f",
                                                  help="auto: a table on a terminal, tsv otherwise."),
    model: str = typer.Option("lstm", "--model", "-m", help="lstm, rnn (bundled) or the path of a model file."),
) -> None:
    """Sentence sentiment (many-to-one): a label and its probability for each text.

    Formats: tsv (label, prob, text), jsonl ({"text", "label", "prob", "probs"}), table (for people).
    """
    from rnncli.render import print_warning

    from rnncli import render
    from rnncli.checkpoint import load_model, resolve_model
    from rnncli.inputs import open_input
    from rnncli.sentiment import classify_lines

    fmt = output_format.value
    if fmt == "auto":
        fmt = "table" if sys.stdout.isatty() else "tsv"
    refuse_input_as_output(text, input_path)
    source = open_input(text, input_path, print_warning)
    classifier = load_model(resolve_model(model, "sentiment"), task="sentiment")
    results = classify_lines(classifier, source.lines, input_format.value, source.source,
                             input_waiting=source.input_waiting)
    console = render.stdout_console() if fmt == "table" else None
    for result in results:
        if fmt == "table":
            render.sentiment_row(console, result.text, result.label, result.probs)
        elif fmt == "tsv":
            sys.stdout.write(render.sentiment_tsv(result.text, result.label, result.probs))
        else:
            sys.stdout.write(render.sentiment_json(result.text, result.label, result.probs))
        sys.stdout.flush()


@app.command("explain-gradients")
def explain_gradients(
    text: Optional[list[str]] = typer.Argument(None, show_default=False,
                                               help="Text to explain [default: a long-dependency sentence]."),
    task: ExplainTask = typer.Option(ExplainTask.sentiment, "--task", help="sentiment: the label; tagger: the last token's tag."),
    model: list[str] = typer.Option([], "--model", "-m", show_default=False,
                                    help="Model to explain (name or file; repeat to compare) [default: rnn and lstm]."),
    saliency: bool = typer.Option(False, "--saliency", help="Add gradient x input per token: which words drove the prediction."),
    synthetic: bool = typer.Option(False, "--synthetic", help="Random weights instead of a trained model."),
    length: int = typer.Option(50, min=2, max=10_000, help="Synthetic: sequence length T."),
    cells: str = typer.Option("rnn,lstm", "--cell", help="Synthetic: cells to compare, comma-separated (rnn, lstm, gru)."),
    radius: float = typer.Option(1.0, min=0.0, max=MAX_RADIUS, callback=finite, help="Synthetic: spectral radius of the recurrent matrix (<1 vanishes, >1 explodes)."),
    activation: Activation = typer.Option(Activation.tanh, help="Synthetic: the rnn cell's nonlinearity (linear: compare with W_hh^k)."),
    seed: int = typer.Option(0, min=0, max=MAX_SEED, help="Synthetic: random seed."),
    hidden: int = typer.Option(32, min=1, max=1024, help="Synthetic: state size."),
    forget_bias: float = typer.Option(3.0, min=-MAX_FORGET_BIAS, max=MAX_FORGET_BIAS, callback=finite, help="Synthetic: LSTM forget-gate bias (3: the gate is ~0.95 open)."),
    clip: Optional[float] = typer.Option(None, min=0.0, callback=positive, help="Synthetic: show gradient-norm clipping at this threshold."),
    output_format: ExplainFormat = typer.Option(ExplainFormat.auto, "--format", "-f", help="auto: a table on a terminal, json otherwise."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Also draw norm against distance (log scale) to this PNG (needs matplotlib)."),
) -> None:
    """Show how the gradient reaching earlier tokens vanishes in a vanilla RNN (or explodes), and how an LSTM keeps it."""
    import json

    from rnncli import render

    fmt = output_format.value
    if fmt == "auto":
        fmt = "table" if sys.stdout.isatty() else "json"
    require("torch", "train")
    specs = model or ["rnn", "lstm"]
    if plot is not None:
        from rnncli.files import check_outputs
        from rnncli.plot import pyplot

        check_outputs([("--plot", plot)], [("--model", spec) for spec in specs if Path(spec).exists()])
        pyplot()  # fail before the work, not after
    from rnncli import gradients

    if synthetic:
        names = [c.strip() for c in cells.split(",") if c.strip()]
        bad = [c for c in names if c not in ("rnn", "lstm", "gru")]
        if bad or not names:
            raise RnnCliError(f"--cell: unknown cell {bad[0] if bad else cells!r}; use rnn, lstm, gru", EXIT_USAGE)
        results = [gradients.synthetic(c, length, radius, activation.value, hidden, seed, clip,
                                       forget_bias=forget_bias) for c in names]
        series = {r.cell: r.grad_norms for r in results}
        if fmt == "table":
            render.synthetic_table(render.stdout_console(), results)
        elif fmt == "json":
            sys.stdout.write(json.dumps({"synthetic": True, "length": length, "radius": radius, "seed": seed,
                                         "models": {r.cell: r.to_dict() for r in results}}) + "\n")
        else:
            sys.stdout.write(render.synthetic_tsv(results))
    else:
        from rnncli.checkpoint import load_model, resolve_model
        from rnncli.text import clean, tokenize

        raw = " ".join(text) if text else gradients.DEFAULT_TEXT
        if len(raw) > 20 * gradients.MAX_TOKENS:
            raise RnnCliError(f"explain-gradients reads at most {gradients.MAX_TOKENS:,} tokens; give a shorter text",
                              EXIT_USAGE)
        tokens = tokenize(" ".join(clean(raw).split()))[0]
        if not tokens:
            raise RnnCliError("the text is empty; give some words to explain", EXIT_USAGE)
        if len(tokens) > gradients.MAX_TOKENS:
            raise RnnCliError(f"explain-gradients reads at most {gradients.MAX_TOKENS:,} tokens (this text has "
                              f"{len(tokens):,}); give a shorter text", EXIT_USAGE)
        explanations = [gradients.explain(load_model(resolve_model(spec, task.value), task=task.value), tokens, saliency)
                        for spec in specs]
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
    files: Optional[list[Path]] = typer.Argument(None, readable=False, help="Model files to list as well as the bundled ones."),
    as_json: bool = typer.Option(False, "--json", help="Print the descriptions as JSON."),
) -> None:
    """List the bundled models (and any given model files) with what they are and how they score."""
    from rnncli import render
    from rnncli.checkpoint import bundled_models, describe

    described = [describe(p) for p in bundled_models() + list(files or [])]
    if as_json:
        import json

        sys.stdout.write(json.dumps(described, indent=2) + "\n")
    else:
        render.models_table(render.stdout_console(), described)


@app.command("info")
def info(
    model: str = typer.Argument(..., help="A bundled model (tagger-lstm, sentiment-rnn, ...) or a model file."),
    as_json: bool = typer.Option(False, "--json", help="Print the description as JSON."),
) -> None:
    """Everything a model file says about itself: architecture, recurrence, training command, data, scores."""
    from rnncli import render
    from rnncli.checkpoint import describe, resolve_model

    described = describe(resolve_model(model))
    if as_json:
        import json

        sys.stdout.write(json.dumps(described, indent=2) + "\n")
    else:
        render.model_info(render.stdout_console(), described)


@train_app.command("tagger")
def train_tagger(
    ctx: typer.Context,
    train: Path = typer.Option(..., "--train", help="Training data: CoNLL-U (UPOS and XPOS), token<TAB>tag lines, "
                                                    "word/TAG lines, or nltk:treebank / nltk:conll2000[:FILE]."),
    dev: Path = typer.Option(..., "--dev", help="Dev data, same formats: picks the best epoch."),
    out: Path = typer.Option(..., "--out", "-o", help="Model file to write (.safetensors)."),
    test: Optional[Path] = typer.Option(None, "--test", help="Test data, same formats: scored once at the end, never used for choices."),
    cell: Cell = typer.Option(Cell.lstm, help="Recurrent cell."),
    activation: Activation = typer.Option(Activation.tanh, help="Nonlinearity of the vanilla rnn cell."),
    layers: int = typer.Option(2, min=1, max=8, help="Recurrent layers."),
    hidden: int = typer.Option(200, min=1, help="Recurrent state size per direction."),
    embedding_dim: int = typer.Option(100, min=1, help="Word embedding size."),
    char: bool = typer.Option(True, "--char/--no-char", help="Character-level recurrent features per word."),
    char_hidden: int = typer.Option(64, min=1, help="Character recurrent state size per direction."),
    bidirectional: bool = typer.Option(True, "--bidirectional/--no-bidirectional", help="Read sentences both ways."),
    dropout: float = typer.Option(0.33, min=0.0, max=0.9, callback=finite, help="Dropout on embeddings, between layers, before the heads."),
    word_dropout: float = typer.Option(0.1, min=0.0, max=0.9, callback=finite, help="Probability of replacing a word by <unk> in training."),
    epochs: int = typer.Option(30, min=1, help="Passes over the training data."),
    batch_size: int = typer.Option(32, min=1, help="Sentences per step."),
    lr: float = typer.Option(2e-3, min=0.0, max=MAX_LR, callback=positive, help="Peak Adam learning rate (cosine decay)."),
    min_word_count: int = typer.Option(2, min=1, help="Words seen fewer times get no embedding of their own."),
    seed: int = typer.Option(1, min=0, max=MAX_SEED, help="Random seed: same seed and data, same model file."),
    dtype: Dtype = typer.Option(Dtype.float16, help="Storage type of the saved weights."),
    patience: Optional[int] = typer.Option(None, min=1, help="Stop after this many epochs without a better dev score."),
    max_time: Optional[float] = typer.Option(None, min=0.0, callback=finite, help="Stop after the epoch that passes this many seconds."),
    threads: int = typer.Option(1, min=1, max=MAX_THREADS, help=THREADS_HELP),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue an interrupted run from its checkpoint (OUT.ckpt)."),
    metrics_log: Optional[Path] = typer.Option(None, "--metrics-log", help="Append one JSON line per epoch to this file."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw learning curves (loss, dev accuracy) to this PNG (needs matplotlib)."),
) -> None:
    """Train a POS tagger (UPOS and PTB heads) on CoNLL-U files."""
    require("torch", "train")
    from rnncli.config import ModelConfig
    from rnncli.render import print_warning
    from rnncli.training import train_tagger as run

    config = ModelConfig(cell=cell.value, activation=activation.value, layers=layers, hidden=hidden,
                         embedding_dim=embedding_dim, char=char, char_hidden=char_hidden,
                         bidirectional=bidirectional, dropout=dropout, word_dropout=word_dropout)
    run_training(ctx, "tagger", [("--train", train), ("--dev", dev), ("--test", test)], out, resume, plot, metrics_log, f"tagger, {cell.value}",
                 lambda options, command, callbacks: run(
                     str(train), str(dev), str(out), config, options, test_path=str(test) if test else None,
                     command=command, callbacks=callbacks, warn=print_warning),
                 epochs=epochs, batch_size=batch_size, lr=lr, min_word_count=min_word_count, seed=seed,
                 dtype=dtype.value, patience=patience, max_time=max_time, threads=threads)


@train_app.command("sentiment")
def train_sentiment(
    ctx: typer.Context,
    train: list[Path] = typer.Option(..., "--train", help="Training data: label<TAB>text TSV, or nltk:movie_reviews[:train|dev|test] "
                                                          "(repeat to join)."),
    dev: Path = typer.Option(..., "--dev", help="Dev data, TSV: picks the best epoch."),
    out: Path = typer.Option(..., "--out", "-o", help="Model file to write (.safetensors)."),
    test: Optional[Path] = typer.Option(None, "--test", help="Test data, TSV: scored once at the end, never used for choices."),
    label_names: Optional[str] = typer.Option(None, help="Names of integer labels 0,1,...: e.g. negative,positive "
                                                         "[default for 0/1 labels: negative,positive]."),
    embeddings_from: list[str] = typer.Option([], "--embeddings-from", help="Pretrain word vectors (PPMI + SVD) on "
                                              "unlabelled text: a text file, or nltk:movie_reviews with NLTK_DATA set. Repeatable."),
    cell: Cell = typer.Option(Cell.lstm, help="Recurrent cell."),
    activation: Activation = typer.Option(Activation.tanh, help="Nonlinearity of the vanilla rnn cell."),
    pooling: Pooling = typer.Option(Pooling.max, help="How the states over time become one vector."),
    layers: int = typer.Option(1, min=1, max=8, help="Recurrent layers."),
    hidden: int = typer.Option(150, min=1, help="Recurrent state size per direction."),
    embedding_dim: int = typer.Option(100, min=1, help="Word embedding size."),
    char: bool = typer.Option(False, "--char/--no-char", help="Character-level recurrent features per word."),
    char_hidden: int = typer.Option(32, min=1, help="Character recurrent state size per direction."),
    bidirectional: bool = typer.Option(True, "--bidirectional/--no-bidirectional", help="Read texts both ways."),
    dropout: float = typer.Option(0.5, min=0.0, max=0.9, callback=finite, help="Dropout on embeddings, between layers, before the head."),
    word_dropout: float = typer.Option(0.1, min=0.0, max=0.9, callback=finite, help="Probability of replacing a word by <unk> in training."),
    epochs: int = typer.Option(10, min=1, help="Passes over the training data."),
    batch_size: int = typer.Option(64, min=1, help="Texts per step."),
    lr: float = typer.Option(2e-3, min=0.0, max=MAX_LR, callback=positive, help="Peak Adam learning rate (cosine decay)."),
    min_word_count: int = typer.Option(1, min=1, help="Words seen fewer times get no embedding of their own."),
    seed: int = typer.Option(1, min=0, max=MAX_SEED, help="Random seed: same seed and data, same model file."),
    dtype: Dtype = typer.Option(Dtype.float16, help="Storage type of the saved weights."),
    patience: Optional[int] = typer.Option(None, min=1, help="Stop after this many epochs without a better dev score."),
    max_time: Optional[float] = typer.Option(None, min=0.0, callback=finite, help="Stop after the epoch that passes this many seconds."),
    threads: int = typer.Option(1, min=1, max=MAX_THREADS, help=THREADS_HELP),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue an interrupted run from its checkpoint (OUT.ckpt)."),
    metrics_log: Optional[Path] = typer.Option(None, "--metrics-log", help="Append one JSON line per epoch to this file."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw learning curves (loss, dev accuracy) to this PNG (needs matplotlib)."),
) -> None:
    """Train a sentiment classifier (many-to-one) on label/text TSV files."""
    require("torch", "train")
    if embeddings_from:
        require("scipy", "train")
    from rnncli.config import ModelConfig
    from rnncli.training import train_sentiment as run

    names = split_label_names(label_names)
    embeddings = None
    if embeddings_from:
        from rnncli.embeddings import PpmiEmbeddings

        embeddings = PpmiEmbeddings(embeddings_from)
    config = ModelConfig(task="sentiment", cell=cell.value, activation=activation.value, pooling=pooling.value,
                         layers=layers, hidden=hidden, embedding_dim=embedding_dim, char=char,
                         char_hidden=char_hidden, bidirectional=bidirectional, dropout=dropout,
                         word_dropout=word_dropout)
    run_training(ctx, "sentiment", [("--train", p) for p in train] + [("--dev", dev), ("--test", test)]
                 + [("--embeddings-from", e) for e in embeddings_from], out, resume, plot, metrics_log, f"sentiment, {cell.value}",
                 lambda options, command, callbacks: run(
                     [str(p) for p in train], str(dev), str(out), config, options,
                     test_path=str(test) if test else None, label_names=names, command=command,
                     embeddings=embeddings, callbacks=callbacks),
                 epochs=epochs, batch_size=batch_size, lr=lr, min_word_count=min_word_count, seed=seed,
                 dtype=dtype.value, patience=patience, max_time=max_time, threads=threads)


def write_report(reports: list[dict], data: Path, as_json: bool, report_path: Optional[Path]) -> bool:
    """--json prints and --report writes (atomically) the reports: one object for one model,
    {"data", "models": [...]} for several. Returns whether the table should still be drawn."""
    import json

    document = {**reports[0]} if len(reports) == 1 else {"data": str(data), "models": reports}
    text = json.dumps(document, indent=2) + "\n"
    if report_path is not None:
        from rnncli.files import write_atomic

        write_atomic(report_path, text.encode("utf-8"))
    if as_json:
        sys.stdout.write(text)
    return not as_json


def check_report(report_path: Optional[Path], data: Path, models: list[str]) -> None:
    """Before any scoring: the report can be written and is neither the data nor a model file."""
    from rnncli.files import check_outputs

    check_outputs([("--report", report_path)], [("--data", data)] + [("--model", m) for m in models if Path(m).exists()])


MODELS_HELP = "lstm, rnn (bundled) or the path of a model file; repeat to compare models on the same data."


@eval_app.command("sentiment")
def eval_sentiment(
    model: list[str] = typer.Option(["lstm"], "--model", "-m", help=MODELS_HELP),
    data: Path = typer.Option(..., "--data", "-d", help="Gold label<TAB>text TSV file."),
    label_names: Optional[str] = typer.Option(None, help="Names of integer labels 0,1,... [default for 0/1: negative,positive]."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    report_path: Optional[Path] = typer.Option(None, "--report", help="Also write the full report to this JSON file."),
) -> None:
    """Accuracy, per-label precision/recall/F1 and the confusion matrix."""
    from rnncli import render
    from rnncli.checkpoint import load_model, resolve_model
    from rnncli.data import read_labelled
    from rnncli.evaluate import evaluate_sentiment

    check_report(report_path, data, model)
    classifiers = [load_model(resolve_model(m, "sentiment"), task="sentiment") for m in model]
    names = split_label_names(label_names)
    examples = read_labelled(data, names)
    reports = [evaluate_sentiment(c, examples) for c in classifiers]
    documents = [{"model": str(c.path), "data": str(data), **r.to_dict()} for c, r in zip(classifiers, reports)]
    if write_report(documents, data, as_json, report_path):
        console = render.stdout_console()
        if len(reports) == 1:
            render.sentiment_report(console, reports[0], classifiers[0].name, str(data))
        else:
            rows = {"accuracy": [r.report.accuracy for r in reports]}
            for label in reports[0].labels:
                rows[f"{label} F1"] = [r.report.per_tag.get(label, {}).get("f1", 0.0) for r in reports]
            render.compare_table(console, [c.name for c in classifiers], rows, str(data))


@eval_app.command("tagger")
def eval_tagger(
    model: list[str] = typer.Option(["lstm"], "--model", "-m", help=MODELS_HELP),
    data: Path = typer.Option(..., "--data", "-d", help="Gold tagged data (CoNLL-U, token<TAB>tag, word/TAG or nltk:NAME); its tokenization is used."),
    tagset: Tagset = typer.Option(Tagset.upos, "--tagset", "-t", help="Tag set of the per-tag table."),
    confusions: int = typer.Option(10, min=0, help="How many of the most frequent confusions to list."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    report_path: Optional[Path] = typer.Option(None, "--report", help="Also write the full report to this JSON file."),
) -> None:
    """UPOS and PTB accuracy, per-tag precision/recall/F1 and the most frequent confusions."""
    from rnncli import render
    from rnncli.checkpoint import load_model, resolve_model
    from rnncli.data import read_tagged
    from rnncli.evaluate import evaluate_tagger

    check_report(report_path, data, model)
    taggers = [load_model(resolve_model(m, "tagger"), task="tagger") for m in model]
    sentences = read_tagged(data)
    reports = [evaluate_tagger(t, sentences, confusions) for t in taggers]
    documents = [{"model": str(t.path), "data": str(data), **r.to_dict()} for t, r in zip(taggers, reports)]
    if write_report(documents, data, as_json, report_path):
        head = {"upos": "upos", "ptb": "xpos"}[tagset.value]
        console = render.stdout_console()
        if len(reports) == 1:
            render.tagger_report(console, reports[0], taggers[0].name, str(data), head)
        else:
            rows = {f"{render.TAGSET_NAMES[name]} accuracy": [r.tagsets[name].accuracy if name in r.tagsets else 0.0
                                                               for r in reports]
                    for name in ("upos", "xpos") if any(name in r.tagsets for r in reports)}
            tags = sorted({t for r in reports if head in r.tagsets for t in r.tagsets[head].per_tag})
            for tag in tags:
                rows[f"{tag} F1"] = [r.tagsets[head].per_tag.get(tag, {}).get("f1", 0.0) if head in r.tagsets else 0.0
                                     for r in reports]
            render.compare_table(console, [t.name for t in taggers], rows, str(data))


def main() -> None:
    app()
