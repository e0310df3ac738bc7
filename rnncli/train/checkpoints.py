"""Training checkpoints: everything needed to continue a run exactly where it stopped, at
the end of an epoch or, after Ctrl-C, between two batches.

Model, optimizer and scheduler state, the random number generators, the best state so far
and the history, in one safetensors file (tensors) with JSON metadata (everything else),
written atomically after every epoch (and on Ctrl-C). Never pickled. A run resumed from a
checkpoint ends with the same weights as one that was never interrupted.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import torch

from rnncli.model import model_file
from rnncli.errors import RnnCliError

FORMAT = "rnncli-checkpoint"


def save(path: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, schedule, rng: random.Random,
         progress: dict, best_state: dict[str, np.ndarray] | None, fingerprint: dict) -> None:
    """`progress`: epoch (the epochs finished), best, best_epoch, history, elapsed_s; within an epoch
    also step (its batches done) and loss_sum, loss_n (their loss so far), and then `rng` is
    the state the epoch began with, which draws its batches. `fingerprint`: what must match
    on resume."""
    tensors = {f"model.{k}": v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    for index, state in opt["state"].items():
        for name, value in state.items():
            tensors[f"optim.{index}.{name}"] = value.detach().cpu().numpy().reshape(-1) if value.dim() == 0 else \
                value.detach().cpu().numpy()
    for k, v in (best_state or {}).items():
        tensors[f"best.{k}"] = v
    tensors["rng.torch"] = torch.get_rng_state().numpy()
    version, internal, gauss = rng.getstate()
    meta = {"format": FORMAT, "progress": progress, "fingerprint": fingerprint,
            "optimizer_groups": opt["param_groups"], "scheduler": schedule.state_dict(),
            "python_rng": [version, list(internal), gauss], "scalar_optim": sorted(
                f"{i}.{n}" for i, s in opt["state"].items() for n, v in s.items() if v.dim() == 0)}
    model_file.save_model(path, tensors, {"checkpoint": json.loads(json.dumps(meta, default=list))}, dtype="float32")


def load(path: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, schedule, rng: random.Random,
         fingerprint: dict) -> tuple[dict, dict[str, np.ndarray] | None]:
    """Restore everything `save` wrote; returns (progress, best_state)."""
    path = Path(path)
    meta, tensors = model_file.read_tensors(path)
    meta = meta.get("checkpoint")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RnnCliError(f"{path}: not a training checkpoint (a model file? resume needs the .ckpt file)")
    if not isinstance(meta.get("fingerprint"), dict):
        raise RnnCliError(f"{path}: damaged training checkpoint (no fingerprint)")
    if meta["fingerprint"] != fingerprint:
        differences = _differences(meta["fingerprint"], fingerprint)
        raise RnnCliError(f"{path}: made by a different run (differs in {differences}); resume with the same data "
                          "and options")
    bad = next((k for k, v in tensors.items() if v.dtype.kind == "f" and not np.isfinite(v).all()), None)
    if bad is not None:
        raise RnnCliError(f"{path}: damaged training checkpoint (tensor {bad} holds NaN or infinite values)")
    try:
        return _restore(meta, tensors, model, optimizer, schedule, rng)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, RuntimeError) as exc:  # what torch raises
        problem = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RnnCliError(f"{path}: damaged training checkpoint ({problem})") from None


_FROM_THE_DATA = ("words", "chars", "heads")  # model settings that the data decides, not an option


def _differences(then: dict, now: dict) -> str:
    """What differs between a checkpoint's fingerprint and this run's, in words: each option or
    model setting by name with both values (the checkpoint's first), the data by its split."""
    parts = []
    for key in sorted(set(then) | set(now)):
        old, new = then.get(key), now.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):  # vocabulary and label counts follow from the data
            changed = [name for name in sorted(set(old) | set(new))
                       if old.get(name) != new.get(name) and name not in _FROM_THE_DATA]
            parts += [f"{name} ({old.get(name)!r} there, {new.get(name)!r} here)" for name in changed]
        else:
            parts.append({"train": "the training data", "dev": "the dev data"}.get(key, key))
    return ", ".join(parts)


def _restore(meta: dict, tensors: dict[str, np.ndarray], model: torch.nn.Module, optimizer: torch.optim.Optimizer,
             schedule, rng: random.Random) -> tuple[dict, dict[str, np.ndarray] | None]:
    model.load_state_dict({k[6:]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("model.")})
    state: dict[int, dict] = {}
    scalars = set(meta["scalar_optim"])
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            t = torch.from_numpy(value)
            state.setdefault(int(index), {})[name] = t.reshape(()) if f"{index}.{name}" in scalars else t
    for index, values in state.items():  # Adam's: how many steps were taken, and a running mean of squares
        negative = next((name for name in ("step", "exp_avg_sq") if name in values and (values[name] < 0).any()), None)
        if negative is not None:
            raise ValueError(f"optim.{index}.{negative} is negative")
    optimizer.load_state_dict({"state": state, "param_groups": meta["optimizer_groups"]})
    schedule.load_state_dict(meta["scheduler"])
    torch.set_rng_state(torch.from_numpy(tensors["rng.torch"]))
    version, internal, gauss = meta["python_rng"]
    rng.setstate((version, tuple(internal), gauss))
    best = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")} or None
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    if best is not None and {k: v.shape for k, v in best.items()} != shapes:
        raise ValueError("the best weights do not fit the model")
    progress = meta["progress"]
    kinds = {"epoch": int, "best_epoch": int, "best": (int, float), "elapsed_s": (int, float), "history": list}
    optional = {"step": int, "loss_sum": (int, float), "loss_n": int}  # a checkpoint within an epoch
    wrong = [k for k, kind in kinds.items() if not isinstance(progress.get(k), kind)]
    wrong += [k for k, kind in optional.items() if k in progress and not isinstance(progress[k], kind)]
    if wrong:
        raise ValueError(f"progress.{wrong[0]} is missing or of the wrong type")
    return progress, best
