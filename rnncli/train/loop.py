"""The training loop shared by every task (torch): batches, Adam with a cosine schedule (schedule.py),
gradient clipping, word dropout, dev scoring, the best epoch kept, checkpoints and resume.
What differs between tasks (inputs, loss, what counts as correct) comes from the Task."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import random
import signal
import threading
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnncli.errors import RnnCliError
from rnncli.train import checkpoints
from rnncli.train.callbacks import Callbacks
from rnncli.train.distributed import Distributed
from rnncli.train.job import TrainJob
from rnncli.train.model import batch_tensors, numpy_state
from rnncli.train.schedule import CosineSchedule

STUCK = 5  # epochs of an unmoving dev score that earn a warning


@dataclass
class Fitted:
    state: dict[str, np.ndarray] | None  # the weights of the best dev epoch
    best_epoch: int
    history: list[dict]  # per epoch: loss, dev scores, lr, time (and steps, for an epoch cut short)
    wall_time_s: float
    stopped: str | None = None  # why the run ended before its last epoch (--patience, --max-time)


CTRL_C, TIME_UP = 2, 1  # why the loop stops between two batches


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, acted on between two batches: the run so far is in the checkpoint."""

    def __init__(self, epoch: int, step: int, steps: int):
        super().__init__(epoch, step, steps)
        self.epoch, self.step, self.steps = epoch, step, steps


