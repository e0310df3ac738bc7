"""The learning-rate schedule of every task: a cosine from `lr` down to `lr * min_lr_ratio`
over the run's progress. Progress is the share of the run's steps taken or, under
`--max-time`, the share of its time spent, whichever is larger: the rate has come down by
the time either budget ends the run (a run cut short at a high rate keeps a noisy model).
Without `--max-time` the rates depend on the step alone, so a run is reproducible."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import torch


class CosineSchedule:
    """Sets the optimizer's rate after every step (call `step()`); `clock()` gives the seconds
    the run has taken, a resumed run's earlier time included."""

    def __init__(self, optimizer: torch.optim.Optimizer, lr: float, min_ratio: float, total_steps: int,
                 max_time: float | None, clock: Callable[[], float]):
        self.optimizer, self.lr, self.min_ratio = optimizer, lr, min_ratio
        self.total_steps, self.max_time, self.clock = max(total_steps, 1), max_time, clock
        self.steps, self.time_share = 0, 0.0  # steps taken; the largest share of --max-time seen after one
        self._apply()

    def step(self) -> None:
        self.steps += 1
        if self.max_time is not None:
            share = min(self.clock() / self.max_time, 1.0) if self.max_time > 0 else 1.0
            self.time_share = max(self.time_share, share)
        self._apply()

    def _apply(self) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = self.get_last_lr()[0]

    def get_last_lr(self) -> list[float]:
        angle = max(math.pi * min(self.steps, self.total_steps) / self.total_steps, math.pi * self.time_share)
        return [self.lr * (self.min_ratio + (1 - self.min_ratio) * 0.5 * (1 + math.cos(angle)))]

    def state_dict(self) -> dict:
        return {"steps": self.steps, "time_share": self.time_share}

    def load_state_dict(self, state: dict) -> None:
        steps, share = state["steps"], state["time_share"]
        if not isinstance(steps, int) or steps < 0 or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ValueError("the schedule's state is damaged")
        self.steps, self.time_share = steps, float(share)
        self._apply()
