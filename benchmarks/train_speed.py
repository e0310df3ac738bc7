"""How much rnncli's training loop costs over a plain PyTorch loop training the same model.

Both train the same tagger for one epoch on the first --sentences sentences of the UD EWT
training file, with the same batches, word dropout, loss, clipping, Adam and cosine schedule,
from the same seed, so they do identical arithmetic (the script checks that they end with
identical weights). rnncli's `train.loop.fit` also does what the plain loop leaves out:
callbacks, the loss bookkeeping, a dev pass over a few sentences and, in one row, a
checkpoint after the epoch.

After an untimed warm-up round on two batches, all loops take turns for --repeat rounds
(every other round in reverse order), so that the noise of a busy machine falls on all of
them alike. Printed: median wall time per epoch, tokens/s, the ratio to the plain loop's
tokens/s and the overhead, 1 - ratio (target: rnncli fit >= 0.9x, overhead < 10%).

    python benchmarks/train_speed.py [--sentences N] [--repeat N] [--cell lstm rnn] [--hidden H]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import torch
from torch import nn

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's rnncli, installed or not

from rnncli.model.config import CELLS, ModelConfig
from rnncli.data.tagged import read_tagged
from rnncli.train.callbacks import Callbacks
from rnncli.train.job import TrainJob
from rnncli.train.loop import fit, make_batches, seed_everything
from rnncli.train.model import TaggerModel, batch_tensors
from rnncli.train.tasks import TaggerTask
from bench import positive_int, print_table  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

DEV_SENTENCES = 20
TARGET_RATIO = 0.9


@dataclass
class Loop:
    """One way of training an epoch, and its measured wall times."""

    label: str
    train: Callable  # (model, task, train, dev, job) -> None
    has_target: bool = False  # held to TARGET_RATIO
    seconds: list[float] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, metavar="DIR", default=Path(os.environ.get("RNNCLI_DATA") or REPO.parent / "shared" / "data"),
                        help="folder holding ud-ewt/ (default: $RNNCLI_DATA, else ../shared/data from the repo root; see DATA.md)")
    parser.add_argument("--sentences", type=positive_int, default=1500, metavar="N",
                        help="training sentences, the first N of the file (default: 1500)")
    parser.add_argument("--repeat", type=positive_int, default=3, metavar="N",
                        help="timed epochs of each loop (default: 3)")
    parser.add_argument("--cell", nargs="+", choices=CELLS, default=["lstm", "rnn"],
                        help="recurrent cells to measure (default: lstm rnn)")
    parser.add_argument("--hidden", type=positive_int, default=256, help="recurrent state size (default: 256)")
    parser.add_argument("--embedding-dim", type=positive_int, default=128, help="word embedding size (default: 128)")
    parser.add_argument("--char-hidden", type=positive_int, default=80,
                        help="character recurrent state size (default: 80)")
    parser.add_argument("--threads", type=positive_int, default=1, help="torch threads (default: 1)")
    return parser.parse_args()


def model_config(cell: str, args: argparse.Namespace, vocab) -> ModelConfig:
    """The bundled LSTM tagger's shape (sizes from the options), filled in as `train` does."""
    return ModelConfig(task="tagger", cell=cell, hidden=args.hidden, embedding_dim=args.embedding_dim,
                       char_hidden=args.char_hidden, layers=2, dropout=0.4, word_dropout=0.15,
                       words=len(vocab.words), chars=len(vocab.chars),
                       heads={name: len(names) for name, names in vocab.labels.items()})


def rnncli_loop(model: nn.Module, task, train: list, dev: list, options: TrainJob,
                checkpoint: str | None = None) -> None:
    fit(model, task, train, dev, options, Callbacks(), {}, checkpoint=checkpoint)


def plain_loop(model: nn.Module, task, train: list, dev: list, options: TrainJob) -> None:
    """One epoch of the same training steps as `fit`, and nothing else (dev is not used)."""
    config = model.config
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr, weight_decay=options.weight_decay)
    total_steps = math.ceil(len(train) / options.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: options.min_lr_ratio + (1 - options.min_lr_ratio)
                                                 * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps)))
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    model.train()
    for indices in make_batches(train, options.batch_size, random.Random(options.seed)):
        group = [train[i] for i in indices]
        batch = task.inputs(group, config)
        inputs = batch_tensors(batch)
        drop = (torch.rand(inputs["words"].shape) < config.word_dropout) & (inputs["words"] > 1)
        inputs["words"] = inputs["words"].masked_fill(drop, 1)
        loss = task.loss(model(**inputs), group, batch.words.shape[1], loss_fn)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), options.clip)
        optimizer.step()
        schedule.step()


