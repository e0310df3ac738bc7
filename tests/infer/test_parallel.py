"""--jobs: batches in worker processes, the same output bytes, in order, streaming, and the
same endings (broken pipe, Ctrl-C) as one process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import sigint_as_at_a_terminal
from rnncli.infer import parallel
from rnncli.infer.parallel import FreeCores, Workers, idle_cores

REPO = Path(__file__).resolve().parents[2]
WORDS = "the cat sat on a mat while I study at night and she reads new books about old ships".split()


class Pids:
    """An engine that answers with its process id and the batch, to see where each batch ran."""

    def run(self, batch):
        return os.getpid(), batch


def ordered_map(engine, method, groups, payload, jobs, input_waiting=lambda: True):
    with Workers({"engine": engine}, jobs) as workers:
        yield from workers.ordered_map("engine", method, groups, payload, input_waiting)


def test_batches_come_back_in_order_from_the_workers():
    results = list(ordered_map(Pids(), "run", ([i] for i in range(20)), lambda g: g * 2, jobs=2))
    assert [group for group, _ in results] == [[i] for i in range(20)]
    assert [batch for _, (_, batch) in results] == [[i, i] for i in range(20)]
    assert {pid for _, (pid, _) in results} - {os.getpid()}  # the workers did work


class Slow(Pids):
    """0.3 s a batch, but for the first (batch [0]), which is quick."""

    def run(self, batch):
        time.sleep(0.3 if batch != [0] else 0.0)
        return super().run(batch)


def test_when_the_workers_are_full_this_process_runs_the_next_batch_itself():
    """The first batch is waited for and handed on; then two workers hold three batches (one
    running each, one queued) while the oldest is not done: this process would only wait, so it
    runs the next itself, and hands it on in its place."""
    results = list(ordered_map(Slow(), "run", ([i] for i in range(5)), lambda g: g, jobs=2))
    assert [batch for _, (_, batch) in results] == [[i] for i in range(5)]
    assert [pid == os.getpid() for _, (pid, _) in results] == [False, False, False, False, True]


def test_the_first_result_is_handed_on_before_more_input_is_read():
    """`rnncli tag --input big.txt | head -1`: reading the next batch may mean cutting more text
    (a second or more); the first result, done meanwhile in a worker, comes out first."""
    read = []

    def groups():
        for i in range(4):
            read.append(i)
            yield [i]

    results = ordered_map(Pids(), "run", groups(), lambda g: g, jobs=2)
    first, _ = next(results)
    assert first == [0] and read == [0, 1]  # the second batch was read (it starts the workers), no more
    assert [group for group, _ in results] == [[1], [2], [3]]


@pytest.mark.parametrize("groups, waiting", [([[1]], True), ([[1], [2], [3]], False)], ids=["one batch", "slow input"])
def test_no_workers_for_one_batch_or_slow_input(groups, waiting):
    results = list(ordered_map(Pids(), "run", groups, lambda g: g, jobs=2, input_waiting=lambda: waiting))
    assert {pid for _, (pid, _) in results} == {os.getpid()} and [g for g, _ in results] == groups


@pytest.mark.parametrize("cpus, load, expected", [(2, 0.1, 2), (2, 0.8, 1), (2, 1.4, 1), (2, 5.0, 1), (8, 0.0, 4),
                                                   (8, 5.0, 3), (1, 0.0, 1)])
def test_without_proc_stat_the_default_takes_the_cores_the_load_average_leaves(monkeypatch, cpus, load, expected):
    monkeypatch.setattr(parallel, "cores", lambda: cpus)
    monkeypatch.setattr(parallel, "_idle_seconds", lambda: None)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert idle_cores() == expected and FreeCores().count() == expected


def test_the_default_on_a_platform_without_a_load_average(monkeypatch):
    def missing():
        raise OSError("no load average")

    monkeypatch.setattr(parallel, "cores", lambda: 3)
    monkeypatch.setattr(os, "getloadavg", missing)
    assert idle_cores() == 3


@pytest.mark.parametrize("cpus, idle, own, expected", [(2, 1.0, 1.0, 2), (2, 2.0, 0.0, 2), (2, 0.1, 0.9, 1),
                                                        (2, 0.3, 1.0, 1), (8, 7.0, 1.0, 4), (8, 1.6, 1.0, 3),
                                                        (1, 0.0, 1.0, 1), (4, 0.0, 0.0, 1)],
                         ids=["idle 2-core", "idle, this one waiting", "another job", "another job and a half",
                              "at most 4", "3 free", "one core", "all busy"])
def test_the_default_takes_the_cores_idle_since_the_run_began(monkeypatch, cpus, idle, own, expected):
    """Cores idle over the run so far, this process's own busy share included (one second of each)."""
    clock = {"wall": 100.0, "idle": 5000.0, "own": 3.0}
    monkeypatch.setattr(parallel, "cores", lambda: cpus)
    monkeypatch.setattr(parallel, "_idle_seconds", lambda: clock["idle"])
    monkeypatch.setattr(time, "monotonic", lambda: clock["wall"])
    monkeypatch.setattr(time, "process_time", lambda: clock["own"])
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 9.0, 9.0))  # a minute of earlier runs: not read
    free = FreeCores()
    clock.update(wall=101.0, idle=5000.0 + idle, own=3.0 + own)
    assert free.count() == expected


