"""Progress on stderr: training (a live bar on a terminal, and log lines that read well in a
file too) and the experiments' step bar."""

from __future__ import annotations

import sys

from rich.text import Text

from rnncli.cli.views.console import one_line, stderr_console
from rnncli.cli.views.formats import head_scores, score, split_scores


class TrainingProgress:
    """Training callbacks drawn as a Rich progress bar, plus log lines that fit 80 columns (so
    that logs written to a file are readable too): what the run is doing before it starts, its
    size, one line per epoch with dev scores as percentages (as models and eval show them),
    why it stopped early, and what was saved."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = stderr_console()
        # The same lines on a terminal (above the live bar) and in a log file.
        self.log = (lambda line: self.console.print(Text(line), soft_wrap=True)) if self.console.is_terminal else \
            (lambda line: print(line, file=sys.stderr, flush=True))
        self.progress = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(bar_width=None),
                                 MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.3f}  dev {task.fields[dev]}"),
                                 TimeRemainingColumn(), TextColumn("run ETA {task.fields[eta]}"),
                                 console=self.console, transient=True)
        self.task = None
        self.names: dict[str, str] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.progress.live.is_started:
            self.progress.stop()

    def on_status(self, message: str) -> None:
        self.log(one_line(message))

    def on_start(self, epochs: int, steps_per_epoch: int, info: dict) -> None:
        import time

        self.steps, self.epochs = steps_per_epoch, epochs
        info = {**info, "epochs": epochs, "batches_per_epoch": steps_per_epoch}
        self.names = info.pop("head_names", {})  # XPOS by what the tags are (PTB, STTS)
        line = ""
        for item in (f"{k.replace('_', ' ')} {v:,}" for k, v in info.items()):  # lines of whole items, in 80 columns
            if line and len(line) + len(item) + 2 > 79:
                self.log(line + ",")
                line = ""
            line = f"{line}, {item}" if line else item
        self.log(line)
        if self.console.is_terminal:  # only now, and only on a terminal: errors and logs stay one line each
            self.progress.start()
        self.task = self.progress.add_task("train", total=steps_per_epoch, epoch=f"1/{epochs}", loss=0.0, dev="-",
                                           eta="-")
        self.run_started = time.monotonic()
        self.first_epoch = None

    def on_step(self, epoch: int, step: int, loss: float) -> None:
        if self.first_epoch is None:
            self.first_epoch = epoch
        self.progress.update(self.task, completed=step, epoch=f"{epoch}/{self.epochs}", loss=loss)

    def on_epoch_end(self, epoch: int, metrics: dict) -> None:
        import time

        dev = {k[4:]: v for k, v in metrics.items() if k.startswith("dev_")}
        self.log(f"epoch {epoch}/{self.epochs}  loss {metrics['loss']:.3f}  dev {head_scores(dev, self.names)}  "
                 f"best epoch {metrics['best_epoch']}  {metrics['elapsed_s']:,.0f} s")
        now = time.monotonic()
        per_epoch = (now - self.run_started) / (epoch - (self.first_epoch or epoch) + 1)
        left = per_epoch * (self.epochs - epoch)
        first = next(iter(dev.items()), None)
        self.progress.reset(self.task, total=self.steps, epoch=f"{min(epoch + 1, self.epochs)}/{self.epochs}",
                            loss=metrics["loss"], dev=score(*first) if first is not None else "-",
                            eta=f"{left / 60:.0f} min" if left >= 60 else f"{left:.0f} s")

    def on_end(self, result) -> None:
        if result.stopped:
            self.log(f"stopped early: {result.stopped}")
        self.log(f"saved {result.out} (epoch {result.best_epoch})")
        self.log(f"saved model: {split_scores(result.scores, self.names)}")
        trained = next((e for e in result.history if e.get("epoch") == result.best_epoch), {})
        saved = result.scores.get("dev", {})
        differ = {k: (trained[f"dev_{k}"], v) for k, v in saved.items()
                  if f"dev_{k}" in trained and score(k, trained[f"dev_{k}"]) != score(k, v)}
        if differ:  # the file holds rounded weights, run by numpy: not quite the epoch's torch model
            was = head_scores({k: a for k, (a, _) in differ.items()}, self.names)
            self.log(f"(epoch {result.best_epoch}'s line said dev {was}: the file holds {result.dtype} weights, "
                     "run by numpy)")

    def on_warning(self, message: str) -> None:
        self.console.print(Text(f"rnncli: warning: {one_line(message)}"), soft_wrap=True)  # above the live bar


class StepProgress:
    """A progress bar on stderr for experiments: `progress(name, setting, step, loss)`."""

    def __init__(self, total: int):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.total, self.done = total, 0
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("loss {task.fields[loss]:.3f}"), TimeRemainingColumn(),
                                 console=stderr_console(), transient=True)
        self.task = None

    def __enter__(self):
        if self.progress.console.is_terminal:  # a log file gets no bar (and no stray blank line)
            self.progress.start()
        self.task = self.progress.add_task("", total=self.total, loss=0.0)
        return self

    def __exit__(self, *exc):
        if self.progress.live.is_started:  # Progress.stop() prints a blank line off a terminal
            self.progress.stop()

    def __call__(self, name: str, setting, step: int, loss: float) -> None:
        self.done += 1
        self.progress.update(self.task, completed=self.done, description=f"{name} {setting}", loss=loss)
