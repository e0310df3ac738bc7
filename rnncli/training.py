"""The training loop (torch). Reports progress through callbacks; the CLI draws them.

Keeps the weights with the best dev score, then writes one model file whose metadata
records the command, data, seed and the scores of the saved (possibly float16) weights.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from rnncli import checkpoint
from rnncli.config import ModelConfig
from rnncli.data import TaggedSentence, build_tagger_vocab, read_tagged
from rnncli.encoding import encode
from rnncli.errors import RnnCliError
from rnncli.model import TaggerModel


@dataclass
class TrainOptions:
    epochs: int = 30
    batch_size: int = 32
    lr: float = 2e-3
    min_lr_ratio: float = 0.05  # cosine schedule ends at lr * min_lr_ratio
    weight_decay: float = 0.0
    clip: float = 5.0  # gradient norm clipping
    seed: int = 1
    min_word_count: int = 2  # rarer words get no embedding of their own (char features still see them)
    dtype: str = "float16"  # storage type of the saved weights
    max_time: float | None = None  # seconds; stop after the epoch that passes it
    patience: int | None = None  # stop after this many epochs without a better dev score
    threads: int = 1  # 1: the same seed and data give the same weights on any machine
    checkpoint: str | None = None  # written after every epoch; None: no checkpoints
    resume: str | None = None  # a checkpoint to continue from


class Callbacks:
    """Training events; override what you need. Metrics are plain dicts of floats."""

    def on_start(self, epochs: int, steps_per_epoch: int, info: dict) -> None: ...
    def on_step(self, epoch: int, step: int, loss: float) -> None: ...
    def on_epoch_end(self, epoch: int, metrics: dict) -> None: ...
    def on_end(self, result: dict) -> None: ...


class CallbackList(Callbacks):
    """Several callbacks as one."""

    def __init__(self, *callbacks: Callbacks):
        self.callbacks = [c for c in callbacks if c is not None]

    def on_start(self, *args) -> None:
        for c in self.callbacks:
            c.on_start(*args)

    def on_step(self, *args) -> None:
        for c in self.callbacks:
            c.on_step(*args)

    def on_epoch_end(self, *args) -> None:
        for c in self.callbacks:
            c.on_epoch_end(*args)

    def on_end(self, *args) -> None:
        for c in self.callbacks:
            c.on_end(*args)


class MetricsLog(Callbacks):
    """One JSON line per epoch (loss, dev metrics, learning rate, time) appended to a file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def on_epoch_end(self, epoch: int, metrics: dict) -> None:
        import json

        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(metrics) + "\n")


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


def to_tensors(batch) -> dict[str, torch.Tensor]:
    return {"words": torch.from_numpy(batch.words), "lengths": torch.from_numpy(batch.lengths),
            "chars": torch.from_numpy(batch.chars), "char_lengths": torch.from_numpy(batch.char_lengths),
            "char_index": torch.from_numpy(batch.char_index)}


def tag_targets(sentences: list[TaggedSentence], labels: dict[str, list[str]], T: int) -> dict[str, torch.Tensor]:
    """Gold tag ids (B, T) per head; -100 marks padding and tags the model cannot predict."""
    out = {}
    for name, names in labels.items():
        index = {t: i for i, t in enumerate(names)}
        y = torch.full((len(sentences), T), -100, dtype=torch.long)
        for b, s in enumerate(sentences):
            y[b, : len(s.words)] = torch.tensor([index.get(t, -100) for t in s.tags[name]])
        out[name] = y
    return out


class Task:
    """What the training loop needs to know of a task: its inputs, loss and correct answers."""

    name = metric = ""

    def __init__(self, vocab):
        self.vocab = vocab

    def inputs(self, items: list, config: ModelConfig):
        return encode([s.words for s in items], self.vocab.words, self.vocab.chars if config.char else None,
                      config.max_word_chars)


class TaggerTask(Task):
    """Many-to-many: cross-entropy summed over the tag heads; dev metric UPOS accuracy."""

    name = "tagger"

    def __init__(self, vocab):
        super().__init__(vocab)
        self.metric = "upos" if "upos" in vocab.labels else next(iter(vocab.labels))

    def loss(self, logits: dict, items: list, T: int, loss_fn) -> torch.Tensor:
        targets = tag_targets(items, self.vocab.labels, T)
        return sum(loss_fn(logits[name].flatten(0, 1), targets[name].flatten().to(logits[name].device))
                   for name in logits)

    def correct(self, logits: dict, items: list) -> tuple[dict[str, int], int]:
        out = {}
        for name, names in self.vocab.labels.items():
            pred = logits[name].argmax(-1)
            out[name] = sum(names[p] == g for b, s in enumerate(items)
                            for p, g in zip(pred[b, : len(s.words)].tolist(), s.tags[name]))
        return out, sum(len(s.words) for s in items)


