"""Torch modules for training. Parameter names are the contract with `forward.py`,
which runs the same weights in numpy.

Recurrent stacks follow torch's naming: `weight_ih_l{k}`, `weight_hh_l{k}` and biases,
with a `_reverse` suffix for the backward direction. The vanilla cell has one bias `b`
(`bias_l{k}`), as in the lecture's h_t = tanh(W_xh x_t + W_hh h_{t-1} + b).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnncli.config import ModelConfig

ACTIVATION_FUNCTIONS = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda x: x}


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each sequence of x (B, T, F) within its own length; padding stays put."""
    B, T = x.shape[:2]
    steps = torch.arange(T, device=x.device).unsqueeze(0).expand(B, T)  # (B, T)
    source = lengths.to(x.device).unsqueeze(1) - 1 - steps
    source = torch.where(source >= 0, source, steps)
    return x.gather(1, source.unsqueeze(-1).expand_as(x))


class ElmanRNN(nn.Module):
    """The vanilla recurrent network, written out: h_t = act(W_xh x_t + W_hh h_{t-1} + b)."""

    def __init__(self, input_size: int, hidden: int, layers: int, bidirectional: bool,
                 dropout: float, activation: str = "tanh"):
        super().__init__()
        self.hidden, self.layers, self.dropout = hidden, layers, dropout
        self.suffixes = ["", "_reverse"] if bidirectional else [""]
        self.act = ACTIVATION_FUNCTIONS[activation]
        bound = hidden ** -0.5
        for k in range(layers):
            size = input_size if k == 0 else hidden * len(self.suffixes)
            for s in self.suffixes:
                self.register_parameter(f"weight_ih_l{k}{s}", nn.Parameter(torch.empty(hidden, size).uniform_(-bound, bound)))
                self.register_parameter(f"weight_hh_l{k}{s}", nn.Parameter(torch.empty(hidden, hidden).uniform_(-bound, bound)))
                self.register_parameter(f"bias_l{k}{s}", nn.Parameter(torch.zeros(hidden)))

    def run_direction(self, x: torch.Tensor, k: int, s: str) -> torch.Tensor:
        """One layer, one direction over x (B, T, I) -> (B, T, H), from h_0 = 0."""
        W_xh, W_hh, b = (getattr(self, f"{name}_l{k}{s}") for name in ("weight_ih", "weight_hh", "bias"))
        xw = x @ W_xh.T + b  # (B, T, H): the input part of every step at once
        h = x.new_zeros(x.shape[0], self.hidden)  # (B, H)
        outputs = []
        for t in range(x.shape[1]):
            h = self.act(xw[:, t] + h @ W_hh.T)
            outputs.append(h)
        return torch.stack(outputs, dim=1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        for k in range(self.layers):
            if k > 0:
                x = nn.functional.dropout(x, self.dropout, self.training)
            outs = [self.run_direction(x, k, "")]
            if "_reverse" in self.suffixes:
                outs.append(reverse_padded(self.run_direction(reverse_padded(x, lengths), k, "_reverse"), lengths))
            x = torch.cat(outs, dim=-1)
        return x  # (B, T, D*H)


def make_recurrent(cell: str, input_size: int, hidden: int, layers: int, bidirectional: bool,
                   dropout: float, activation: str = "tanh") -> nn.Module:
    if cell == "rnn":
        return ElmanRNN(input_size, hidden, layers, bidirectional, dropout, activation)
    kind = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
    return kind(input_size, hidden, num_layers=layers, bidirectional=bidirectional,
                dropout=dropout if layers > 1 else 0.0, batch_first=True)


def run_recurrent(module: nn.Module, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, T, I) padded input with lengths (B,) -> (B, T, D*H); padded steps are zeros or junk."""
    if isinstance(module, ElmanRNN):
        return module(x, lengths)
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    out, _ = module(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out


def final_states(out: torch.Tensor, lengths: torch.Tensor, hidden: int, bidirectional: bool) -> torch.Tensor:
    """Last state of each direction from (B, T, D*H) outputs -> (B, D*H)."""
    last = out[torch.arange(out.shape[0]), lengths - 1]  # (B, D*H)
    if not bidirectional:
        return last
    return torch.cat([last[:, :hidden], out[:, 0, hidden:]], dim=-1)


class RecurrentModel(nn.Module):
    """Words -> [word embedding ; char-level recurrent features] -> recurrent stack.
    The task models add their output on top of the states this returns."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = c = config
        self.word_emb = nn.Embedding(c.words, c.embedding_dim, padding_idx=0)
        if c.char:
            self.char_emb = nn.Embedding(c.chars, c.char_dim, padding_idx=0)
            self.char_rnn = make_recurrent(c.cell, c.char_dim, c.char_hidden, 1, c.bidirectional, 0.0, c.activation)
        self.rnn = make_recurrent(c.cell, c.word_features, c.hidden, c.layers, c.bidirectional, c.dropout, c.activation)
        self.heads = nn.ModuleDict({name: nn.Linear(c.hidden * c.directions, n) for name, n in c.heads.items()})

    def states(self, words: torch.Tensor, lengths: torch.Tensor, chars: torch.Tensor | None = None,
               char_lengths: torch.Tensor | None = None, char_index: torch.Tensor | None = None) -> torch.Tensor:
        """words (B, T) ids, lengths (B,); chars (U, L) ids of the batch's U distinct words with
        char_lengths (U,); char_index (B, T) maps each token to its row in chars.
        Returns the top layer's states (B, T, D*H), dropout applied in training."""
        c = self.config
        x = self.word_emb(words)  # (B, T, E)
        if c.char:
            ch = run_recurrent(self.char_rnn, self.char_emb(chars), char_lengths)  # (U, L, D*Hc)
            per_word = final_states(ch, char_lengths, c.char_hidden, c.bidirectional)  # (U, D*Hc)
            x = torch.cat([x, per_word[char_index]], dim=-1)  # (B, T, E + D*Hc)
        x = nn.functional.dropout(x, c.dropout, self.training)
        h = run_recurrent(self.rnn, x, lengths)  # (B, T, D*H)
        return nn.functional.dropout(h, c.dropout, self.training)


class TaggerModel(RecurrentModel):
    """Many-to-many: one softmax per token for each tag set (upos, xpos), trained together."""

    def forward(self, words: torch.Tensor, lengths: torch.Tensor, **chars) -> dict[str, torch.Tensor]:
        """Returns head name -> logits (B, T, classes)."""
        h = self.states(words, lengths, **chars)
        return {name: head(h) for name, head in self.heads.items()}


def pool(h: torch.Tensor, lengths: torch.Tensor, config: ModelConfig, attention: nn.Linear | None) -> torch.Tensor:
    """(B, T, D*H) states -> (B, D*H): one vector per text."""
    mask = torch.arange(h.shape[1], device=h.device)[None, :] < lengths[:, None]  # (B, T)
    if config.pooling == "max":
        return h.masked_fill(~mask[..., None], float("-inf")).amax(dim=1)
    if config.pooling == "mean":
        return (h * mask[..., None]).sum(dim=1) / lengths[:, None].to(h.dtype)
    if config.pooling == "final":
        return final_states(h, lengths, config.hidden, config.bidirectional)
    scores = attention(h).squeeze(-1).masked_fill(~mask, float("-inf"))  # (B, T)
    return (scores.softmax(dim=1)[..., None] * h).sum(dim=1)


class SentimentModel(RecurrentModel):
    """Many-to-one: read the whole text, pool the states over time, one softmax over labels."""

    def __init__(self, config: ModelConfig):
        super().__init__(config)
        if config.pooling == "attention":
            self.attn = nn.Linear(config.hidden * config.directions, 1, bias=False)

    def forward(self, words: torch.Tensor, lengths: torch.Tensor, **chars) -> dict[str, torch.Tensor]:
        """Returns head name -> logits (B, classes)."""
        h = self.states(words, lengths, **chars)
        v = pool(h, lengths, self.config, getattr(self, "attn", None))  # (B, D*H)
        return {name: head(v) for name, head in self.heads.items()}


MODELS = {"tagger": TaggerModel, "sentiment": SentimentModel}
