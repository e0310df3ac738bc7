"""The long-memory experiment (torch): can an RNN, an LSTM and a GRU remember across N steps?

The classic test (Bengio et al. 1994; Hochreiter & Schmidhuber 1997): the label is the first
symbol of a sequence, followed by `distance` random distractor symbols, so a network must
carry it in its state over that many steps. A vanilla RNN, an LSTM and a GRU of the same
hidden size are trained from fixed seeds at each distance (`experiment_common.train_adam`);
the result is their accuracy on fresh sequences and how fast the gradient through the
recurrence decays in each trained network (`stats.decay_summary`, per test sequence). A run
too big for memory (see `budget`) is refused before any training (`check_memory`).
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.explain.budget import INFERENCE, TRAINING, UNROLLED, WEIGHTS, check_fits, chunks
from rnncli.checks import MAX_SEED, check_whole
from rnncli.explain.checks import check_choices, check_number
from rnncli.explain.experiment_common import (DEFAULT_CELLS, MAX_DISTANCE, MAX_TEST_SIZE, Progress, one_thread,
                                              random_stream, train_adam)
from rnncli.explain.stats import QUARTILE_POINTS, decay_summary, quartiles
from rnncli.explain.unroll import unroll
from rnncli.model.config import GATES
from rnncli.train.model import ElmanRNN, make_recurrent

GRADIENT_SEQUENCES = 200  # test sequences whose gradients are measured, per seed
SPREAD_KEYS = {"median": "median", "q25": "q1", "q75": "q3"}  # this experiment's JSON key -> stats.quartiles key
NEAR_CHANCE = 0.1  # an accuracy within 10 points of chance is "at chance" (MemoryResult.findings)


def memory_batch(n: int, distance: int, symbols: int, distractors: int,
                 generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n sequences of the memory task: one of `symbols` symbols, then `distance` distractors
    from a separate alphabet of `distractors` symbols. Returns x (n, distance + 1,
    symbols + distractors) one-hot and y (n,), the first symbol: the label."""
    y = torch.randint(symbols, (n,), generator=generator)  # (n,)
    rest = torch.randint(symbols, symbols + distractors, (n, distance), generator=generator)  # (n, distance)
    ids = torch.cat([y[:, None], rest], dim=1)  # (n, T)
    return nn.functional.one_hot(ids, symbols + distractors).float(), y


