"""ModelConfig: the one dataclass that describes a model's architecture.

Shared by the torch modules (`model.py`) and the numpy forward pass (`forward.py`),
and stored in every model file's metadata.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

CELLS = ("lstm", "gru", "rnn")
ACTIVATIONS = ("tanh", "relu", "linear")
POOLINGS = ("max", "mean", "final", "attention")


@dataclass
class ModelConfig:
    task: str = "tagger"  # "tagger": one label per token (many-to-many); "sentiment": one per text (many-to-one)
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

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, not {self.cell!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, not {self.activation!r}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, not {self.pooling!r}")

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def word_features(self) -> int:
        """Size of the vector fed to the first recurrent layer for each word."""
        return self.embedding_dim + (self.char_hidden * self.directions if self.char else 0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
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
