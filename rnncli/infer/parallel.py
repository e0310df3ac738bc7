"""Work done by several processes (`--jobs`): the tokenizer's windows and the tagger's or
classifier's batches, results handed on in input order.

One run's stages share one set of worker processes (`Workers`), each stage's model held in
every worker under a name. Batches run here while no more input is waiting (a person typing,
`tail -f`) and when the whole input is one batch: workers start only once a second batch is
ready (or the tokenizer has a second window batch), so short inputs pay nothing. This process
runs a batch itself where it would otherwise only wait: the last of a tokenizer's window
batches, and the next model batch while the workers hold 2 x jobs - 1 and the oldest is not
done (not while input arrives slowly: output keeps pace). How many
start, by default, is decided then: the cores that were idle since the run began, this
process's own included (`FreeCores`), so that a busy machine gets fewer. At most 2 x jobs
batches are in flight, which bounds memory; whenever the input runs dry, every batch sent off
is waited for and handed on, so output keeps pace with input that arrives slowly. Workers
ignore Ctrl-C. When the caller stops early (Ctrl-C, the reader gone, an error), batches not
started are dropped and running ones finish (a batch's time, under a second on an idle
machine; a second Ctrl-C waits for them too), and the caller's error handling is unchanged. Workers never outlive the process that started them (killed, even with
SIGKILL, they notice within PARENT_CHECK_S and exit); a worker that dies (killed, out of
memory) is an error that says so. Results are the same bytes as in one process: each batch is
the same computation wherever it runs.
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

_engines: dict[str, Any] = {}  # in a worker: the objects whose methods the batches are given to, by name
AUTO_MOST = 4  # workers the default picks at most (--jobs N for more)
PARENT_CHECK_S = 0.5  # how often a worker checks that the process that started it still runs
SAMPLE_S = 0.1  # the shortest time over which the default measures idle cores (batches before it run here)


def cores() -> int:
    """The CPUs this process may run on (`--jobs 0`)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def idle_cores(most: int = AUTO_MOST) -> int:
    """The CPUs not kept busy by other work, by the 1-minute load average (this process's own
    earlier runs count too), at least 1 and at most `most`: the default where the idle time of
    the CPUs cannot be read (not Linux)."""
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):  # no load average (Windows)
        load = 0.0
    return max(1, min(most, int(cores() - load + 0.5)))


def _idle_seconds() -> float | None:
    """Seconds the CPUs this process may use have been idle since boot (Linux /proc/stat), or None."""
    try:
        mine = {f"cpu{n}" for n in os.sched_getaffinity(0)}
        with open("/proc/stat", encoding="ascii") as stat:
            rows = [line.split() for line in stat if line.startswith("cpu")]
        ticks = sum(int(row[4]) + int(row[5]) for row in rows if row[0] in mine)  # idle + iowait
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class FreeCores:
    """How many cores this process could use now: those idle since it was made, plus the share of
    one that this process itself kept busy, measured over at least SAMPLE_S (the load average
    would lag a minute behind, counting this command's own earlier runs in a shell loop)."""

    def __init__(self):
        self.start, self.idle, self.own = time.monotonic(), _idle_seconds(), time.process_time()

    def count(self, most: int = AUTO_MOST) -> int | None:
        """At least 1 and at most `most`; None until SAMPLE_S have passed (too soon to tell)."""
        if self.idle is None:
            return idle_cores(most)
        elapsed = time.monotonic() - self.start
        if elapsed < SAMPLE_S:
            return None
        idle, own = _idle_seconds(), time.process_time()
        if idle is None:
            return idle_cores(most)
        free = (idle - self.idle + own - self.own) / elapsed
        return max(1, min(most, cores(), int(free + 0.5)))


_started: FreeCores | None = None  # begun as a command starts (measure_from_now), so that its first batches can tell
RECENT_S = 5.0  # how long that measure serves; a Workers made later (or without it) measures afresh


def measure_from_now() -> None:
    """Begin the default's measure of free cores here: at a command's start, so that it covers
    loading the models too, and the first batches can already go to workers."""
    global _started
    _started = FreeCores()


def _start_worker(engines: dict[str, Any], parent: int) -> None:
    global _engines
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _engines = engines
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


def _call(engine: str, method: str, payload: Any) -> Any:
    return getattr(_engines[engine], method)(payload)


