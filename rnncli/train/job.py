"""What a training run is asked to do (`TrainJob`), what it reports back (`TrainResult`),
and each task's defaults, in one place. No torch here: the CLI reads the defaults at start-up.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Mapping, Set as AbstractSet
from dataclasses import asdict, dataclass, field, fields

from rnncli.checks import MAX_SEED, check_whole
from rnncli.model.config import ModelConfig, shown
from rnncli.errors import EXIT_USAGE, RnnCliError


MIN_PIECE = 20  # characters: the shortest training piece a tokenizer may be given


@dataclass(frozen=True)
class TrainJob:
    """One training run: data, architecture, optimisation and run control."""

    train: tuple[str, ...]  # training sources (files or nltk:NAME), joined
    dev: tuple[str, ...]  # dev sources, joined: pick the best epoch (several: a dev set across domains)
    out: str  # the model file to write; its checkpoint is OUT.ckpt
    test: str | None = None  # scored once at the end, never used for choices
    # architecture (see ModelConfig)
    cell: str = "lstm"
    activation: str = "tanh"
    layers: int = 2
    hidden: int = 200
    embedding_dim: int = 100
    char: bool = True
    char_dim: int = 32  # character embedding size
    char_hidden: int = 64
    bidirectional: bool = True
    dropout: float = 0.33
    word_dropout: float = 0.1
    pooling: str = "max"  # sentiment only
    upper_hidden: int = 0  # tokenizer only: a layer over the characters where a token can end (0: none)
    piece_chars: int | None = None  # tokenizer only: training text is cut at whitespace into pieces of at most
    # this many characters (each read from a zero state, as inference reads its windows); None for other tasks
    # optimisation
    epochs: int = 30
    min_steps: int = 0  # at least this many updates: epochs are raised to reach it (small data)
    batch_size: int = 32
    lr: float = 2e-3
    min_lr_ratio: float = 0.05  # the cosine schedule ends at lr * min_lr_ratio
    weight_decay: float = 0.0
    clip: float = 5.0  # gradient norm clipping
    seed: int = 1
    min_word_count: int = 2  # rarer words get no embedding of their own (char features still see them)
    dtype: str = "float16"  # storage type of the saved weights
    # run control
    patience: int | None = None  # stop after this many epochs without a better dev score
    max_time: float | None = None  # seconds; stop when they are up (the schedule anneals over them too)
    threads: int = 1  # 1: identical weights from the same seed and data, given the same library versions and
    # torch CPU capability (train/environment.py records both); otherwise the same scores, not the same bits
    device: str = "auto"  # auto: a CUDA GPU when torch sees one; cpu; cuda
    resume: str | None = None  # a checkpoint to continue from
    metrics_log: str | None = None  # one JSON line per epoch
    plot: str | None = None  # learning curves (PNG)
    command: str = ""  # the command line, recorded in the model file (portable: data/locations.py)
    here_command: str = ""  # the same with every path as given: what Ctrl-C says continues the run here
    task: str = ""  # the task whose defaults filled the job (for_task), checked by train()

    ARCHITECTURE = ("cell", "activation", "layers", "hidden", "embedding_dim", "char", "char_dim", "char_hidden",
                    "bidirectional", "dropout", "word_dropout", "upper_hidden")
    # What a checkpoint must agree on to be resumed (and what a model file records as its options).
    OPTIMISATION = ("epochs", "min_steps", "batch_size", "lr", "min_lr_ratio", "weight_decay", "clip", "seed",
                    "min_word_count", "dtype", "piece_chars")

    def __post_init__(self):
        """Types and ranges, so that a library caller gets a clear error, not one from torch."""
        for name in ("layers", "hidden", "embedding_dim", "char_dim", "char_hidden", "epochs", "batch_size",
                     "min_word_count", "threads"):
            object.__setattr__(self, name, check_whole(getattr(self, name), name, 1))  # numpy's ints as ints
        for name in ("min_steps", "upper_hidden"):
            object.__setattr__(self, name, check_whole(getattr(self, name), name, 0))
        if self.patience is not None:
            object.__setattr__(self, "patience", check_whole(self.patience, "patience", 1))
        if self.max_time is not None:
            object.__setattr__(self, "max_time", _seconds(self.max_time, "max_time"))
        if self.upper_hidden and self.task not in ("", "tokenizer"):
            raise RnnCliError(f"upper_hidden is for tokenizers, not a {self.task} model", EXIT_USAGE)
        if self.piece_chars is not None:
            if self.task not in ("", "tokenizer"):
                raise RnnCliError(f"piece_chars is for tokenizers, not a {self.task} model", EXIT_USAGE)
            object.__setattr__(self, "piece_chars", check_whole(self.piece_chars, "piece_chars", MIN_PIECE))
        for name, low, high, low_open in (("lr", 0.0, 10.0, True), ("clip", 0.0, math.inf, True),
                                          ("dropout", 0.0, 0.99, False), ("word_dropout", 0.0, 0.99, False),
                                          ("min_lr_ratio", 0.0, 1.0, False), ("weight_decay", 0.0, 1.0, False)):
            value = _as_float(getattr(self, name))
            if not math.isfinite(value) or not low <= value <= high or (low_open and value == low):
                raise RnnCliError(f"{name} must be a finite number {'above' if low_open else 'from'} {low:g}"
                                  + ((" and at most " if low_open else " to ") + f"{high:g}" if math.isfinite(high) else "")
                                  + f", not {shown(getattr(self, name), 40)}", EXIT_USAGE)
            if not isinstance(getattr(self, name), (int, float)):
                object.__setattr__(self, name, value)  # numpy's floats as floats (Python's numbers as given)
        object.__setattr__(self, "seed", check_whole(self.seed, "seed", 0, MAX_SEED))
        if self.device not in ("auto", "cpu", "cuda"):
            raise RnnCliError(f"device must be auto, cpu or cuda, not {self.device!r}", EXIT_USAGE)
        if self.dtype not in ("float16", "float32"):
            raise RnnCliError(f"dtype must be float16 or float32, not {self.dtype!r}", EXIT_USAGE)
        if not self.train:
            raise RnnCliError("give at least one training file", EXIT_USAGE)
        if not self.dev:
            raise RnnCliError("give at least one dev file", EXIT_USAGE)

    @property
    def checkpoint(self) -> str:
        return f"{self.out}.ckpt"

    @classmethod
    def for_task(cls, task: str, **values) -> "TrainJob":
        """A job with `task`'s defaults, overridden by `values` (unknown names are an error);
        `epochs` given without `min_steps` runs that many epochs (no minimum of updates)."""
        if task not in DEFAULTS:
            raise RnnCliError(f"unknown task {task!r}; use {', '.join(DEFAULTS)}", EXIT_USAGE)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError(f"unknown training options: {', '.join(unknown)}")
        if "epochs" in values and "min_steps" not in values:
            values["min_steps"] = 0  # epochs=N alone means N epochs, as --epochs N does
        values = {**DEFAULTS[task], **values, "task": task}
        for name in ("train", "dev", "out"):
            if name not in values:
                raise RnnCliError(f"give {name}= (the {'model file to write' if name == 'out' else 'data files'})",
                                  EXIT_USAGE)
        for name in ("train", "dev"):
            values[name] = _files(name, values[name])
        for name in ("out", "test", "resume", "metrics_log", "plot"):
            if values.get(name) is not None:
                if not isinstance(values[name], (str, os.PathLike)):
                    raise RnnCliError(f"{name} is the path of one file, not a {type(values[name]).__name__}",
                                      EXIT_USAGE)
                values[name] = str(values[name])
        return cls(**values)

    def config(self, task: str, words: int, chars: int, heads: dict[str, int]) -> ModelConfig:
        """The model's architecture, once the vocabularies are known."""
        values = {name: getattr(self, name) for name in self.ARCHITECTURE}
        values.update({"pooling": self.pooling} if task == "sentiment" else {})
        values.update({} if task == "tokenizer" else {"upper_hidden": 0})
        return ModelConfig(task=task, words=words, chars=chars, heads=heads, **values)

    def optimisation(self) -> dict:
        """The OPTIMISATION options that apply (piece_chars: tokenizers only): what a checkpoint
        must agree on, and the first part of what a model file records."""
        return {name: getattr(self, name) for name in self.OPTIMISATION if getattr(self, name) is not None}

    def options(self) -> dict:
        """The optimisation and run-control options, as a model file records them."""
        return {**self.optimisation(), "max_time": self.max_time, "patience": self.patience, "threads": self.threads,
                "device": self.device, "checkpoint": self.checkpoint, "resume": self.resume}


