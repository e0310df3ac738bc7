"""The trained recurrent cells unrolled one step at a time (torch), so gradients can be read.

Every state h_t (and the LSTM's cell state c_t) becomes a node of the graph whose gradient
can be read. What the explanations measure is the gradient that reaches step t *through the
recurrence* from the last step T of the first layer's left-to-right pass:
g_t = (dh_T/dh_t)^T g_T, the product of step Jacobians that backpropagation through time
multiplies. A vanilla RNN multiplies by W_hh^T diag(act') at every step, so g_t shrinks (or
grows) geometrically with the distance T - t; the LSTM's cell state passes gradient on through
the forget gate, c_t = f_t * c_(t-1) + ..., and keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rnncli.train.model import ACTIVATION_FUNCTIONS, DIRECTIONS, cell_step, layer_weights


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
            # The input's part of every step, computed at once and split in one node: indexed step
            # by step, backpropagation made a full-size gradient of it for each step (T^2 memory).
            xw = (x @ w_ih.T + b_ih).unbind(-2)  # T tensors (..., G*H)
            h = x.new_zeros(*x.shape[:-2], hidden)  # (..., H)
            c = x.new_zeros(*x.shape[:-2], hidden) if cell == "lstm" else None  # (..., H)
            states = [None] * T
            for t in (range(T) if direction == "" else reversed(range(T))):
                h, c, f = cell_step(cell, act, xw[t], h, c, w_hh, b_hh)
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
        previous = torch.cat([states.new_zeros(1, states.shape[-1]), states[:-1]])  # (T, H): h_(t-1), h_0 = 0
        i, f, _, o = (x.detach() @ w_ih.T + b_ih + previous @ w_hh.T + b_hh).chunk(4, dim=-1)  # each (T, H)
        cells = torch.stack([s.detach() for s in c])  # (T, H)
        mean = lambda gate: [float(v) for v in torch.sigmoid(gate).mean(-1)]  # noqa: E731
        return {"input_gate_mean": mean(i), "forget_gate_mean": mean(f), "output_gate_mean": mean(o),
                "cell_state_norm": [float(v) for v in cells.norm(dim=-1)]}
