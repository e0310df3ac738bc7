"""Torch modules for training and for explaining. Parameter names are the contract with
`model/forward.py`, which runs the same weights in numpy.

Recurrent stacks follow torch's naming: `weight_ih_l{layer}`, `weight_hh_l{layer}` and
biases, with a `_reverse` suffix for the backward direction. The vanilla cell has one bias
`b` (`bias_l{layer}`), as in the lecture's h_t = tanh(W_xh x_t + W_hh h_{t-1} + b).
`cell_step` is one step of any cell, written out: the vanilla stack runs it, and
explain-gradients unrolls every cell with it so that each h_t is a node of the graph.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnncli.model.config import ModelConfig

ACTIVATION_FUNCTIONS = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda x: x}
DIRECTIONS = ("", "_reverse")  # parameter-name suffix of each direction


def cell_step(cell: str, act, xw_t: torch.Tensor, h: torch.Tensor, c: torch.Tensor | None, w_hh: torch.Tensor,
              b_hh: torch.Tensor | None):
    """One step of one cell. xw_t (..., G*H): the input's part W_ih x_t + b_ih, computed for all
    steps at once; h, c (..., H) the previous states. Returns (h_t, c_t, f_t): c_t and the
    forget gate f_t for the LSTM, None for the other cells. Gate order as torch: i, f, g, o
    (LSTM) and r, z, n (GRU)."""
    if cell == "rnn":
        return act(xw_t + h @ w_hh.T), None, None  # h_t = act(W_xh x_t + b + W_hh h_{t-1})
    if cell == "lstm":
        i, f, g, o = (xw_t + h @ w_hh.T + b_hh).chunk(4, dim=-1)
        f = torch.sigmoid(f)
        c = f * c + torch.sigmoid(i) * torch.tanh(g)  # the cell state: kept where f is open
        return torch.sigmoid(o) * torch.tanh(c), c, f
    xr, xz, xn = xw_t.chunk(3, dim=-1)
    hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, dim=-1)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    return (1 - z) * torch.tanh(xn + r * hn) + z * h, None, None


def layer_weights(module: nn.Module, layer: int, direction: str) -> tuple[torch.Tensor, ...]:
    """(W_ih, b_ih, W_hh, b_hh) of one layer and direction of a recurrent stack (torch's fused
    modules or the written-out vanilla one, whose single bias is b_ih here and b_hh None)."""
    get = lambda name: getattr(module, f"{name}_l{layer}{direction}")  # noqa: E731
    if hasattr(module, f"bias_l{layer}{direction}"):
        return get("weight_ih"), get("bias"), get("weight_hh"), None
    return get("weight_ih"), get("bias_ih"), get("weight_hh"), get("bias_hh")


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
        self.directions = DIRECTIONS if bidirectional else DIRECTIONS[:1]
        self.act = ACTIVATION_FUNCTIONS[activation]
        bound = hidden ** -0.5
        for layer in range(layers):
            size = input_size if layer == 0 else hidden * len(self.directions)
            for d in self.directions:
                self.register_parameter(f"weight_ih_l{layer}{d}", nn.Parameter(torch.empty(hidden, size).uniform_(-bound, bound)))
                self.register_parameter(f"weight_hh_l{layer}{d}", nn.Parameter(torch.empty(hidden, hidden).uniform_(-bound, bound)))
                self.register_parameter(f"bias_l{layer}{d}", nn.Parameter(torch.zeros(hidden)))

    def run_direction(self, x: torch.Tensor, layer: int, direction: str) -> torch.Tensor:
        """One layer, one direction over x (B, T, I) -> (B, T, H), from h_0 = 0."""
        W_xh, b, W_hh, _ = layer_weights(self, layer, direction)
        xw = x @ W_xh.T + b  # (B, T, H): the input part of every step at once
        h = x.new_zeros(x.shape[0], self.hidden)  # (B, H)
        outputs = []
        for t in range(x.shape[1]):
            h, _, _ = cell_step("rnn", self.act, xw[:, t], h, None, W_hh, None)
            outputs.append(h)
        return torch.stack(outputs, dim=1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        for layer in range(self.layers):
            if layer > 0:
                x = nn.functional.dropout(x, self.dropout, self.training)
            outs = [self.run_direction(x, layer, "")]
            if "_reverse" in self.directions:
                outs.append(reverse_padded(self.run_direction(reverse_padded(x, lengths), layer, "_reverse"), lengths))
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

    def word_features(self, words: torch.Tensor, chars: torch.Tensor | None = None,
                      char_lengths: torch.Tensor | None = None, char_index: torch.Tensor | None = None) -> torch.Tensor:
        """words (B, T) ids; chars (U, L) ids of the batch's U distinct words with char_lengths
        (U,); char_index (B, T) maps each token to its row in chars. Returns each word's input
        vector (B, T, E + D*Hc): its embedding and its characters' final recurrent states."""
        c = self.config
        x = self.word_emb(words)  # (B, T, E)
        if c.char:
            ch = run_recurrent(self.char_rnn, self.char_emb(chars), char_lengths)  # (U, L, D*Hc)
            per_word = final_states(ch, char_lengths, c.char_hidden, c.bidirectional)  # (U, D*Hc)
            x = torch.cat([x, per_word[char_index]], dim=-1)  # (B, T, E + D*Hc)
        return x

    def states(self, words: torch.Tensor, lengths: torch.Tensor, **chars) -> torch.Tensor:
        """The top layer's states (B, T, D*H), dropout applied in training."""
        x = nn.functional.dropout(self.word_features(words, **chars), self.config.dropout, self.training)
        h = run_recurrent(self.rnn, x, lengths)  # (B, T, D*H)
        return nn.functional.dropout(h, self.config.dropout, self.training)


