"""The numpy forward pass: the same computation as `train/model.py`, over the same weights,
without importing torch (so `rnncli tag` starts fast and small).

The recurrent loop is the hot spot, so it is written for speed (same results):

* packed sequences (as torch's PackedSequence): the real steps only, time-major, the texts
  sorted longest first, so that the texts still inside their sequence at step t are a prefix of
  those at step t - 1; no work is done on padding, every step reads and writes contiguous rows,
  and the reverse direction runs backwards over the same rows (no reversed copies);
* one nonlinearity pass over the whole gate block: the sigmoid gates' pre-activations are
  halved (exact in floating point: in their weights and biases, see CellWeights), so that
  sigmoid(a) = tanh(a / 2) * 0.5 + 0.5 comes from the same tanh as the cell gate; the LSTM's
  gates are finished by one per-column affine map over the whole block, the GRU's r and z by
  + 1 and * 0.5 over theirs; every step works in preallocated buffers (`out=`).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np

from rnncli.model.config import ModelConfig
from rnncli.model.encoding import Batch

if TYPE_CHECKING:
    from rnncli.model.char_cache import CharCache

Weights = dict[str, np.ndarray]
TABLE_LIMIT = 1 << 20  # floats in a first layer's input table (_input_table): vocabularies of characters, not words


def embedding_rows(w: Weights, rows: np.ndarray | slice = slice(None), name: str = "word_emb") -> np.ndarray:
    """Rows of an embedding (..., E) as float32: a model file's word embedding is kept as stored
    (model_file.EMBEDDING), and a row cast when read is the row cast on loading, bit for bit."""
    return w[f"{name}.weight"][rows].astype(np.float32, copy=False)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _activate(activation: str, a: np.ndarray) -> None:
    """The vanilla cell's nonlinearity, in place."""
    if activation == "tanh":
        np.tanh(a, out=a)
    elif activation == "relu":
        np.maximum(a, 0.0, out=a)


class CellWeights(NamedTuple):
    """One layer and direction's weights as the forward pass uses them, G = gates * H. The
    sigmoid gates' pre-activations (LSTM i, f, o; GRU r, z) come out halved: their rows of W_ih
    and W_hh and their biases are multiplied by 0.5 here, which is exact in floating point."""
    W_ih_T: np.ndarray  # (I, G): the input part of a step is x W_ih_T + b_x
    b_x: np.ndarray  # (G,)
    W_hh_T: np.ndarray  # (H, G): the state part is h W_hh_T (+ b_h), contiguous (BLAS is fastest on it so)
    b_h: np.ndarray | None  # (G,): the GRU's, kept apart; None for the others
    post_scale: np.ndarray | None  # (G,): the LSTM's gates are tanh(a) * post_scale + post_offset,
    post_offset: np.ndarray | None  # (G,)  i.e. sigmoid(a) = tanh(a / 2) * 0.5 + 0.5, and tanh(a) for g


_PREPARED: dict[tuple[int, str], CellWeights] = {}  # (id of W_hh, cell) -> its CellWeights, dropped with W_hh


def _cell_weights(w: Weights, prefix: str, layer: int, direction: str, cell: str) -> CellWeights:
    """One layer and direction's CellWeights, made once per set of weights (inference never
    changes them) and kept while W_hh lives."""
    name = lambda kind: w[f"{prefix}.{kind}_l{layer}{direction}"]  # noqa: E731
    W_hh = name("weight_hh")
    key = (id(W_hh), cell)
    if key not in _PREPARED:
        H = W_hh.shape[1]
        if cell == "rnn":
            prepared = CellWeights(name("weight_ih").T, name("bias"), np.ascontiguousarray(W_hh.T), None, None, None)
        else:
            sigmoid_gates = np.array({"lstm": [1, 1, 0, 1], "gru": [1, 1, 0]}[cell])  # torch's order: i f g o; r z n
            scale = np.repeat(np.where(sigmoid_gates, np.float32(0.5), np.float32(1.0)), H)  # (G,)
            W_ih_T, W_hh_T = (np.multiply(m.T, scale, order="C") for m in (name("weight_ih"), W_hh))
            if cell == "lstm":  # both biases go in once, as torch adds them
                offset = np.repeat(np.where(sigmoid_gates, np.float32(0.5), np.float32(0.0)), H)  # (G,)
                prepared = CellWeights(W_ih_T, (name("bias_ih") + name("bias_hh")) * scale, W_hh_T, None, scale, offset)
            else:
                prepared = CellWeights(W_ih_T, name("bias_ih") * scale, W_hh_T, name("bias_hh") * scale, None, None)
        _PREPARED[key] = prepared
        weakref.finalize(W_hh, _PREPARED.pop, key, None)
    return _PREPARED[key]


