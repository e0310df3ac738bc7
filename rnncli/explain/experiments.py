"""Experiments that show the lecture's claims on trained networks (torch).

`memory_experiment` is the classic long-memory test (Bengio et al. 1994;
Hochreiter & Schmidhuber 1997): the label is the first symbol of a sequence, followed by
`distance` random distractor symbols, so a network must carry it in its state over that many
steps. A vanilla RNN, an LSTM and a GRU of the same hidden size are trained from fixed seeds at
each distance; the result is their accuracy on fresh sequences and how fast the gradient
through the recurrence decays in each trained network.

`tanh_experiment` shows why the activation must be nonlinear: on parity (or XOR) of
a few bits, which no affine function of the bits can predict, vanilla RNNs with the linear
activation stay at chance at every depth, because their stacked maps compose into one affine
map of the input sequence (checked on each trained network), while tanh learns the task.

Both train with Adam on fresh random minibatches and gradient-norm clipping, print nothing, and
take a `progress(name, size, step, loss)` callable for the CLI.
"""

from __future__ import annotations

import copy
import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.explain.gradients import decay_summary
from rnncli.train.model import ACTIVATION_FUNCTIONS, ElmanRNN, cell_step, layer_weights, make_recurrent

CELLS = ("rnn", "lstm", "gru")
TASKS = ("parity", "xor")
MAX_DISTANCE = 1000  # every step of the unrolled test batch is kept for its gradient
MAX_TEST_SIZE = 10_000
GRADIENT_SEQUENCES = 200  # test sequences whose gradients are measured, per seed
QUARTILES = (("median", 50), ("q25", 25), ("q75", 75))  # how a spread is summarised
Progress = Callable[[str, int, int, float], None]  # (cell or activation, distance or depth, step, loss)


# --- shared -------------------------------------------------------------------------------


def _count(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """`value` if it is a whole number in [minimum, maximum], else a usage error."""
    if (isinstance(value, bool) or not isinstance(value, int) or value < minimum
            or (maximum is not None and value > maximum)):
        bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum:,}"
        raise RnnCliError(f"{name} must be a whole number {bound} (got {value!r})", EXIT_USAGE)
    return value


def _number(name: str, value, positive: bool = True) -> float:
    """`value` as a float if it is finite (and > 0 when `positive`), else a usage error."""
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            or (positive and value <= 0)):
        raise RnnCliError(f"{name} must be a{' positive' if positive else ''} number (got {value!r})", EXIT_USAGE)
    return float(value)