class SentimentTask(Task):
    """Many-to-one: cross-entropy of the text's label; dev metric accuracy."""

    name, metric = "sentiment", "label"

    def __init__(self, vocab):
        super().__init__(vocab)
        self.index = {label: i for i, label in enumerate(vocab.labels["label"])}

    def loss(self, logits: dict, items: list, T: int, loss_fn) -> torch.Tensor:
        return loss_fn(logits["label"], torch.tensor([self.index[e.label] for e in items], device=logits["label"].device))

    def correct(self, logits: dict, items: list) -> tuple[dict[str, int], int]:
        pred = logits["label"].argmax(-1).tolist()
        return {"label": sum(p == self.index[e.label] for p, e in zip(pred, items))}, len(items)


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
        inputs = {k: v.to(device) for k, v in to_tensors(task.inputs(group, model.config)).items()}
        hits, n = task.correct(model(**inputs), group)
        for name, k in hits.items():
            correct[name] += k
        total += n
    if dist is not None and dist.world > 1:
        names = sorted(correct)
        counts = dist.sum([correct[name] for name in names] + [total])
        correct, total = dict(zip(names, counts[:-1])), counts[-1]
    return {name: k / max(total, 1) for name, k in correct.items()}


class Distributed:
    """The torchrun environment: rank and world size, gloo on CPU, nccl on GPU. A single
    process is world 1 and everything here is a no-op."""

    def __init__(self):
        import os

        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        self.device = torch.device(f"cuda:{local}") if torch.cuda.is_available() and self.world > 1 else torch.device("cpu")
        if self.world > 1 and not torch.distributed.is_initialized():
            if self.device.type == "cuda":
                torch.cuda.set_device(self.device)
            torch.distributed.init_process_group("nccl" if self.device.type == "cuda" else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def sum(self, values: list[float]) -> list[float]:
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(t)
        return t.tolist()

    def agree(self, flag: bool) -> bool:
        """Rank 0's decision, for every rank (so that all stop at the same epoch)."""
        if self.world == 1:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        torch.distributed.broadcast(t, 0)
        return bool(t.item())

    def wrap(self, model: nn.Module) -> nn.Module:
        if self.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model, device_ids=[self.device] if self.device.type == "cuda" else None)


