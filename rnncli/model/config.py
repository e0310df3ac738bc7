"""ModelConfig: the one dataclass that describes a model's architecture.

Shared by the torch modules (`train/model.py`) and the numpy forward pass (`forward.py`),
and stored in every model file's metadata.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, field, fields

TASKS = ("tagger", "sentiment", "tokenizer", "lm")
CELLS = ("lstm", "gru", "rnn")
ACTIVATIONS = ("tanh", "relu", "linear")
POOLINGS = ("max", "mean", "final", "attention")
DEFAULT_MODEL = "lstm"  # the bundled tagger, classifier and language model that run unless told otherwise
DEFAULT_TOKENIZER = "rnn"  # the bundled tokenizer that cuts raw text unless told otherwise


def default_model(task: str) -> str:
    """The bundled model of a task that runs unless told otherwise: its full name (`tagger-lstm`)."""
    return f"{task}-{DEFAULT_TOKENIZER if task == 'tokenizer' else DEFAULT_MODEL}"
CHOICES = {"task": TASKS, "cell": CELLS, "activation": ACTIVATIONS, "pooling": POOLINGS}
OPTIONAL = ("pooling", "upper_hidden")  # absent from files where they mean nothing (or older ones): the defaults
GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # weight blocks per recurrent cell


@dataclass(frozen=True)
class ModelConfig:
    task: str = "tagger"  # "tagger": one label per token (many-to-many); "sentiment": one per text (many-to-one);
    # "tokenizer": one label per character (its "words" are characters; see segmentation.py)
    cell: str = "lstm"  # lstm | gru | rnn (the lecture's h_t = act(W_xh x_t + W_hh h_{t-1} + b))
    activation: str = "tanh"  # the vanilla rnn cell's nonlinearity: tanh | relu | linear
    words: int = 0  # word vocabulary size, <pad> and <unk> included
    chars: int = 0  # character vocabulary size, <pad> and <unk> included
    embedding_dim: int = 100
    char: bool = True  # character-level recurrent features per word
    char_dim: int = 32  # character embedding size
    char_hidden: int = 64  # character recurrent state size per direction
    max_word_chars: int = 30  # longer words keep their first and last 15 characters
    hidden: int = 200  # recurrent state size per direction
    layers: int = 2
    bidirectional: bool = True
    dropout: float = 0.33  # on embeddings, between layers and before the heads
    word_dropout: float = 0.1  # training only: replace words by <unk> with this probability
    pooling: str = "max"  # sentiment: how the states over time become one vector: max | mean | final | attention
    heads: dict[str, int] = field(default_factory=dict)  # output name -> number of classes
    upper_hidden: int = 0  # tokenizer: state size per direction of one more recurrent layer that reads only
    # the characters where a token can end (segmentation.boundary_candidates); 0: none

    def __post_init__(self):
        for name in CHOICES:
            check_field(name, getattr(self, name))
        if self.upper_hidden and self.task != "tokenizer":
            raise ValueError(f"config.upper_hidden is for tokenizers, not a {self.task} model")

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def word_features(self) -> int:
        """Size of the vector fed to the first recurrent layer for each word."""
        return self.embedding_dim + (self.char_hidden * self.directions if self.char else 0)

    def macs_per_token(self) -> int:
        """Multiply-adds per token (per character for a tokenizer or a language model, whose
        output layer is over its characters) of the word-level network:
        input projections, recurrences and heads, attention scores included; a sentiment
        model's label head runs once per text and is left out. The character network is
        counted apart (`char_macs`): it runs once per word not seen yet, not per token."""
        top = self.hidden * self.directions
        if self.task == "sentiment":
            heads = top if self.pooling == "attention" else 0
        elif self.task == "lm":
            heads = top * self.words
        else:
            heads = top * sum(self.heads.values())
        return recurrent_macs(self.cell, self.word_features, self.hidden, self.layers, self.directions) + heads

    def upper_macs(self) -> int:
        """Multiply-adds per character where a token can end of the upper layer and its head (0 without one)."""
        if not self.upper_hidden:
            return 0
        return (recurrent_macs(self.cell, self.hidden * self.directions, self.upper_hidden, 1, self.directions)
                + self.upper_hidden * self.directions * sum(self.heads.values()))

    def char_macs(self) -> int:
        """Multiply-adds per character of the character network (0 without character features)."""
        return recurrent_macs(self.cell, self.char_dim, self.char_hidden, 1, self.directions) if self.char else 0

    def to_dict(self) -> dict:
        """The fields as stored; upper_hidden only where there is an upper layer (files from before it stay as they were)."""
        data = asdict(self)
        if not self.upper_hidden:
            del data["upper_hidden"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        """A stored config, every field checked for type and range (ValueError says which is wrong)."""
        if not isinstance(data, dict):
            raise ValueError(f"config is a JSON {json_type(data)}, not an object")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        missing = sorted(known - set(data) - set(OPTIONAL))
        if missing:
            raise ValueError(f"config has no {', '.join(missing)}")
        for name, value in data.items():
            check_field(name, value)
        return cls(**data)

    def recurrence(self) -> str:
        """The recurrence this model runs, as a formula a person can read."""
        if self.cell == "rnn":
            act = {"tanh": "tanh", "relu": "relu", "linear": ""}[self.activation]
            return f"h_t = {act}(W_xh x_t + W_hh h_(t-1) + b)"
        if self.cell == "lstm":
            return ("i,f,o = sigmoid(W x_t + U h_(t-1) + b); g = tanh(W_g x_t + U_g h_(t-1) + b_g); "
                    "c_t = f*c_(t-1) + i*g; h_t = o*tanh(c_t)")
        return ("r,z = sigmoid(W x_t + U h_(t-1) + b); n = tanh(W_n x_t + b_n + r*(U_n h_(t-1) + b_hn)); "
                "h_t = (1-z)*n + z*h_(t-1)")


def recurrent_macs(cell: str, inputs: int, hidden: int, layers: int, directions: int) -> int:
    """Multiply-adds per step of a recurrent stack: (input + state) x gates x state, per layer and direction."""
    total, size = 0, inputs
    for _ in range(layers):
        total += directions * (size + hidden) * GATES[cell] * hidden
        size = hidden * directions
    return total


def json_type(value) -> str:
    """The JSON name of a decoded value's type, for messages."""
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
                       (list, "list"), (dict, "object")):
        if isinstance(value, kind):
            return name
    return "null"


