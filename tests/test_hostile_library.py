"""Hostile library use: runs too big for memory are refused before they allocate it (or done a
chunk at a time), gradients take memory linear in the length, and scores say where their gold
tags came from. Each case checks the exit code, the one-line message and that there is no
traceback; the heavy ones run in a fresh process under an address-space limit, so that a
regression fails the test instead of exhausting the machine."""

import json
import resource
import subprocess
import sys
import time

import pytest
from conftest import SHARED_DATA, TINY_TRAIN
from typer.testing import CliRunner

from rnncli.cli.app import app

runner = CliRunner()
RNNCLI = [sys.executable, "-m", "rnncli"]
ADDRESS_SPACE = 8 << 30  # bytes a subprocess may map: far more than any bounded run needs


def limited(args: list, timeout: int = 120) -> subprocess.CompletedProcess:
    """`args` run in a fresh process that may map at most ADDRESS_SPACE bytes."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    return subprocess.run(list(map(str, args)), capture_output=True, text=True, timeout=timeout, preexec_fn=limit)


def growth_mb(setup: str, code: str) -> float:
    """How much (MB) the peak memory of a fresh Python process grows while it runs `code`,
    after `setup` (imports, a small run of the same code, so that only the size counts)."""
    script = (f"import resource\n{setup}\nbefore = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n{code}\n"
              "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)\n")
    result = limited([sys.executable, "-c", script])
    assert result.returncode == 0, result.stderr[-2000:]
    return float(result.stdout.split()[-1])


# --- explain-gradients --synthetic and the memory experiment: bounded memory ----------------


def test_a_synthetic_run_too_big_for_memory_is_refused_at_once():
    started = time.monotonic()
    result = limited([*RNNCLI, "explain-gradients", "--synthetic", "--length", "10000", "--hidden", "1024",
                      "--cell", "rnn,lstm"])
    assert time.monotonic() - started < 30
    assert "Traceback" not in result.stderr and result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith("rnncli: error: --cell lstm with --length 10,000 x --hidden 1,024 would need "
                                    "about 2.0 GB of memory to keep every step for the gradient, more than the "
                                    "1.0 GB limit; lower --length or --hidden")


def test_synthetic_memory_grows_with_length_times_hidden():
    # asked for together with the states' gradients, the weight gradient's share of every step
    # (H x H) stayed resident: 2 GB here, T x H^2
    setup = "from rnncli.explain.synthetic import synthetic\nsynthetic('rnn', 2, 1.0, hidden=512, clip=1.0)"
    growth = growth_mb(setup, "synthetic('rnn', 1000, 1.0, hidden=512, clip=1.0)")
    assert growth < 64, f"{growth:.0f} MB"  # budget's estimate: 47 MB


def test_explaining_a_long_text_allocates_memory_linear_in_its_length():
    # indexing the input's part step by step, backpropagation made a full-size gradient of it
    # for every step: T^2 (4.7 GB allocated, and often held, for 500 tokens)
    from torch.profiler import ProfilerActivity, profile

    from rnncli.explain.sentence import explain
    from rnncli.model.bundled import open_model

    model = open_model("lstm", "sentiment")

    def allocated_mb(length: int) -> float:
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
            explain(model, ["word"] * length)
        return sum(max(0, e.self_cpu_memory_usage) for e in profiler.events()) / 2**20

    short, long = allocated_mb(250), allocated_mb(500)
    assert long < 2.5 * short and long < 500, f"{short:.0f} MB for 250 tokens, {long:.0f} MB for 500"


def test_a_memory_experiment_too_big_for_memory_is_refused_before_training():
    started = time.monotonic()
    result = limited([*RNNCLI, "experiment", "memory", "--cell", "lstm,rnn", "--distances", "5,1000", "--hidden",
                      "1024", "--steps", "1"])
    assert time.monotonic() - started < 30
    assert "Traceback" not in result.stderr and result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith("rnncli: error: the lstm at distance 1,000 with hidden 1,024 (batches of 64) "
                                    "would need about 4.") and "GB of memory" in result.stderr
    assert "more than the 1.0 GB limit; lower the distance or hidden" in result.stderr


def test_the_memory_experiment_measures_in_chunks_what_does_not_fit(monkeypatch):
    from rnncli.explain import budget
    from rnncli.explain.memory import memory_experiment

    options = {"cells": ("lstm", "rnn"), "distances": (30,), "steps": 3, "hidden": 8, "batch_size": 8,
               "test_size": 300}
    whole = memory_experiment(**options).to_dict()
    monkeypatch.setattr(budget, "MEMORY_LIMIT", 256 << 10)  # 5 sequences' gradients, 116 test sequences a chunk
    assert len(budget.chunks(200, budget.UNROLLED["lstm"] * 31 * 8)) == 40
    chunked = memory_experiment(**options).to_dict()
    timeless = lambda result: _leaves([{**run, "train_time_s": None} for run in result["runs"]])  # noqa: E731
    # the sequences are independent: the same numbers, up to the order BLAS sums a differently sized batch in
    numbers = lambda leaves: {path: leaf for path, leaf in leaves.items() if isinstance(leaf, float)}  # noqa: E731
    assert {**timeless(chunked), **numbers(timeless(whole))} == timeless(whole)  # the same fields, cells, counts
    assert numbers(timeless(chunked)) == pytest.approx(numbers(timeless(whole)), rel=1e-12, abs=1e-15)


def _leaves(value, path=""):
    """{path: number or text} of a nested result, so that pytest.approx can compare it."""
    if isinstance(value, dict):
        return {key: leaf for name, item in value.items() for key, leaf in _leaves(item, f"{path}/{name}").items()}
    if isinstance(value, list):
        return {key: leaf for index, item in enumerate(value) for key, leaf in _leaves(item, f"{path}/{index}").items()}
    return {path: value}


def test_the_chunked_memory_experiment_stays_within_its_limit():
    setup = ("from rnncli.explain import budget\nfrom rnncli.explain.memory import memory_experiment\n"
             "budget.MEMORY_LIMIT = 128 << 20\nmemory_experiment(cells=('gru',), distances=(2,), steps=1)")
    growth = growth_mb(setup, "memory_experiment(cells=('gru',), distances=(1000,), steps=1, test_size=200)")
    assert growth < 400, f"{growth:.0f} MB"  # 0.9 GB measured at once


# --- eval tagger on NLTK's treebank: gold UPOS mapped from PTB tags ---------------------------


@pytest.mark.skipif(not (SHARED_DATA / "nltk_data").is_dir(), reason="needs the data of DATA.md (RNNCLI_DATA)")
def test_scores_on_upos_mapped_from_ptb_say_so(tiny_model):
    note = "note: the gold UPOS tags were mapped from the data's PTB tags by rules (ptb_to_upos), not annotated"
    report = json.loads(runner.invoke(app, ["eval", "tagger", "-m", str(tiny_model), "-d", "nltk:treebank",
                                            "--json"]).stdout)
    assert report["upos_from"] == "ptb rules" and "xpos_from" not in report
    table = runner.invoke(app, ["eval", "tagger", "-m", str(tiny_model), "-d", "nltk:treebank"])
    assert table.exit_code == 0 and note in table.stdout
    lines = table.stdout.splitlines()
    assert lines.index(note) == 2  # under the accuracy line
    both = runner.invoke(app, ["eval", "tagger", "-m", str(tiny_model), "-m", "tagger-rnn-small", "-d",
                               "nltk:treebank"])
    assert both.exit_code == 0 and both.stdout.count(note) == 1
    conllu = runner.invoke(app, ["eval", "tagger", "-m", str(tiny_model), "-d", str(TINY_TRAIN), "--json"])
    assert "upos_from" not in json.loads(conllu.stdout)
    assert "note:" not in runner.invoke(app, ["eval", "tagger", "-m", str(tiny_model), "-d", str(TINY_TRAIN)]).stdout