def numpy_state(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def fit(model: nn.Module, task, train: list, dev: list, options: TrainOptions, callbacks: Callbacks,
        info: dict, dist: Distributed | None = None) -> dict:
    """The training loop shared by all tasks: Adam, cosine schedule, clipping, word dropout;
    keeps the state with the best dev metric. Returns best state, epoch, history, wall time.
    Under torchrun (`dist.world` > 1) each rank takes every world-th batch of the same shuffled
    order, DistributedDataParallel averages the gradients, dev counts are summed, and only
    rank 0 reports and writes checkpoints."""
    dist = dist or Distributed()
    config = model.config
    model.to(dist.device)
    net = dist.wrap(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr, weight_decay=options.weight_decay)
    rng = random.Random(options.seed)
    steps_per_epoch = math.ceil(len(train) / options.batch_size)
    if dist.world > 1:  # every rank must take the same number of steps
        steps_per_epoch = len(make_batches(train, options.batch_size, random.Random(0))) // dist.world
        if steps_per_epoch == 0:
            raise RnnCliError(f"too little training data for {dist.world} processes: fewer batches than processes")
    total_steps = steps_per_epoch * options.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: options.min_lr_ratio + (1 - options.min_lr_ratio)
                                                 * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps)))
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    best, best_state, best_epoch, history, done, elapsed = -1.0, None, 0, [], 0, 0.0
    # What a checkpoint must agree on to be resumed: options that shape the run, data size, model.
    fingerprint = {"options": {k: v for k, v in asdict(options).items() if k not in
                               ("max_time", "patience", "threads", "checkpoint", "resume")},
                   "train": len(train), "dev": len(dev), "config": config.to_dict()}
    if options.resume:
        from rnncli import resume

        progress, best_state = resume.load(options.resume, model, optimizer, schedule, rng, fingerprint)
        best, best_epoch, history, done, elapsed = (progress["best"], progress["best_epoch"], progress["history"],
                                                    progress["epoch"], progress["elapsed_s"])
    if not dist.main:
        callbacks = Callbacks()
    info = {**info, "batch_size": options.batch_size * dist.world}
    callbacks.on_start(options.epochs, steps_per_epoch, {**info, "resumed_after_epoch": done} if done else info)
    started = time.monotonic() - elapsed
    for epoch in range(done + 1, options.epochs + 1):
        model.train()
        total_loss, n = 0.0, 0
        batches = make_batches(train, options.batch_size, rng)
        if dist.world > 1:
            batches = batches[dist.rank::dist.world][:steps_per_epoch]
        for step, indices in enumerate(batches, start=1):
            group = [train[i] for i in indices]
            batch = task.inputs(group, config)
            inputs = to_tensors(batch)
            if config.word_dropout > 0:
                drop = (torch.rand(inputs["words"].shape) < config.word_dropout) & (inputs["words"] > 1)
                inputs["words"] = inputs["words"].masked_fill(drop, 1)
            inputs = {k: v.to(dist.device) for k, v in inputs.items()}
            loss = task.loss(net(**inputs), group, batch.words.shape[1], loss_fn)
            if not torch.isfinite(loss):
                raise RnnCliError(f"training diverged: the loss is {loss.item()} at epoch {epoch}, step {step}; "
                                  f"try a smaller --lr (this run: {options.lr:g})")
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), options.clip)
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
        if options.checkpoint and dist.main:
            from rnncli import resume

            resume.save(options.checkpoint, model, optimizer, schedule, rng,
                        {"epoch": epoch, "best": best, "best_epoch": best_epoch, "history": history,
                         "elapsed_s": time.monotonic() - started}, best_state, fingerprint)
        callbacks.on_epoch_end(epoch, metrics)
        if options.patience and epoch - best_epoch >= options.patience:
            break
        if dist.agree(bool(options.max_time and time.monotonic() - started >= options.max_time)):
            break
    return {"state": best_state, "best_epoch": best_epoch, "history": history, "wall": time.monotonic() - started}


def save_trained(out: str, task, config: ModelConfig, vocab, fitted: dict, options: TrainOptions, command: str,
                 data: dict, parameters: int, evaluate, dev: list, test: list | None, extra: dict | None = None) -> dict:
    """Write the model file, then score what was saved (rounded weights, numpy forward pass:
    what users will run) on dev and test and write it again with the scores."""
    meta = {
        "name": Path(out).stem,
        "task": task.name,
        "config": config.to_dict(),
        "vocab": {"words": vocab.words.items, "chars": vocab.chars.items if config.char else []},
        "labels": vocab.labels,
        "training": {
            "command": command, "data": data, "seed": options.seed, "options": asdict(options),
            "epochs_run": len(fitted["history"]), "best_epoch": fitted["best_epoch"],
            "wall_time_s": round(fitted["wall"], 1), "parameters": parameters, "torch": torch.__version__,
            "processes": int(__import__("os").environ.get("WORLD_SIZE", "1")),
            "history": fitted["history"], **(extra or {}),
        },
    }
    checkpoint.save_model(out, fitted["state"], meta, dtype=options.dtype)
    saved = checkpoint.load_model(out)
    scores = {"dev": evaluate(saved, dev).accuracy}
    if test is not None:
        scores["test"] = evaluate(saved, test).accuracy
    meta["scores"] = scores
    checkpoint.save_model(out, fitted["state"], meta, dtype=options.dtype)
    return {"out": str(out), "best_epoch": fitted["best_epoch"], "wall_time_s": fitted["wall"], "scores": scores,
            "parameters": parameters, "history": fitted["history"]}


