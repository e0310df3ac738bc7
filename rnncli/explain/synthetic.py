"""Gradients through random recurrent weights of a chosen spectral radius (torch, float64).

`synthetic` builds one cell whose recurrent blocks all have spectral radius `radius`, feeds it
random inputs, and measures |dL/dh_t| at every step for L = u . h_T: below radius 1 the
vanilla RNN's gradient vanishes geometrically, above it explodes; for the linear RNN it is
also computed in closed form, |(W_hh^T)^(T-t) u|, to check the unrolled graph. With `clip`,
what gradient-norm clipping would do to the weight gradient. Runs too big for memory are
refused before they start (`check_memory`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from rnncli.errors import RnnCliError
from rnncli.explain.budget import UNROLLED, WEIGHTS, check_fits
from rnncli.explain.checks import check_choices
from rnncli.explain.experiment_common import DEFAULT_CELLS
from rnncli.explain.stats import summary_with_verdict
from rnncli.model.config import GATES
from rnncli.train.model import ACTIVATION_FUNCTIONS, cell_step


ANALYTIC_TOLERANCE = 1e-9  # relative error below which backpropagation "matches" the analytic gradient


@dataclass
class SyntheticResult:
    cell: str
    activation: str
    radius: float
    grad_norms: list[float]  # index t: |dL/dh_t|, t = 1..T (last = distance 0)
    keep_bias: float | None = None  # gated cells: the bias of the gate that keeps the state (`forget_bias`)
    analytic: list[float] | None = None  # linear rnn: |(W_hh^T)^(T-t) u|
    clip: dict | None = None  # {"threshold", "norm_before", "norm_after", "scale"}

    @property
    def matches_analytic(self) -> bool | None:
        """Whether backpropagation equals the analytic (W_hh^T)^k u (linear rnn only): to 1e-9."""
        return None if self.analytic is None else self.summary()["analytic_max_rel_error"] < ANALYTIC_TOLERANCE

    def summary(self) -> dict:
        out = summary_with_verdict(self.grad_norms)
        if self.analytic is not None:
            a, g = np.asarray(self.analytic), np.asarray(self.grad_norms)
            out["analytic_max_rel_error"] = float(np.max(np.abs(a - g) / np.maximum(a, 1e-300)))
        return out

    def to_dict(self) -> dict:
        out = {"cell": self.cell, "activation": self.activation, "radius": self.radius,
               "grad_norms": self.grad_norms, **self.summary()}
        if self.keep_bias is not None:
            out["keep_gate_bias"] = self.keep_bias
        if self.analytic is not None:
            out["analytic_grad_norms"] = self.analytic
        if self.clip is not None:
            out["clip"] = self.clip
        return out


def scaled_norm(g: torch.Tensor) -> float:
    """|g|, finite wherever g's entries are: their squares would overflow float64 beyond 1e154,
    so the norm is taken of g divided by its largest entry, then scaled back."""
    top = float(g.abs().max()) if g.numel() else 0.0
    return top * float((g / top).norm()) if 0.0 < top < math.inf else top


def scaled_to_radius(w: torch.Tensor, radius: float) -> torch.Tensor:
    """w (H, H) rescaled so that its spectral radius (largest |eigenvalue|) is `radius`."""
    rho = float(torch.linalg.eigvals(w).abs().max())
    return w * (radius / rho)


def check_memory(cell: str, length: int, hidden: int) -> None:
    """A usage error, before anything is allocated, for a run too big for budget.MEMORY_LIMIT."""
    size = UNROLLED[cell] * length * hidden + WEIGHTS * GATES[cell] * hidden * hidden
    check_fits(size, f"--cell {cell} with --length {length:,} x --hidden {hidden:,}", "--length or --hidden")


def synthetic(cell: str, length: int, radius: float, activation: str = "tanh", hidden: int = 32, seed: int = 0,
              clip: float | None = None, input_scale: float = 0.1, forget_bias: float = 0.0) -> SyntheticResult:
    """Random weights with each recurrent block scaled to spectral radius `radius`, random
    inputs, and L = u . h_T for a random unit vector u; float64 throughout. `forget_bias`
    is added to the gate that keeps the state, the LSTM's forget gate and the GRU's update
    gate (trained gated cells learn to keep it open where their task needs it). A run whose
    memory estimate is over budget.MEMORY_LIMIT is refused (see `check_memory`)."""
    check_memory(cell, length, hidden)
    g = torch.Generator().manual_seed(seed)
    gates = GATES[cell]
    blocks = [scaled_to_radius(torch.randn(hidden, hidden, generator=g, dtype=torch.float64), radius)
              for _ in range(gates)]  # G blocks (H, H)
    w_ih = torch.randn(gates * hidden, hidden, generator=g, dtype=torch.float64) / math.sqrt(hidden)  # (G*H, H)
    w_hh = torch.cat(blocks).requires_grad_(True)  # (G*H, H)
    b_ih = torch.zeros(gates * hidden, dtype=torch.float64)  # (G*H,)
    b_hh = None if cell == "rnn" else torch.zeros(gates * hidden, dtype=torch.float64)  # (G*H,)
    if cell != "rnn":  # the gate that keeps the state: torch's second block (LSTM: i f g o; GRU: r z n)
        b_ih[hidden:2 * hidden] = forget_bias  # f = 1 keeps c_(t-1); z = 1 keeps h_(t-1)
    xs = torch.randn(length, hidden, generator=g, dtype=torch.float64) * input_scale  # (T, H)
    xw = xs @ w_ih.T + b_ih  # (T, G*H)
    u = torch.randn(hidden, generator=g, dtype=torch.float64)  # (H,)
    u = u / u.norm()
    act = ACTIVATION_FUNCTIONS[activation]
    h = torch.zeros(hidden, dtype=torch.float64)  # (H,)
    c = torch.zeros(hidden, dtype=torch.float64) if cell == "lstm" else None  # (H,)
    hs = []
    for t in range(length):
        h, c, _ = cell_step(cell, act, xw[t], h, c, w_hh, b_hh)
        hs.append(h)
    loss = u @ hs[-1]
    # Two passes: asked for together with the states' gradients, the weight gradient's share of
    # every step, (G*H, H), stayed resident: T x G x H^2 numbers (4 GB at T = 2000, H = 512).
    norms = [scaled_norm(gr) for gr in torch.autograd.grad(loss, hs, retain_graph=True)]  # T tensors (H,)
    w_grad, = torch.autograd.grad(loss, [w_hh])  # (G*H, H)
    steps = next((i for i, n in enumerate(reversed(norms)) if not math.isfinite(n)), None)
    if steps is not None or not math.isfinite(scaled_norm(w_grad)):
        where = (f"the gradient overflows float64 {steps} steps back" if steps is not None else
                 "the gradient of W_hh, a sum over the steps, overflows float64")
        raise RnnCliError(f"{cell}: {where} at radius {radius:g}; use a smaller --radius or --length")
    result = SyntheticResult(cell, activation, radius, norms, None if cell == "rnn" else forget_bias)
    if cell == "rnn" and activation == "linear":
        w_t, v, analytic = w_hh.detach().T, u.clone(), []
        for _ in range(length):
            analytic.append(scaled_norm(v))
            v = w_t @ v
        result.analytic = analytic[::-1]
    if clip is not None:
        total = scaled_norm(w_grad)
        scale = min(1.0, clip / total) if total > 0 else 1.0
        result.clip = {"threshold": clip, "norm_before": total, "norm_after": total * scale, "scale": scale}
    return result


def synthetic_cells(cells: str, length: int, radius: float, activation: str = "tanh", hidden: int = 32,
                    seed: int = 0, clip: float | None = None, forget_bias: float = 0.0) -> list[SyntheticResult]:
    """`synthetic` for each of a comma-separated list of cells (`rnn,lstm,gru`)."""
    names = check_choices("cell", [c.strip() for c in cells.split(",") if c.strip()], DEFAULT_CELLS)
    names = list(dict.fromkeys(names))  # each cell once, as the experiments take them
    for c in names:
        check_memory(c, length, hidden)  # all before the first run
    return [synthetic(c, length, radius, activation, hidden, seed, clip, forget_bias=forget_bias) for c in names]