def _choices(name: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    """`values` as a tuple if there are some and each is one of `allowed`, else a usage error."""
    values = (values,) if isinstance(values, str) else tuple(values)
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        what = f"unknown value {bad[0]!r}" if bad else "give at least one"
        raise RnnCliError(f"{name}: {what}; use {', '.join(allowed)}", EXIT_USAGE)
    return values


def _generator(*keys: int) -> torch.Generator:
    """A random stream of its own for each tuple of keys (seed, distance, purpose, ...)."""
    return torch.Generator().manual_seed(int(np.random.SeedSequence(list(keys)).generate_state(1)[0]))


def _spread(values) -> dict:
    """Median and quartiles of `values`, leaving out None; all None where nothing is left."""
    v = np.asarray([x for x in values if x is not None], dtype=np.float64)
    return {name: float(np.percentile(v, q)) if len(v) else None for name, q in QUARTILES}


def _train(net: nn.Module, batch: Callable[[], tuple[torch.Tensor, torch.Tensor]], loss_fn, steps: int, lr: float,
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


# --- part 1: the long-memory experiment ----------------------------------------------------


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
        self.cell, self.hidden = cell, hidden
        self.rnn = make_recurrent(cell, inputs, hidden, 1, False, 0.0)
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
    """(h_1 .. h_T, c_1 .. c_T), each (B, H), one train.model.cell_step at a time so that each is
    a node of the graph; the c list (the LSTM's cell state) is empty for the other cells."""
    w_ih, b_ih, w_hh, b_hh = layer_weights(net.rnn, 0, "")
    xw = x @ w_ih.T + b_ih  # (B, T, G*H): the input's part of every step
    h = x.new_zeros(x.shape[0], net.hidden)  # (B, H)
    c = torch.zeros_like(h) if net.cell == "lstm" else None
    hs, cs = [], []
    for t in range(x.shape[1]):
        h, c, _ = cell_step(net.cell, getattr(net.rnn, "act", None), xw[:, t], h, c, w_hh, b_hh)
        hs.append(h)
        if c is not None:
            cs.append(c)
    return hs, cs


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


def decay_spread(norms: np.ndarray) -> tuple[dict, dict]:
    """gradients.decay_summary of each row of norms (B, T): the median and quartiles over rows
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

    def to_dict(self) -> dict:
        return {"settings": self.settings, "chance": self.chance, "runs": [r.to_dict() for r in self.runs],
                "wall_time_s": self.wall_time_s, "threads": self.threads}


def memory_run(cell: str, distance: int, seeds: Sequence[int], steps: int, hidden: int, batch_size: int, lr: float,
               clip: float, symbols: int, distractors: int, test_size: int, forget_bias: float,
               progress: Progress | None) -> MemoryRun:
    """Train and test `cell` at `distance` once per seed. For a given seed and distance every
    cell starts from the same seed and sees the same training and test sequences."""
    started = time.monotonic()
    accuracies, final_losses, h_norms, c_norms = [], [], [], []
    for k, seed in enumerate(seeds):
        train_gen, test_gen = _generator(seed, distance, 0), _generator(seed, distance, 1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = MemoryNet(cell, symbols + distractors, hidden, symbols, forget_bias)
        batch = functools.partial(memory_batch, batch_size, distance, symbols, distractors, train_gen)
        report = None if progress is None else functools.partial(progress, cell, distance)
        losses = _train(net, batch, nn.functional.cross_entropy, steps, lr, clip, report, k * steps + 1)
        final_losses.append(float(np.mean(losses[-max(1, steps // 10):])))
        x, y = memory_batch(test_size, distance, symbols, distractors, test_gen)
        with torch.no_grad():
            accuracies.append(float((net(x).argmax(-1) == y).float().mean()))
        h, c = gradient_norms(net, x[:GRADIENT_SEQUENCES], y[:GRADIENT_SEQUENCES])
        h_norms.append(h)
        c_norms += [] if c is None else [c]
    h_norms = np.concatenate(h_norms)  # (sequences, T)
    relative = h_norms / h_norms[:, -1:]  # each sequence's |g_t| / |g_T|
    profile = {name: np.percentile(relative, q, axis=0).tolist() for name, q in QUARTILES}
    c_decay, c_reach = decay_spread(np.concatenate(c_norms)) if c_norms else (None, None)
    return MemoryRun(cell, distance, float(np.mean(accuracies)), accuracies, float(np.mean(final_losses)),
                     *decay_spread(h_norms), profile, c_decay, c_reach, time.monotonic() - started)


def memory_experiment(cells: Sequence[str] = CELLS, distances: Sequence[int] = (5, 10, 20, 50, 100),
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
    cells = _choices("cell", cells, CELLS)
    distances = tuple(_count("distance", d, 1, MAX_DISTANCE) for d in distances)
    if not distances:
        raise RnnCliError("give at least one distance", EXIT_USAGE)
    for name, value, minimum, maximum in (("steps", steps, 1, None), ("hidden", hidden, 1, None),
                                          ("seed", seed, 0, None), ("seeds", seeds, 1, None),
                                          ("batch_size", batch_size, 1, None), ("symbols", symbols, 2, None),
                                          ("distractors", distractors, 1, None),
                                          ("test_size", test_size, 1, MAX_TEST_SIZE)):
        _count(name, value, minimum, maximum)
    lr, clip = _number("lr", lr), _number("clip", clip)
    forget_bias = _number("forget_bias", forget_bias, positive=False)
    seed_list = list(range(seed, seed + seeds))
    settings = {"cells": list(cells), "distances": list(distances), "steps": steps, "hidden": hidden,
                "seeds": seed_list, "batch_size": batch_size, "lr": lr, "clip": clip, "symbols": symbols,
                "distractors": distractors, "test_size": test_size, "forget_bias": forget_bias}
    runs, wall = [], {}
    for cell in cells:
        started = time.monotonic()
        runs += [memory_run(cell, d, seed_list, steps, hidden, batch_size, lr, clip, symbols, distractors, test_size,
                            forget_bias, progress) for d in distances]
        wall[cell] = time.monotonic() - started
    return MemoryResult(settings, 1 / symbols, runs, wall, torch.get_num_threads())


# --- part 4: why tanh -----------------------------------------------------------------------


def bit_batch(n: int, length: int, task: str, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n random bit sequences, each bit read as -1 or +1: x (n, length, 1). y (n,) in {0., 1.}:
    the parity of all bits ("parity") or the XOR of the first and the last ("xor")."""
    bits = torch.randint(2, (n, length), generator=generator)  # (n, length)
    y = bits.sum(1) % 2 if task == "parity" else bits[:, 0] ^ bits[:, -1]
    return (2.0 * bits - 1.0)[..., None], y.float()


class BitNet(nn.Module):
    """A stack of `depth` vanilla RNN layers (train.model.ElmanRNN) and one logit read from h_T."""

    def __init__(self, activation: str, depth: int, hidden: int):
        super().__init__()
        self.rnn = ElmanRNN(1, hidden, depth, False, 0.0, activation)
        self.head = nn.Linear(hidden, 1)

    def top(self, u: torch.Tensor) -> torch.Tensor:
        """Flattened input sequences u (N, T) -> the top layer's last states h_T (N, H)."""
        return self.rnn(u[..., None], None)[:, -1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, 1) -> logits (B,)."""
        return self.head(self.top(x[..., 0]))[:, 0]


def affine_check(net: BitNet, u: torch.Tensor) -> tuple[float, list[float], list[float]]:
    """Whether the network is one affine map of its input sequence u (N, T), in float64.
    J (H, T) = dh_T/du at u = 0, and a = w_head J (T,): were the network affine, its logit
    would be z(u) = z(0) + a u. Returns (max |z(u) - z(0) - a u| over the rows of u, a, the
    singular values of J)."""
    net64 = copy.deepcopy(net).double()
    u = u.double()
    zero = u.new_zeros(u.shape[1])  # (T,)
    J = torch.autograd.functional.jacobian(lambda v: net64.top(v[None])[0], zero)  # (H, T)
    with torch.no_grad():
        a = net64.head.weight[0] @ J  # (T,)
        z = net64.head(net64.top(u))[:, 0]  # (N,)
        affine = net64.head(net64.top(zero[None]))[0, 0] + u @ a  # (N,)
    return float((z - affine).abs().max()), a.tolist(), torch.linalg.svdvals(J).tolist()


@dataclass
class TanhRun:
    """One activation at one depth."""

    activation: str
    depth: int  # stacked vanilla RNN layers
    accuracy: float  # on fresh test sequences: the sign of the logit
    p_correct: float  # mean probability given to the correct label: 0.5 for a 50/50 guess, whatever its sign
    loss: float  # test cross-entropy in nats; ln 2 = 0.693 is what a constant 50/50 guess scores
    logit_std: float  # spread of the test logits: the scale of affine_error
    affine_error: float  # max |z(u) - z(0) - a u| on the test sequences: ~1e-16 when the network is affine
    logit_weights: list[float]  # a: per input step, the logit's slope at u = 0 (the whole map, if affine)
    singular_values: list[float]  # of J = dh_T/du at u = 0 (for a linear stack, the one map it composes to)
    train_time_s: float  # training, then testing and the affine check

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TanhResult:
    settings: dict
    chance: float  # 0.5: both labels are equally likely
    runs: list[TanhRun]  # activation by activation, depths in the order given

    def run(self, activation: str, depth: int) -> TanhRun:
        return next(r for r in self.runs if r.activation == activation and r.depth == depth)

    def to_dict(self) -> dict:
        return {"settings": self.settings, "chance": self.chance, "runs": [r.to_dict() for r in self.runs]}


def tanh_experiment(depths: Sequence[int] = (1, 3), activations: Sequence[str] = ("linear", "tanh"),
                    task: str = "parity", length: int = 3, steps: int = 500, hidden: int = 16, seed: int = 0,
                    batch_size: int = 64, lr: float = 1e-2, clip: float = 1.0, test_size: int = 1000,
                    progress: Progress | None = None) -> TanhResult:
    """Train a vanilla RNN of each depth with each activation on `task` over `length` bits
    (every network from the same seed and on the same sequences) and test it.

    What is shown: with the linear activation each layer computes an affine function of its
    input and of its previous state, so the unrolled stack, at any depth, is one affine map of
    the input sequence u: z(u) = z(0) + a u. `affine_error` checks this on each trained network
    (a from its Jacobian at u = 0, checked on every test sequence); `singular_values` are those
    of that one composed map from u to h_T. The parity or XOR label is uncorrelated with each
    bit, and so with every affine function of the bits: the best a linear network can do is a
    constant guess, so its test loss stays at ln 2, its logits near 0 and `p_correct` near 0.5.
    Its accuracy, the sign of those near-zero logits, is noise: on parity of 3 bits it can get
    2 to 6 of the 8 patterns right (25% to 75%).
    With tanh the affine prediction fails (large `affine_error`; `logit_weights` and
    `singular_values` are then only the slope at u = 0), and the network learns.
    `progress(activation, depth, step, loss)` is called after every training step."""
    activations = _choices("activation", activations, tuple(ACTIVATION_FUNCTIONS))
    depths = tuple(_count("depth", d) for d in depths)
    if not depths:
        raise RnnCliError("give at least one depth", EXIT_USAGE)
    (task,) = _choices("task", task, TASKS)
    for name, value, minimum, maximum in (("length", length, 2, MAX_DISTANCE), ("steps", steps, 1, None),
                                          ("hidden", hidden, 1, None), ("seed", seed, 0, None),
                                          ("batch_size", batch_size, 1, None),
                                          ("test_size", test_size, 1, MAX_TEST_SIZE)):
        _count(name, value, minimum, maximum)
    lr, clip = _number("lr", lr), _number("clip", clip)
    settings = {"task": task, "length": length, "depths": list(depths), "activations": list(activations),
                "steps": steps, "hidden": hidden, "seed": seed, "batch_size": batch_size, "lr": lr, "clip": clip,
                "test_size": test_size}
    x, y = bit_batch(test_size, length, task, _generator(seed, 1))
    runs = []
    for activation in activations:
        for depth in depths:
            started = time.monotonic()
            train_gen = _generator(seed, 0)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                net = BitNet(activation, depth, hidden)
            batch = functools.partial(bit_batch, batch_size, length, task, train_gen)
            report = None if progress is None else functools.partial(progress, activation, depth)
            _train(net, batch, nn.functional.binary_cross_entropy_with_logits, steps, lr, clip, report)
            with torch.no_grad():
                z = net(x)  # (test_size,)
            error, weights, singular = affine_check(net, x[..., 0])
            p_correct = torch.where(y > 0, torch.sigmoid(z), torch.sigmoid(-z))  # (test_size,)
            runs.append(TanhRun(activation, depth, float(((z > 0).float() == y).float().mean()),
                                float(p_correct.mean()), float(nn.functional.binary_cross_entropy_with_logits(z, y)),
                                float(z.std()), error, weights, singular, time.monotonic() - started))
    return TanhResult(settings, 0.5, runs)
