"""Training events for whoever watches a run: the CLI's progress display, a metrics log.
The loop calls them; it never prints. No torch here."""

from __future__ import annotations

import json
import os
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
        """Appends a line; after a last line left without its line end (a run killed while
        writing, an edit), on a line of its own."""
        with open(self.path, "ab") as f:  # (a log may be writable only: its last byte is read apart)
            f.write(b"\n" * self._unended() + json.dumps(metrics).encode("utf-8") + b"\n")

    def _unended(self) -> bool:
        """Whether the log's last line lacks its line end (a log that cannot be read: as if ended)."""
        try:
            with open(self.path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                return size > 0 and f.seek(size - 1) >= 0 and f.read(1) != b"\n"
        except OSError:
            return False