Product = Callable[..., np.ndarray]  # (M, K) @ (K, N) -> out (M, N): np.matmul or _rows_apart


def _rows_apart(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """a (M, K) @ b (K, N) -> out (M, N), each row a function of its own row of a alone, which one
    product does not promise (OpenBLAS's AVX-512 and Haswell kernels round a row by its company):
    a product per row, about twice the time, for the character network, cached per word."""
    np.matmul(a[:, None, :], b, out=out[:, None, :])  # (M, 1, K) @ (K, N) -> (M, 1, N)
    return out


def _input_part(w: Weights, prefix: str, layer: int, direction: str, cell: str, x: np.ndarray) -> np.ndarray:
    """(N, I) -> (N, G): the input part of every step at once, x W_ih_T + b_x (see CellWeights)."""
    weights = _cell_weights(w, prefix, layer, direction, cell)
    xw = np.matmul(x, weights.W_ih_T)  # (N, G)
    xw += weights.b_x
    return xw


_TABLES: dict[tuple[int, str, str], np.ndarray] = {}  # (id of W_ih, cell, direction) -> table, dropped with W_ih


def _input_table(w: Weights, prefix: str, direction: str, cell: str, embedding: str = "word_emb") -> np.ndarray:
    """(V, G): the first layer's input part for each vocabulary item, when its input is the
    embedding alone (a tokenizer's characters, a tagger's character network): a row lookup
    then replaces a matrix product per character. Made once per set of weights."""
    W_ih = w[f"{prefix}.weight_ih_l0{direction}"]
    key = (id(W_ih), cell, direction)
    if key not in _TABLES:
        _TABLES[key] = _input_part(w, prefix, 0, direction, cell, embedding_rows(w, name=embedding))
        weakref.finalize(W_ih, _TABLES.pop, key, None)
    return _TABLES[key]


def _direction(w: Weights, prefix: str, layer: int, direction: str, cell: str, activation: str,
               xw: np.ndarray, counts: np.ndarray, starts: np.ndarray, h0: np.ndarray | None = None,
               c: np.ndarray | None = None, product: Product = np.matmul) -> np.ndarray:
    """One layer, one direction over the packed input part xw (N, G) (see _input_part): step t's
    rows are xw[starts[t]:starts[t] + counts[t]], the sequences still inside at step t, longest
    first (so each step's rows are a prefix of the step before's). Returns the states (N, H), in
    the same rows: for the vanilla cell (G = H) they are xw itself, overwritten step by step
    (the caller hands xw over), for the others a new array. The reverse direction runs from the
    last step down to the first, each sequence starting from a zero state at its own last token.
    A forward run may start from the state h0 (B, H) instead, and take c (B, H) as the LSTM's
    cell state buffer: its start (zeros, or h0's), then its last. `product` multiplies the
    states by W_hh_T (np.matmul, or _rows_apart)."""
    weights = _cell_weights(w, prefix, layer, direction, cell)
    W_hh_T = weights.W_hh_T
    H = W_hh_T.shape[0]
    B = counts.max(initial=0)
    out = xw if cell == "rnn" else np.zeros((len(xw), H), np.float32)  # (N, H) the states, zeros at first
    gates = np.empty((B, W_hh_T.shape[1]), np.float32)  # (B, G)
    c = np.zeros((B, H), np.float32) if c is None else c  # LSTM cell state
    tmp = np.empty((B, H), np.float32)  # scratch
    counts, starts = counts.tolist(), starts.tolist()  # Python ints: slicing with them costs less per step
    prev = None
    for t in (range(len(counts) - 1, -1, -1) if direction == "_reverse" else range(len(counts))):
        n = counts[t]  # sequences inside at step t
        if not n:
            continue
        h, xt = out[starts[t]:starts[t] + n], xw[starts[t]:starts[t] + n]  # (n, H), (n, G)
        if prev is None:
            m, h_prev = (0, None) if h0 is None else (n, h0[:n])  # (n, H)
        else:
            m = min(counts[prev], n)  # of which the first m have a state from the step before
            h_prev = out[starts[prev]:starts[prev] + m]  # (m, H)
        if cell == "rnn":
            _rnn_step(activation, W_hh_T, h_prev, m, tmp[:m], h, product)
        elif cell == "lstm":
            _lstm_step(weights, xt, h_prev, m, gates[:n], c[:n], tmp[:n], h, product)
        else:
            _gru_step(W_hh_T, weights.b_h, xt, h_prev, m, gates[:n], tmp[:n], h, product)
        prev = t
    return out


def _rnn_step(activation: str, W_hh_T: np.ndarray, h_prev: np.ndarray | None, m: int, a: np.ndarray,
              h: np.ndarray, product: Product) -> None:
    """One vanilla RNN step over n sequences, in place: h (n, H) holds the step's input part and
    becomes its states, the first m going on from h_prev (m, H) and the rest from a zero state;
    a (m, H) is scratch. (xt + h_prev W_hh_T is the same float as h_prev W_hh_T + xt.)"""
    if m:
        product(h_prev, W_hh_T, out=a)
        h[:m] += a
    _activate(activation, h)


def _lstm_step(weights: CellWeights, xt: np.ndarray, h_prev: np.ndarray | None, m: int, g: np.ndarray,
               cn: np.ndarray, tn: np.ndarray, h: np.ndarray, product: Product) -> None:
    """One LSTM step (see _rnn_step): g (n, G) the gates, cn (n, H) the cell state and tn (n, H)
    scratch, all views of _direction's buffers. The gates' affine map after tanh runs over the
    whole contiguous block with per-column vectors, not over the sigmoid gates' column slices:
    numpy walks those row by row (about 4x slower)."""
    H = weights.W_hh_T.shape[0]
    if m:
        product(h_prev, weights.W_hh_T, out=g[:m])
        g[:m] += xt[:m]
    g[m:] = xt[m:]
    np.tanh(g, out=g)
    g *= weights.post_scale  # i, f, o: tanh(a / 2) * 0.5 + 0.5 = sigmoid(a); g: tanh(a) * 1 + 0
    g += weights.post_offset
    i, f, cand, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
    cn *= f  # rows [m, n) of the cell state are still zero
    np.multiply(i, cand, out=tn)
    cn += tn
    np.tanh(cn, out=tn)
    np.multiply(o, tn, out=h)


def _gru_step(W_hh_T: np.ndarray, b_h: np.ndarray, xt: np.ndarray, h_prev: np.ndarray | None, m: int,
              g: np.ndarray, tn: np.ndarray, h: np.ndarray, product: Product) -> None:
    """One GRU step (see _rnn_step): g (n, G) the gates and tn (n, H) scratch, views of
    _direction's buffers."""
    H = W_hh_T.shape[0]
    if m:
        product(h_prev, W_hh_T, out=g[:m])
    g[m:] = 0.0
    g += b_h
    rz = g[:, :2 * H]  # r, z, n
    rz += xt[:, :2 * H]
    np.tanh(rz, out=rz)
    rz += 1.0
    rz *= 0.5
    r, z, new = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
    new *= r
    new += xt[:, 2 * H:]
    np.tanh(new, out=new)
    np.subtract(1.0, z, out=tn)
    tn *= new  # (1 - z) * n
    if m:
        np.multiply(z[:m], h_prev, out=h[:m])  # z * h_{t-1}; rows [m, n) stay 0
    h += tn


def _fits_table(w: Weights, prefix: str) -> bool:
    """Whether the first layer's input table (_input_table) of a vocabulary is small enough (TABLE_LIMIT)."""
    return len(w["word_emb.weight"]) * w[f"{prefix}.weight_ih_l0"].shape[0] <= TABLE_LIMIT


def _first_input(w: Weights, prefix: str, cell: str, ids: np.ndarray) -> np.ndarray:
    """ids (T,) -> (T, G): the first layer's input part, looked up in _input_table when the
    vocabulary is small enough for one (TABLE_LIMIT)."""
    if _fits_table(w, prefix):
        return _input_table(w, prefix, "", cell)[ids]
    return _input_part(w, prefix, 0, "", cell, embedding_rows(w, ids))


def one_stream(w: Weights, prefix: str, cell: str, activation: str, ids: np.ndarray,
               state: list[tuple[np.ndarray, np.ndarray | None]]
               ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray | None]]]:
    """One sequence of ids (T,) read on from `state` (per layer h and c (1, H), c None but for the
    LSTM) a layer at a time, each layer's input part for all steps at once: the top layer's
    states (T, H) and the new state. A language model reads its prompt so, in chunks, as it
    would step by step."""
    x, last = None, []
    for layer, (h0, c0) in enumerate(state):
        xw = _first_input(w, prefix, cell, ids) if layer == 0 else _input_part(w, prefix, layer, "", cell, x)
        c = np.zeros_like(h0) if c0 is None else c0.copy()  # (1, H)
        x = _direction(w, prefix, layer, "", cell, activation, xw, np.ones(len(ids), np.int64),
                       np.arange(len(ids) + 1), h0, c)  # (T, H)
        last.append((x[-1:].copy(), c if cell == "lstm" else None))
    return x, last


