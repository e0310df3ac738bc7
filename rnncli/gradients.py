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
from dataclasses import dataclass, field

import numpy as np
import torch

from rnncli.encoding import encode
from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.model_file import ModelFile
from rnncli.tagsets import default_head
from rnncli.train.model import (ACTIVATION_FUNCTIONS, DIRECTIONS, batch_tensors, cell_step, layer_weights,
                                model_from_file, pool)

MAX_TOKENS = 1000  # every step of the unrolled network is kept for its gradient: memory grows with length
KEEP_RATIO = 1e-3  # "reaches" = gradient norm at least this fraction of its maximum
DEFAULT_TEXT = ("I grew up in Korea , so when I moved to Canada for university I practised every day , reading "
                "books , watching films and talking with friends , until my English was as comfortable as my Korean")


@dataclass
class Unrolled:
    top: torch.Tensor  # (T, D*H) the top layer's states, as the fused modules compute them
    h: list[torch.Tensor]  # first layer, left-to-right: h_1 .. h_T, each (H,), graph nodes
    c: list[torch.Tensor]  # the same for the LSTM's cell state (empty for other cells)
    forget: list[torch.Tensor]  # the LSTM's forget gate per step


def unroll(module: torch.nn.Module, cell: str, activation: str, layers: int, bidirectional: bool,
           hidden: int, x: torch.Tensor) -> Unrolled:
    """The recurrent stack over one sequence x (T, I), one step at a time (train.model.cell_step)."""
    act = ACTIVATION_FUNCTIONS[activation]
    T = x.shape[0]
    first = Unrolled(x, [], [], [])
    for layer in range(layers):
        outputs = []
        for direction in (DIRECTIONS if bidirectional else DIRECTIONS[:1]):
            w_ih, b_ih, w_hh, b_hh = layer_weights(module, layer, direction)
            xw = x @ w_ih.T + b_ih  # (T, G*H): the input's part of every step
            h = x.new_zeros(hidden)
            c = x.new_zeros(hidden) if cell == "lstm" else None
            states = [None] * T
            for t in (range(T) if direction == "" else reversed(range(T))):
                h, c, f = cell_step(cell, act, xw[t], h, c, w_hh, b_hh)
                states[t] = h
                if layer == 0 and direction == "":
                    first.h.append(h)
                    if c is not None:
                        first.c.append(c)
                        first.forget.append(f)
            outputs.append(torch.stack(states))  # (T, H)
        x = torch.cat(outputs, dim=-1)  # (T, D*H)
    first.top = x
    return first


@dataclass
class Explanation:
    """Gradient norms for one model on one text, aligned with `tokens`."""

    name: str
    cell: str
    tokens: list[str]
    prediction: dict  # {"label" or "tag", "prob", "position"}
    grad_norms: list[float]  # |g_t| wrt h_t, through the recurrence from the last step
    x_grad_norms: list[float]  # the same wrt the input vector x_t
    c_grad_norms: list[float] = field(default_factory=list)  # LSTM: wrt c_t
    forget_gate_mean: list[float] = field(default_factory=list)  # LSTM: mean forget gate per step
    saliency: list[float] = field(default_factory=list)  # gradient x input of the prediction, per token

    def summary(self) -> dict:
        return decay_summary(self.grad_norms)

    def to_dict(self) -> dict:
        out = {"model": self.name, "cell": self.cell, "prediction": self.prediction,
               "grad_norms": self.grad_norms, "x_grad_norms": self.x_grad_norms, **self.summary()}
        if self.c_grad_norms:
            out["c_grad_norms"], out["forget_gate_mean"] = self.c_grad_norms, self.forget_gate_mean
        if self.saliency:
            out["saliency"] = self.saliency
        return out


def decay_summary(norms: list[float]) -> dict:
    """`decay_factor`: the mean factor the norm is multiplied by per step back in time (the
    geometric mean of successive ratios; < 1 vanishes, > 1 explodes). `reach`: how many steps
    back from the last one the norm is still at least KEEP_RATIO of its maximum."""
    n = np.asarray(norms, dtype=np.float64)
    if len(n) == 0 or n.max() <= 0:
        return {"decay_factor": None, "reach": 0}
    above = np.nonzero(n >= KEEP_RATIO * n.max())[0]
    reach = len(n) - 1 - int(above[0])
    if len(n) < 2 or n[0] <= 0 or n[-1] <= 0:
        return {"decay_factor": None, "reach": reach}
    return {"decay_factor": float(math.exp(math.log(n[0] / n[-1]) / (len(n) - 1))), "reach": reach}


def explain(model: ModelFile, tokens: list[str], saliency: bool = False) -> Explanation:
    """Gradient norms of `model`'s prediction for `tokens`: the sentiment label, or for a
    tagger the last token's UPOS tag (which a left-to-right pass reads from h_T)."""
    config = model.config
    net = model_from_file(model)
    batch = batch_tensors(encode([tokens], model.words, model.chars, config.max_word_chars))
    with torch.no_grad():
        x = net.word_features(batch["words"], batch["chars"], batch["char_lengths"], batch["char_index"])[0]  # (T, F)
    x = x.clone().requires_grad_(True)
    u = unroll(net.rnn, config.cell, config.activation, config.layers, config.bidirectional, config.hidden, x)
    T = len(tokens)
    if config.task == "sentiment":
        v = pool(u.top.unsqueeze(0), batch["lengths"], config, getattr(net, "attn", None))  # (1, D*H)
        logp = net.heads["label"](v)[0].log_softmax(-1)
        labels = model.labels["label"]
    else:
        head = default_head(model.labels)
        logp = net.heads[head](u.top[T - 1]).log_softmax(-1)
        labels = model.labels[head]
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
    if saliency:
        explanation.saliency = [float(v) for v in (x_grad * x).sum(-1).detach()]
    return explanation


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
        out = decay_summary(self.grad_norms)
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
    return [synthetic(c, length, radius, activation, hidden, seed, clip, forget_bias=forget_bias) for c in names]


def explain_models(specs: list[str], task: str, text: str | None = None,
                   saliency: bool = False) -> tuple[list[str], list[Explanation]]:
    """The tokens of `text` (DEFAULT_TEXT when None) and an Explanation per model (bundled
    name or path) of `task`."""
    from rnncli.model_file import open_model
    from rnncli.text import clean, tokenize

    text = DEFAULT_TEXT if text is None else text
    if len(text) > 20 * MAX_TOKENS:  # refuse before tokenizing a book
        raise RnnCliError(f"explain-gradients reads at most {MAX_TOKENS:,} tokens; give a shorter text", EXIT_USAGE)
    tokens = tokenize(" ".join(clean(text).split()))[0]
    if not tokens:
        raise RnnCliError("the text is empty; give some words to explain", EXIT_USAGE)
    if len(tokens) > MAX_TOKENS:
        raise RnnCliError(f"explain-gradients reads at most {MAX_TOKENS:,} tokens (this text has {len(tokens):,}); "
                          "give a shorter text", EXIT_USAGE)
    return tokens, [explain(open_model(spec, task), tokens, saliency) for spec in specs]
