"""Vanishing and exploding gradients, made visible (torch).

The recurrent cells are unrolled one step at a time, so every state h_t (and the LSTM's
cell state c_t) is a node of the graph whose gradient can be read. What is measured is the
gradient that reaches step t *through the recurrence* from the last step T of the first
layer's left-to-right pass: g_t = (dh_T/dh_t)^T g_T, the product of step Jacobians that
backpropagation through time multiplies. A vanilla RNN multiplies by W_hh^T diag(act')
at every step, so g_t shrinks (or grows) geometrically with the distance T - t; the LSTM's
cell state passes gradient on through the forget gate, c_t = f_t * c_(t-1) + ..., and keeps it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
import torch

from rnncli.model.encoding import encode
from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.model.model_file import ModelFile
from rnncli.model.tagsets import default_head
from rnncli.train.model import (ACTIVATION_FUNCTIONS, DIRECTIONS, batch_tensors, cell_step, layer_weights,
                                model_from_file, pool)

MAX_TOKENS = 1000  # every step of the unrolled network is kept for its gradient: memory grows with length
KEEP_RATIO = 1e-3  # "reaches" = gradient norm at least this fraction of its maximum
DEFAULT_TEXT = ("I grew up in Korea , so when I moved to Canada for university I practised every day , reading "
                "books , watching films and talking with friends , until my English was as comfortable as my Korean")


@dataclass
class Unrolled:
    top: torch.Tensor  # (..., T, D*H) the top layer's states, as the fused modules compute them
    h: list[torch.Tensor]  # first layer, left-to-right: h_1 .. h_T, each (..., H), graph nodes
    c: list[torch.Tensor]  # the same for the LSTM's cell state (empty for other cells)
    forget: list[torch.Tensor]  # the LSTM's forget gate per step


def unroll(module: torch.nn.Module, cell: str, activation: str, layers: int, bidirectional: bool,
           hidden: int, x: torch.Tensor) -> Unrolled:
    """The recurrent stack over one sequence x (T, I), or a batch of sequences of the same
    length (B, T, I), one step at a time (train.model.cell_step)."""
    act = ACTIVATION_FUNCTIONS[activation]
    T = x.shape[-2]
    first = Unrolled(x, [], [], [])
    for layer in range(layers):
        outputs = []
        for direction in (DIRECTIONS if bidirectional else DIRECTIONS[:1]):
            w_ih, b_ih, w_hh, b_hh = layer_weights(module, layer, direction)
            xw = x @ w_ih.T + b_ih  # (..., T, G*H): the input's part of every step
            h = x.new_zeros(*x.shape[:-2], hidden)
            c = x.new_zeros(*x.shape[:-2], hidden) if cell == "lstm" else None
            states = [None] * T
            for t in (range(T) if direction == "" else reversed(range(T))):
                h, c, f = cell_step(cell, act, xw[..., t, :], h, c, w_hh, b_hh)
                states[t] = h
                if layer == 0 and direction == "":
                    first.h.append(h)
                    if c is not None:
                        first.c.append(c)
                        first.forget.append(f)
            outputs.append(torch.stack(states, dim=-2))  # (..., T, H)
        x = torch.cat(outputs, dim=-1)  # (..., T, D*H)
    first.top = x
    return first


def lstm_gates(module: torch.nn.Module, x: torch.Tensor, h: list[torch.Tensor], c: list[torch.Tensor]) -> dict:
    """The gates of the first layer's left-to-right LSTM pass, per step, recomputed from the
    same weights and states that `cell_step` used: x (T, I) the layer's input, h and c the
    states h_1..h_T and c_1..c_T of `unroll`. Returns lists of T floats: `input_gate_mean`,
    `forget_gate_mean`, `output_gate_mean` (each gate's mean over the H units, in (0, 1)) and
    `cell_state_norm` (|c_t|, the Euclidean norm of the cell state). torch's gate order:
    i, f, g, o; c_t = f_t * c_(t-1) + i_t * g_t and h_t = o_t * tanh(c_t)."""
    w_ih, b_ih, w_hh, b_hh = layer_weights(module, 0, "")
    with torch.no_grad():
        states = torch.stack([s.detach() for s in h])  # (T, H)
        previous = torch.cat([states.new_zeros(1, states.shape[-1]), states[:-1]])  # h_(t-1), h_0 = 0
        i, f, _, o = (x.detach() @ w_ih.T + b_ih + previous @ w_hh.T + b_hh).chunk(4, dim=-1)
        cells = torch.stack([s.detach() for s in c])
        mean = lambda gate: [float(v) for v in torch.sigmoid(gate).mean(-1)]  # noqa: E731
        return {"input_gate_mean": mean(i), "forget_gate_mean": mean(f), "output_gate_mean": mean(o),
                "cell_state_norm": [float(v) for v in cells.norm(dim=-1)]}


@dataclass
class Explanation:
    """Gradient norms for one model on one text, aligned with `tokens`. For an LSTM, also the
    first layer's left-to-right gates per token (see `lstm_gates`)."""

    name: str
    cell: str
    tokens: list[str]
    prediction: dict  # {"label" or "tag", "prob", "position"}
    grad_norms: list[float]  # |g_t| wrt h_t, through the recurrence from the last step
    x_grad_norms: list[float]  # the same wrt the input vector x_t
    c_grad_norms: list[float] = field(default_factory=list)  # LSTM: wrt c_t
    forget_gate_mean: list[float] = field(default_factory=list)  # LSTM: mean forget gate per step
    saliency: list[float] = field(default_factory=list)  # gradient x input of the prediction, per token
    input_gate_mean: list[float] = field(default_factory=list)  # LSTM: mean input gate per step
    output_gate_mean: list[float] = field(default_factory=list)  # LSTM: mean output gate per step
    cell_state_norm: list[float] = field(default_factory=list)  # LSTM: |c_t| per step

    def summary(self) -> dict:
        return summary_with_verdict(self.grad_norms)

    def gates(self) -> dict:
        """LSTM: the per-token gate means and |c_t| (JSON keys as in `to_dict`); {} otherwise."""
        if not self.input_gate_mean:
            return {}
        return {"input_gate_mean": self.input_gate_mean, "forget_gate_mean": self.forget_gate_mean,
                "output_gate_mean": self.output_gate_mean, "cell_state_norm": self.cell_state_norm}

    def to_dict(self) -> dict:
        out = {"model": self.name, "cell": self.cell, "prediction": self.prediction,
               "grad_norms": self.grad_norms, "x_grad_norms": self.x_grad_norms, **self.summary()}
        if self.c_grad_norms:
            out["c_grad_norms"], out["forget_gate_mean"] = self.c_grad_norms, self.forget_gate_mean
        out.update(self.gates())
        if self.saliency:
            out["saliency"] = self.saliency
        return out


CLEAR_FACTOR = 1.05  # a decay factor beyond x1.05 (or below 1/1.05) per step is clear growth (decay)
VERDICT_RULE = (f"vanishes when the upper quartile of the decay factors is below 1/{CLEAR_FACTOR:g} (three quarters "
                "of the sentences lose at least ~5% per step back: tenfold within 48 steps); explodes when the lower "
                f"quartile is above {CLEAR_FACTOR:g} (three quarters gain at least 5% per step: tenfold within 48 "
                "steps); holds otherwise. One text: the same rule on its one factor")


def verdict(q1: float | None, q3: float | None = None) -> str | None:
    """The word for decay factors whose quartiles are q1 <= q3 (one sequence: q1 = q3 = its
    factor): "vanishes" when q3 < 1/CLEAR_FACTOR, "explodes" when q1 > CLEAR_FACTOR, "holds"
    otherwise (the factor stays within x1.05 of 1, or the sentences disagree); None without a
    factor. A factor like x1.016 per step is "holds", never "explodes"."""
    q3 = q1 if q3 is None else q3
    if q1 is None or q3 is None:
        return None
    if q3 < 1 / CLEAR_FACTOR:
        return "vanishes"
    if q1 > CLEAR_FACTOR:
        return "explodes"
    return "holds"


def decay_summary(norms: list[float]) -> dict:
    """`decay_factor`: the factor |g| is multiplied by per step back in time, on average: the
    geometric mean of the successive ratios |g_(t-1)| / |g_t|, which is
    (|g_1| / |g_T|) ** (1 / (T - 1)) for a sequence of T steps (distance 0 = the last step T);
    < 1 the gradient shrinks going back, > 1 it grows; None for one step or a zero norm.
    `reach`: the largest distance k (steps back from the last step) at which |g| is still at
    least KEEP_RATIO (1e-3) of its largest value in the sequence, so 0..T-1; T-1 when it is still
    that high at the first token (then the text's length, not the network, set the limit). The summaries of
    Explanation and SyntheticResult add `verdict` (`summary_with_verdict`)."""
    n = np.asarray(norms, dtype=np.float64)
    if len(n) == 0 or n.max() <= 0:
        return {"decay_factor": None, "reach": 0}
    above = np.nonzero(n >= KEEP_RATIO * n.max())[0]
    reach = len(n) - 1 - int(above[0])
    if len(n) < 2 or n[0] <= 0 or n[-1] <= 0:
        return {"decay_factor": None, "reach": reach}
    return {"decay_factor": float(math.exp(math.log(n[0] / n[-1]) / (len(n) - 1))), "reach": reach}


def summary_with_verdict(norms: list[float]) -> dict:
    """`decay_summary` plus `verdict`: the corpus rule (`verdict`) applied to the one factor,
    since one text gives no quartiles; None without a factor."""
    out = decay_summary(norms)
    out["verdict"] = verdict(out["decay_factor"])
    return out


def _prediction_logp(net: torch.nn.Module, model: ModelFile, u: Unrolled, lengths: torch.Tensor) -> tuple:
    """log-probabilities (..., C) of the prediction explained (the sentiment label, or the last
    token's tag) and the class names."""
    config = model.config
    if config.task == "sentiment":
        top = u.top if u.top.dim() == 3 else u.top.unsqueeze(0)
        v = pool(top, lengths, config, getattr(net, "attn", None))  # (B, D*H)
        logp = net.heads["label"](v).log_softmax(-1)
        return (logp if u.top.dim() == 3 else logp[0]), model.labels["label"]
    head = default_head(model.labels)
    return net.heads[head](u.top[..., -1, :]).log_softmax(-1), model.labels[head]


def explain(model: ModelFile, tokens: list[str], saliency: bool = False,
            net: torch.nn.Module | None = None) -> Explanation:
    """Gradient norms of `model`'s prediction for `tokens`: the sentiment label, or for a
    tagger the last token's UPOS tag (which a left-to-right pass reads from h_T). For an
    LSTM, also the gates per token. `net`: model_from_file(model), when the caller has it."""
    config = model.config
    net = model_from_file(model) if net is None else net
    batch = batch_tensors(encode([tokens], model.words, model.chars, config.max_word_chars))
    with torch.no_grad():
        x = net.word_features(batch["words"], batch["chars"], batch["char_lengths"], batch["char_index"])[0]  # (T, F)
    x = x.clone().requires_grad_(True)
    u = unroll(net.rnn, config.cell, config.activation, config.layers, config.bidirectional, config.hidden, x)
    T = len(tokens)
    logp, labels = _prediction_logp(net, model, u, batch["lengths"])
    best = int(logp.argmax())
    loss = logp[best]
    g_T, x_grad = torch.autograd.grad(loss, [u.h[-1], x], retain_graph=True)
    # Through time only: what of g_T reaches each earlier step along the recurrence.
    through = torch.autograd.grad(u.h[-1], u.h + u.c + [x], grad_outputs=g_T, allow_unused=True, retain_graph=True)
    norm = lambda g: 0.0 if g is None else float(g.detach().norm())  # noqa: E731
    h_norms = [norm(g) for g in through[:T]]
    c_norms = [norm(g) for g in through[T:T + len(u.c)]]
    x_through = through[-1]
    explanation = Explanation(
        name=model.name, cell=config.cell, tokens=tokens,
        prediction={"task": config.task, "label": labels[best], "prob": float(logp[best].detach().exp()),
                    "position": T - 1},
        grad_norms=h_norms, x_grad_norms=[float(r.detach().norm()) for r in x_through] if x_through is not None else [0.0] * T,
        c_grad_norms=c_norms, forget_gate_mean=[float(f.detach().mean()) for f in u.forget])
    if config.cell == "lstm":
        gates = lstm_gates(net.rnn, x, u.h, u.c)
        explanation.input_gate_mean = gates["input_gate_mean"]
        explanation.output_gate_mean = gates["output_gate_mean"]
        explanation.cell_state_norm = gates["cell_state_norm"]
    if saliency:
        explanation.saliency = [float(v) for v in (x_grad * x).sum(-1).detach()]
    return explanation


# --- a corpus -----------------------------------------------------------------------

CORPUS_SENTENCES = 500  # default number of sentences (the first ones, in file order)
CORPUS_MAX_TOKENS = 100  # longer sentences are cut to their first CORPUS_MAX_TOKENS tokens
CORPUS_BATCH = 64  # sentences of one length unrolled together
SPANS = ((0, 1), (1, 5), (5, 10), (10, 20), (20, 40))  # distance ranges of `CorpusExplanation.span_factor`
CORPUS_NOTE = ("|g_t| at distance k = the norm of the gradient that reaches the first layer's left-to-right state "
               "k steps before the predicting (last) step, through the recurrence, divided by its norm at distance 0 "
               "in the same sentence (so sentences are comparable; distance 0 is 1 by construction); median and "
               "quartiles across the sentences at least k + 1 tokens long")


def quartiles(values) -> dict:
    """{"q1", "median", "q3", "n"} of the finite values (numpy's linear interpolation); None
    for each quartile when there are none."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=np.float64)
    if len(v) == 0:
        return {"q1": None, "median": None, "q3": None, "n": 0}
    q1, median, q3 = (float(q) for q in np.quantile(v, [0.25, 0.5, 0.75]))
    return {"q1": q1, "median": median, "q3": q3, "n": len(v)}


@dataclass
class CorpusExplanation:
    """Gradient decay of one model over many sentences. Per distance k from the predicting
    step (k = 0: the last token): the median and quartiles, across sentences, of
    |g_(T-k)| / |g_T| (each sentence normalised by its own norm at distance 0), and how many
    sentences are long enough to have a step k back. Per sentence: its decay factor and reach
    (see `decay_summary`), summarised by median and quartiles; `verdict` by `verdict` on the
    decay factors' quartiles."""

    name: str
    cell: str
    task: str
    lengths: list[int]  # tokens of each sentence explained (after the cut at max_tokens)
    decay_factors: list[float | None]  # per sentence; None for one-token sentences
    reaches: list[int]  # per sentence
    median: list[float]  # index k: distance k from the predicting step
    q1: list[float]
    q3: list[float]
    counts: list[int]  # sentences with a step k back
    skipped: int = 0  # sentences whose gradient at distance 0 is zero (no normalisation possible)
    cut: int = 0  # sentences cut to max_tokens
    labels: dict = field(default_factory=dict)  # predicted label -> sentences (all, skipped ones too)
    norms: list[list[float]] = field(default_factory=list, repr=False)  # per sentence, normalised; not in JSON

    @property
    def sentences(self) -> int:
        return len(self.lengths)

    def decay_factor(self) -> dict:
        return quartiles(self.decay_factors)

    def reach(self) -> dict:
        out = quartiles(self.reaches)
        out["censored"] = sum(r == n - 1 for r, n in zip(self.reaches, self.lengths) if n > 1)
        return out

    def verdict(self) -> str | None:
        d = self.decay_factor()
        return verdict(d["q1"], d["q3"])

    def span_factor(self, near: int, far: int) -> dict:
        """The per-step factor between distances near < far, (|g at far| / |g at near|) **
        (1 / (far - near)), per sentence long enough to have both, as quartiles (with `near`
        and `far`): where along the distance the gradient decays fastest, on the same sentences."""
        values = [(n[-1 - far] / n[-1 - near]) ** (1 / (far - near)) for n in self.norms
                  if len(n) > far and n[-1 - near] > 0]
        return {"near": near, "far": far, **quartiles(values)}

    def median_reach(self) -> dict:
        """`distance`: the largest distance at which the median normalised |g| is still at least
        KEEP_RATIO (1e-3); `censored`: it is the longest distance any sentence has."""
        above = [k for k, m in enumerate(self.median) if m is not None and m >= KEEP_RATIO]
        k = max(above, default=0)
        return {"distance": k, "censored": k == len(self.median) - 1}

    def summary_text(self) -> str:
        """One line: the verdict with the statistics it rests on."""
        d, r = self.decay_factor(), self.reach()
        if d["n"] == 0:
            return f"no decay factor (no sentence of 2 or more tokens among {self.sentences})"
        text = (f"{self.verdict()}: per step back x{d['median']:.3f} (median; quartiles x{d['q1']:.3f} to "
                f"x{d['q3']:.3f}) over {d['n']} sentences; reach median {r['median']:g} steps (quartiles "
                f"{r['q1']:g} to {r['q3']:g}), {r['censored']} of them still above 1e-3 at their first token")
        if self.skipped:
            text += f"; {self.skipped} sentences left out (no gradient at the last step)"
        return text

    def to_dict(self) -> dict:
        return {"model": self.name, "cell": self.cell, "task": self.task, "sentences": self.sentences,
                "skipped": self.skipped, "cut": self.cut, "predictions": self.labels,
                "distance": list(range(len(self.median))), "median": self.median, "q1": self.q1, "q3": self.q3,
                "counts": self.counts, "decay_factor": self.decay_factor(), "reach": self.reach(),
                "median_reach": self.median_reach(),
                "span_factors": [f for f in (self.span_factor(a, b) for a, b in SPANS) if f["n"]],
                "verdict": self.verdict(), "verdict_rule": VERDICT_RULE, "summary": self.summary_text(),
                "note": CORPUS_NOTE, "lengths": self.lengths, "decay_factors": self.decay_factors,
                "reaches": self.reaches}


def corpus_grad_norms(model: ModelFile, sentences: list[list[str]], batch_size: int = CORPUS_BATCH,
                      net: torch.nn.Module | None = None) -> tuple[list[list[float]], list[str]]:
    """|g_t| per step of each sentence (what `explain` gives as grad_norms) and the predicted
    label, computed for sentences of equal length together (batches of `batch_size`): the
    sentences do not interact, so each one's gradient is its own."""
    config = model.config
    if net is None:
        net = model_from_file(model).requires_grad_(False)  # gradients wrt the states only
    norms: list[list[float]] = [[] for _ in sentences]
    labels: list[str] = [""] * len(sentences)
    by_length: dict[int, list[int]] = {}
    for i, s in enumerate(sentences):
        by_length.setdefault(len(s), []).append(i)
    for T, members in sorted(by_length.items()):
        for start in range(0, len(members), batch_size):
            chunk = members[start:start + batch_size]
            batch = batch_tensors(encode([sentences[i] for i in chunk], model.words, model.chars,
                                         config.max_word_chars))
            with torch.no_grad():
                x = net.word_features(batch["words"], batch["chars"], batch["char_lengths"], batch["char_index"])
            x.requires_grad_(True)  # (B, T, F)
            u = unroll(net.rnn, config.cell, config.activation, config.layers, config.bidirectional,
                       config.hidden, x)
            logp, names = _prediction_logp(net, model, u, batch["lengths"])  # (B, C)
            best = logp.max(-1)
            g_T, = torch.autograd.grad(best.values.sum(), [u.h[-1]], retain_graph=True)  # (B, H), row by row
            through = torch.autograd.grad(u.h[-1], u.h, grad_outputs=g_T, allow_unused=True)
            columns = torch.stack([torch.zeros(len(chunk), dtype=x.dtype) if g is None else g.norm(dim=-1)
                                   for g in through], dim=1)  # (B, T)
            for row, i in enumerate(chunk):
                norms[i] = [float(v) for v in columns[row]]
                labels[i] = names[int(best.indices[row])]
    return norms, labels


def corpus_statistics(name: str, cell: str, task: str, norms: list[list[float]], labels: list[str] | None = None,
                      cut: int = 0) -> CorpusExplanation:
    """Median and quartiles by distance, and per-sentence decay factor and reach, of the
    per-step gradient norms of many sentences (each list left to right, last = distance 0)."""
    kept = [n for n in norms if len(n) and n[-1] > 0]
    longest = max((len(n) for n in kept), default=0)
    median, q1, q3, counts = [], [], [], []
    for k in range(longest):
        q = quartiles([n[-1 - k] / n[-1] for n in kept if len(n) > k])
        median.append(q["median"])
        q1.append(q["q1"])
        q3.append(q["q3"])
        counts.append(q["n"])
    summaries = [decay_summary(n) for n in kept]
    predicted: dict[str, int] = {}
    for label in labels or []:
        predicted[label] = predicted.get(label, 0) + 1
    return CorpusExplanation(name, cell, task, [len(n) for n in kept], [s["decay_factor"] for s in summaries],
                             [s["reach"] for s in summaries], median, q1, q3, counts,
                             skipped=len(norms) - len(kept), cut=cut, labels=predicted,
                             norms=[[v / n[-1] for v in n] for n in kept])


def read_corpus(path: str) -> list[list[str]]:
    """Tokenized sentences of a file: CoNLL-U (its words), a label<TAB>text TSV (its texts,
    split on whitespace), or plain text, one sentence per line (tokenized like other input)."""
    from rnncli.data.examples import _looks_like_conllu, read_lines, read_sentiment_tsv, read_tagged_conllu
    from rnncli.text.sentences import clean, tokenize

    lines = read_lines(path)
    if _looks_like_conllu(lines):
        return [s.words for s in read_tagged_conllu(path, lines)]
    first = next((line for line in lines if line.strip()), "")
    if len(first.rstrip("\r\n").split("\t")) == 2:
        return [e.words for e in read_sentiment_tsv(path)]
    sentences = [t for t in (tokenize(" ".join(clean(line).split()))[0] for line in lines if line.strip()) if t]
    if not sentences:
        raise RnnCliError(f"{path}: no sentences to explain; give a file with some text")
    return sentences


def explain_corpus(specs: list[str], task: str, sentences: list[list[str]], max_sentences: int = CORPUS_SENTENCES,
                   max_tokens: int = CORPUS_MAX_TOKENS) -> list[CorpusExplanation]:
    """Gradient decay over a corpus, per model (bundled name or path) of `task`: the first
    `max_sentences` non-empty sentences (tokenized), each cut to its first `max_tokens`
    tokens; see CorpusExplanation. Sentences of equal length are unrolled together."""
    chosen = [list(s) for s in sentences if len(s)][:max_sentences]
    if not chosen:
        raise RnnCliError("no sentences to explain; give a file with some text")
    cut = sum(len(s) > max_tokens for s in chosen)
    chosen = [s[:max_tokens] for s in chosen]
    out = []
    for model in open_models(specs, task):
        norms, labels = corpus_grad_norms(model, chosen)
        out.append(corpus_statistics(model.name, model.config.cell, model.config.task, norms, labels, cut))
    return out


# --- synthetic sequences ------------------------------------------------------------


@dataclass
class SyntheticResult:
    cell: str
    activation: str
    radius: float
    grad_norms: list[float]  # index t: |dL/dh_t|, t = 1..T (last = distance 0)
    analytic: list[float] | None = None  # linear rnn: |(W_hh^T)^(T-t) u|
    clip: dict | None = None  # {"threshold", "norm_before", "norm_after", "scale"}

    def summary(self) -> dict:
        out = summary_with_verdict(self.grad_norms)
        if self.analytic is not None:
            a, g = np.asarray(self.analytic), np.asarray(self.grad_norms)
            out["analytic_max_rel_error"] = float(np.max(np.abs(a - g) / np.maximum(a, 1e-300)))
        return out

    def to_dict(self) -> dict:
        out = {"cell": self.cell, "activation": self.activation, "radius": self.radius,
               "grad_norms": self.grad_norms, **self.summary()}
        if self.analytic is not None:
            out["analytic_grad_norms"] = self.analytic
        if self.clip is not None:
            out["clip"] = self.clip
        return out


def scaled_to_radius(w: torch.Tensor, radius: float) -> torch.Tensor:
    """w (H, H) rescaled so that its spectral radius (largest |eigenvalue|) is `radius`."""
    rho = float(torch.linalg.eigvals(w).abs().max())
    return w * (radius / rho)


def synthetic(cell: str, length: int, radius: float, activation: str = "tanh", hidden: int = 32, seed: int = 0,
              clip: float | None = None, input_scale: float = 0.1, forget_bias: float = 0.0) -> SyntheticResult:
    """Random weights with each recurrent block scaled to spectral radius `radius`, random
    inputs, and L = u . h_T for a random unit vector u; float64 throughout. `forget_bias`
    is added to the LSTM's forget gate (trained LSTMs learn to keep it open)."""
    g = torch.Generator().manual_seed(seed)
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    blocks = [scaled_to_radius(torch.randn(hidden, hidden, generator=g, dtype=torch.float64), radius)
              for _ in range(gates)]
    w_ih = torch.randn(gates * hidden, hidden, generator=g, dtype=torch.float64) / math.sqrt(hidden)
    w_hh = torch.cat(blocks).requires_grad_(True)  # (G*H, H)
    b_ih = torch.zeros(gates * hidden, dtype=torch.float64)
    b_hh = None if cell == "rnn" else torch.zeros(gates * hidden, dtype=torch.float64)
    if cell == "lstm":
        b_ih[hidden:2 * hidden] = forget_bias  # torch gate order: input, forget, cell, output
    xs = torch.randn(length, hidden, generator=g, dtype=torch.float64) * input_scale
    xw = xs @ w_ih.T + b_ih  # (T, G*H)
    u = torch.randn(hidden, generator=g, dtype=torch.float64)
    u = u / u.norm()
    act = ACTIVATION_FUNCTIONS[activation]
    h = torch.zeros(hidden, dtype=torch.float64)
    c = torch.zeros(hidden, dtype=torch.float64) if cell == "lstm" else None
    hs = []
    for t in range(length):
        h, c, _ = cell_step(cell, act, xw[t], h, c, w_hh, b_hh)
        hs.append(h)
    loss = u @ hs[-1]
    grads = torch.autograd.grad(loss, hs + [w_hh])
    norms = [float(gr.norm()) for gr in grads[:-1]]
    if not all(math.isfinite(n) for n in norms + [float(grads[-1].norm())]):
        steps = next(i for i, n in enumerate(reversed(norms)) if not math.isfinite(n))
        raise RnnCliError(f"{cell}: the gradient overflows float64 {steps} steps back at radius {radius:g}; "
                          "use a smaller --radius or --length")
    result = SyntheticResult(cell, activation, radius, norms)
    if cell == "rnn" and activation == "linear":
        w_t, v, analytic = w_hh.detach().T, u.clone(), []
        for _ in range(length):
            analytic.append(float(v.norm()))
            v = w_t @ v
        result.analytic = analytic[::-1]
    if clip is not None:
        total = float(grads[-1].norm())
        scale = min(1.0, clip / total) if total > 0 else 1.0
        result.clip = {"threshold": clip, "norm_before": total, "norm_after": total * scale, "scale": scale}
    return result


def synthetic_cells(cells: str, length: int, radius: float, activation: str = "tanh", hidden: int = 32,
                    seed: int = 0, clip: float | None = None, forget_bias: float = 0.0) -> list[SyntheticResult]:
    """`synthetic` for each of a comma-separated list of cells (`rnn,lstm,gru`)."""
    names = [c.strip() for c in cells.split(",") if c.strip()]
    bad = [c for c in names if c not in ("rnn", "lstm", "gru")]
    if bad or not names:
        raise RnnCliError(f"--cell: unknown cell {bad[0] if bad else cells!r}; use rnn, lstm, gru", EXIT_USAGE)
    return [synthetic(c, length, radius, activation, hidden, seed, clip, forget_bias=forget_bias)
            for c in dict.fromkeys(names)]  # each cell once, as the experiments take them


def explain_models(specs: list[str], task: str, text: str | None = None,
                   saliency: bool = False) -> tuple[list[str], list[Explanation]]:
    """The tokens of `text` (DEFAULT_TEXT when None) and an Explanation per model (bundled
    name or path) of `task`."""
    from rnncli.text.sentences import clean, tokenize

    text = DEFAULT_TEXT if text is None else text
    if len(text) > 20 * MAX_TOKENS:  # refuse before tokenizing a book
        raise RnnCliError(f"explain-gradients reads at most {MAX_TOKENS:,} tokens; give a shorter text", EXIT_USAGE)
    tokens = tokenize(" ".join(clean(text).split()))[0]
    if not tokens:
        raise RnnCliError("the text is empty; give some words to explain", EXIT_USAGE)
    if len(tokens) > MAX_TOKENS:
        raise RnnCliError(f"explain-gradients reads at most {MAX_TOKENS:,} tokens (this text has {len(tokens):,}); "
                          "give a shorter text", EXIT_USAGE)
    return tokens, [explain(model, tokens, saliency) for model in open_models(specs, task)]


def open_models(specs: list[str], task: str) -> list[ModelFile]:
    """The models (bundled names or paths) of `task`, each file once. Results are keyed by the
    model's name (JSON, TSV columns, the plot), so two files of one name are a usage error."""
    from rnncli.model.model_file import open_model, resolve_model

    models = {}
    for spec in specs:
        path = os.path.realpath(resolve_model(spec, task))
        if path not in models:
            models[path] = open_model(spec, task)
    names = [m.name for m in models.values()]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise RnnCliError(f"two models named {twice!r}: give models of different names (see rnncli info)", EXIT_USAGE)
    return list(models.values())
