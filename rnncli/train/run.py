"""`train(job, task)`: one training run from data files to a model file.

Checks every output before any work (files.check_outputs), reads and checks the data,
builds the vocabularies and then the model's config (once, never edited), fits, writes the
model file (rank 0 under torchrun) and scores what was saved, as users will run it.
"""

from __future__ import annotations

import os
import shlex
from contextlib import nullcontext
from pathlib import Path

import torch

from rnncli.model import model_file
from rnncli.model.config import ModelConfig
from rnncli.data.locations import one_line_quote
from rnncli.errors import EXIT_INTERRUPTED, EXIT_USAGE, RnnCliError
from rnncli.files import check_outputs, output_lock
from rnncli.train.callbacks import CallbackList, Callbacks, MetricsLog
from rnncli.train.distributed import Distributed, world_size
from rnncli.train.environment import describe as describe_environment, deterministic
from rnncli.train.job import TrainJob, TrainResult
from rnncli.train.loop import Fitted, Interrupted, fit, seed_everything
from rnncli.train.tasks import Splits, Task


def check_job_outputs(job: TrainJob, extra_inputs: list[tuple[str, str | None]] = ()) -> None:
    """The model file, its checkpoint, the metrics log and the plot can be written, none of
    them is an input (the data, the task's own inputs (Task.extra_inputs), or the checkpoint
    being resumed), and none would replace a file of another kind (files.check_outputs)."""
    inputs = ([("--train", p) for p in job.train] + [("--dev", p) for p in job.dev] + [("--test", job.test)]
              + list(extra_inputs))
    outputs = [("--out", job.out), ("--metrics-log", job.metrics_log), ("--plot", job.plot)]
    check_outputs(outputs, inputs + [("--resume", job.resume)])
    check_outputs([("the checkpoint", job.checkpoint)], inputs + outputs,  # --resume may (should) be the checkpoint
                  kind=False)  # an existing one is resumed or kept (_train)


def shared_texts(splits: Splits, share: float = 0.2) -> list[str]:
    """A warning for dev and for test when at least `share` of their texts (sentences, labelled
    texts) are training texts too, word for word: their scores would read high, and dev would
    choose the epoch that best remembers the training data. Short texts recur by nature (UD
    English EWT's test shares 4.5% of its sentences with train, French Sequoia's 4.2%; the
    bundled sentiment data 0.1%), hence the margin."""
    seen = {hash(tuple(item.words)) for item in splits.train}  # hashes: a language model's chunks are many
    out = []
    for name, items in (("dev", splits.dev), ("test", splits.test or [])):
        shared = sum(hash(tuple(item.words)) in seen for item in items)
        if items and shared >= max(1.0, share * len(items)):
            out.append(f"{shared:,} of the {len(items):,} {name} texts are training texts too, word for word: "
                       f"{name} scores will read high")
    return out


def train(job: TrainJob, task: Task, callbacks: Callbacks | None = None) -> TrainResult:
    """Train `task`'s model as `job` says; returns what was made. Bad data or options raise
    RnnCliError before the first epoch; Ctrl-C keeps the last epoch's checkpoint and says how
    to continue."""
    if job.task and job.task != task.name:
        raise RnnCliError(f"a {job.task} job given to the {task.name} task; make the job with "
                          f"TrainJob.for_task({task.name!r}, ...)", EXIT_USAGE)
    check_job_outputs(job, task.extra_inputs())
    with output_lock(job.out) if int(os.environ.get("RANK", "0")) == 0 else nullcontext():  # rank 0 writes
        return _train(job, task, callbacks)