def test_the_default_waits_a_tenth_of_a_second_before_it_tells(monkeypatch):
    free = FreeCores()
    assert free.count() is None  # too soon: batches run here meanwhile
    time.sleep(parallel.SAMPLE_S)
    assert 1 <= free.count() <= min(parallel.cores(), parallel.AUTO_MOST)
    monkeypatch.setattr(parallel, "cores", lambda: 8)
    monkeypatch.setattr(time, "monotonic", lambda: free.start + 0.01)
    with Workers({"engine": Pids()}, None) as workers:
        workers._free = free
        assert [pid for _, (pid, _) in workers.ordered_map("engine", "run", [[1], [2], [3]], lambda g: g)] == \
            [os.getpid()] * 3 and workers.jobs is None and workers.pool is None


@pytest.mark.skipif(not Path("/proc/stat").is_file(), reason="reads /proc/stat")
def test_idle_seconds_are_read_for_this_process_cpus():
    """At most every CPU this process may use idle all the while (other jobs may keep them busy)."""
    before = parallel._idle_seconds()
    time.sleep(0.3)
    assert before > 0 and 0 <= parallel._idle_seconds() - before <= 0.3 * parallel.cores() + 0.05


def test_the_cli_default_is_decided_later_and_a_person_typing_gets_one(monkeypatch):
    from rnncli.cli.options import workers

    monkeypatch.setattr(parallel, "cores", lambda: 6)
    assert (workers(None, False), workers(0, False), workers(2, False), workers(None, True)) == (None, 6, 2, 1)


def test_a_map_runs_its_last_batch_here_while_the_workers_run_the_others():
    """This process would only wait for a map's results (the tokenizer's windows): it takes the
    last batch itself, and the results come back in the batches' order."""
    with Workers({"engine": Pids()}, 2) as workers:
        results = workers.map("engine", "run", [[i] for i in range(5)])
    assert [batch for _, batch in results] == [[i] for i in range(5)]
    assert [pid == os.getpid() for pid, _ in results] == [False, False, False, False, True]