class Packed:
    """Where the real steps of a padded batch (B, T) go in the packed layout `_direction` reads."""

    def __init__(self, lengths: np.ndarray, T: int):
        order = np.argsort(-lengths, kind="stable")  # longest first
        inside = lengths[order][None, :] > np.arange(T)[:, None]  # (T, B): sorted row j is inside at step t
        self.counts = inside.sum(axis=1)  # (T,) sequences inside at step t
        self.starts = np.concatenate([[0], np.cumsum(self.counts)])  # (T + 1,) first packed row of step t
        self.steps, j = np.nonzero(inside)  # (N,) step of each packed row
        self.rows = order[j]  # (N,) its batch row

    def pad(self, x: np.ndarray, B: int, T: int) -> np.ndarray:
        """Packed (N, F) -> (B, T, F), zeros past each sequence's length."""
        padded = np.zeros((B, T, x.shape[1]), np.float32)
        padded[self.rows, self.steps] = x
        return padded


def _run_packed(w: Weights, prefix: str, config: ModelConfig, layers: int, x: np.ndarray | None, packed: Packed,
                inverse: np.ndarray | None = None, embedding: str = "word_emb", product: Product = np.matmul) -> np.ndarray:
    """Packed (N, I) -> (N, D*H) through `layers` recurrent layers. With `inverse` (N,), x holds
    the distinct inputs (P, I), packed row n reading x[inverse[n]], and the first layer's input
    part is computed once per distinct input; x None: the inputs are the `embedding`'s rows
    inverse, whose input part is read from a table (_input_table). `product` as in _direction."""
    for layer in range(layers):
        states = []  # (N, H) per direction
        for direction in ["", "_reverse"][:config.directions]:
            if x is None:
                xw = _input_table(w, prefix, direction, config.cell, embedding)[inverse]  # (N, G)
            else:
                xw = _input_part(w, prefix, layer, direction, config.cell, np.ascontiguousarray(x, np.float32))
                xw = xw if inverse is None or layer else xw[inverse]  # (N, G)
            states.append(_direction(w, prefix, layer, direction, config.cell, config.activation, xw, packed.counts,
                                     packed.starts, product=product))
            del xw  # the vanilla cell's states are xw: only the layer's states and input stay at once
        x = None  # the layer's input goes before its output is made
        x = states[0] if len(states) == 1 else np.concatenate(states, axis=1)  # (N, D*H)
    return x


