"""Training (torch): `train(job, task, callbacks)` turns data files into one model file.

    from rnncli.train import TrainJob, TaggerTask, train
    result = train(TrainJob.for_task("tagger", train="train.conllu", dev="dev.conllu", out="m.safetensors"),
                   TaggerTask())

Modules: job (what a run is asked to do, and each task's defaults; no torch), tasks (what
differs between tasks), loop (the training loop), model (the torch modules), checkpoints
(training checkpoints, for --resume), lm (the character language model's task), distributed
(torchrun), callbacks (progress), schedule (the learning rate), environment (what a run depends
on, set and recorded), run (`train`). Importing this package does not import torch; `train` and the tasks do.
"""

from __future__ import annotations

from rnncli.train.job import DEFAULTS, TrainJob, TrainResult


def train(job: TrainJob, task, callbacks=None) -> TrainResult:
    """See run.train."""
    from rnncli.train.run import train as run

    return run(job, task, callbacks)


def __getattr__(name: str):
    if name in ("TaggerTask", "SentimentTask", "TokenizerTask", "Task"):  # they import torch
        from rnncli.train import tasks

        return getattr(tasks, name)
    if name == "LanguageModelTask":
        from rnncli.train.lm import LanguageModelTask

        return LanguageModelTask
    if name == "TASKS":
        from rnncli.train import lm, tasks

        return {**tasks.TASKS, "lm": lm.LanguageModelTask}
    raise AttributeError(name)


__all__ = ["DEFAULTS", "TrainJob", "TrainResult", "train", "Task", "TaggerTask", "SentimentTask", "TokenizerTask", "LanguageModelTask", "TASKS"]
