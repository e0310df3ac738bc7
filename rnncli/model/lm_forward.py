"""The character language model's forward pass in numpy, one step at a time, with its state.

Weights are those `train/lm.py` saves: `word_emb.weight` (the characters' embeddings; a
language model's "words" are characters), `rnn.*` per layer as torch names them (the vanilla
cell with its one bias `bias_l{k}`), and `out.*`, the next character's logits.
"""

from __future__ import annotations

import numpy as np

from rnncli.model.forward import embedding_rows, one_stream
from rnncli.model.model_file import ModelFile
from rnncli.model.vocab import UNK_ID

CHUNK = 4096  # characters a prompt is read in at a time: (CHUNK, gates x hidden) floats of input part per layer
STREAM = 100  # a text is scored as several streams side by side, each of at least this many characters


def stream_rows(characters: int, most: int = 16) -> int:
    """How many contiguous streams a text of this many characters is scored as."""
    return max(1, min(most, (characters - 1) // STREAM))


State = list[tuple[np.ndarray, np.ndarray | None]]  # per layer: h (B, H) and, for the LSTM, c (B, H)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free


def cell_step(cell: str, w: dict[str, np.ndarray], k: int, x: np.ndarray, h: np.ndarray,
              c: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Layer k, one step: x (B, I), h and c (B, H) -> the new h and c. Gate order as torch."""
    xw = x @ w[f"rnn.weight_ih_l{k}"].T  # (B, G*H)
    hw = h @ w[f"rnn.weight_hh_l{k}"].T  # (B, G*H)
    if cell == "rnn":
        return np.tanh(xw + hw + w[f"rnn.bias_l{k}"]), None  # h_t = tanh(W_xh x_t + W_hh h_{t-1} + b)
    xw, hw = xw + w[f"rnn.bias_ih_l{k}"], hw + w[f"rnn.bias_hh_l{k}"]
    if cell == "lstm":
        i, f, g, o = np.split(xw + hw, 4, axis=-1)  # each (B, H)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        return _sigmoid(o) * np.tanh(c), c
    xr, xz, xn = np.split(xw, 3, axis=-1)
    hr, hz, hn = np.split(hw, 3, axis=-1)
    r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
    return (1 - z) * np.tanh(xn + r * hn) + z * h, None


class CharLanguageModel:
    """A saved language model run forward: `start` a state for B streams, `step` one
    character per stream to the log-probabilities of the next."""

    def __init__(self, model: ModelFile):
        self.model, self.config, self.w = model, model.config, model.weights
        self.index = model.words.index

    def ids(self, text: str) -> np.ndarray:
        """(N,) character ids, 4 bytes each (a text to score may be long); a character the model
        never saw is <unk> (1)."""
        return np.fromiter((self.index.get(ch, UNK_ID) for ch in text), np.int32, len(text))

    def start(self, batch: int = 1) -> State:
        zeros = lambda: np.zeros((batch, self.config.hidden), dtype=np.float32)  # noqa: E731
        return [(zeros(), zeros() if self.config.cell == "lstm" else None) for _ in range(self.config.layers)]

    def step(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """ids (B,) -> log-probabilities of the next character (B, V) and the new state."""
        x = embedding_rows(self.w, ids)  # (B, E)
        new = []
        for k, (h, c) in enumerate(state):
            h, c = cell_step(self.config.cell, self.w, k, x, h, c)
            new.append((h, c))
            x = h
        return self._log_probs(x), new

    def _log_probs(self, h: np.ndarray) -> np.ndarray:
        """The top layer's states h (B, H) -> log-probabilities of the next character (B, V)."""
        logits = h @ self.w["out.weight"].T + self.w["out.bias"]  # (B, V)
        logits = logits - logits.max(axis=-1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))

    def read(self, text: str, state: State | None = None) -> tuple[np.ndarray | None, State]:
        """Feed `text` to one stream, from `state` or a fresh one: the log-probabilities after its
        last character (None for no text) and the stream's state. The text goes through the
        model a layer at a time (forward.one_stream: 2-3x faster than step by step), in chunks
        (memory flat on a long prompt)."""
        state = state or self.start(1)
        ids, top = self.ids(text), None
        for begin in range(0, len(ids), CHUNK):
            top, state = one_stream(self.w, "rnn", self.config.cell, "tanh", ids[begin:begin + CHUNK], state)
        return (None if top is None else self._log_probs(top[-1:])[0]), state

    def read_many(self, texts: list[str]) -> tuple[np.ndarray, State]:
        """Feed each text (at least one character each) to a stream of its own, side by side:
        the log-probabilities after each text's last character (B, V) and the streams' state.
        The texts are aligned at their ends: a stream stays at the fresh state until its
        text starts, so each reads exactly its own characters, as `read` would."""
        ids = [self.ids(text) for text in texts]
        if not ids or min(map(len, ids)) == 0:
            raise ValueError("read_many needs texts of at least one character")
        length = max(map(len, ids))
        padded = np.zeros((len(ids), length), dtype=np.int64)  # (B, L), right-aligned
        starts = np.array([length - len(row) for row in ids])  # (B,)
        for b, row in enumerate(ids):
            padded[b, starts[b]:] = row
        state, logp = self.start(len(ids)), None
        for t in range(length):
            active = (starts <= t)[:, None]  # (B, 1)
            logp, new = self.step(padded[:, t], state)
            state = [(np.where(active, h1, h0), None if c1 is None else np.where(active, c1, c0))
                     for (h0, c0), (h1, c1) in zip(state, new)]
        return logp, state

    def nats(self, text: str) -> tuple[float, int]:
        """Total negative log-likelihood (nats) of `text`'s characters after its first, and how
        many were scored; the text is read as `stream_rows` contiguous streams side by side."""
        ids = self.ids(text)  # (N,)
        rows = stream_rows(len(ids))
        length = (len(ids) - 1) // rows
        x = ids[: rows * length].reshape(rows, length)  # (R, L): views, stream r is x[r] and y[r]
        y = ids[1: rows * length + 1].reshape(rows, length)  # (R, L): its next characters
        state, total = self.start(rows), 0.0
        for t in range(length):
            logp, state = self.step(x[:, t], state)
            total -= float(logp[np.arange(rows), y[:, t]].sum())
        return total, rows * max(length, 0)
