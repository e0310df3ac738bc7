"""Model files: safetensors weights plus JSON metadata, written atomically, never pickled.

The metadata (under the safetensors header key "rnncli") says what the model is and how
it was made: config, vocabularies, label sets, training command, data, seed and scores.
Reading checks a file whole before anything uses it: the safetensors container, every
metadata field (type and range), the exact tensor names and shapes the config implies,
and that every weight is finite. A damaged file is refused with one line saying what is
wrong. This module needs numpy only; training hands it numpy arrays.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rnncli import __version__
from rnncli.model.char_cache import CharCache
from rnncli.model.config import ModelConfig, is_int, is_number, json_type, shown
from rnncli.model.task_checks import check_task
from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.files import write_atomic
from rnncli.model.vocab import Vocab

FORMAT = "rnncli-model"
FORMAT_VERSION = 1
MAX_HEADER = 100_000_000  # bytes; safetensors' own limit
MAX_PIPE_DATA = 2 << 30  # bytes of tensor data rnncli reads from a pipe, whose size it cannot know beforehand
DTYPES = {"F16": "<f2", "F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U8": "u1", "BOOL": "?"}
WEIGHT_DTYPES = ("F16", "F32")  # what model files hold; training checkpoints hold the others too
EMBEDDING = "word_emb.weight"  # kept as stored (float16 in the bundled files, 4 M numbers in a sentiment model's):
# the forward passes cast the rows they read (embedding_rows), so that loading does not cast them all (50 ms)
GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # weight rows per state unit
TRAINING_FIELDS = {"command": (lambda v: isinstance(v, str), "a string"), "seed": (is_int, "an integer"),
                   "best_epoch": (is_int, "an integer"), "wall_time_s": (is_number, "a number"),
                   "history": (lambda v: isinstance(v, list) and all(
                       isinstance(e, dict) and all(is_number(x) or isinstance(x, bool) for x in e.values()) for e in v),
                       "a list of objects of numbers"),
                   "options": (lambda v: isinstance(v, dict), "an object")}  # what bundled.describe shows


@dataclass
class ModelFile:
    path: Path
    meta: dict
    config: ModelConfig
    weights: dict[str, np.ndarray]  # float32, but EMBEDDING as stored (read it through embedding_rows)
    words: Vocab
    chars: Vocab | None
    labels: dict[str, list[str]]  # head name -> class names, in output order

    @property
    def name(self) -> str:
        return self.meta.get("name") or self.path.stem

    @property
    def parameters(self) -> int:
        return int(sum(w.size for w in self.weights.values()))

    @cached_property
    def char_cache(self) -> CharCache:
        """Character features of the words this model has read so far in this process."""
        return CharCache()


class Tensor(NamedTuple):
    dtype: str  # safetensors name: F16, F32, ...
    shape: tuple[int, ...]
    start: int  # byte offsets into the data after the header
    end: int


class Contents(NamedTuple):
    meta: dict  # the rnncli metadata
    tensors: dict[str, Tensor]
    data: bytearray | None  # the bytes after the header, when asked for
    size: int  # bytes in the file


def save_model(path: str | os.PathLike, tensors: dict[str, np.ndarray], meta: dict, dtype: str = "float32") -> Path:
    """Write tensors + metadata to `path` atomically (temp file in the same folder, then rename)."""
    from safetensors.numpy import save

    path = Path(path)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "rnncli_version": __version__, **meta}
    arrays = {k: np.ascontiguousarray(v.astype(dtype) if v.dtype.kind == "f" else v) for k, v in tensors.items()}
    text = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    # a path from argv that is not UTF-8 holds lone surrogates: kept as JSON escapes (\udce9)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return write_atomic(path, save(arrays, metadata={"rnncli": text}))


# --- reading ------------------------------------------------------------------------


def _damaged(path: Path, problem: str) -> RnnCliError:
    return RnnCliError(f"{path}: damaged model file ({problem})")


def _os_problem(path: Path, exc: OSError) -> RnnCliError:
    if isinstance(exc, IsADirectoryError):
        return RnnCliError(f"{path}: is a folder; give the path of a .safetensors model file")
    if isinstance(exc, PermissionError):
        return RnnCliError(f"{path}: permission denied; cannot read the model file")
    if isinstance(exc, FileNotFoundError):
        return RnnCliError(f"{path}: no such file")
    return RnnCliError(f"{path}: cannot read the model file ({exc.strerror or exc})")


def read_contents(path: Path, data: bool) -> Contents:
    """A safetensors file, its container checked (see `_parse`) before the tensor bytes are
    read; those come along when `data`. From a pipe, whose size is not known beforehand,
    exactly the bytes its header declares are read, always (to check that the file ends
    there), and a header that declares more than MAX_PIPE_DATA is refused at once."""
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            regular = stat.S_ISREG(info.st_mode)
            n, header = _read_header(path, f, info.st_size if regular else None)
            meta, tensors = _parse(path, header, info.st_size - 8 - n if regular else None)
            size = _data_end(tensors)
            if not regular and size > MAX_PIPE_DATA:
                raise RnnCliError(f"{path}: the header declares {size:,} bytes of tensor data, more than the "
                                  f"{MAX_PIPE_DATA:,} rnncli reads from a pipe; copy the model to a file")
            body = _read_data(path, f, size) if data or not regular else None
    except OSError as exc:
        raise _os_problem(path, exc) from None
    return Contents(meta, tensors, body if data else None, 8 + n + size)


def _read_header(path: Path, f, file_size: int | None) -> tuple[int, bytes]:
    """The safetensors header's length and bytes; `file_size` is None for a pipe."""
    head = f.read(8)
    n = int.from_bytes(head, "little")
    if len(head) < 8 or n < 2 or n > MAX_HEADER or (file_size is not None and 8 + n > file_size):
        if head and _looks_like_text(head + f.read(248)):
            raise RnnCliError(f"{path}: not a model file: it starts as text does (a data file?); give the path of a "
                              ".safetensors file", EXIT_USAGE)
        raise _damaged(path, "empty" if not head else "not a safetensors file, or cut short")
    header = f.read(n)
    if len(header) < n:
        raise _damaged(path, "cut short in the safetensors header")
    return n, header


