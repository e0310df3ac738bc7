"""Character language models on tinyshakespeare, nanoGPT's split (first 90% train, last 10%
validation), at one time budget: `rnncli train lm` with each cell (default options, one
thread) against a character n-gram with interpolated Kneser-Ney smoothing (counted here) and,
with --nanogpt, nanoGPT's own CPU recipe run in the same session from a checkout of
github.com/karpathy/nanoGPT (4 layers, 128 wide, context 64, batch 12, no dropout; 11,000
steps as issue 20 timed it; its final validation loss is its own estimate, 200 random
batches). Without --nanogpt, the issue's figures for it are quoted.

    python benchmarks/lm_shakespeare.py                      # LSTM, GRU, RNN at 300 s, and the n-gram
    python benchmarks/lm_shakespeare.py --nanogpt ~/nanoGPT  # and nanoGPT's recipe, timed here
    python benchmarks/lm_shakespeare.py --cells --budget 60  # the n-gram only
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("RNNCLI_DATA", REPO.parent / "shared" / "data")) / "tinyshakespeare" / "input.txt"
NANOGPT = {"2,000 steps, 57 s": 1.886, "11,000 steps, 300-340 s": 1.542}  # validation nats/char (issue 20)


class KneserNey:
    """Interpolated Kneser-Ney over characters, order `n`, one discount `d` per order."""

    def __init__(self, text: str, n: int = 6, d: float = 0.75):
        self.n, self.d, self.vocab = n, d, sorted(set(text))
        self.counts = [Counter() for _ in range(n + 1)]  # order k: (context, char) -> count (k = n: raw counts)
        for i in range(len(text)):
            self.counts[n][text[max(0, i - n + 1): i + 1]] += 1
        for k in range(n - 1, 0, -1):  # lower orders: continuation counts (distinct left contexts)
            for gram in self.counts[k + 1]:
                if len(gram) == k + 1:
                    self.counts[k][gram[1:]] += 1
        self.context_total = [defaultdict(int) for _ in range(n + 1)]  # order k: context -> its count
        self.context_types = [defaultdict(int) for _ in range(n + 1)]  # order k: context -> characters after it
        for k in range(1, n + 1):
            for gram, c in self.counts[k].items():
                self.context_total[k][gram[:-1]] += c
                self.context_types[k][gram[:-1]] += 1

    def prob(self, context: str, ch: str) -> float:
        p = 1.0 / len(self.vocab)
        for k in range(1, self.n + 1):
            ctx = context[len(context) - (k - 1):] if k > 1 else ""
            if len(ctx) != k - 1 or ctx not in self.context_total[k]:
                break
            total = self.context_total[k][ctx]
            p = (max(self.counts[k][ctx + ch] - self.d, 0) + self.d * self.context_types[k][ctx] * p) / total
        return p

    def nats_per_char(self, text: str) -> float:
        logs = (math.log(self.prob(text[max(0, i - self.n + 1): i], text[i])) for i in range(1, len(text)))
        return -sum(logs) / (len(text) - 1)


def train_rnn(cell: str, budget: float, folder: str) -> float:
    """`rnncli train lm` for `budget` seconds; its dev score in nats per character."""
    out = Path(folder) / f"{cell}.safetensors"
    subprocess.run([sys.executable, "-m", "rnncli", "train", "lm", "--train", f"{DATA}@0-0.9", "--dev", f"{DATA}@0.9-1",
                    "--cell", cell, "--max-time", str(budget), "--threads", "1", "--out", str(out)], check=True)
    from rnncli.model.model_file import load_model

    return load_model(out).meta["scores"]["dev"]["bits_per_char"] * math.log(2)


def run_nanogpt(checkout: Path, text: str, folder: str, steps: int = 11_000) -> tuple[float, float]:
    """nanoGPT's shakespeare_char CPU recipe (its README) for `steps` steps, in a copy of the
    checkout with the data prepared as its prepare.py does: (validation nats/char, seconds)."""
    import pickle
    import shutil
    import time

    import numpy as np

    work = Path(folder) / "nanoGPT"
    shutil.copytree(checkout, work, ignore=shutil.ignore_patterns(".git"))
    data = work / "data" / "shakespeare_char"
    chars = sorted(set(text))
    index = {ch: i for i, ch in enumerate(chars)}
    cut = int(len(text) * 0.9)
    for name, part in (("train.bin", text[:cut]), ("val.bin", text[cut:])):
        np.array([index[ch] for ch in part], dtype=np.uint16).tofile(data / name)
    with open(data / "meta.pkl", "wb") as f:
        pickle.dump({"vocab_size": len(chars), "itos": dict(enumerate(chars)), "stoi": index}, f)
    recipe = ["--device=cpu", "--compile=False", "--eval_iters=200", "--log_interval=1000", "--block_size=64",
              "--batch_size=12", "--n_layer=4", "--n_head=4", "--n_embd=128", f"--max_iters={steps}",
              f"--lr_decay_iters={steps}", f"--eval_interval={steps}", "--dropout=0.0"]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "train.py", "config/train_shakespeare_char.py", *recipe], cwd=work,
                          capture_output=True, text=True, check=True, timeout=1800)
    seconds = time.monotonic() - started
    last = [line for line in done.stdout.splitlines() if line.startswith(f"step {steps}:")][-1]
    return float(last.rsplit("val loss", 1)[1]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of training per cell")
    parser.add_argument("--cells", nargs="*", default=["lstm", "gru", "rnn"])
    parser.add_argument("--order", type=int, default=6, help="the n-gram's order")
    parser.add_argument("--nanogpt", type=Path, help="a checkout of karpathy/nanoGPT: run its CPU recipe here too")
    args = parser.parse_args()
    text = DATA.read_text(encoding="utf-8")
    train, val = text[: int(len(text) * 0.9)], text[int(len(text) * 0.9):]
    rows = [(f"char {args.order}-gram, Kneser-Ney", KneserNey(train, args.order).nats_per_char(val))]
    with tempfile.TemporaryDirectory() as folder:
        rows += [(f"rnncli {cell}, {args.budget:g} s", train_rnn(cell, args.budget, folder)) for cell in args.cells]
        if args.nanogpt:
            try:
                nats, seconds = run_nanogpt(args.nanogpt, text, folder)
                rows.append((f"nanoGPT recipe, 11,000 steps, {seconds:.0f} s", nats))
            except subprocess.TimeoutExpired:
                rows.append(("nanoGPT recipe: not done in 1,800 s", math.nan))
    if not args.nanogpt:
        rows += [(f"nanoGPT (issue 20), {k}", v) for k, v in NANOGPT.items()]
    print(f"{'model':<40} {'nats/char':>9} {'bits/char':>9}")
    for name, nats in rows:
        print(f"{name:<40} {nats:9.3f} {nats / math.log(2):9.3f}")


if __name__ == "__main__":
    main()