def test_the_tokenizer_windows_run_in_the_workers_to_the_same_result():
    from rnncli.infer.tokenizer import BATCH_CHARS, open_tokenizer

    tokenizer = open_tokenizer("lstm")
    texts = [" ".join(WORDS[i % 7:] + WORDS[:i % 7]) * 40 + "." for i in range(5 * BATCH_CHARS // 3300)]  # ~3,300 characters each
    alone = tokenizer.segment(texts)

    class Counting(Workers):
        sent = 0

        def submit(self, engine, method, payload):
            self.sent += 1
            return super().submit(engine, method, payload)

    with Counting({"tokenizer": tokenizer}, 2) as workers:
        assert tokenizer.segment(texts, workers) == alone
    assert workers.sent >= 4 and workers.pool is not None  # the window batches went to the workers
    with Counting({"tokenizer": tokenizer}, 2) as workers:
        assert tokenizer.segment(texts[:1], workers) == alone[:1] and workers.sent == 0  # one batch: done here


def rnncli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "rnncli", *map(str, args)], capture_output=True, cwd=REPO,
                          timeout=300, **kwargs)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """1,500 lines of 3-12 words: several batches of 256 sentences."""
    lines = [" ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(3 + i % 10)) for i in range(1500)]
    path = tmp_path_factory.mktemp("parallel") / "book.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("command", [["tag", "-I", "lines", "-f", "tsv", "--top", "3"],
                                     ["tag", "-m", "rnn", "-I", "tokens", "-f", "jsonl"],
                                     ["sentiment", "-f", "jsonl"], ["sentiment", "-m", "rnn", "-f", "tsv"]],
                         ids=["tag", "tag rnn", "sentiment", "sentiment rnn"])
def test_jobs_2_gives_the_bytes_of_jobs_1(book, command):
    one, two = rnncli(*command, "--jobs", "1", "--input", book), rnncli(*command, "--jobs", "2", "--input", book)
    assert one.returncode == two.returncode == 0 and one.stderr == two.stderr == b""
    assert len(one.stdout.splitlines()) >= 1500 and one.stdout == two.stdout
    assert rnncli(*command, "--jobs", "0", "--input", book).stdout == one.stdout  # 0: one per CPU
    assert rnncli(*command, "--input", book).stdout == one.stdout  # the default: one per idle CPU, decided while it runs


