"""The models that come with rnncli (pretrained/), and how a command line names a model:
`lstm`/`rnn` for the bundled model of a task, `tagger-lstm` anywhere, or a path."""

from __future__ import annotations

import math
import os
from pathlib import Path

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.files import is_stdout
from rnncli.model.config import default_model
from rnncli.model.model_file import ModelFile, check_model, load_model, read_contents

BUNDLED = {"tagger": ("lstm", "rnn", "lstm-small", "rnn-small"), "sentiment": ("lstm", "rnn", "lstm-small"),
           "tokenizer": ("lstm", "rnn", "rnn-small"), "lm": ("lstm", "rnn")}


def pretrained_dir() -> Path:
    """Bundled models: `rnncli/pretrained` in an installed wheel, `pretrained/` in a checkout."""
    here = Path(__file__).resolve().parent.parent  # rnncli/
    for candidate in (here / "pretrained", here.parent / "pretrained"):
        if candidate.is_dir():
            return candidate
    return here / "pretrained"


def bundled_models() -> list[Path]:
    return sorted(pretrained_dir().glob("*.safetensors"))


def model_spec(spec) -> str:
    """A model's name or path as a str: library callers pass pathlib.Paths, and wrong types get
    a clear error instead of a TypeError from deep inside."""
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if not isinstance(spec, str) or not spec:
        raise RnnCliError(f"a model is a bundled model's name or the path of a model file, not {spec!r}", EXIT_USAGE)
    return spec


def resolve_model(spec: str, task: str | None = None) -> Path:
    """`lstm`/`rnn` name a bundled model of `task`; full names (`tagger-lstm`) name a bundled
    model anywhere; anything else is a path. Reading it says what is wrong with a path that
    exists (a folder, permission denied). A path may be a str or a pathlib.Path. A model file
    that stdout appends to (`rnncli next -m m >> m`) is refused before anything is written."""
    path = _resolved(model_spec(spec), task)
    if is_stdout(path):
        raise RnnCliError(f"{path}: input file is output file")
    return path


def _resolved(spec: str, task: str | None) -> Path:
    if task is not None and spec in BUNDLED.get(task, ()):
        path = pretrained_dir() / f"{task}-{spec}.safetensors"
        if not path.is_file():
            raise RnnCliError(f"bundled model {task}-{spec} is missing from {path.parent}; reinstall rnncli")
        return path
    names = BUNDLED.get(task, ()) if task is not None else [p.stem for p in bundled_models()]
    if spec in {p.stem for p in bundled_models()}:  # a full name (tagger-lstm) works anywhere
        return pretrained_dir() / f"{spec}.safetensors"
    path = Path(spec).expanduser()
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        if "/" in spec or spec.endswith(".safetensors"):
            raise RnnCliError(f"{spec}: no such file") from None
        raise RnnCliError(f"no model named {spec!r}: use one of {', '.join(names)} or the path of a model file",
                          EXIT_USAGE) from None
    except OSError:
        pass  # reading it says what is wrong
    return path


def open_model(spec: str, task: str) -> ModelFile:
    """A model of `task` by bundled name (`lstm`, `tagger-lstm`) or path, loaded and checked."""
    return load_model(resolve_model(spec, task), task=task)


def describe(path: str | os.PathLike) -> dict:
    """What a model file says about itself, checked as `load_model` checks it, without
    reading its weights: everything but the vocabularies (`training` holds what the run
    recorded besides the fields lifted to the top: options, history, embeddings, ...)."""
    path = Path(path)
    contents = read_contents(path, data=False)
    resolved = path.resolve()  # bundled or not, however the path is spelled
    bundled = resolved.parent == pretrained_dir().resolve()
    config, _, _, labels = check_model(path, contents)
    meta, training = contents.meta, contents.meta.get("training", {})
    lifted = ("data", "seed", "command", "wall_time_s", "best_epoch")
    return {
        "name": meta.get("name") or path.stem, "path": str(path), "bundled": bundled,
        "default": bundled and resolved.stem == default_model(config.task),
        "task": config.task, "cell": config.cell,
        "activation": config.activation if config.cell == "rnn" else None, "layers": config.layers,
        "hidden": config.hidden, "bidirectional": config.bidirectional, "char": config.char,
        "pooling": config.pooling if config.task == "sentiment" else None,
        "parameters": sum(math.prod(t.shape) for t in contents.tensors.values()), "size_bytes": contents.size,
        "macs_per_token": config.macs_per_token(), "char_macs": config.char_macs(), "upper_hidden": config.upper_hidden,
        "upper_macs": config.upper_macs(),
        "sentence_bias": meta.get("sentence_bias", 0.0) if config.task == "tokenizer" else None,
        "labels": {name: len(v) for name, v in labels.items()}, "label_names": labels,
        **{key: training.get(key) for key in lifted},
        "scores": meta.get("scores", {}), "recurrence": config.recurrence(), "rnncli_version": meta.get("rnncli_version"),
        "config": config.to_dict(), "training": {k: v for k, v in training.items() if k not in lifted},
    }