class TaggerModel(RecurrentModel):
    """Many-to-many: one softmax per token for each tag set (upos, xpos), trained together."""

    def forward(self, words: torch.Tensor, lengths: torch.Tensor, **chars) -> dict[str, torch.Tensor]:
        """Returns head name -> logits (B, T, classes)."""
        h = self.states(words, lengths, **chars)
        return {name: head(h) for name, head in self.heads.items()}


class TokenizerModel(TaggerModel):
    """A tagger over characters; with config.upper_hidden, one more recurrent layer reads only
    the characters where a token can end (`candidates`), and its heads label them: the lower
    heads label the rest (a token end inside a run of letters, as do|n't)."""

    def __init__(self, config: ModelConfig):
        super().__init__(config)
        c = config
        if c.upper_hidden:
            self.upper = make_recurrent(c.cell, c.hidden * c.directions, c.upper_hidden, 1, c.bidirectional, 0.0,
                                        c.activation)
            self.upper_heads = nn.ModuleDict({name: nn.Linear(c.upper_hidden * c.directions, n)
                                              for name, n in c.heads.items()})

    def forward(self, words: torch.Tensor, lengths: torch.Tensor, candidates: torch.Tensor | None = None,
                **chars) -> dict[str, torch.Tensor]:
        """Returns head name -> logits (B, T, classes); candidates (B, T) bool."""
        h = self.states(words, lengths, **chars)  # (B, T, D*H)
        logits = {name: head(h) for name, head in self.heads.items()}
        if not self.config.upper_hidden:
            return logits
        B, T, F = h.shape
        chosen = candidates.to(h.device) & (torch.arange(T, device=h.device)[None, :] < lengths.to(h.device)[:, None])
        b, t = chosen.nonzero(as_tuple=True)  # (M,), (M,): the candidates, row by row in order
        rank = (chosen.long().cumsum(dim=1) - 1)[b, t]  # (M,): each one's step in its row's upper sequence
        upper_lengths = chosen.sum(dim=1)  # (B,)
        x = h.new_zeros(B, max(int(upper_lengths.max()), 1), F).index_put((b, rank), h[b, t])  # (B, Tc, D*H)
        u = run_recurrent(self.upper, x, upper_lengths.clamp(min=1))  # (B, Tc, D*Hu)
        u = nn.functional.dropout(u, self.config.dropout, self.training)[b, rank]  # (M, D*Hu)
        return {name: logits[name].index_put((b, t), head(u)) for name, head in self.upper_heads.items()}


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


MODELS = {"tagger": TaggerModel, "sentiment": SentimentModel, "tokenizer": TokenizerModel}


def batch_tensors(batch) -> dict[str, torch.Tensor]:
    """An encoding.Batch (numpy) as the keyword arguments of a model's forward()."""
    tensors = {"words": torch.from_numpy(batch.words), "lengths": torch.from_numpy(batch.lengths),
               "chars": torch.from_numpy(batch.chars), "char_lengths": torch.from_numpy(batch.char_lengths),
               "char_index": torch.from_numpy(batch.char_index)}
    if batch.candidates is not None:
        tensors["candidates"] = torch.from_numpy(batch.candidates)
    return tensors


def numpy_state(model: nn.Module) -> dict[str, np.ndarray]:
    """The weights as numpy arrays, under the names forward.py reads."""
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def model_from_file(model) -> nn.Module:
    """A model_file.ModelFile as a torch module in float64 (for exact gradients), eval mode."""
    net = MODELS[model.config.task](model.config)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in model.weights.items()})
    return net.eval().double()