class CtrlC:
    """While training: the first Ctrl-C asks the loop to stop after the current batch, where a
    checkpoint is consistent; a second one stops at once (KeyboardInterrupt, as usual). Python
    lets only the main thread set signal handlers; elsewhere Ctrl-C is left as it is, and so is
    a SIGINT ignored by whoever started us (a shell script's `rnncli train ... &`)."""

    def __init__(self, warn):
        self.warn, self.pressed, self.previous = warn, False, None

    def __enter__(self):
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN):
            self.previous = signal.signal(signal.SIGINT, self.handle)
        return self

    def handle(self, signum, frame) -> None:
        self.pressed = True
        signal.signal(signal.SIGINT, self.previous)
        self.warn("Ctrl-C: stopping after this batch, with a checkpoint to resume from (Ctrl-C again: at once)")

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def data_digest(items: list) -> str:
    """The number of texts and a hash of their words and labels, so that a checkpoint is not
    resumed on other data of the same size (the vocabularies would not show every change)."""
    digest = hashlib.sha256()
    for item in items:
        labels = item.tags if hasattr(item, "tags") else item.label
        digest.update(repr((item.words, labels)).encode("utf-8", "surrogatepass"))
    return f"{len(items)} texts, sha256 {digest.hexdigest()[:16]}"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_batches(sentences: list, batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of sentence indices; similar lengths share a batch to save padding."""
    order = list(range(len(sentences)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda i: len(sentences[i].words))
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


@torch.no_grad()
def accuracy(model: nn.Module, task, items: list, batch_size: int = 128, device: torch.device | None = None,
             dist: "Distributed | None" = None) -> dict[str, float]:
    """Dev accuracy per output; under torchrun each rank scores its share and counts are summed."""
    model.eval()
    if dist is not None and dist.world > 1:
        items = items[dist.rank::dist.world]
    correct, total = {name: 0 for name in task.vocab.labels}, 0
    order = sorted(range(len(items)), key=lambda i: len(items[i].words))
    for start in range(0, len(order), batch_size):
        group = [items[i] for i in order[start:start + batch_size]]
        inputs = {k: v.to(device) for k, v in batch_tensors(task.inputs(group, model.config)).items()}
        hits, n = task.correct(model(**inputs), group)
        for name, k in hits.items():
            correct[name] += k
        total += n
    if dist is not None:
        names = sorted(correct)
        counts = dist.sum([correct[name] for name in names] + [total])
        correct, total = dict(zip(names, counts[:-1])), counts[-1]
    return {name: k / max(total, 1) for name, k in correct.items()}


def fit(model: nn.Module, task, train: list, dev: list, job: TrainJob, callbacks: Callbacks, info: dict,
        dist: Distributed | None = None, checkpoint: str | None = None) -> Fitted:
    """The training loop shared by all tasks: Adam, cosine schedule, clipping, word dropout;
    keeps the state with the best dev metric. Writes a training checkpoint after every epoch
    when `checkpoint` is a path, and continues from `job.resume` when it is set.
    `--max-time` and Ctrl-C are acted on after every batch: time up ends the epoch there (it is
    scored on dev like any other, and recorded with its `steps`) and then the run; Ctrl-C
    writes a checkpoint of that very point, from which a resumed run goes on exactly as if
    never stopped, and raises Interrupted.
    Under torchrun (`dist.world` > 1) each rank takes every world-th batch of the same shuffled
    order, DistributedDataParallel averages the gradients, dev counts are summed, and only
    rank 0 reports and writes checkpoints; every rank follows rank 0's decision to stop."""
    job = with_min_steps(job, _steps_per_epoch(train, job, dist or Distributed()), callbacks)
    run = _Run(model, task, train, dev, job, callbacks, dist or Distributed(), checkpoint)
    run.start(info)
    stopped = None
    with CtrlC(run.callbacks.on_warning) as ctrl_c:
        for epoch in range(run.done + 1, job.epochs + 1):
            step, steps, time_up = run.train_epoch(epoch, ctrl_c)
            run.end_epoch(epoch, step if time_up else None)
            stop = run.stop_wanted(ctrl_c)
            if stop == CTRL_C:
                raise Interrupted(epoch, steps, steps)
            if time_up or (stop == TIME_UP and epoch < job.epochs):
                cut = f" after {step} of {steps} batches" if time_up else ""
                stopped = f"--max-time {job.max_time:g}: the time was up in epoch {epoch}{cut}"
                break
            if job.patience and epoch - run.best_epoch >= job.patience and epoch < job.epochs:
                stopped = (f"--patience {job.patience}: no better dev score in the {job.patience} epoch(s) after "
                           f"epoch {run.best_epoch}")
                break
    return Fitted(run.best_state, run.best_epoch, run.history, time.monotonic() - run.started, stopped)


def with_min_steps(job: TrainJob, steps_per_epoch: int, callbacks: Callbacks) -> TrainJob:
    """The job with its epochs raised, where its batches would give fewer than job.min_steps
    updates (small data: 300 sentences are 10 batches an epoch), saying so."""
    needed = math.ceil(job.min_steps / steps_per_epoch)
    if needed <= job.epochs:
        return job
    callbacks.on_status(f"{job.epochs} epochs of {steps_per_epoch} batches are fewer than --min-steps "
                        f"{job.min_steps}: training {needed} epochs")
    return dataclasses.replace(job, epochs=needed)


def _steps_per_epoch(train: list, job: TrainJob, dist: Distributed) -> int:
    """Batches per epoch; under torchrun, per rank, the same number for every rank."""
    if dist.world == 1:
        return math.ceil(len(train) / job.batch_size)
    steps = len(make_batches(train, job.batch_size, random.Random(0))) // dist.world
    if steps == 0:
        raise RnnCliError(f"too little training data for {dist.world} processes: fewer batches than processes")
    return steps


class _Run:
    """One call of `fit`: what it trains with (model, optimizer, schedule, data, random numbers)
    and where it stands (the best epoch so far, the history, the loss of the epoch running),
    which is what a checkpoint holds and a resumed run starts from."""

    def __init__(self, model: nn.Module, task, train: list, dev: list, job: TrainJob, callbacks: Callbacks,
                 dist: Distributed, checkpoint: str | None):
        self.model, self.task, self.train, self.dev, self.job, self.dist = model, task, train, dev, job, dist
        self.checkpoint = checkpoint if dist.main else None  # only rank 0 writes checkpoints
        model.to(dist.device)
        self.net = dist.wrap(model)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=job.lr, weight_decay=job.weight_decay)
        self.rng = random.Random(job.seed)
        self.steps_per_epoch = _steps_per_epoch(train, job, dist)
        self.started = 0.0  # time.monotonic() when the run began, less the time it ran before a resume
        self.schedule = CosineSchedule(self.optimizer, job.lr, job.min_lr_ratio, self.steps_per_epoch * job.epochs,
                                       job.max_time, lambda: dist.rank0(time.monotonic() - self.started))
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
        self.best, self.best_state, self.best_epoch, self.history, self.done, self.elapsed = -math.inf, None, 0, [], 0, 0.0
        self.skip, self.total_loss, self.n = 0, 0.0, 0  # within the first epoch run: batches already done, their loss
        # What a checkpoint must agree on to be resumed: options that shape the run, the data, the model.
        self.fingerprint = {"options": job.optimisation(),
                            "train": data_digest(train), "dev": data_digest(dev), "config": model.config.to_dict()}
        if job.resume:
            progress, self.best_state = checkpoints.load(job.resume, model, self.optimizer, self.schedule, self.rng,
                                                         self.fingerprint)
            self.best, self.best_epoch, self.history, self.done, self.elapsed = (
                progress["best"], progress["best_epoch"], progress["history"], progress["epoch"], progress["elapsed_s"])
            self.skip, self.total_loss, self.n = (progress.get("step", 0), progress.get("loss_sum", 0.0),
                                                  progress.get("loss_n", 0))
        self.callbacks = callbacks if dist.main else Callbacks()
        self.stuck_warned = any(self.stuck(self.history[:end]) for end in range(STUCK, len(self.history) + 1))
        # (a resumed run warned before it was stopped, if ever: not once more)

    def start(self, info: dict) -> None:
        """Tell the callbacks what the run is, and where a resumed one goes on; the clock starts."""
        info = {**info, "batch_size": self.job.batch_size * self.dist.world}
        resumed = ({"resumed_in_epoch": self.done + 1, "at_batch": self.skip + 1} if self.skip
                   else {"resumed_after_epoch": self.done})
        self.callbacks.on_start(self.job.epochs, self.steps_per_epoch,
                                {**info, **resumed} if self.done or self.skip else info)
        self.started = time.monotonic() - self.elapsed

    def stop_wanted(self, ctrl_c: CtrlC) -> int:
        """Why to stop now, as rank 0 sees it: CTRL_C, TIME_UP (--max-time), or 0."""
        time_up = self.job.max_time is not None and time.monotonic() - self.started >= self.job.max_time
        return self.dist.decide(CTRL_C if ctrl_c.pressed else TIME_UP if time_up else 0)

    def train_epoch(self, epoch: int, ctrl_c: CtrlC) -> tuple[int, int, bool]:
        """The epoch's batches (after those a resumed run has done): the last step taken, the
        epoch's steps, and whether --max-time cut it short. Ctrl-C writes a checkpoint of this
        very point and raises Interrupted."""
        self.model.train()
        epoch_rng = self.rng.getstate()  # a checkpoint within this epoch records it, to draw the same batches again
        batches = self.task.batches(self.train, self.job.batch_size, self.rng)
        if self.dist.world > 1:
            batches = batches[self.dist.rank::self.dist.world][:self.steps_per_epoch]
        skip, self.skip = self.skip, 0
        step = skip
        for step, indices in enumerate(batches[skip:], start=skip + 1):
            self.train_step(epoch, step, [self.train[i] for i in indices])
            stop = self.stop_wanted(ctrl_c)
            if stop and step < len(batches):
                if stop == CTRL_C:
                    at_start = random.Random()
                    at_start.setstate(epoch_rng)
                    self.save(at_start, epoch=epoch - 1, step=step, loss_sum=self.total_loss, loss_n=self.n)
                    raise Interrupted(epoch, step, len(batches))
                return step, len(batches), True
        return step, len(batches), False

    def train_step(self, epoch: int, step: int, group: list) -> None:
        """One batch: word dropout, forward, backward, clipping, an optimizer and a schedule step."""
        config = self.model.config
        inputs = self.task.tensors(group, config)
        if config.word_dropout > 0:
            drop = (torch.rand(inputs["words"].shape) < config.word_dropout) & (inputs["words"] > 1)
            inputs["words"] = inputs["words"].masked_fill(drop, 1)
        inputs = {k: v.to(self.dist.device) if isinstance(v, torch.Tensor) else v for k, v in inputs.items()}
        loss = self.task.loss(self.net(**inputs), group, inputs["words"].shape[1], self.loss_fn)
        if not torch.isfinite(loss):
            raise RnnCliError(f"training diverged: the loss is {loss.item()} at epoch {epoch}, step {step}; "
                              f"try a smaller --lr (this run: {self.job.lr:g})")
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.job.clip)
        self.optimizer.step()
        self.schedule.step()
        self.total_loss += loss.item()
        self.n += 1
        self.callbacks.on_step(epoch, step, loss.item())

    def end_epoch(self, epoch: int, cut_at: int | None) -> None:
        """After an epoch (`cut_at`: the steps of one that --max-time cut short): its loss and dev
        scores in the history, the best state so far, a checkpoint, and the callbacks told."""
        self.total_loss, self.n = self.dist.sum([self.total_loss, self.n])
        dev_scores = self.task.dev_scores(self.model, self.dev, self.dist.device, self.dist)
        metrics = {"epoch": epoch, "loss": self.total_loss / max(self.n, 1), "lr": self.schedule.get_last_lr()[0],
                   **{f"dev_{k}": v for k, v in dev_scores.items()}, "elapsed_s": time.monotonic() - self.started}
        if cut_at is not None:
            metrics["steps"] = cut_at  # an epoch cut short by --max-time
        self.total_loss, self.n = 0.0, 0
        self.history.append(metrics)
        score = -dev_scores[self.task.metric] if self.task.lower_is_better else dev_scores[self.task.metric]
        if score > self.best:
            self.best, self.best_state, self.best_epoch = score, numpy_state(self.model), epoch
        metrics["best_epoch"] = self.best_epoch
        self.warn_if_stuck(epoch)
        self.save(self.rng, epoch=epoch)
        self.callbacks.on_epoch_end(epoch, metrics)

    def warn_if_stuck(self, epoch: int) -> None:
        """Warn once when the dev metric has not moved at all for STUCK epochs: a model that
        learned nothing (too few updates, too high or low a learning rate). A score of 100% that
        stays is the top, not a model stuck below it."""
        if not self.stuck_warned and self.stuck(self.history):
            self.stuck_warned = True
            self.callbacks.on_warning(
                f"the dev {self.task.metric} score has stayed at {self.history[-1][f'dev_{self.task.metric}']:.2%} "
                f"for {STUCK} epochs (to epoch {epoch}): the model is not learning; train longer (--min-steps, "
                "--epochs) or change --lr")

    def stuck(self, history: list[dict]) -> bool:
        """Whether the dev metric of the last STUCK epochs of `history` stayed put, below 100%."""
        scores = [m[f"dev_{self.task.metric}"] for m in history[-STUCK:]]
        top = not self.task.lower_is_better and scores[-1:] == [1.0]
        return len(scores) == STUCK and max(scores) - min(scores) < 1e-9 and not top

    def save(self, rng: random.Random, **progress) -> None:
        """A training checkpoint of the run so far, where there is one to write (see checkpoints.save)."""
        if self.checkpoint:
            checkpoints.save(self.checkpoint, self.model, self.optimizer, self.schedule, rng,
                             {**progress, "best": self.best, "best_epoch": self.best_epoch, "history": self.history,
                              "elapsed_s": time.monotonic() - self.started}, self.best_state, self.fingerprint)