def _looks_like_text(start: bytes) -> bool:
    """Whether a file's first bytes are UTF-8 text without control characters (but tabs and line
    ends): a data file given where a model goes. A safetensors length has zero bytes, and random
    bytes are hardly ever UTF-8."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(start)  # a character cut at the end is no error
    except UnicodeDecodeError:
        return False
    return all(ch >= " " or ch in "\t\n\r" for ch in text)


def _read_data(path: Path, f, size: int) -> bytearray:
    """The `size` bytes of tensor data after the header, and then the end of the file."""
    body = bytearray(size)
    got = f.readinto(body)
    if got != size:
        raise _damaged(path, _size_problem(got, size))
    if f.read(1):
        raise _damaged(path, "more bytes after the last tensor")
    return body


def _parse(path: Path, header: bytes, data_size: int | None) -> tuple[dict, dict[str, Tensor]]:
    """The header: JSON, tensor entries whose byte ranges tile the data exactly (`data_size`
    bytes, when known), and rnncli metadata of a format this version reads."""
    try:
        header = json.loads(header)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise _damaged(path, "not a safetensors file: the header is not JSON") from None
    if not isinstance(header, dict):
        raise _damaged(path, f"the safetensors header is a JSON {json_type(header)}, not an object")
    extra = header.pop("__metadata__", None) or {}
    raw = extra.get("rnncli") if isinstance(extra, dict) else None
    if raw is None:
        raise RnnCliError(f"{path}: a safetensors file, but not an rnncli model (no rnncli metadata)")
    try:
        tensors = _tensors(header, data_size)
        meta = _meta(raw)
    except ValueError as exc:
        raise _damaged(path, str(exc)) from None
    if meta["format_version"] > FORMAT_VERSION:
        raise RnnCliError(f"{path}: made by a newer rnncli (format {meta['format_version']}); upgrade rnncli")
    return meta, tensors


def _tensors(header: dict, data_size: int | None) -> dict[str, Tensor]:
    tensors = {}
    for name, entry in header.items():
        entry = entry if isinstance(entry, dict) else {}
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if (not isinstance(dtype, str) or dtype not in DTYPES
                or not isinstance(shape, list) or not all(is_int(d) and d >= 0 for d in shape)
                or not isinstance(offsets, list) or len(offsets) != 2 or not all(is_int(o) for o in offsets)):
            raise ValueError(f"tensor {shown(name)}: not a valid safetensors entry")
        tensors[name] = Tensor(dtype, tuple(shape), *offsets)
    end = 0
    for name, t in sorted(tensors.items(), key=lambda item: (item[1].start, item[1].end)):
        if t.start != end or t.end - t.start != math.prod(t.shape) * np.dtype(DTYPES[t.dtype]).itemsize:
            raise ValueError(f"tensor {shown(name)}: its bytes do not match its shape and place")
        end = t.end
    if data_size is not None and end != data_size:
        raise ValueError(_size_problem(data_size, end))
    return tensors


def _data_end(tensors: dict[str, Tensor]) -> int:
    """Bytes of tensor data the header declares (its ranges tile them, see `_tensors`)."""
    return max((t.end for t in tensors.values()), default=0)


def _size_problem(found: int, declared: int) -> str:
    return (f"cut short: {found:,} bytes of tensor data, the header says {declared:,}" if declared > found
            else f"{found - declared:,} bytes after the last tensor")


def _meta(raw) -> dict:
    try:
        meta = json.loads(raw)
    except (TypeError, ValueError, RecursionError):
        raise ValueError("the rnncli metadata is not valid JSON") from None
    if not isinstance(meta, dict):
        raise ValueError(f"the rnncli metadata is a JSON {json_type(meta)}, not an object")
    if meta.get("format") != FORMAT:
        raise ValueError(f"format is {shown(meta.get('format'))}, not {FORMAT!r}")
    if not is_int(meta.get("format_version")) or meta["format_version"] < 1:
        raise ValueError(f"format_version is {shown(meta.get('format_version'))}, not an integer >= 1")
    return meta


def read_tensors(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """Metadata and every tensor as stored (any dtype), for training checkpoints."""
    contents = read_contents(Path(path), data=True)
    return contents.meta, {name: _array(contents.data, t) for name, t in contents.tensors.items()}


def _array(data: bytearray, t: Tensor) -> np.ndarray:
    return np.frombuffer(data, DTYPES[t.dtype], math.prod(t.shape), t.start).reshape(t.shape)


def load_model(path: str | os.PathLike, task: str | None = None) -> ModelFile:
    path = Path(path)
    contents = read_contents(path, data=True)
    config, words, chars, labels = check_model(path, contents)
    weights = {}
    for name, t in contents.tensors.items():
        stored = _array(contents.data, t)
        weights[name] = stored if name == EMBEDDING else stored.astype(np.float32)
        if not np.isfinite(weights[name]).all():
            raise _damaged(path, f"tensor {name} holds NaN or infinite values")
    if task is not None and config.task != task:
        raise RnnCliError(f"{path}: {_a(config.task)} model, where {_a(task)} model is needed", EXIT_USAGE)
    return ModelFile(path, contents.meta, config, weights, words, chars, labels)


def _a(task: str) -> str:
    """The task with its article: "a tagger", "an lm"."""
    return f"an {task}" if task == "lm" else f"a {task}"


def check_model(path: Path, contents: Contents) -> tuple[ModelConfig, Vocab, Vocab | None, dict[str, list[str]]]:
    """Every metadata field a model file needs, and exactly the tensors its config implies:
    (config, words, chars, labels), or the error that says what is wrong."""
    meta = contents.meta
    if "checkpoint" in meta:
        raise RnnCliError(f"{path}: a training checkpoint, not a model file; continue its run with "
                          f"`rnncli train ... --resume {path}`")
    try:
        return _check_meta(meta, contents.tensors)
    except ValueError as exc:
        raise _damaged(path, str(exc)) from None


def _check_meta(meta: dict, tensors: dict[str, Tensor]) -> tuple[ModelConfig, Vocab, Vocab | None, dict]:
    for key in ("config", "vocab", "labels"):
        if key not in meta:
            raise ValueError(f"no {key} in the metadata")
    config = ModelConfig.from_dict(meta["config"])
    if meta.get("task", config.task) != config.task:
        raise ValueError(f"task is {shown(meta['task'])}, but config.task is {config.task!r}")
    for key in ("name", "rnncli_version"):
        if not isinstance(meta.get(key, ""), str):
            raise ValueError(f"{key} is a JSON {json_type(meta[key])}, not a string")
    vocab = _object(meta, "vocab")
    for key in ("words", "chars")[:1 + config.char]:
        if key not in vocab:
            raise ValueError(f"no vocab.{key} in the metadata")
    words = Vocab.stored(vocab["words"], True, "vocab.words")
    chars = Vocab.stored(vocab["chars"], True, "vocab.chars") if config.char else None
    for name, v in (("words", words), ("chars", chars)):
        if v is not None and len(v) != getattr(config, name):
            raise ValueError(f"vocab.{name} has {len(v)} entries, config.{name} says {getattr(config, name)}")
    stored = _object(meta, "labels")
    if set(stored) != set(config.heads):
        raise ValueError(f"labels are for {', '.join(map(shown, stored)) or 'nothing'}, "
                         f"config.heads for {', '.join(config.heads)}")
    labels = {name: Vocab.stored(stored[name], False, f"labels.{name}").items for name in config.heads}
    for name, n in config.heads.items():
        if len(labels[name]) != n:
            raise ValueError(f"labels.{name} has {len(labels[name])} labels, config.heads.{name} says {n}")
    check_task(meta, config, words, labels)
    training = _object(meta, "training")
    for key, (ok, expected) in TRAINING_FIELDS.items():
        if training.get(key) is not None and not ok(training[key]):
            raise ValueError(f"training.{key} is {shown(training[key])}, not {expected}")
    for split, scores in _object(meta, "scores").items():
        if not isinstance(scores, dict) or not all(is_number(v) for v in scores.values()):
            raise ValueError(f"scores.{split} is {shown(scores)}, not an object of numbers")
    _check_tensors(config, tensors)
    return config, words, chars, labels


def _object(meta: dict, key: str) -> dict:
    value = meta.get(key, {})
    if not isinstance(value, dict):
        raise ValueError(f"{key} is a JSON {json_type(value)}, not an object")
    return value


def _check_tensors(config: ModelConfig, tensors: dict[str, Tensor]) -> None:
    if config.layers > len(tensors):  # before listing what a huge `layers` would expect
        raise ValueError(f"config.layers is {config.layers}, but the file holds {len(tensors)} tensors")
    expected = expected_tensors(config)
    missing = [name for name in expected if name not in tensors]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ValueError(f"no tensor {missing[0]}{more}, which a {config.cell} model of this config has")
    unexpected = [name for name in tensors if name not in expected]
    if unexpected:
        raise ValueError(f"unexpected tensor {shown(unexpected[0])}, which a {config.cell} model of this config lacks")
    for name, shape in expected.items():
        t = tensors[name]
        if t.shape != shape:
            raise ValueError(f"tensor {name} is {list(t.shape)}, the config says {list(shape)}")
        if t.dtype not in WEIGHT_DTYPES:
            raise ValueError(f"tensor {name} is {t.dtype}, not F16 or F32")


def expected_tensors(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor of a model with this config and its shape, named as in `train/model.py`."""
    c = config
    shapes = {"word_emb.weight": (c.words, c.embedding_dim)}
    if c.char:
        shapes["char_emb.weight"] = (c.chars, c.char_dim)
        shapes.update(_recurrent_tensors("char_rnn", c, c.char_dim, c.char_hidden, 1))
    shapes.update(_recurrent_tensors("rnn", c, c.word_features, c.hidden, c.layers))
    for name, n in c.heads.items():
        shapes[f"heads.{name}.weight"] = (n, c.hidden * c.directions)
        shapes[f"heads.{name}.bias"] = (n,)
    if c.upper_hidden:  # a tokenizer's layer over the characters where a token can end, and its heads
        shapes.update(_recurrent_tensors("upper", c, c.hidden * c.directions, c.upper_hidden, 1))
        for name, n in c.heads.items():
            shapes[f"upper_heads.{name}.weight"] = (n, c.upper_hidden * c.directions)
            shapes[f"upper_heads.{name}.bias"] = (n,)
    if c.task == "sentiment" and c.pooling == "attention":
        shapes["attn.weight"] = (1, c.hidden * c.directions)
    if c.task == "lm":  # the next character's logits, over the character vocabulary (vocab.words)
        shapes.update({"out.weight": (c.words, c.hidden), "out.bias": (c.words,)})
    return shapes


def _recurrent_tensors(prefix: str, c: ModelConfig, inputs: int, hidden: int, layers: int) -> dict[str, tuple]:
    rows = GATES[c.cell] * hidden  # lstm: input, forget, cell, output gates; gru: reset, update, new
    biases = ("bias",) if c.cell == "rnn" else ("bias_ih", "bias_hh")
    shapes = {}
    for k in range(layers):
        for s in ("", "_reverse")[:c.directions]:
            shapes[f"{prefix}.weight_ih_l{k}{s}"] = (rows, inputs if k == 0 else hidden * c.directions)
            shapes[f"{prefix}.weight_hh_l{k}{s}"] = (rows, hidden)
            shapes.update({f"{prefix}.{b}_l{k}{s}": (rows,) for b in biases})
    return shapes
