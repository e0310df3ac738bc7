"""Model files: safetensors weights plus JSON metadata, written atomically, never pickled.

The metadata (under the safetensors header key "rnncli") says what the model is and how
it was made: config, vocabularies, label sets, training command, data, seed and scores.
This module needs numpy only; training hands it numpy arrays.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnncli import __version__
from rnncli.config import ModelConfig
from rnncli.errors import RnnCliError
from rnncli.files import write_atomic
from rnncli.vocab import Vocab

FORMAT = "rnncli-model"
FORMAT_VERSION = 1
BUNDLED = {"tagger": ("lstm", "rnn"), "sentiment": ("lstm", "rnn")}


@dataclass
class ModelFile:
    path: Path
    meta: dict
    config: ModelConfig
    weights: dict[str, np.ndarray]  # float32
    words: Vocab
    chars: Vocab | None
    labels: dict[str, list[str]]  # head name -> class names, in output order

    @property
    def name(self) -> str:
        return self.meta.get("name") or self.path.stem

    @property
    def parameters(self) -> int:
        return int(sum(w.size for w in self.weights.values()))


def pretrained_dir() -> Path:
    """Bundled models: `rnncli/pretrained` in an installed wheel, `pretrained/` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "pretrained", here.parent / "pretrained"):
        if candidate.is_dir():
            return candidate
    return here / "pretrained"


def resolve_model(spec: str, task: str) -> Path:
    """`lstm`/`rnn` name a bundled model of the task; anything else is a path."""
    if spec in BUNDLED.get(task, ()):
        path = pretrained_dir() / f"{task}-{spec}.safetensors"
        if not path.is_file():
            raise RnnCliError(f"bundled model {task}-{spec} is missing from {path.parent}; reinstall rnncli")
        return path
    path = Path(spec).expanduser()
    if not path.exists():
        names = ", ".join(BUNDLED.get(task, ()))
        raise RnnCliError(f"no model named {spec!r}: use one of {names} or the path of a model file")
    return path


def save_model(path: str | os.PathLike, tensors: dict[str, np.ndarray], meta: dict, dtype: str = "float32") -> Path:
    """Write tensors + metadata to `path` atomically (temp file in the same folder, then rename)."""
    from safetensors.numpy import save

    path = Path(path)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "rnncli_version": __version__, **meta}
    arrays = {k: np.ascontiguousarray(v.astype(dtype) if v.dtype.kind == "f" else v) for k, v in tensors.items()}
    data = save(arrays, metadata={"rnncli": json.dumps(meta, ensure_ascii=False, sort_keys=True)})
    return write_atomic(path, data)


def read_metadata(path: Path) -> dict:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="np") as f:
            raw = (f.metadata() or {}).get("rnncli")
    except Exception as exc:  # the library raises several types for damaged files
        raise RnnCliError(f"{path}: not a readable model file ({_first_line(exc)})") from None
    if raw is None:
        raise RnnCliError(f"{path}: a safetensors file, but not an rnncli model (no rnncli metadata)")
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError:
        raise RnnCliError(f"{path}: the model metadata is not valid JSON; the file is damaged") from None
    if meta.get("format") != FORMAT:
        raise RnnCliError(f"{path}: not an rnncli model file")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise RnnCliError(f"{path}: made by a newer rnncli (format {meta['format_version']}); upgrade rnncli")
    return meta


def load_model(path: str | os.PathLike, task: str | None = None) -> ModelFile:
    from safetensors.numpy import load_file

    path = Path(path)
    if path.is_dir():
        raise RnnCliError(f"{path}: is a folder; give the path of a .safetensors model file")
    meta = read_metadata(path)
    try:
        config = ModelConfig.from_dict(meta["config"])
        words = Vocab(meta["vocab"]["words"], specials=True)
        chars = Vocab(meta["vocab"]["chars"], specials=True) if config.char else None
        labels = {name: list(meta["labels"][name]) for name in config.heads}
        weights = {k: v.astype(np.float32) for k, v in load_file(str(path)).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise RnnCliError(f"{path}: damaged model metadata ({_first_line(exc)})") from None
    except Exception as exc:
        raise RnnCliError(f"{path}: cannot read the weights ({_first_line(exc)})") from None
    if task is not None and config.task != task:
        raise RnnCliError(f"{path}: a {config.task} model, but this command needs a {task} model")
    model = ModelFile(path, meta, config, weights, words, chars, labels)
    _check_shapes(model)
    return model


def _check_shapes(model: ModelFile) -> None:
    c, w = model.config, model.weights
    expected = {"word_emb.weight": (len(model.words), c.embedding_dim)}
    if c.char:
        expected["char_emb.weight"] = (len(model.chars), c.char_dim)
    for name, labels in model.labels.items():
        expected[f"heads.{name}.weight"] = (len(labels), c.hidden * c.directions)
    if c.pooling == "attention" and c.task == "sentiment":
        expected["attn.weight"] = (1, c.hidden * c.directions)
    for key, shape in expected.items():
        if key not in w or w[key].shape != shape:
            got = w[key].shape if key in w else "missing"
            raise RnnCliError(f"{model.path}: weight {key} is {got}, expected {shape}; the file is damaged")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def bundled_models() -> list[Path]:
    return sorted(pretrained_dir().glob("*.safetensors"))


def describe(path: Path) -> dict:
    """What a model file says about itself, without loading its weights."""
    meta = read_metadata(path)
    try:
        config = ModelConfig.from_dict(meta["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RnnCliError(f"{path}: damaged model metadata ({_first_line(exc)})") from None
    training = meta.get("training", {})
    return {
        "name": meta.get("name") or path.stem, "path": str(path), "task": config.task, "cell": config.cell,
        "activation": config.activation if config.cell == "rnn" else None, "layers": config.layers,
        "hidden": config.hidden, "bidirectional": config.bidirectional, "char": config.char,
        "pooling": config.pooling if config.task == "sentiment" else None,
        "parameters": training.get("parameters"), "size_bytes": path.stat().st_size,
        "labels": {name: len(v) for name, v in meta.get("labels", {}).items()},
        "data": training.get("data"), "seed": training.get("seed"), "command": training.get("command"),
        "wall_time_s": training.get("wall_time_s"), "best_epoch": training.get("best_epoch"),
        "scores": meta.get("scores", {}), "recurrence": config.recurrence(), "rnncli_version": meta.get("rnncli_version"),
    }
