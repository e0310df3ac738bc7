"""The `rnncli` command: the Typer apps, the root group with the one way every command ends
(an `rnncli: error: ...` line and a named exit code, never a traceback), --version, and the
commands, assembled from one module per command (tag.py, sentiment.py, ...).

Only the modules of rnncli.cli import typer. Heavy modules (the models, torch, the views and
rich's tables) are imported inside the commands that need them, so `rnncli tag` starts fast.
"""

from __future__ import annotations

import os
import sys

# numpy's BLAS threads only slow the many small per-step matrix products of a recurrent
# network (and fight each other on a busy machine); set OPENBLAS_NUM_THREADS to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from rnncli.infer import parallel  # noqa: E402

parallel.measure_from_now()  # --jobs auto counts the cores left idle from here, the command's start (before typer: 0.1 s)

import typer  # noqa: E402
import typer.core  # noqa: E402

try:  # typer carries its own copy of click since 0.26
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors

from rnncli import __version__  # noqa: E402
from rnncli.cli import ctrl_c_behind  # noqa: E402
from rnncli.cli import eval as evaluate  # noqa: E402
from rnncli.cli import experiment, explain, lm, models, sentiment, tag, train  # noqa: E402
from rnncli.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, RnnCliError  # noqa: E402


def report_error(message: str) -> None:
    from rnncli.cli.views.console import print_error

    print_error(message)


def _debugging() -> bool:
    return bool(os.environ.get("RNNCLI_DEBUG"))


class RnnCliGroup(typer.core.TyperGroup):
    """The root command, with one way of ending for every command: `rnncli: error: ...` on
    stderr and a named exit code (errors.py), a `--help` hint after usage errors, a quiet
    exit 0 when the reader of stdout goes away, and never a traceback (RNNCLI_DEBUG=1 shows
    one for unexpected errors)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from rnncli.cli.streams import ReaderGone, guard_streams, silence_stdout, write_stderr

        guard_streams()
        try:
            code = super().main(args, prog_name or "rnncli", complete_var, standalone_mode=False, **extra)
            code = code if isinstance(code, int) else EXIT_OK
            if code == EXIT_INTERRUPTED:  # Ctrl-C, which typer turns into a return value
                _say_interrupted()
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
        except ReaderGone:  # `| head -1`: stop quietly
            code = EXIT_OK
        except (Exception, KeyboardInterrupt) as exc:
            code = _unexpected(exc)
        if not _stdout_alive():
            silence_stdout()
        _ctrl_c_as_before()
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


def _unexpected(exc: BaseException) -> int:
    """Ctrl-C (Typer's Abort, or a RuntimeError caused by one: see ctrl_c_behind), or a bug:
    say which in one line (RNNCLI_DEBUG=1 shows where a bug is); the exit code."""
    if isinstance(exc, typer.Abort) or ctrl_c_behind(exc):
        _say_interrupted()
        return EXIT_INTERRUPTED
    if _debugging():
        raise exc
    report_error(f"internal error: {type(exc).__name__}: {exc} (set RNNCLI_DEBUG=1 for the traceback)")
    return EXIT_ERROR


_ctrl_c_handlers: list = []  # the Ctrl-C handler _say_interrupted put aside, for _ctrl_c_as_before


def _say_interrupted() -> None:
    """Say "interrupted" once: the run ends with EXIT_INTERRUPTED, so a second Ctrl-C while it
    ends (workers finishing their batches) is ignored, not said again. (rnncli/__main__.py keeps
    ignoring it to the end of the process.)"""
    import signal

    try:
        _ctrl_c_handlers.append(signal.signal(signal.SIGINT, signal.SIG_IGN))
    except ValueError:  # not the main thread, where Python cannot change signal handlers
        pass
    report_error("interrupted")


def _ctrl_c_as_before() -> None:
    """Ctrl-C handled as before _say_interrupted, for a caller that goes on in the same process (tests)."""
    import signal

    while _ctrl_c_handlers:
        signal.signal(signal.SIGINT, _ctrl_c_handlers.pop())


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

    memory and tanh train small networks from scratch in about a minute (need torch);
    clue reads the bundled language models.

    \b
    Examples:
      rnncli experiment memory
      rnncli experiment tanh
      rnncli experiment clue
    """, **HELP)
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")
app.add_typer(experiment_app, name="experiment")


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
    memory and tanh experiments need torch (pip install 'rnncli[train]'). Each command has its own --help.

    \b
    Examples:
      rnncli tag "Time flies like an arrow."
      echo "What a great film" | rnncli sentiment
      rnncli explain-gradients --task tagger "I study at night"
    """


app.command("tag")(tag.tag)
app.command("sentiment")(sentiment.sentiment)
app.command("explain-gradients")(explain.explain_gradients)
app.command("next")(lm.next_word)
app.command("generate")(lm.generate)
app.command("models")(models.models)
app.command("info")(models.info)
train_app.command("tagger")(train.train_tagger)
train_app.command("sentiment")(train.train_sentiment)
train_app.command("tokenizer")(train.train_tokenizer)
train_app.command("lm")(train.train_lm)
eval_app.command("sentiment")(evaluate.eval_sentiment)
eval_app.command("tagger")(evaluate.eval_tagger)
eval_app.command("tokenizer")(evaluate.eval_tokenizer)
eval_app.command("lm")(lm.eval_lm)
experiment_app.command("memory")(experiment.experiment_memory)
experiment_app.command("tanh")(experiment.experiment_tanh)
experiment_app.command("clue")(experiment.experiment_clue)


def main() -> None:
    app()
