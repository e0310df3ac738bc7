"""Training events for whoever watches a run: the CLI's progress display, a metrics log.
The loop calls them; it never prints. No torch here."""

from __future__ import annotations

import json
from pathlib import Path


class Callbacks:
    """Training events; override what you need. Metrics are plain dicts of floats."""

    def on_status(self, message: str) -> None: ...  # what the run is doing before training starts
    def on_start(self, epochs: int, steps_per_epoch: int, info: dict) -> None: ...
    def on_step(self, epoch: int, step: int, loss: float) -> None: ...
    def on_epoch_end(self, epoch: int, metrics: dict) -> None: ...
    def on_end(self, result) -> None: ...  # a TrainResult
    def on_warning(self, message: str) -> None: ...  # e.g. data that loses an output


class CallbackList(Callbacks):
    """Several callbacks as one."""

    def __init__(self, *callbacks: Callbacks | None):
        self.callbacks = [c for c in callbacks if c is not None]

    def on_status(self, *args) -> None:
        for c in self.callbacks:
            if hasattr(c, "on_status"):  # newer than the other events: callbacks written before it lack it
                c.on_status(*args)

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

    def on_warning(self, *args) -> None:
        for c in self.callbacks:
            c.on_warning(*args)


class MetricsLog(Callbacks):
    """One JSON line per epoch (loss, dev metrics, learning rate, time) appended to a file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def on_epoch_end(self, epoch: int, metrics: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(metrics) + "\n")