def _train(job: TrainJob, task: Task, callbacks: Callbacks | None) -> TrainResult:
    if job.resume is not None and Path(job.resume).is_dir():
        raise RnnCliError(f"--resume {job.resume}: is a folder; give the OUT.ckpt file of the interrupted run",
                          EXIT_USAGE)
    if job.resume is not None and not Path(job.resume).exists():
        raise RnnCliError(f"{job.resume}: no such checkpoint", EXIT_USAGE)
    if Path(job.checkpoint).exists() and not (job.resume is not None and Path(job.resume).samefile(job.checkpoint)):
        raise RnnCliError(f"{job.checkpoint}: an interrupted run's checkpoint, which this run would overwrite; "
                          f"continue that run with --resume {shlex.quote(job.checkpoint)}, or delete it to start afresh")
    if job.plot is not None:
        from rnncli.plot import pyplot

        pyplot()  # fail before training, not after
    callbacks = CallbackList(callbacks, MetricsLog(job.metrics_log) if job.metrics_log else None)
    torch.set_num_threads(job.threads)
    deterministic()
    callbacks.on_status("reading the data")
    splits = task.read(job, callbacks.on_warning)
    for message in shared_texts(splits):
        callbacks.on_warning(message)
    seed_everything(job.seed)
    vocab = task.vocabularies(splits.train, job, callbacks.on_warning)
    task.check(splits, job, callbacks.on_warning)
    config = job.config(task.name, len(vocab.words), len(vocab.chars),
                        {name: len(labels) for name, labels in vocab.labels.items()})
    try:
        model = task.model_class(config)
        extra = task.prepare(model, splits.train, job, callbacks.on_status)
        parameters = sum(p.numel() for p in model.parameters())
        dist = Distributed(job.device)
        fitted = fit(model, task, splits.train, splits.dev, job, callbacks, task.info(splits, parameters), dist,
                     checkpoint=job.checkpoint)
        dist.close()  # the ranks are done together; rank 0 alone writes the files
    except KeyboardInterrupt as exc:
        raise interrupted(job, exc) from None
    except (MemoryError, RuntimeError) as exc:
        if not isinstance(exc, MemoryError) and "alloc" not in str(exc).lower():
            raise
        raise RnnCliError("not enough memory for a model of this size; use a smaller --hidden, --embedding-dim "
                          "or --batch-size") from None
    if not dist.main:  # rank 0 writes the files
        return TrainResult(None, fitted.best_epoch, {}, fitted.history, parameters, fitted.wall_time_s, dist.rank,
                           fitted.stopped, job.dtype)
    result = save(job, task, config, splits, fitted, parameters, extra)
    for message in task.warnings(model_file.load_model(job.out), splits.dev):
        callbacks.on_warning(message)
    Path(job.checkpoint).unlink(missing_ok=True)
    if job.plot is not None:
        from rnncli.plot import plot_history

        plot_history(job.plot, result.history, f"{Path(job.out).stem}: {task.name}, {job.cell}")
    callbacks.on_end(result)
    return result


def interrupted(job: TrainJob, exc: KeyboardInterrupt) -> RnnCliError:
    """Ctrl-C: say where the checkpoint stands and how to continue. Between two batches (the
    loop's Interrupted) it holds that very point; otherwise the last finished epoch."""
    if not Path(job.checkpoint).is_file():
        return RnnCliError("interrupted before the first epoch ended; nothing to resume", EXIT_INTERRUPTED)
    checkpoint = one_line_quote(job.checkpoint)  # a path the message's even spacing leaves whole
    if isinstance(exc, Interrupted) and exc.step < exc.steps:
        kept = f"the run so far (epoch {exc.epoch}, batch {exc.step} of {exc.steps}) is kept in {checkpoint}"
    elif isinstance(exc, Interrupted):
        kept = f"the run so far (epoch {exc.epoch} of {job.epochs}) is kept in {checkpoint}"
    else:
        kept = f"the last finished epoch is kept in {checkpoint}"
    command = job.here_command or job.command or "rnncli train ..."
    return RnnCliError(f"interrupted; {kept}; continue with: {command} --resume {checkpoint}", EXIT_INTERRUPTED)


def save(job: TrainJob, task: Task, config: ModelConfig, splits: Splits, fitted: Fitted, parameters: int,
         extra: dict) -> TrainResult:
    """Write the model file, fit its decision settings on dev (Task.tune), then score what was
    saved (rounded weights, numpy forward pass: what users will run) on dev and test and write
    it again with the scores."""
    vocab = task.vocab
    meta = {
        "name": Path(job.out).stem,
        "task": task.name,
        "config": config.to_dict(),
        "vocab": {"words": vocab.words.items, "chars": vocab.chars.items if config.char else []},
        "labels": vocab.labels,
        **task.metadata(),
        "training": {
            "command": job.command, "data": task.describe_data(job, splits), "seed": job.seed, "options": job.options(),
            "epochs_run": len(fitted.history), "best_epoch": fitted.best_epoch,
            "wall_time_s": round(fitted.wall_time_s, 1), "parameters": parameters, "environment": describe_environment(),
            "processes": world_size(), "history": fitted.history, **extra,
            **({"stopped": fitted.stopped} if fitted.stopped else {}),
        },
    }
    model_file.save_model(job.out, fitted.state, meta, dtype=job.dtype)
    saved = model_file.load_model(job.out)
    settings, record = task.tune(saved, splits.dev)
    if settings:
        meta.update(settings)
        meta["training"].update(record)
        model_file.save_model(job.out, fitted.state, meta, dtype=job.dtype)
        saved = model_file.load_model(job.out)
    scores = {"dev": task.evaluate(saved, splits.dev)}
    if splits.test is not None:
        scores["test"] = task.evaluate(saved, splits.test)
    meta["scores"] = scores
    model_file.save_model(job.out, fitted.state, meta, dtype=job.dtype)
    return TrainResult(job.out, fitted.best_epoch, scores, fitted.history, parameters, fitted.wall_time_s,
                       stopped=fitted.stopped, dtype=job.dtype)
