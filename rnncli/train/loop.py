"""The training loop shared by every task (torch): batches, Adam with a cosine schedule,
gradient clipping, word dropout, dev scoring, the best epoch kept, checkpoints and resume.
What differs between tasks (inputs, loss, what counts as correct) comes from the Task."""

from __future__ import annotations

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


@dataclass
class Fitted:
    state: dict[str, np.ndarray] | None  # the weights of the best dev epoch
    best_epoch: int
    history: list[dict]  # per epoch: loss, dev scores, lr, time (and steps, for an epoch cut short)
    wall_time_s: float
    stopped: str | None = None  # why the run ended before its last epoch (--patience, --max-time)


CTRL_C, TIME_UP = 2, 1  # why the loop stops between two batches


def _time_up(job: TrainJob, started: float) -> bool:
    return job.max_time is not None and time.monotonic() - started >= job.max_time


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
    if dist is not None and dist.world > 1:
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
    dist = dist or Distributed()
    config = model.config
    model.to(dist.device)
    net = dist.wrap(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=job.lr, weight_decay=job.weight_decay)
    rng = random.Random(job.seed)
    steps_per_epoch = math.ceil(len(train) / job.batch_size)
    if dist.world > 1:  # every rank must take the same number of steps
        steps_per_epoch = len(make_batches(train, job.batch_size, random.Random(0))) // dist.world
        if steps_per_epoch == 0:
            raise RnnCliError(f"too little training data for {dist.world} processes: fewer batches than processes")
    total_steps = steps_per_epoch * job.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: job.min_lr_ratio + (1 - job.min_lr_ratio)
                                                 * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps)))
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    best, best_state, best_epoch, history, done, elapsed = -1.0, None, 0, [], 0, 0.0
    skip, total_loss, n = 0, 0.0, 0  # within the first epoch run: batches already done, their loss
    # What a checkpoint must agree on to be resumed: options that shape the run, the data, the model.
    fingerprint = {"options": {name: getattr(job, name) for name in job.OPTIMISATION},
                   "train": data_digest(train), "dev": data_digest(dev), "config": config.to_dict()}
    if job.resume:
        progress, best_state = checkpoints.load(job.resume, model, optimizer, schedule, rng, fingerprint)
        best, best_epoch, history, done, elapsed = (progress["best"], progress["best_epoch"], progress["history"],
                                                    progress["epoch"], progress["elapsed_s"])
        skip, total_loss, n = progress.get("step", 0), progress.get("loss_sum", 0.0), progress.get("loss_n", 0)
    if not dist.main:
        callbacks = Callbacks()
    info = {**info, "batch_size": job.batch_size * dist.world}
    resumed = {"resumed_in_epoch": done + 1, "at_batch": skip + 1} if skip else {"resumed_after_epoch": done}
    callbacks.on_start(job.epochs, steps_per_epoch, {**info, **resumed} if done or skip else info)
    started = time.monotonic() - elapsed
    stopped = None
    with CtrlC(callbacks.on_warning) as ctrl_c:
        for epoch in range(done + 1, job.epochs + 1):
            model.train()
            epoch_rng = rng.getstate()  # a checkpoint within this epoch records it, to draw the same batches again
            batches = make_batches(train, job.batch_size, rng)
            if dist.world > 1:
                batches = batches[dist.rank::dist.world][:steps_per_epoch]
            step, time_up = skip, False
            for step, indices in enumerate(batches[skip:], start=skip + 1):
                group = [train[i] for i in indices]
                batch = task.inputs(group, config)
                inputs = batch_tensors(batch)
                if config.word_dropout > 0:
                    drop = (torch.rand(inputs["words"].shape) < config.word_dropout) & (inputs["words"] > 1)
                    inputs["words"] = inputs["words"].masked_fill(drop, 1)
                inputs = {k: v.to(dist.device) for k, v in inputs.items()}
                loss = task.loss(net(**inputs), group, batch.words.shape[1], loss_fn)
                if not torch.isfinite(loss):
                    raise RnnCliError(f"training diverged: the loss is {loss.item()} at epoch {epoch}, step {step}; "
                                      f"try a smaller --lr (this run: {job.lr:g})")
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), job.clip)
                optimizer.step()
                schedule.step()
                total_loss += loss.item()
                n += 1
                callbacks.on_step(epoch, step, loss.item())
                stop = dist.decide(CTRL_C if ctrl_c.pressed else TIME_UP if _time_up(job, started) else 0)
                if stop and step < len(batches):
                    if stop == CTRL_C:
                        if checkpoint and dist.main:
                            at_start = random.Random()
                            at_start.setstate(epoch_rng)
                            checkpoints.save(checkpoint, model, optimizer, schedule, at_start,
                                             {"epoch": epoch - 1, "step": step, "loss_sum": total_loss, "loss_n": n,
                                              "best": best, "best_epoch": best_epoch, "history": history,
                                              "elapsed_s": time.monotonic() - started}, best_state, fingerprint)
                        raise Interrupted(epoch, step, len(batches))
                    time_up = True
                    break
            skip = 0
            if dist.world > 1:
                total_loss, n = dist.sum([total_loss, n])
            dev_scores = accuracy(model, task, dev, device=dist.device, dist=dist)
            metrics = {"epoch": epoch, "loss": total_loss / max(n, 1), "lr": schedule.get_last_lr()[0],
                       **{f"dev_{k}": v for k, v in dev_scores.items()}, "elapsed_s": time.monotonic() - started}
            if time_up:
                metrics["steps"] = step  # an epoch cut short by --max-time
            total_loss, n = 0.0, 0
            history.append(metrics)
            if dev_scores[task.metric] > best:
                best, best_state, best_epoch = dev_scores[task.metric], numpy_state(model), epoch
            metrics["best_epoch"] = best_epoch
            if checkpoint and dist.main:
                checkpoints.save(checkpoint, model, optimizer, schedule, rng,
                                 {"epoch": epoch, "best": best, "best_epoch": best_epoch, "history": history,
                                  "elapsed_s": time.monotonic() - started}, best_state, fingerprint)
            callbacks.on_epoch_end(epoch, metrics)
            stop = dist.decide(CTRL_C if ctrl_c.pressed else TIME_UP if _time_up(job, started) else 0)
            if stop == CTRL_C:
                raise Interrupted(epoch, len(batches), len(batches))
            if time_up or (stop == TIME_UP and epoch < job.epochs):
                cut = f" after {step} of {len(batches)} batches" if time_up else ""
                stopped = f"--max-time {job.max_time:g}: the time was up in epoch {epoch}{cut}"
                break
            if job.patience and epoch - best_epoch >= job.patience and epoch < job.epochs:
                stopped = (f"--patience {job.patience}: no better dev score in the {job.patience} epoch(s) after "
                           f"epoch {best_epoch}")
                break
    return Fitted(best_state, best_epoch, history, time.monotonic() - started, stopped)