def _pool(engines: dict[str, Any], jobs: int) -> ProcessPoolExecutor:
    """Workers holding `engines`: forked where the platform can (they share its weights, and
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
    return ProcessPoolExecutor(jobs, context, initializer=_start_worker, initargs=(engines, os.getpid()))


class Workers:
    """The worker processes of one run, shared by its stages; `jobs` None: as many as there are
    free cores (FreeCores) when they are first wanted, measured since measure_from_now (a
    command's start) when that was under RECENT_S ago, else since this object was made.
    Use as a context manager: leaving it drops the batches not started and waits for the
    running ones."""

    def __init__(self, engines: dict[str, Any], jobs: int | None = 1):
        self.engines, self.jobs = engines, jobs
        self.pool: ProcessPoolExecutor | None = None
        recent = _started is not None and time.monotonic() - _started.start < RECENT_S
        self._free = None if jobs is not None else _started if recent else FreeCores()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:  # a worker killed mid-batch could leave its result half-sent, so running
            with _ctrl_c_held():  # batches finish; a second Ctrl-C waits till then (cut short, the
                self.pool.shutdown(wait=True, cancel_futures=True)  # shutdown would leave workers waiting)

    def closing(self, results: Iterator[G]) -> Iterator[G]:
        """`results`, then the workers closed (also when the caller stops early)."""
        with self:
            yield from results

    def may_start(self) -> bool:
        """Whether workers could be started (so that the next batch is worth reading ahead for)."""
        return self.pool is None and (self.jobs is None or self.jobs > 1)

    def wanted(self) -> bool:
        """Whether batches go to workers: more than one job. The default decides once it can
        tell (FreeCores); until then, batches run here."""
        if self.jobs is None:
            self.jobs = self._free.count()
            if self.jobs is None:
                return False
        return self.jobs > 1

    def here(self, engine: str, method: str, payload: Any) -> Any:
        return getattr(self.engines[engine], method)(payload)

    def submit(self, engine: str, method: str, payload: Any) -> Future:
        """engine.method(payload) in a worker; the first call starts them (see `wanted`)."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            if self.pool is None:
                self.pool = _pool(self.engines, self.jobs)
                with _ctrl_c_held():  # the first submit starts the workers
                    return self.pool.submit(_call, engine, method, payload)
            return self.pool.submit(_call, engine, method, payload)
        except BrokenProcessPool:
            raise _worker_died() from None

    def map(self, engine: str, method: str, payloads: list) -> list:
        """[engine.method(p) for p in payloads], in workers when there are several and workers are wanted."""
        if len(payloads) < 2 or not (self.pool is not None or self.wanted()):
            return [self.here(engine, method, p) for p in payloads]
        futures = [self.submit(engine, method, p) for p in payloads[:-1]]
        last = self.here(engine, method, payloads[-1])  # this process would only wait: it takes the last one
        return [result(f) for f in futures] + [last]

    def ordered_map(self, engine: str, method: str, groups: Iterable[G], payload: Callable[[G], Any],
                    input_waiting: Callable[[], bool] = lambda: True) -> Iterator[tuple[G, Any]]:
        """(group, engine.method(payload(group))) for each group, in order, the calls in the
        workers once they are started (see the module's docstring). The first result is waited
        for once sent off, before more input is read (reading may mean cutting more text), so
        that the first output comes as soon as one process would give it."""
        pending: deque[tuple[G, Future]] = deque()
        handed_on = False  # whether a result has been yielded yet
        groups = iter(groups)
        while True:
            try:
                group = next(groups)
            except StopIteration:
                break
            except Exception:  # reading the input failed: hand on the batches sent off before it, then say so
                while pending:
                    done, future = pending.popleft()
                    yield done, result(future)
                raise
            if self.may_start() and input_waiting():
                try:
                    following = next(groups, None)  # a second batch ready: worth starting workers
                except Exception:
                    yield group, self.here(engine, method, payload(group))
                    raise
                if following is not None:
                    if self.wanted():
                        pending.append((group, self.submit(engine, method, payload(group))))
                    else:
                        yield group, self.here(engine, method, payload(group))
                    group = following
            if self.pool is None:
                yield group, self.here(engine, method, payload(group))
                continue
            if len(pending) >= 2 * self.jobs - 1 and not pending[0][1].done() and input_waiting():
                pending.append((group, _done(self.here(engine, method, payload(group)))))  # it would only wait
            else:
                pending.append((group, self.submit(engine, method, payload(group))))
            while pending and (len(pending) >= 2 * self.jobs or pending[0][1].done() or not input_waiting()
                               or not handed_on):
                done, future = pending.popleft()
                handed_on = True
                yield done, result(future)
        while pending:
            done, future = pending.popleft()
            yield done, result(future)


def _done(value: Any) -> Future:
    """A future that holds `value` already."""
    from concurrent.futures import Future

    future = Future()
    future.set_result(value)
    return future


def result(future: Future) -> Any:
    """A future's result; a worker that died is an error that says so."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise _worker_died() from None


def _worker_died() -> RnnCliError:
    return RnnCliError("a worker process ended unexpectedly (killed, or out of memory?); run again, or with fewer jobs")
