"""Where two machines part ways: one tiny fixed-seed training under several kernel settings.

Each row trains the same small sentiment model (SST-2 dev as training data, word vectors from
nltk:movie_reviews, float32 weights) in a fresh process, with one environment variable or
option changed: BLAS threads and kernels (OPENBLAS_NUM_THREADS, OPENBLAS_CORETYPE), torch's
instruction-set path (ATEN_CPU_CAPABILITY), torch threads (--threads 2). Printed per row: the
CPU capability torch ran with, the first epoch's loss to 12 digits, how many weight tensors
differ from the first row's, with the largest difference, and the dev accuracy.

    RNNCLI_DATA=../shared/data NLTK_DATA=../shared/data/nltk_data python benchmarks/kernel_settings.py
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's rnncli, installed or not

from rnncli.model.model_file import read_tensors  # noqa: E402

SETTINGS = [("reference (1 thread)", {}, []),
            ("OPENBLAS_NUM_THREADS=2", {"OPENBLAS_NUM_THREADS": "2"}, []),
            ("ATEN_CPU_CAPABILITY=avx2", {"ATEN_CPU_CAPABILITY": "avx2"}, []),
            ("ATEN_CPU_CAPABILITY=default", {"ATEN_CPU_CAPABILITY": "default"}, []),
            ("--threads 2", {}, ["--threads", "2"])]
if platform.machine() in ("x86_64", "AMD64"):
    SETTINGS.insert(2, ("OPENBLAS_CORETYPE=Prescott", {"OPENBLAS_CORETYPE": "Prescott"}, []))


def train(data: Path, folder: Path, env: dict, options: list[str], epochs: int) -> tuple[dict, dict]:
    """One training in a fresh process: its recorded metadata and its weights."""
    out = folder / "m.safetensors"
    command = [sys.executable, "-m", "rnncli", "train", "sentiment", "--train", str(data / "sst2" / "dev.tsv"),
               "--dev", str(data / "sst2" / "dev.tsv"), "--embeddings-from", "nltk:movie_reviews",
               "--hidden", "32", "--embedding-dim", "32", "--epochs", str(epochs), "--dtype", "float32",
               "--seed", "5", "--out", str(out), *options]
    subprocess.run(command, env={**os.environ, **env}, check=True, capture_output=True, cwd=folder)
    return read_tensors(out)


def compare(reference: dict, other: dict) -> tuple[int, float]:
    """Tensors that differ, and the largest absolute difference over all of them."""
    differ, largest = 0, 0.0
    for name, tensor in reference.items():
        gap = np.abs(tensor.astype(np.float64) - other[name].astype(np.float64))
        differ += bool(gap.max() > 0)
        largest = max(largest, float(gap.max()))
    return differ, largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("RNNCLI_DATA") or REPO.parent / "shared" / "data"))
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    print(f"{'setting':<30} {'cpu':<8} {'epoch-1 loss':<16} {'tensors differing':<18} {'max |diff|':<10} dev acc")
    reference = None
    for label, env, options in SETTINGS:
        with tempfile.TemporaryDirectory() as folder:
            meta, tensors = train(args.data, Path(folder), env, options, args.epochs)
        training = meta["training"]
        loss = training["history"][0]["loss"]
        reference = reference or tensors
        differ, largest = compare(reference, tensors)
        print(f"{label:<30} {training['environment']['cpu_capability']:<8} {loss:<16.12f} "
              f"{differ:>2} of {len(tensors):<12} {largest:<10.2e} {100 * meta['scores']['dev']['label']:.2f}%",
              flush=True)


if __name__ == "__main__":
    main()
