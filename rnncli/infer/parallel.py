"""Batches worked on by several processes (`--jobs`), results handed on in input order.

Batches run here while no more input is waiting (a person typing, `tail -f`) and when the
whole input is one batch: worker processes start only once a second batch is ready, so short
inputs pay nothing. At most 2 x jobs batches are in flight, which bounds memory; whenever the
input runs dry, every batch sent off is waited for and handed on, so output keeps pace with
input that arrives slowly. Workers ignore Ctrl-C. When the caller stops early (Ctrl-C, the
reader gone, an error), batches not started are dropped and running ones finish (a second
at most), and the caller's error handling is unchanged. Workers never outlive the process
that started them (killed, even with SIGKILL, they notice within PARENT_CHECK_S and exit); a
worker that dies (killed, out of memory) is an error that says so.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeVar

from rnncli.errors import RnnCliError

if TYPE_CHECKING:  # imported when workers start: 35 ms that a single sentence need not pay
    from concurrent.futures import Future, ProcessPoolExecutor

G = TypeVar("G")

_engine: Any = None  # in a worker: the object whose method the batches are given to
AUTO_MOST = 4  # workers the default picks at most (--jobs N for more)
PARENT_CHECK_S = 0.5  # how often a worker checks that the process that started it still runs


def cores() -> int:
    """The CPUs this process may run on (`--jobs 0`)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def idle_cores(most: int = AUTO_MOST) -> int:
    """The CPUs not kept busy by other work, by the 1-minute load average (this process's own
    earlier runs count too), at least 1 and at most `most`: the default number of workers. On a
    machine whose every core is busy, workers only take turns with the work already there."""
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):  # no load average (Windows)
        load = 0.0
    return max(1, min(most, int(cores() - load + 0.5)))


def _start_worker(engine: Any, parent: int) -> None:
    global _engine
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _engine = engine
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    """In a worker: exit once the parent is gone. A forked worker holds both ends of the pool's
    pipes, so it would wait for work forever, orphaned, were it not told."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C held back while workers start (they inherit the mask and ignore it before
    unblocking), then delivered to this process as usual."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _call(method: str, payload: Any) -> Any:
    return getattr(_engine, method)(payload)


def _pool(engine: Any, jobs: int) -> ProcessPoolExecutor:
    """Workers holding `engine`: forked where the platform can (they share its weights, and
    start in milliseconds), else started afresh with a pickled copy."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    for stream in (sys.stdout, sys.stderr):  # a forked child must not inherit unwritten output
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    return ProcessPoolExecutor(jobs, context, initializer=_start_worker, initargs=(engine, os.getpid()))


def ordered_map(engine: Any, method: str, groups: Iterable[G], payload: Callable[[G], Any], jobs: int = 1,
                input_waiting: Callable[[], bool] = lambda: True) -> Iterator[tuple[G, Any]]:
    """(group, engine.method(payload(group))) for each group, in order; with jobs > 1 the calls
    run in worker processes (see the module's docstring)."""
    pools: list[ProcessPoolExecutor] = []  # the workers, once started
    try:
        yield from _mapped(engine, method, iter(groups), payload, jobs, input_waiting, pools)
    except Exception as exc:
        from concurrent.futures.process import BrokenProcessPool

        if isinstance(exc, BrokenProcessPool):
            raise RnnCliError("a worker process ended unexpectedly (killed, or out of memory?); run again, or "
                              "with fewer jobs") from None
        raise
    finally:
        for pool in pools:  # batches not started are dropped; a worker killed mid-batch could leave its
            pool.shutdown(wait=True, cancel_futures=True)  # result half-sent, so running ones finish


def _mapped(engine: Any, method: str, groups: Iterator[G], payload: Callable[[G], Any], jobs: int,
            input_waiting: Callable[[], bool], pools: list) -> Iterator[tuple[G, Any]]:
    pending: deque[tuple[G, Future]] = deque()
    while True:
        try:
            group = next(groups)
        except StopIteration:
            break
        except Exception:  # reading the input failed: hand on the batches sent off before it, then say so
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
            raise
        if not pools and jobs > 1 and input_waiting():
            try:
                following = next(groups, None)  # a second batch ready: worth starting workers
            except Exception:
                yield group, getattr(engine, method)(payload(group))
                raise
            if following is not None:
                pools.append(_pool(engine, jobs))
                with _ctrl_c_held():  # the first submit starts the workers
                    pending.append((group, pools[0].submit(_call, method, payload(group))))
                group = following
        if not pools:
            yield group, getattr(engine, method)(payload(group))
            continue
        pending.append((group, pools[0].submit(_call, method, payload(group))))
        while pending and (len(pending) >= 2 * jobs or pending[0][1].done() or not input_waiting()):
            done, future = pending.popleft()
            yield done, future.result()
    while pending:
        done, future = pending.popleft()
        yield done, future.result()