def shown(value, limit: int = 40) -> str:
    """A short repr of a decoded JSON value, for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    """An int (not a bool) or a float, finite and within a float's range (math.isfinite would
    overflow on a larger int; comparing one with a float does not)."""
    if is_int(value):
        return abs(value) <= sys.float_info.max
    return isinstance(value, float) and math.isfinite(value)


def check_field(name: str, value) -> None:
    """Raise ValueError unless `value` is a valid `name` of a ModelConfig."""
    def wrong(expected: str):
        return ValueError(f"config.{name} must be {expected}, not {shown(value)}")

    if name in CHOICES:
        if not isinstance(value, str) or value not in CHOICES[name]:
            raise wrong(f"one of {', '.join(CHOICES[name])}")
    elif name in ("char", "bidirectional"):
        if not isinstance(value, bool):
            raise wrong("true or false")
    elif name in ("dropout", "word_dropout"):
        if not is_number(value) or not 0 <= value < 1:
            raise wrong("a number from 0 to below 1")
    elif name == "heads":
        if not isinstance(value, dict):  # empty for a language model, whose output is its vocabulary
            raise wrong("an object of output name -> number of classes")
        for head, n in value.items():
            if not head.isidentifier() or not is_int(n) or n < 1:
                raise ValueError(f"config.heads: {shown(head)}: {shown(n)} is not a name with a number of classes >= 1")
    elif not is_int(value) or value < (0 if name in ("chars", "upper_hidden") else 1):
        raise wrong(f"an integer >= {0 if name in ('chars', 'upper_hidden') else 1}")
