"""The command-line interface: parse options, call one library function, render.

This is the only module that imports typer. Heavy modules (torch, the model code) are
imported inside the commands that need them, so `rnncli tag` starts fast.
"""

from __future__ import annotations

import shlex
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from rnncli import __version__
from rnncli.errors import EXIT_INTERRUPTED, RnnCliError

app = typer.Typer(
    name="rnncli",
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


class Dtype(str, Enum):
    float16 = "float16"
    float32 = "float32"


def fail(message: str, code: int = 1) -> None:
    from rnncli.render import print_error

    print_error(message)
    raise typer.Exit(code)


@contextmanager
def user_errors():
    """Turn library errors into one line on stderr and a named exit code."""
    try:
        yield
    except RnnCliError as exc:
        fail(exc.message, exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)


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


@train_app.command("tagger")
def train_tagger(
    train: Path = typer.Option(..., "--train", help="Training data, CoNLL-U (UPOS in column 4, XPOS in column 5)."),
    dev: Path = typer.Option(..., "--dev", help="Dev data, CoNLL-U: picks the best epoch."),
    out: Path = typer.Option(..., "--out", "-o", help="Model file to write (.safetensors)."),
    test: Optional[Path] = typer.Option(None, "--test", help="Test data, CoNLL-U: scored once at the end, never used for choices."),
    cell: Cell = typer.Option(Cell.lstm, help="Recurrent cell."),
    activation: Activation = typer.Option(Activation.tanh, help="Nonlinearity of the vanilla rnn cell."),
    layers: int = typer.Option(2, min=1, max=8, help="Recurrent layers."),
    hidden: int = typer.Option(200, min=1, help="Recurrent state size per direction."),
    embedding_dim: int = typer.Option(100, min=1, help="Word embedding size."),
    char: bool = typer.Option(True, "--char/--no-char", help="Character-level recurrent features per word."),
    char_hidden: int = typer.Option(64, min=1, help="Character recurrent state size per direction."),
    bidirectional: bool = typer.Option(True, "--bidirectional/--no-bidirectional", help="Read sentences both ways."),
    dropout: float = typer.Option(0.33, min=0.0, max=0.9, help="Dropout on embeddings, between layers, before the heads."),
    word_dropout: float = typer.Option(0.1, min=0.0, max=0.9, help="Probability of replacing a word by <unk> in training."),
    epochs: int = typer.Option(30, min=1, help="Passes over the training data."),
    batch_size: int = typer.Option(32, min=1, help="Sentences per step."),
    lr: float = typer.Option(2e-3, min=0.0, help="Peak Adam learning rate (cosine decay)."),
    min_word_count: int = typer.Option(2, min=1, help="Words seen fewer times get no embedding of their own."),
    seed: int = typer.Option(1, help="Random seed: same seed and data, same model file."),
    dtype: Dtype = typer.Option(Dtype.float16, help="Storage type of the saved weights."),
    patience: Optional[int] = typer.Option(None, min=1, help="Stop after this many epochs without a better dev score."),
    max_time: Optional[float] = typer.Option(None, min=0.0, help="Stop after the epoch that passes this many seconds."),
    threads: Optional[int] = typer.Option(None, min=1, help="Torch CPU threads."),
) -> None:
    """Train a POS tagger (UPOS and PTB heads) on CoNLL-U files."""
    with user_errors():
        from rnncli.config import ModelConfig
        from rnncli.render import TrainingProgress
        from rnncli.training import TrainOptions, train_tagger as run

        config = ModelConfig(cell=cell.value, activation=activation.value, layers=layers, hidden=hidden,
                             embedding_dim=embedding_dim, char=char, char_hidden=char_hidden,
                             bidirectional=bidirectional, dropout=dropout, word_dropout=word_dropout)
        options = TrainOptions(epochs=epochs, batch_size=batch_size, lr=lr, min_word_count=min_word_count, seed=seed,
                               dtype=dtype.value, patience=patience, max_time=max_time, threads=threads)
        command = "rnncli " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        with TrainingProgress() as progress:
            run(str(train), str(dev), str(out), config, options, test_path=str(test) if test else None,
                command=command, callbacks=progress)


def main() -> None:
    app()