def final_states(out: np.ndarray, lengths: np.ndarray, hidden: int, bidirectional: bool) -> np.ndarray:
    last = out[np.arange(out.shape[0]), lengths - 1]  # (B, D*H)
    if not bidirectional:
        return last
    return np.concatenate([last[:, :hidden], out[:, 0, hidden:]], axis=-1)


def char_features(config: ModelConfig, w: Weights, chars: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The character network's features of U words: char ids (U, L), lengths (U,) -> (U, D*Hc).
    A word's features depend on its characters alone, not on the other words computed with it
    (input parts from a table, state products by _rows_apart): so the character cache, and
    batches run in other processes, give the bytes of a run without them."""
    packed = Packed(lengths, chars.shape[1])
    ch = _run_packed(w, "char_rnn", config, 1, None, packed, chars[packed.rows, packed.steps], "char_emb", _rows_apart)
    return final_states(packed.pad(ch, *chars.shape), lengths, config.char_hidden, config.bidirectional)  # (U, D*Hc)


def _packed_states(config: ModelConfig, w: Weights, batch: Batch, char_cache: CharCache | None
                   ) -> tuple[np.ndarray, Packed]:
    """The top recurrent layer's states at the real tokens, packed (N, D*H), and where they go."""
    packed = Packed(batch.lengths, batch.words.shape[1])
    ids = batch.words[packed.rows, packed.steps]  # (N,)
    if not config.char and _fits_table(w, "rnn"):
        return _run_packed(w, "rnn", config, config.layers, None, packed, ids), packed
    V = len(w["word_emb.weight"])  # a token's input is its (form, word id), and running text repeats them:
    forms = batch.char_index[packed.rows, packed.steps] if config.char else np.zeros_like(ids)  # (N,)
    inputs, inverse = np.unique(forms * V + ids, return_inverse=True)  # (P,) distinct, (N,) which one
    x = embedding_rows(w, inputs % V)  # (P, E)
    if config.char:
        if char_cache is None:
            per_word = char_features(config, w, batch.chars, batch.char_lengths)  # (U, D*Hc)
        else:
            per_word = char_cache.features(batch.chars, batch.char_lengths,
                                           lambda chars, lengths: char_features(config, w, chars, lengths))
        x = np.concatenate([x, per_word[inputs // V]], axis=-1)  # (P, E + D*Hc)
    return _run_packed(w, "rnn", config, config.layers, x, packed, inverse.reshape(-1)), packed


def states(config: ModelConfig, w: Weights, batch: Batch, char_cache: CharCache | None = None) -> np.ndarray:
    """The top recurrent layer's states (B, T, D*H); rows past a text's length are junk (zeros).
    With `char_cache`, the character network runs only on words it does not hold yet."""
    h, packed = _packed_states(config, w, batch, char_cache)
    return packed.pad(h, *batch.words.shape)


def heads(config: ModelConfig, w: Weights, h: np.ndarray, prefix: str = "heads") -> dict[str, np.ndarray]:
    """States (..., D*H) -> head name -> probabilities (..., classes)."""
    flat = h.reshape(-1, h.shape[-1])  # one matrix product for all tokens, not one per text
    return {name: softmax(flat @ w[f"{prefix}.{name}.weight"].T + w[f"{prefix}.{name}.bias"]).reshape(*h.shape[:-1], -1)
            for name in config.heads}


def _upper_layer(config: ModelConfig, w: Weights, h: np.ndarray, packed: Packed, batch: Batch,
                 probs: dict[str, np.ndarray]) -> None:
    """A tokenizer's upper layer (train/model.py's TokenizerModel): it reads the states h (N, D*H)
    at the batch's candidates (B, T) only, each row's in order, and its heads' probabilities
    replace those of the lower heads there (probs: packed (N, classes), changed in place)."""
    B, T = batch.candidates.shape
    chosen = batch.candidates & (np.arange(T)[None, :] < batch.lengths[:, None])  # (B, T)
    b, t = np.nonzero(chosen)  # (M,), (M,): row by row, in order
    rank = (np.cumsum(chosen, axis=1) - 1)[b, t]  # (M,): each one's step in its row's upper sequence
    upper_lengths = chosen.sum(axis=1)  # (B,)
    upper = Packed(upper_lengths, int(upper_lengths.max(initial=0)))
    at = np.zeros((B, T), np.int64)
    at[packed.rows, packed.steps] = np.arange(len(packed.rows))  # (B, T): the packed row of each step
    source = np.zeros((B, upper.counts.size), np.int64)
    source[b, rank] = at[b, t]  # (B, Tc): the packed row of h that each upper step reads
    rows = source[upper.rows, upper.steps]  # (M,) in the upper layer's packed order
    u = _run_packed(w, "upper", config, 1, h[rows], upper)  # (M, D*Hu)
    for name, p in heads(config, w, u, "upper_heads").items():
        probs[name][rows] = p


def tagger_forward(config: ModelConfig, w: Weights, batch: Batch, char_cache: CharCache | None = None
                   ) -> dict[str, np.ndarray]:
    """Returns head name -> probabilities (B, T, classes); rows past a sentence's length are junk (zeros)."""
    h, packed = _packed_states(config, w, batch, char_cache)
    probs = heads(config, w, h)
    if config.upper_hidden:
        _upper_layer(config, w, h, packed, batch, probs)
    return {name: packed.pad(p, *batch.words.shape) for name, p in probs.items()}


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


def sentiment_forward(config: ModelConfig, w: Weights, batch: Batch, char_cache: CharCache | None = None
                      ) -> dict[str, np.ndarray]:
    """Returns head name -> probabilities (B, classes)."""
    h = states(config, w, batch, char_cache)
    return heads(config, w, pool(h, batch.lengths, config, w).astype(np.float32))
