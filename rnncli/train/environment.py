"""The environment a training run depends on, set where that is cheap and recorded in the model.

The same seed and data give bit-identical weights only with the same thread count, library
versions, BLAS and CPU capability (the instruction-set path torch's kernels take: with other
kernels, sums run in another order and the last digits differ). `deterministic()` turns on
torch's deterministic algorithms (the CPU kernels training uses are deterministic already at
one thread; it cost nothing measurable: 1.94 s against 2.02 s without, medians of 3 trainings
of a tiny tagger, 30 epochs) and `describe()` is what a
model file records, so that `rnncli info` says what a retraining must match.
"""

from __future__ import annotations

import os
import platform

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                  "MKL_ENABLE_INSTRUCTIONS", "MKL_CBWR", "ATEN_CPU_CAPABILITY")


def deterministic() -> None:
    """torch's deterministic settings (warn, not fail, where an operation has no such kernel)."""
    import torch

    torch.use_deterministic_algorithms(True, warn_only=True)


def numpy_blas() -> str:
    """numpy's BLAS, as its build configuration names it (e.g. "scipy-openblas 0.3.31")."""
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '?')}"
    except (TypeError, KeyError, ValueError):  # an older numpy: no dicts
        return "?"


def describe() -> dict:
    """Versions, CPU capability, threads and settings that decide a run's last digits."""
    import numpy as np
    import torch

    try:
        import scipy

        scipy_version = scipy.__version__
    except ImportError:
        scipy_version = None
    return {
        "python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
        "scipy": scipy_version, "blas": numpy_blas(), "machine": platform.machine(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        **{name.lower(): os.environ[name] for name in BLAS_VARIABLES if name in os.environ},
    }