class MemoryNet(nn.Module):
    """One recurrent layer (train.model.make_recurrent) and a linear readout of its last state.
    `forget_bias` is the initial bias of the gate that keeps the state: the LSTM's forget gate f
    (c_t = f c_(t-1) + ...) and the GRU's update gate z, which plays its part (h_t = z h_(t-1) + ...)."""

    def __init__(self, cell: str, inputs: int, hidden: int, classes: int, forget_bias: float):
        super().__init__()
        self.cell, self.hidden, self.activation = cell, hidden, "tanh"
        self.rnn = make_recurrent(cell, inputs, hidden, 1, False, 0.0, self.activation)
        self.head = nn.Linear(hidden, classes)
        if cell != "rnn":
            with torch.no_grad():  # second block in torch's gate order (i, f, g, o and r, z, n); the biases add
                self.rnn.bias_ih_l0[hidden:2 * hidden] = forget_bias
                self.rnn.bias_hh_l0[hidden:2 * hidden] = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, I) -> logits (B, classes), read from h_T."""
        out = self.rnn(x, None) if isinstance(self.rnn, ElmanRNN) else self.rnn(x)[0]  # (B, T, H)
        return self.head(out[:, -1])


def unrolled_states(net: MemoryNet, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """(h_1 .. h_T, c_1 .. c_T), each (B, H), one train.model.cell_step at a time (`unroll`) so
    that each is a node of the graph; the c list (the LSTM's cell state) is empty for the other cells."""
    u = unroll(net.rnn, net.cell, net.activation, 1, False, net.hidden, x)
    return u.h, u.c


def gradient_norms(net: MemoryNet, x: torch.Tensor, y: torch.Tensor) -> tuple[np.ndarray, np.ndarray | None]:
    """|dz/dh_t|, and for the LSTM |dz/dc_t|, per sequence and step, in float64; z is the logit
    of the correct label. (Not the loss: its gradient fades as the network grows confident, by
    the same factor at every step.) Returns arrays (B, T), column 0 the label's step and column
    T-1 the last; None for c where the cell has none."""
    net64 = copy.deepcopy(net).double()
    hs, cs = unrolled_states(net64, x.double())
    z = net64.head(hs[-1]).gather(1, y[:, None]).sum()  # the sequences are independent: one pass for all
    grads = torch.autograd.grad(z, hs + cs)  # T or 2T tensors (B, H)
    norms = torch.stack([g.norm(dim=1) for g in grads], dim=1).numpy()  # (B, T or 2T)
    T = len(hs)
    return norms[:, :T], (norms[:, T:] if cs else None)


def _spread(values) -> dict:
    """Median and quartiles of `values` (`stats.quartiles`, keeping infinite ones), under this
    experiment's JSON keys (SPREAD_KEYS); all None where nothing is left."""
    q = quartiles(values, finite_only=False)
    return {key: q[name] for key, name in SPREAD_KEYS.items()}


def decay_spread(norms: np.ndarray) -> tuple[dict, dict]:
    """stats.decay_summary of each row of norms (B, T): the median and quartiles over rows
    of its decay factor, and of its reach."""
    summaries = [decay_summary(row) for row in norms]
    return _spread(s["decay_factor"] for s in summaries), _spread(s["reach"] for s in summaries)


@dataclass
class MemoryRun:
    """One cell at one distance, over all seeds."""

    cell: str
    distance: int  # steps from the label to the last input (sequences of distance + 1)
    accuracy: float  # on fresh test sequences, mean over seeds
    accuracies: list[float]  # per seed
    final_loss: float  # training loss over the last 10% of steps, mean over seeds
    decay_factor: dict  # {"median", "q25", "q75"} over test sequences of decay_summary's factor of |dz/dh_t|
    reach: dict  # the same for decay_summary's reach (steps back)
    grad_norms: dict  # {"median", "q25", "q75"}: lists over t = 1..T of |dz/dh_t| / |dz/dh_T|
    c_decay_factor: dict | None  # the LSTM: decay factor and reach of |dz/dc_t|, the cell state's
    c_reach: dict | None
    train_time_s: float  # training, then testing and gradients, all seeds

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class MemoryResult:
    settings: dict  # every option of the run; seeds as the list of seeds used
    chance: float  # the accuracy of a guess: 1 / symbols
    runs: list[MemoryRun]  # cell by cell, distances in the order given
    wall_time_s: dict  # cell -> seconds, all distances and seeds
    threads: int  # torch's intra-op threads during the run

    def run(self, cell: str, distance: int) -> MemoryRun:
        return next(r for r in self.runs if r.cell == cell and r.distance == distance)

    def findings(self) -> list[str]:
        """What the runs show, in words, from the numbers themselves: per cell (in the order
        run), the first distance at which its accuracy is within NEAR_CHANCE of chance, or else
        its lowest accuracy."""
        lines = []
        near_chance, points = self.chance + NEAR_CHANCE, 100 * NEAR_CHANCE
        for cell in self.settings["cells"]:
            runs = [r for r in self.runs if r.cell == cell]
            failed = next((r.distance for r in runs if r.accuracy <= near_chance), None)
            if failed is None:
                lowest = min(r.accuracy for r in runs)
                lines.append(f"{cell}: above chance + {points:g} points at every distance (lowest {lowest:.0%}).")
            else:
                lines.append(f"{cell}: at chance (within {points:g} points) from distance {failed} on.")
        return lines

    def to_dict(self) -> dict:
        return {"settings": self.settings, "chance": self.chance, "runs": [r.to_dict() for r in self.runs],
                "wall_time_s": self.wall_time_s, "threads": self.threads}


def check_memory(cell: str, distance: int, hidden: int, batch_size: int) -> None:
    """A usage error, before any training, for a run too big for budget.MEMORY_LIMIT: training
    on a batch, or measuring the gradient of one test sequence (see memory_run)."""
    steps = (distance + 1) * hidden
    size = WEIGHTS * GATES[cell] * hidden * hidden + max(TRAINING[cell] * batch_size * steps, UNROLLED[cell] * steps)
    check_fits(size, f"the {cell} at distance {distance:,} with hidden {hidden:,} (batches of {batch_size:,})",
               "the distance or hidden")


def memory_run(cell: str, distance: int, seeds: Sequence[int], steps: int, hidden: int, batch_size: int, lr: float,
               clip: float, symbols: int, distractors: int, test_size: int, forget_bias: float,
               progress: Progress | None) -> MemoryRun:
    """Train and test `cell` at `distance` once per seed. For a given seed and distance every
    cell starts from the same seed and sees the same training and test sequences. The test
    sequences are run, and their gradients measured, in chunks that fit in budget.MEMORY_LIMIT."""
    started = time.monotonic()
    per_sequence = (distance + 1) * hidden  # steps x state units
    accuracies, final_losses, h_norms, c_norms = [], [], [], []
    for k, seed in enumerate(seeds):
        train_gen, test_gen = random_stream(seed, distance, 0), random_stream(seed, distance, 1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = MemoryNet(cell, symbols + distractors, hidden, symbols, forget_bias)
        batch = functools.partial(memory_batch, batch_size, distance, symbols, distractors, train_gen)
        report = None if progress is None else functools.partial(progress, cell, distance)
        losses = train_adam(net, batch, nn.functional.cross_entropy, steps, lr, clip, report, k * steps + 1)
        final_losses.append(float(np.mean(losses[-max(1, steps // 10):])))
        x, y = memory_batch(test_size, distance, symbols, distractors, test_gen)
        with torch.no_grad():
            hits = [net(x[part]).argmax(-1) == y[part] for part in chunks(test_size, INFERENCE[cell] * per_sequence)]
        accuracies.append(float(torch.cat(hits).float().mean()))
        parts = [gradient_norms(net, x[part], y[part])
                 for part in chunks(min(GRADIENT_SEQUENCES, test_size), UNROLLED[cell] * per_sequence)]
        h_norms.append(np.concatenate([h for h, _ in parts]))
        c_norms += [] if parts[0][1] is None else [np.concatenate([c for _, c in parts])]
    h_norms = np.concatenate(h_norms)  # (sequences, T)
    relative = h_norms / h_norms[:, -1:]  # each sequence's |g_t| / |g_T|
    profile = {key: np.quantile(relative, QUARTILE_POINTS[name], axis=0).tolist()  # each (T,)
               for key, name in SPREAD_KEYS.items()}
    c_decay, c_reach = decay_spread(np.concatenate(c_norms)) if c_norms else (None, None)
    return MemoryRun(cell, distance, float(np.mean(accuracies)), accuracies, float(np.mean(final_losses)),
                     *decay_spread(h_norms), profile, c_decay, c_reach, time.monotonic() - started)


def memory_experiment(cells: Sequence[str] = DEFAULT_CELLS, distances: Sequence[int] = (5, 10, 20, 50, 100),
                      steps: int = 600, hidden: int = 32, seed: int = 0, seeds: int = 1, batch_size: int = 64,
                      lr: float = 3e-3, clip: float = 1.0, symbols: int = 4, distractors: int = 4,
                      test_size: int = 500, forget_bias: float = 5.0,
                      progress: Progress | None = None) -> MemoryResult:
    """Train each cell at each distance, once per seed (seed, seed + 1, .. seed + seeds - 1),
    for `steps` minibatches of `batch_size`, and measure accuracy on `test_size` fresh sequences
    and the gradient decay on up to GRADIENT_SEQUENCES of them. `forget_bias`: see MemoryNet
    (sigmoid(5) = 0.993 keeps half the LSTM's cell state over 100 steps at the start; 1, the
    usual default, keeps 0.73 per step, 1e-7 over 50). `progress(cell, distance, step, loss)` is
    called after every training step, step counting 1 .. steps * seeds."""
    cells = check_choices("cell", cells, DEFAULT_CELLS)
    distances = tuple(check_whole(d, "distance", 1, MAX_DISTANCE) for d in distances)
    if not distances:
        raise RnnCliError("give at least one distance", EXIT_USAGE)
    steps, hidden, seed, seeds, batch_size, symbols, distractors, test_size = (  # numpy's ints as ints
        check_whole(value, name, minimum, maximum) for name, value, minimum, maximum in (
            ("steps", steps, 1, None), ("hidden", hidden, 1, None), ("seed", seed, 0, MAX_SEED),
            ("seeds", seeds, 1, None), ("batch_size", batch_size, 1, None), ("symbols", symbols, 2, None),
            ("distractors", distractors, 1, None), ("test_size", test_size, 1, MAX_TEST_SIZE)))
    for cell in cells:
        check_memory(cell, max(distances), hidden, batch_size)
    lr, clip = check_number("lr", lr), check_number("clip", clip)
    forget_bias = check_number("forget_bias", forget_bias, positive=False)
    seed_list = list(range(seed, seed + seeds))
    settings = {"cells": list(cells), "distances": list(distances), "steps": steps, "hidden": hidden,
                "seeds": seed_list, "batch_size": batch_size, "lr": lr, "clip": clip, "symbols": symbols,
                "distractors": distractors, "test_size": test_size, "forget_bias": forget_bias}
    runs, wall = [], {}
    with one_thread():
        for cell in cells:
            started = time.monotonic()
            runs += [memory_run(cell, d, seed_list, steps, hidden, batch_size, lr, clip, symbols, distractors,
                                test_size, forget_bias, progress) for d in distances]
            wall[cell] = time.monotonic() - started
        threads = torch.get_num_threads()
    return MemoryResult(settings, 1 / symbols, runs, wall, threads)
