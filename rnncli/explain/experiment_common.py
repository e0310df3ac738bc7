"""What the lecture's experiments (`memory`, `tanh`) share (torch): the cells in the order
they are compared, their random streams and their training loop (their option checks are in
`checks`). Training is Adam on fresh random minibatches with gradient-norm clipping; it
prints nothing and reports each step to a callable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from rnncli.model.config import CELLS

DEFAULT_CELLS = ("rnn", "lstm", "gru")  # the order cells are compared in: the vanilla RNN first
if sorted(DEFAULT_CELLS) != sorted(CELLS):
    raise ImportError(f"DEFAULT_CELLS {DEFAULT_CELLS} must be the cells of rnncli.model.config.CELLS {CELLS}")
MAX_DISTANCE = 1000  # every step of the unrolled test batch is kept for its gradient
MAX_TEST_SIZE = 10_000
Progress = Callable[[str, int, int, float], None]  # (cell or activation, distance or depth, step, loss)


@contextmanager
def one_thread() -> Iterator[None]:
    """Torch on one thread while an experiment runs, its setting restored after: the networks
    are tiny, so more threads only wait on each other (on a machine where another job holds a
    core, 4-14x slower), and one thread gives the same numbers on any number of cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


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