def train_tagger(train_path: str, dev_path: str, out: str, config: ModelConfig, options: TrainOptions,
                 test_path: str | None = None, command: str = "", callbacks: Callbacks | None = None,
                 warn=None) -> dict:
    """Train a tagger (CoNLL-U, vertical, word/TAG files or nltk:NAME; see data.read_tagged), keep
    the best dev epoch, save it to `out`; returns a summary."""
    from rnncli.evaluate import evaluate_tagger

    callbacks = callbacks or Callbacks()
    if options.threads:
        torch.set_num_threads(options.threads)
    train = read_tagged(train_path)
    dev = read_tagged(dev_path)
    test = read_tagged(test_path) if test_path else None  # read now: fail before training, not after
    seed_everything(options.seed)
    vocab = build_tagger_vocab(train, options.min_word_count, warn=warn)
    for path, items in ((dev_path, dev), (test_path, test or [])):
        missing = [name for name in vocab.labels if not all(name in s.tags for s in items)]
        if missing:
            raise RnnCliError(f"{path}: has no {missing[0]} tags, but the training data has; "
                              "give data with the same tag sets")
    config.task = "tagger"
    config.words, config.chars = len(vocab.words), len(vocab.chars)
    config.heads = {name: len(names) for name, names in vocab.labels.items()}
    model = TaggerModel(config)
    parameters = sum(p.numel() for p in model.parameters())
    task = TaggerTask(vocab)
    dist = Distributed()
    fitted = fit(model, task, train, dev, options, callbacks, {
        "parameters": parameters, "train_sentences": len(train), "words": len(vocab.words), "chars": len(vocab.chars)},
        dist)
    if not dist.main:  # rank 0 writes the model file
        return {"out": None, "best_epoch": fitted["best_epoch"], "scores": {}, "rank": dist.rank}
    data = {"train": str(train_path), "dev": str(dev_path), "test": str(test_path) if test_path else None,
            "train_sentences": len(train), "train_tokens": sum(len(s.words) for s in train)}
    result = save_trained(out, task, config, vocab, fitted, options, command, data, parameters, evaluate_tagger, dev, test)
    callbacks.on_end(result)
    return result


def train_sentiment(train_paths: list[str], dev_path: str, out: str, config: ModelConfig, options: TrainOptions,
                    test_path: str | None = None, label_names: list[str] | None = None, command: str = "",
                    callbacks: Callbacks | None = None, embeddings=None) -> dict:
    """Train a text classifier on label/text TSV files or nltk:movie_reviews[:SPLIT] (several
    train sources are joined), keep
    the best dev epoch, save it to `out`. `embeddings` (an `embeddings.PpmiEmbeddings`)
    pretrains the word embeddings on unlabelled text, the training texts included."""
    from rnncli.data import build_sentiment_vocab, read_labelled_run
    from rnncli.evaluate import evaluate_sentiment
    from rnncli.model import SentimentModel

    callbacks = callbacks or Callbacks()
    if options.threads:
        torch.set_num_threads(options.threads)
    *trains, dev, test = read_labelled_run([*train_paths, dev_path, test_path], label_names)  # labels named once
    train = [e for examples in trains for e in examples]
    seed_everything(options.seed)
    vocab = build_sentiment_vocab(train, options.min_word_count)
    labels = vocab.labels["label"]
    if len(labels) < 2:
        raise RnnCliError(f"{', '.join(map(str, train_paths))}: every training text has the label {labels[0]!r}; "
                          "a classifier needs examples of at least two labels")
    for path, items in ((dev_path, dev), (test_path, test or [])):
        unknown = sorted({e.label for e in items} - set(labels))
        if unknown:
            raise RnnCliError(f"{path}: label(s) {', '.join(unknown)} never occur in the training data, whose "
                              f"labels are {', '.join(labels)}")
    config.task = "sentiment"
    config.words, config.chars = len(vocab.words), len(vocab.chars)
    config.heads = {"label": len(vocab.labels["label"])}
    model = SentimentModel(config)
    extra = {}
    if embeddings is not None:
        vectors = embeddings.vectors(vocab.words.items, config.embedding_dim, [e.words for e in train], options.seed)
        with torch.no_grad():
            model.word_emb.weight[2:] = torch.from_numpy(vectors[2:])
        extra["embeddings"] = embeddings.describe()
    parameters = sum(p.numel() for p in model.parameters())
    task = SentimentTask(vocab)
    dist = Distributed()
    fitted = fit(model, task, train, dev, options, callbacks, {
        "parameters": parameters, "train_texts": len(train), "words": len(vocab.words)}, dist)
    if not dist.main:  # rank 0 writes the model file
        return {"out": None, "best_epoch": fitted["best_epoch"], "scores": {}, "rank": dist.rank}
    data = {"train": [str(p) for p in train_paths], "dev": str(dev_path), "test": str(test_path) if test_path else None,
            "train_texts": len(train)}
    result = save_trained(out, task, config, vocab, fitted, options, command, data, parameters,
                          evaluate_sentiment, dev, test, extra)
    callbacks.on_end(result)
    return result