# Each task's defaults: chosen on dev (see pretrained/README.md), read by the CLI and by TrainJob.for_task.
DEFAULTS: dict[str, dict] = {
    "tagger": {"layers": 2, "hidden": 200, "embedding_dim": 100, "char": True, "char_hidden": 64, "dropout": 0.33,
               "word_dropout": 0.1, "epochs": 30, "min_steps": 1000, "batch_size": 32, "lr": 2e-3, "min_word_count": 2},
    "sentiment": {"layers": 1, "hidden": 150, "embedding_dim": 100, "char": False, "char_hidden": 32,
                  "dropout": 0.5, "word_dropout": 0.1, "pooling": "max", "epochs": 10, "min_steps": 0,
                  "batch_size": 64, "lr": 2e-3, "min_word_count": 1},
    # characters in, a segmentation label per character out; min_word_count counts characters
    "tokenizer": {"layers": 2, "hidden": 64, "upper_hidden": 0, "embedding_dim": 32, "char": False, "char_hidden": 32, "dropout": 0.1,
                  "word_dropout": 0.02, "epochs": 10, "min_steps": 1000, "batch_size": 32, "lr": 3e-3,
                  "min_word_count": 3, "piece_chars": 250},
    # a character language model: batch_size streams side by side; "words" are characters. lr 6e-3 over 3e-3:
    # 1.470 against 1.553 nats/char on tinyshakespeare's last 10% at --max-time 300 (README, "Language models")
    "lm": {"layers": 2, "hidden": 256, "embedding_dim": 64, "char": False, "bidirectional": False, "dropout": 0.1,
           "word_dropout": 0.0, "epochs": 20, "min_steps": 0, "batch_size": 32, "lr": 6e-3, "min_word_count": 1},
}


