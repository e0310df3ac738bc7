"""The numpy forward pass: the same computation as `train/model.py`, over the same weights,
without importing torch (so `rnncli tag` starts fast and small)."""

from __future__ import annotations

import numpy as np

from rnncli.config import ModelConfig
from rnncli.encoding import Batch

Weights = dict[str, np.ndarray]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0.0), "linear": lambda x: x}


def reverse_padded(x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Reverse each sequence of x (B, T, F) within its own length; padding stays put."""
    B, T = x.shape[:2]
    steps = np.broadcast_to(np.arange(T), (B, T))
    source = lengths[:, None] - 1 - steps
    source = np.where(source >= 0, source, steps)
    return np.take_along_axis(x, source[:, :, None], axis=1)


def run_direction(w: Weights, prefix: str, layer: int, direction: str, cell: str, activation: str,
                  x: np.ndarray) -> np.ndarray:
    """One layer, one direction over x (B, T, I) -> (B, T, H), from zero initial state."""
    W_ih, W_hh = w[f"{prefix}.weight_ih_l{layer}{direction}"], w[f"{prefix}.weight_hh_l{layer}{direction}"]
    B, T, _ = x.shape
    H = W_hh.shape[1]
    h = np.zeros((B, H), dtype=np.float32)
    out = np.empty((B, T, H), dtype=np.float32)
    W_hh_T = np.ascontiguousarray(W_hh.T)
    if cell == "rnn":
        act = ACTIVATIONS[activation]
        xw = x @ W_ih.T + w[f"{prefix}.bias_l{layer}{direction}"]  # (B, T, H)
        for t in range(T):
            h = act(xw[:, t] + h @ W_hh_T)
            out[:, t] = h
    elif cell == "lstm":
        xw = x @ W_ih.T + (w[f"{prefix}.bias_ih_l{layer}{direction}"] + w[f"{prefix}.bias_hh_l{layer}{direction}"])  # (B, T, 4H)
        c = np.zeros((B, H), dtype=np.float32)
        for t in range(T):
            gates = xw[:, t] + h @ W_hh_T  # (B, 4H): input, forget, cell, output (torch order)
            i, f, g, o = sigmoid(gates[:, :H]), sigmoid(gates[:, H:2 * H]), np.tanh(gates[:, 2 * H:3 * H]), sigmoid(gates[:, 3 * H:])
            c = f * c + i * g
            h = o * np.tanh(c)
            out[:, t] = h
    else:  # gru
        xw = x @ W_ih.T + w[f"{prefix}.bias_ih_l{layer}{direction}"]  # (B, T, 3H): reset, update, new
        b_hh = w[f"{prefix}.bias_hh_l{layer}{direction}"]
        for t in range(T):
            hw = h @ W_hh_T + b_hh  # (B, 3H)
            r = sigmoid(xw[:, t, :H] + hw[:, :H])
            z = sigmoid(xw[:, t, H:2 * H] + hw[:, H:2 * H])
            n = np.tanh(xw[:, t, 2 * H:] + r * hw[:, 2 * H:])
            h = (1.0 - z) * n + z * h
            out[:, t] = h
    return out


def run_recurrent(w: Weights, prefix: str, config: ModelConfig, layers: int, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(B, T, I) -> (B, T, D*H), the numpy twin of `model.run_recurrent`."""
    for layer in range(layers):
        outs = [run_direction(w, prefix, layer, "", config.cell, config.activation, x)]
        if config.bidirectional:
            rev = run_direction(w, prefix, layer, "_reverse", config.cell, config.activation, reverse_padded(x, lengths))
            outs.append(reverse_padded(rev, lengths))
        x = np.concatenate(outs, axis=-1)
    return x


def final_states(out: np.ndarray, lengths: np.ndarray, hidden: int, bidirectional: bool) -> np.ndarray:
    last = out[np.arange(out.shape[0]), lengths - 1]  # (B, D*H)
    if not bidirectional:
        return last
    return np.concatenate([last[:, :hidden], out[:, 0, hidden:]], axis=-1)


def states(config: ModelConfig, w: Weights, batch: Batch) -> np.ndarray:
    """The top recurrent layer's states (B, T, D*H); rows past a text's length are junk."""
    x = w["word_emb.weight"][batch.words]  # (B, T, E)
    if config.char:
        ch = w["char_emb.weight"][batch.chars]  # (U, L, Ec)
        ch = run_recurrent(w, "char_rnn", config, 1, ch, batch.char_lengths)  # (U, L, D*Hc)
        per_word = final_states(ch, batch.char_lengths, config.char_hidden, config.bidirectional)
        x = np.concatenate([x, per_word[batch.char_index]], axis=-1)  # (B, T, E + D*Hc)
    return run_recurrent(w, "rnn", config, config.layers, x.astype(np.float32), batch.lengths)


def heads(config: ModelConfig, w: Weights, h: np.ndarray) -> dict[str, np.ndarray]:
    return {name: softmax(h @ w[f"heads.{name}.weight"].T + w[f"heads.{name}.bias"]) for name in config.heads}


def tagger_forward(config: ModelConfig, w: Weights, batch: Batch) -> dict[str, np.ndarray]:
    """Returns head name -> probabilities (B, T, classes); rows past a sentence's length are junk."""
    return heads(config, w, states(config, w, batch))


def pool(h: np.ndarray, lengths: np.ndarray, config: ModelConfig, w: Weights) -> np.ndarray:
    """(B, T, D*H) -> (B, D*H), the numpy twin of `model.pool`."""
    mask = np.arange(h.shape[1])[None, :] < lengths[:, None]  # (B, T)
    if config.pooling == "max":
        return np.where(mask[..., None], h, -np.inf).max(axis=1)
    if config.pooling == "mean":
        return (h * mask[..., None]).sum(axis=1) / lengths[:, None]
    if config.pooling == "final":
        return final_states(h, lengths, config.hidden, config.bidirectional)
    scores = np.where(mask, (h @ w["attn.weight"].T)[..., 0], -np.inf)  # (B, T)
    return (softmax(scores)[..., None] * h).sum(axis=1)


def sentiment_forward(config: ModelConfig, w: Weights, batch: Batch) -> dict[str, np.ndarray]:
    """Returns head name -> probabilities (B, classes)."""
    h = states(config, w, batch)
    return heads(config, w, pool(h, batch.lengths, config, w).astype(np.float32))
