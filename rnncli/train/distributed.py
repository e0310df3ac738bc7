"""The device a run trains on (--device), and several processes (torchrun): rank and world size, the process group (gloo on CPU, nccl on
GPU), summed counts and rank 0's decisions. A single process is world 1 and all of it is a no-op."""

from __future__ import annotations

import os
import sys

import torch
from torch import nn

from rnncli.errors import EXIT_USAGE, RnnCliError


def use_cuda(device: str) -> bool:
    """`--device`: auto (a GPU when torch sees one), cpu, or cuda (an error without one)."""
    if device == "cuda" and not torch.cuda.is_available():
        raise RnnCliError("--device cuda: torch sees no CUDA GPU here (use --device auto or cpu)", EXIT_USAGE)
    return device == "cuda" or (device == "auto" and torch.cuda.is_available())


def world_size() -> int:
    """How many processes torchrun started (1 without torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def end_process() -> None:
    """A torchrun process, its work done and its files closed, ends here without the
    interpreter's teardown. A gloo worker thread may still be freeing the last collective's
    tensors, which takes the GIL; if the interpreter is finalizing by then, the thread exits
    inside a C++ destructor and the process aborts ("terminate called without an active
    exception", SIGABRT, seen in 1 run of 10 to 40 on a 2-core machine), failing the whole run.
    A single process returns and exits as usual."""
    if world_size() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


class Distributed:
    """The torchrun environment: rank and world size, gloo on CPU, nccl on GPU. A single
    process is world 1 and everything here is a no-op."""

    def __init__(self, device: str = "auto"):
        self.world = world_size()
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        self.device = torch.device(f"cuda:{local}") if use_cuda(device) else torch.device("cpu")
        if self.world > 1 and not torch.distributed.is_initialized():
            if self.device.type == "cuda":
                torch.cuda.set_device(self.device)
            torch.distributed.init_process_group("nccl" if self.device.type == "cuda" else "gloo")

    def close(self) -> None:
        """Tear the process group down once every rank is done talking (see also end_process)."""
        if self.world > 1 and torch.distributed.is_initialized():
            torch.distributed.barrier()  # no rank leaves while another still talks to it
            torch.distributed.destroy_process_group()

    @property
    def main(self) -> bool:
        return self.rank == 0

    def sum(self, values: list[float]) -> list[float]:
        """Each value summed over the ranks."""
        if self.world == 1:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(t)
        return t.tolist()

    def decide(self, value: int) -> int:
        """Rank 0's value, for every rank (a reason to stop between two batches)."""
        return int(self.rank0(float(value)))

    def rank0(self, value: float) -> float:
        """Rank 0's value, for every rank (its clock, so that every rank sets the same learning rate)."""
        if self.world == 1:
            return value
        t = torch.tensor([value], dtype=torch.float64, device=self.device)
        torch.distributed.broadcast(t, 0)
        return t.item()

    def wrap(self, model: nn.Module) -> nn.Module:
        if self.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model, device_ids=[self.device] if self.device.type == "cuda" else None)