def _as_float(value) -> float:
    """A number (numpy's too) as a float: nan for anything else (a bool, a str), inf for an int
    beyond any float (10**400), so that the range checks refuse them by name."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _seconds(value, name: str) -> float:
    """`value` as a float of seconds, 0 or more and finite, else a usage error."""
    seconds = _as_float(value)
    if not 0 <= seconds < math.inf:
        raise RnnCliError(f"{name} must be a finite number of seconds, 0 or more, not {shown(value, 40)}", EXIT_USAGE)
    return seconds


def _files(name: str, given) -> tuple[str, ...]:
    """train= or dev=: a path, or paths in the order to join them (a set or a mapping has no order
    of the caller's choosing: the hash seed would decide which model is trained)."""
    if isinstance(given, (str, os.PathLike)):
        return (str(given),)
    if isinstance(given, (bytes, bytearray)):
        raise RnnCliError(f"{name} is a path or a list of paths (str), not bytes", EXIT_USAGE)
    if isinstance(given, (AbstractSet, Mapping)):
        raise RnnCliError(f"{name} is a path or a list of paths, in the order to join them; not a "
                          f"{type(given).__name__}: give a list", EXIT_USAGE)
    items = list(given) if isinstance(given, Iterable) else [given]
    bad = [g for g in items if not isinstance(g, (str, os.PathLike))]
    if bad:
        raise RnnCliError(f"{name} is a path or a list of paths, not {shown(bad[0], 60)}", EXIT_USAGE)
    return tuple(str(g) for g in items)


@dataclass
class TrainResult:
    """What a run produced. Under torchrun every process returns one; only rank 0 wrote files."""

    out: str | None  # the model file (None on ranks other than 0)
    best_epoch: int
    scores: dict[str, dict[str, float]]  # split -> output -> accuracy of the saved model ({} off rank 0)
    history: list[dict] = field(default_factory=list)  # per epoch: loss, dev scores, lr, time
    parameters: int = 0
    wall_time_s: float = 0.0
    rank: int = 0
    stopped: str | None = None  # why the run ended before its last epoch (--patience, --max-time)
    dtype: str = "float32"  # of the saved weights, which the scores are of

    def to_dict(self) -> dict:
        return asdict(self)