def run_once(loop: Loop, config: ModelConfig, task, train: list, dev: list, options: TrainJob) -> torch.Tensor:
    """Train a freshly seeded model with `loop`, record the wall time, return the final weights."""
    seed_everything(options.seed)
    model = TaggerModel(config)
    started = time.perf_counter()
    loop.train(model, task, train, dev, options)
    loop.seconds.append(time.perf_counter() - started)
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def measure(loops: list[Loop], config: ModelConfig, task, train: list, dev: list, options: TrainJob,
            repeat: int) -> bool:
    """An untimed warm-up round on two batches (torch's first calls are slow), then `repeat`
    rounds of all loops in turn; True when every timed run ended with the same weights."""
    for loop in loops:
        loop.train(TaggerModel(config), task, train[: 2 * options.batch_size], dev, options)
    reference, identical = None, True
    for round_ in range(repeat):
        for loop in loops if round_ % 2 == 0 else loops[::-1]:
            print(f"  round {round_ + 1}/{repeat}: {loop.label}", file=sys.stderr, flush=True)
            weights = run_once(loop, config, task, train, dev, options)
            if reference is None:
                reference = weights
            identical = identical and torch.equal(weights, reference)
    return identical


def table_rows(loops: list[Loop], tokens: int) -> list[list[str]]:
    plain = tokens / loops[0].median_seconds
    rows = []
    for loop in loops:
        speed = tokens / loop.median_seconds
        ratio = speed / plain
        if loop is loops[0]:
            verdict = ""
        elif loop.has_target:
            verdict = "pass" if ratio >= TARGET_RATIO else "FAIL"
        else:
            verdict = "(cost shown)"
        rows.append([loop.label, f"{loop.median_seconds:.2f}", f"{speed:,.0f}", f"{ratio:.2f}x",
                     f"{1 - ratio:.1%}", verdict])
    return rows


def main() -> int:
    args = parse_args()
    ewt = args.data / "ud-ewt"
    train_path, dev_path = ewt / "en_ewt-ud-train.conllu", ewt / "en_ewt-ud-dev.conllu"
    missing = [p for p in (train_path, dev_path) if not p.is_file()]
    if missing:
        print(f"skipped: {missing[0]} not found (give the data folder with --data DIR)")
        return 0
    torch.set_num_threads(args.threads)
    train = read_tagged(train_path)[: args.sentences]
    dev = read_tagged(dev_path)[:DEV_SENTENCES]
    tokens = sum(len(s.words) for s in train)
    options = TrainJob.for_task("tagger", train=train_path, dev=dev_path, out=os.devnull, epochs=1)
    task = TaggerTask()
    vocab = task.vocabularies(train, options, print)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"one epoch of {len(train):,} sentences ({tokens:,} tokens, batch {options.batch_size}), "
          f"dev {len(dev)} sentences; median of {args.repeat} runs per loop, taking turns; "
          f"torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} CPUs, load average {load}")
    for cell in args.cell:
        config = model_config(cell, args, vocab)
        with tempfile.TemporaryDirectory(prefix="train-speed-") as tmp:
            loops = [Loop("plain torch loop", plain_loop), Loop("rnncli fit", rnncli_loop, has_target=True),
                     Loop("rnncli fit + checkpoint", partial(rnncli_loop, checkpoint=str(Path(tmp) / "run.ckpt")))]
            print(f"measuring {cell}...", file=sys.stderr, flush=True)
            identical = measure(loops, config, task, train, dev, options, args.repeat)
        print_table(f"{cell} tagger: hidden {config.hidden}, embedding {config.embedding_dim}, char hidden "
                    f"{config.char_hidden}, {config.layers} layers, dropout {config.dropout}, word dropout "
                    f"{config.word_dropout} (target: rnncli fit >= {TARGET_RATIO:g}x plain tokens/s)",
                    ["loop", "wall s", "tokens/s", "vs plain", "overhead", "target"], table_rows(loops, tokens), [])
        verdict = "yes" if identical else ("NO: the loops do different work" if args.threads == 1 else
                                           "no (several threads do not sum in a fixed order; use --threads 1 to check)")
        print(f"same final weights in every run: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
