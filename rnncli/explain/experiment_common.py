"""What the lecture's experiments (`memory`, `tanh`) share (torch): the cells in the order
they are compared, the checks of their options, their random streams and their training loop.

The checks raise usage errors (RnnCliError with EXIT_USAGE) that name the option, so the
library and the CLI report bad settings alike. Training is Adam on fresh random minibatches
with gradient-norm clipping; it prints nothing and reports each step to a callable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.model.config import CELLS

DEFAULT_CELLS = ("rnn", "lstm", "gru")  # the order cells are compared in: the vanilla RNN first
if sorted(DEFAULT_CELLS) != sorted(CELLS):
    raise ImportError(f"DEFAULT_CELLS {DEFAULT_CELLS} must be the cells of rnncli.model.config.CELLS {CELLS}")
MAX_DISTANCE = 1000  # every step of the unrolled test batch is kept for its gradient
MAX_TEST_SIZE = 10_000
Progress = Callable[[str, int, int, float], None]  # (cell or activation, distance or depth, step, loss)


def check_count(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """`value` if it is a whole number in [minimum, maximum], else a usage error."""
    if (isinstance(value, bool) or not isinstance(value, int) or value < minimum
            or (maximum is not None and value > maximum)):
        bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum:,}"
        raise RnnCliError(f"{name} must be a whole number {bound} (got {value!r})", EXIT_USAGE)
    return value


def check_number(name: str, value, positive: bool = True) -> float:
    """`value` as a float if it is finite (and > 0 when `positive`), else a usage error."""
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            or (positive and value <= 0)):
        raise RnnCliError(f"{name} must be a{' positive' if positive else ''} number (got {value!r})", EXIT_USAGE)
    return float(value)


def check_choices(name: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    """`values` as a tuple if there are some and each is one of `allowed`, else a usage error."""
    values = (values,) if isinstance(values, str) else tuple(values)
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        what = f"unknown value {bad[0]!r}" if bad else "give at least one"
        raise RnnCliError(f"{name}: {what}; use {', '.join(allowed)}", EXIT_USAGE)
    return values


def random_stream(*keys: int) -> torch.Generator:
    """A random stream of its own for each tuple of keys (seed, distance, purpose, ...)."""
    return torch.Generator().manual_seed(int(np.random.SeedSequence(list(keys)).generate_state(1)[0]))


def train_adam(net: nn.Module, batch: Callable[[], tuple[torch.Tensor, torch.Tensor]], loss_fn, steps: int, lr: float,
               clip: float, report: Callable[[int, float], None] | None, first_step: int = 1) -> list[float]:
    """Adam on `steps` fresh minibatches from batch(), gradient norm clipped to `clip`, with
    report(step, loss) after each, steps counted from `first_step`; returns the losses."""
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    losses = []
    for step in range(first_step, first_step + steps):
        x, y = batch()
        loss = loss_fn(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
        if report is not None:
            report(step, losses[-1])
    net.eval()
    return losses
