"""The training loop shared by every task (torch): batches, Adam with a cosine schedule,
gradient clipping, word dropout, dev scoring, the best epoch kept, checkpoints and resume.
What differs between tasks (inputs, loss, what counts as correct) comes from the Task."""

from __future__ import annotations

import math
import random
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
    history: list[dict]  # per epoch: loss, dev scores, lr, time
    wall_time_s: float


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
    Under torchrun (`dist.world` > 1) each rank takes every world-th batch of the same shuffled
    order, DistributedDataParallel averages the gradients, dev counts are summed, and only
    rank 0 reports and writes checkpoints."""
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
    # What a checkpoint must agree on to be resumed: options that shape the run, data size, model.
    fingerprint = {"options": {name: getattr(job, name) for name in job.OPTIMISATION},
                   "train": len(train), "dev": len(dev), "config": config.to_dict()}
    if job.resume:
        progress, best_state = checkpoints.load(job.resume, model, optimizer, schedule, rng, fingerprint)
        best, best_epoch, history, done, elapsed = (progress["best"], progress["best_epoch"], progress["history"],
                                                    progress["epoch"], progress["elapsed_s"])
    if not dist.main:
        callbacks = Callbacks()
    info = {**info, "batch_size": job.batch_size * dist.world}
    callbacks.on_start(job.epochs, steps_per_epoch, {**info, "resumed_after_epoch": done} if done else info)
    started = time.monotonic() - elapsed
    for epoch in range(done + 1, job.epochs + 1):
        model.train()
        total_loss, n = 0.0, 0
        batches = make_batches(train, job.batch_size, rng)
        if dist.world > 1:
            batches = batches[dist.rank::dist.world][:steps_per_epoch]
        for step, indices in enumerate(batches, start=1):
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
        if dist.world > 1:
            total_loss, n = dist.sum([total_loss, n])
        dev_scores = accuracy(model, task, dev, device=dist.device, dist=dist)
        metrics = {"epoch": epoch, "loss": total_loss / max(n, 1), "lr": schedule.get_last_lr()[0],
                   **{f"dev_{k}": v for k, v in dev_scores.items()}, "elapsed_s": time.monotonic() - started}
        history.append(metrics)
        if dev_scores[task.metric] > best:
            best, best_state, best_epoch = dev_scores[task.metric], numpy_state(model), epoch
        metrics["best_epoch"] = best_epoch
        if checkpoint and dist.main:
            checkpoints.save(checkpoint, model, optimizer, schedule, rng,
                        {"epoch": epoch, "best": best, "best_epoch": best_epoch, "history": history,
                         "elapsed_s": time.monotonic() - started}, best_state, fingerprint)
        callbacks.on_epoch_end(epoch, metrics)
        if job.patience and epoch - best_epoch >= job.patience:
            break
        if dist.agree(bool(job.max_time and time.monotonic() - started >= job.max_time)):
            break
    return Fitted(best_state, best_epoch, history, time.monotonic() - started)