def test_closed_pipe_with_workers(book):
    result = subprocess.run(f"set -o pipefail; {sys.executable} -m rnncli tag -j 2 -I lines --input {book} | head -1",
                            shell=True, executable="/bin/bash", capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0 and result.stdout.count("\n") == 1 and result.stderr == ""


def ctrl_c_while_tagging(path: Path, gaps: list[float]) -> tuple[int, bytes]:
    """`rnncli tag -j 2` on `path`, Ctrl-C'd as a terminal does (the whole process group) once its
    workers run, after each gap in seconds: its exit status and stderr."""
    process = subprocess.Popen([sys.executable, "-m", "rnncli", "tag", "-j", "2", "-I", "lines", "--input", path],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, start_new_session=True,
                               preexec_fn=sigint_as_at_a_terminal)
    try:
        process.stdout.readline()  # workers are running
        for gap in gaps:
            time.sleep(gap)
            os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, stderr


@pytest.mark.parametrize("gaps", [[0.5], [0.0, 0.05], [0.0, 0.3]], ids=["once", "twice, 0.05 s apart", "twice, 0.3 s"])
def test_ctrl_c_with_workers_is_one_line_and_exit_130(tmp_path, book, gaps):
    """A second Ctrl-C used to cut the workers' shutdown short: they were left waiting for work,
    and the process for them, forever."""
    big = tmp_path / "big.txt"
    big.write_text(book.read_text() * 20)
    assert ctrl_c_while_tagging(big, gaps) == (130, b"rnncli: error: interrupted\n")


def test_piped_input_still_streams_with_jobs():
    process = subprocess.Popen([sys.executable, "-m", "rnncli", "tag", "-j", "2", "-I", "lines", "-f", "tags"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    try:
        for text in ("I study at night", "She reads"):
            process.stdin.write(f"{text}\n".encode())
            process.stdin.flush()  # stdin stays open: the answer must come before EOF
            assert process.stdout.readline().decode().split()[0].split("/")[0] == text.split()[0]
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert process.returncode == 0


SLOW_PARENT = """
import os, sys, time
from rnncli.infer.parallel import Workers

class Slow:
    def run(self, batch):
        time.sleep(0.05)
        return os.getpid()

with Workers({"slow": Slow()}, 2) as workers:
    for _, pid in workers.ordered_map("slow", "run", ([i] for i in range(100_000)), lambda g: g):
        print(pid, flush=True)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["kill", "kill -9"])
def test_workers_never_outlive_their_parent(sig):
    parent = subprocess.Popen([sys.executable, "-c", SLOW_PARENT], stdout=subprocess.PIPE, text=True)
    workers = set()
    while len(workers) < 2:
        workers.add(int(parent.stdout.readline()))
    parent.send_signal(sig)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 5
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_alive, workers)), "orphaned workers still run"


class DiesInWorker:
    def run(self, batch):
        if os.getpid() != batch[1]:
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
        return batch


def test_a_killed_worker_is_a_clear_error():
    from rnncli.errors import RnnCliError

    with pytest.raises(RnnCliError, match="a worker process ended unexpectedly"):
        list(ordered_map(DiesInWorker(), "run", ([i, os.getpid()] for i in range(10)), lambda g: g, jobs=2))


def test_a_killed_worker_in_a_map_is_a_clear_error():
    """The tokenizer's window batches (Workers.map) end as the tagger's do when a worker dies."""
    from rnncli.errors import RnnCliError

    with pytest.raises(RnnCliError, match="a worker process ended unexpectedly"):
        with Workers({"engine": DiesInWorker()}, 2) as workers:
            workers.map("engine", "run", [[i, os.getpid()] for i in range(4)])


def test_the_default_measures_from_the_command_start_while_that_is_recent(monkeypatch):
    """A command's first batches can already tell: the measure began at its start."""
    monkeypatch.setattr(parallel, "_started", None)
    alone = Workers({}, None)._free  # a library caller, no command: measured from the Workers on
    assert alone is not None and Workers({}, 2)._free is None
    parallel.measure_from_now()
    started = parallel._started
    assert Workers({}, None)._free is started
    monkeypatch.setattr(time, "monotonic", lambda: started.start + parallel.RECENT_S)
    later = Workers({}, None)._free
    assert later is not started and later.start == started.start + parallel.RECENT_S


def test_the_command_starts_the_measure():
    code = "from rnncli.cli import app; from rnncli.infer import parallel; print(parallel._started is not None)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO).stdout == "True\n"


@pytest.mark.parametrize("task", ["tagger", "sentiment"])
def test_the_first_results_come_from_a_small_batch(task, tiny_model, tiny_sentiment, monkeypatch):
    """`rnncli tag --input big.txt | head` answers after FIRST_BATCH sentences, not a full
    batch: the model's batches start small and double (text.sentences.batched)."""
    from rnncli.infer.sentiment import Classifier, classify_lines
    from rnncli.infer.tagger import Tagger, tag_lines
    from rnncli.model.model_file import load_model
    from rnncli.text.sentences import FIRST_BATCH

    engine, run, path = {"tagger": (Tagger, tag_lines, tiny_model),
                         "sentiment": (Classifier, classify_lines, tiny_sentiment)}[task]
    sizes = []
    probabilities = engine.probabilities
    monkeypatch.setattr(engine, "probabilities",
                        lambda self, texts: sizes.append(len(texts)) or probabilities(self, texts))
    lines = [" ".join(WORDS[i % 7:i % 7 + 5]) + "\n" for i in range(300)]
    assert len(list(run(load_model(path), lines, "tokens"))) == 300
    assert sizes == [FIRST_BATCH, 2 * FIRST_BATCH, 4 * FIRST_BATCH, 8 * FIRST_BATCH, 300 - 15 * FIRST_BATCH]
