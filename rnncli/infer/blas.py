"""One BLAS thread while a forward pass runs, for callers of the Python API.

The forward pass multiplies small matrices, one time step after another: OpenBLAS's threads
cost more than they give there, and on a busy machine they fight each other (50 EWT sentences
through the LSTM tagger took 1.3-2.0 s with OpenBLAS's default threads against 0.12-0.21 s
with one, while two other processes kept both cores of a 2-core machine busy). The CLI sets OPENBLAS_NUM_THREADS=1 before numpy loads; a library caller
has loaded numpy already, so `one_blas_thread()` sets the thread count of numpy's OpenBLAS
for the duration of a call and restores it after. Where numpy's BLAS is not OpenBLAS (or the
library cannot be found), it does nothing.
"""

from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager
from functools import lru_cache
from typing import Callable, Iterator, NamedTuple

SYMBOLS = ("scipy_openblas{}64_", "scipy_openblas{}", "openblas{}64_", "openblas{}")  # numpy 2, then numpy 1


class ThreadControl(NamedTuple):
    get: Callable[[], int]
    set: Callable[[int], None]


def _libraries() -> list[str]:
    """numpy's bundled OpenBLAS: the file it loaded (Linux), else the wheel's copy."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            loaded = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        loaded = set()
    import numpy

    root = os.path.dirname(os.path.dirname(numpy.__file__))
    return sorted(loaded) + sorted(glob.glob(os.path.join(root, "numpy.libs", "*openblas*")) +
                                   glob.glob(os.path.join(root, "numpy", ".dylibs", "*openblas*")))


@lru_cache(maxsize=1)
def thread_control() -> ThreadControl | None:
    for path in _libraries():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in SYMBOLS:
            getter = getattr(library, symbol.format("_get_num_threads"), None)
            setter = getattr(library, symbol.format("_set_num_threads"), None)
            if getter is not None and setter is not None:
                getter.restype, setter.argtypes = ctypes.c_int, [ctypes.c_int]
                return ThreadControl(getter, setter)
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's OpenBLAS on one thread inside the block (process-wide while it runs)."""
    control = thread_control()
    before = control.get() if control is not None else 1
    if before == 1:
        yield
        return
    control.set(1)
    try:
        yield
    finally:
        control.set(before)
