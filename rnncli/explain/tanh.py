"""Why the activation must be nonlinear (torch): stacked linear RNN layers collapse into one.

On parity (or XOR) of a few bits, which no affine function of the bits can predict, vanilla
RNNs with the linear activation stay at chance at every depth, because their stacked maps
compose into one affine map of the input sequence (`affine_check`, on each trained network),
while tanh learns the task. Training: `experiment_common.train_adam`.
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
from torch import nn

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.checks import MAX_SEED, check_whole
from rnncli.explain.checks import check_choices, check_number
from rnncli.explain.experiment_common import (MAX_DISTANCE, MAX_TEST_SIZE, Progress, one_thread, random_stream,
                                              train_adam)
from rnncli.train.model import ACTIVATION_FUNCTIONS, ElmanRNN

TASKS = ("parity", "xor")
AFFINE_TOLERANCE = 1e-4  # affine_error up to this fraction of the logits' spread is rounding: the map is affine


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

    @property
    def affine(self) -> bool:
        """Whether the trained network is one affine map of its input: `affine_error` within
        AFFINE_TOLERANCE of the logits' spread (`logit_std`)."""
        return self.affine_error <= AFFINE_TOLERANCE * max(self.logit_std, 1e-12)

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
    activations = check_choices("activation", activations, tuple(ACTIVATION_FUNCTIONS))
    depths = tuple(check_whole(d, "depth", 1) for d in depths)
    if not depths:
        raise RnnCliError("give at least one depth", EXIT_USAGE)
    (task,) = check_choices("task", task, TASKS)
    length, steps, hidden, seed, batch_size, test_size = (  # numpy's ints as ints
        check_whole(value, name, minimum, maximum) for name, value, minimum, maximum in (
            ("length", length, 2, MAX_DISTANCE), ("steps", steps, 1, None), ("hidden", hidden, 1, None),
            ("seed", seed, 0, MAX_SEED), ("batch_size", batch_size, 1, None),
            ("test_size", test_size, 1, MAX_TEST_SIZE)))
    lr, clip = check_number("lr", lr), check_number("clip", clip)
    settings = {"task": task, "length": length, "depths": list(depths), "activations": list(activations),
                "steps": steps, "hidden": hidden, "seed": seed, "batch_size": batch_size, "lr": lr, "clip": clip,
                "test_size": test_size}
    with one_thread():
        runs = _tanh_runs(depths, activations, task, length, steps, hidden, seed, batch_size, lr, clip, test_size,
                          progress)
    return TanhResult(settings, 0.5, runs)


def _tanh_runs(depths: Sequence[int], activations: Sequence[str], task: str, length: int, steps: int, hidden: int,
               seed: int, batch_size: int, lr: float, clip: float, test_size: int,
               progress: Progress | None) -> list[TanhRun]:
    """tanh_experiment's runs, its options checked."""
    x, y = bit_batch(test_size, length, task, random_stream(seed, 1))
    runs = []
    for activation in activations:
        for depth in depths:
            started = time.monotonic()
            train_gen = random_stream(seed, 0)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                net = BitNet(activation, depth, hidden)
            batch = functools.partial(bit_batch, batch_size, length, task, train_gen)
            report = None if progress is None else functools.partial(progress, activation, depth)
            train_adam(net, batch, nn.functional.binary_cross_entropy_with_logits, steps, lr, clip, report)
            with torch.no_grad():
                z = net(x)  # (test_size,)
            error, weights, singular = affine_check(net, x[..., 0])
            p_correct = torch.where(y > 0, torch.sigmoid(z), torch.sigmoid(-z))  # (test_size,)
            runs.append(TanhRun(activation, depth, float(((z > 0).float() == y).float().mean()),
                                float(p_correct.mean()), float(nn.functional.binary_cross_entropy_with_logits(z, y)),
                                float(z.std()), error, weights, singular, time.monotonic() - started))
    return runs
