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

from rnncli.checkpoint import ModelFile
from rnncli.encoding import encode
from rnncli.errors import RnnCliError
from rnncli.model import ACTIVATION_FUNCTIONS, MODELS, pool
from rnncli.training import to_tensors

MAX_TOKENS = 1000  # every step of the unrolled network is kept for its gradient: memory grows with length
KEEP_RATIO = 1e-3  # "reaches" = gradient norm at least this fraction of its maximum
DEFAULT_TEXT = ("I grew up in Korea , so when I moved to Canada for university I practised every day , reading "
                "books , watching films and talking with friends , until my English was as comfortable as my Korean")


def cell_step(cell: str, act, p: dict, x_t: torch.Tensor, h: torch.Tensor, c: torch.Tensor | None):
    """One step of one cell: (x_t (I,), h (H,), c) -> (h, c, gate), gate = the LSTM's forget gate."""
    if cell == "rnn":
        return act(p["w_ih"] @ x_t + p["w_hh"] @ h + p["b"]), None, None
    if cell == "lstm":
        i, f, g, o = (p["w_ih"] @ x_t + p["b_ih"] + p["w_hh"] @ h + p["b_hh"]).chunk(4)
        f = torch.sigmoid(f)
        c = f * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c, f
    xr, xz, xn = (p["w_ih"] @ x_t + p["b_ih"]).chunk(3)
    hr, hz, hn = (p["w_hh"] @ h + p["b_hh"]).chunk(3)
    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
    return (1 - z) * torch.tanh(xn + r * hn) + z * h, None, None


def layer_params(module: torch.nn.Module, k: int, s: str) -> dict[str, torch.Tensor]:
    get = lambda name: getattr(module, f"{name}_l{k}{s}")  # noqa: E731
    if hasattr(module, f"bias_l{k}{s}"):  # the written-out vanilla cell
        return {"w_ih": get("weight_ih"), "w_hh": get("weight_hh"), "b": get("bias")}
    return {"w_ih": get("weight_ih"), "w_hh": get("weight_hh"), "b_ih": get("bias_ih"), "b_hh": get("bias_hh")}


@dataclass
class Unrolled:
    top: torch.Tensor  # (T, D*H) the top layer's states, as the fused modules compute them
    h: list[torch.Tensor]  # first layer, left-to-right: h_1 .. h_T, each (H,), graph nodes
    c: list[torch.Tensor]  # the same for the LSTM's cell state (empty for other cells)
    forget: list[torch.Tensor]  # the LSTM's forget gate per step


def unroll(module: torch.nn.Module, cell: str, activation: str, layers: int, bidirectional: bool,
           hidden: int, x: torch.Tensor) -> Unrolled:
    """The recurrent stack over one sequence x (T, I), one step at a time."""
    act = ACTIVATION_FUNCTIONS[activation]
    T = x.shape[0]
    first = Unrolled(x, [], [], [])
    for k in range(layers):
        outputs = []
        for s in (["", "_reverse"] if bidirectional else [""]):
            p = layer_params(module, k, s)
            h = x.new_zeros(hidden)
            c = x.new_zeros(hidden) if cell == "lstm" else None
            states = [None] * T
            for t in (range(T) if s == "" else reversed(range(T))):
                h, c, f = cell_step(cell, act, p, x[t], h, c)
                states[t] = h
                if k == 0 and s == "":
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


def torch_model(model: ModelFile) -> torch.nn.Module:
    net = MODELS[model.config.task](model.config)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in model.weights.items()})
    return net.eval().double()


def explain(model: ModelFile, tokens: list[str], saliency: bool = False) -> Explanation:
    """Gradient norms of `model`'s prediction for `tokens`: the sentiment label, or for a
    tagger the last token's UPOS tag (which a left-to-right pass reads from h_T)."""
    config = model.config
    net = torch_model(model)
    batch = to_tensors(encode([tokens], model.words, model.chars, config.max_word_chars))
    with torch.no_grad():
        x = net.word_emb(batch["words"])[0]  # (T, E)
        if config.char:
            from rnncli.model import final_states, run_recurrent

            ch = run_recurrent(net.char_rnn, net.char_emb(batch["chars"]), batch["char_lengths"])
            per_word = final_states(ch, batch["char_lengths"], config.char_hidden, config.bidirectional)
            x = torch.cat([x, per_word[batch["char_index"][0]]], dim=-1)  # (T, E + D*Hc)
    x = x.clone().requires_grad_(True)
    u = unroll(net.rnn, config.cell, config.activation, config.layers, config.bidirectional, config.hidden, x)
    T = len(tokens)
    if config.task == "sentiment":
        v = pool(u.top.unsqueeze(0), batch["lengths"], config, getattr(net, "attn", None))  # (1, D*H)
        logp = net.heads["label"](v)[0].log_softmax(-1)
        labels = model.labels["label"]
    else:
        head = "upos" if "upos" in model.labels else next(iter(model.labels))
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
    p = {"w_ih": (torch.randn(gates * hidden, hidden, generator=g, dtype=torch.float64) / math.sqrt(hidden)),
         "w_hh": torch.cat(blocks).requires_grad_(True)}
    if cell == "rnn":
        p["b"] = torch.zeros(hidden, dtype=torch.float64)
    else:
        p["b_ih"] = p["b_hh"] = torch.zeros(gates * hidden, dtype=torch.float64)
        if cell == "lstm":
            p["b_ih"] = p["b_ih"].clone()
            p["b_ih"][hidden:2 * hidden] = forget_bias  # torch gate order: input, forget, cell, output
    xs = torch.randn(length, hidden, generator=g, dtype=torch.float64) * input_scale
    u = torch.randn(hidden, generator=g, dtype=torch.float64)
    u = u / u.norm()
    act = ACTIVATION_FUNCTIONS[activation]
    h = torch.zeros(hidden, dtype=torch.float64)
    c = torch.zeros(hidden, dtype=torch.float64) if cell == "lstm" else None
    hs = []
    for t in range(length):
        h, c, _ = cell_step(cell, act, p, xs[t], h, c)
        hs.append(h)
    loss = u @ hs[-1]
    grads = torch.autograd.grad(loss, hs + [p["w_hh"]])
    norms = [float(gr.norm()) for gr in grads[:-1]]
    if not all(math.isfinite(n) for n in norms + [float(grads[-1].norm())]):
        steps = next(i for i, n in enumerate(reversed(norms)) if not math.isfinite(n))
        raise RnnCliError(f"{cell}: the gradient overflows float64 {steps} steps back at radius {radius:g}; "
                          "use a smaller --radius or --length")
    result = SyntheticResult(cell, activation, radius, norms)
    if cell == "rnn" and activation == "linear":
        w_t, v, analytic = p["w_hh"].detach().T, u.clone(), []
        for _ in range(length):
            analytic.append(float(v.norm()))
            v = w_t @ v
        result.analytic = analytic[::-1]
    if clip is not None:
        total = float(grads[-1].norm())
        scale = min(1.0, clip / total) if total > 0 else 1.0
        result.clip = {"threshold": clip, "norm_before": total, "norm_after": total * scale, "scale": scale}
    return result
