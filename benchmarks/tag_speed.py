"""How fast and how big `rnncli tag` is, next to NLTK's averaged perceptron tagger.

Both taggers learn UPOS from the same UD EWT training file: the perceptron is trained here,
in a scratch folder, before anything is timed. Two tables come out:

* cold start: one fresh process tagging "I study at night" (wall time, peak RSS), plus
  `python -c "import torch"` for reference;
* throughput: one fresh process reading the EWT test file as CoNLL-U and writing CoNLL-U
  with UPOS filled (tokens/s), with `--jobs 1` and each of --jobs' other values, and the UPOS
  accuracy of that output against gold; for rnncli, the word-level network's multiply-adds
  per token and the fraction of the machine's limit the whole process reaches: tokens/s x
  MACs/token / (jobs x numpy's single-core sgemm rate, measured before every round; see
  limits.py).

Every command runs --repeat times, round-robin after one untimed warm-up round, so that
the noise of a busy machine falls on all of them alike; medians and ratios are printed.

    python benchmarks/tag_speed.py [--data DIR] [--repeat N] [--model lstm rnn PATH ...] [--jobs 2 ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # the sgemm rate of one core, as rnncli runs numpy

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))  # the checkout's rnncli, for the models' sizes

import limits  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
SENTENCE = "I study at night"
COLD_TARGET_S = 0.3
COLD_TARGET_MB = 100
SPEEDUP_TARGET = 2.0
NLTK_PEER = [sys.executable, str(HERE / "nltk_peer.py")]


@dataclass
class Bench:
    """One command, measured as a fresh process each time."""

    label: str
    command: list[str]
    role: str = "rnncli"  # or "peer" (NLTK, the ratios' denominator) or "reference"
    output: Path | None = None  # where its stdout goes; None: /dev/null
    macs: int = 0  # rnncli: the word-level network's multiply-adds per token
    jobs: int = 1  # rnncli: --jobs, the cores it may use
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_rss_mb(self) -> float:
        return statistics.median(self.rss_mb)


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, metavar="DIR", default=Path(os.environ.get("RNNCLI_DATA") or REPO.parent / "shared" / "data"),
                        help="folder holding ud-ewt/ (default: $RNNCLI_DATA, else ../shared/data from the repo root; see DATA.md)")
    parser.add_argument("--repeat", type=positive_int, default=5, metavar="N",
                        help="timed runs of each command (default: 5)")
    parser.add_argument("--model", nargs="+", default=["lstm", "rnn"],
                        help="rnncli models: bundled names or model file paths (default: lstm rnn)")
    parser.add_argument("--jobs", nargs="*", type=positive_int, default=[2], metavar="N",
                        help="also measure throughput with --jobs N (default: 2; none: --jobs 1 only)")
    return parser.parse_args()


def run_once(bench: Bench, scratch: Path) -> tuple[float, float] | None:
    """Run the command through measure.py: its wall time and peak RSS (MB), or None with bench.error set."""
    result = scratch / "measure.txt"
    stdout = open(bench.output, "wb") if bench.output else subprocess.DEVNULL
    try:
        done = subprocess.run([sys.executable, "-I", "-S", str(HERE / "measure.py"), str(result), *bench.command],
                              cwd=REPO, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE, text=True)
    finally:
        if bench.output:
            stdout.close()
    seconds, rss_kb, code = result.read_text().split()
    if done.returncode or int(code):
        lines = done.stderr.strip().splitlines()
        bench.error = lines[-1] if lines else f"exit status {code}"
        return None
    return float(seconds), int(rss_kb) * 1024 / 1e6


def measure(benches: list[Bench], repeat: int, scratch: Path) -> list[float]:
    """A warm-up round (which also finds the commands that fail), then `repeat` timed rounds,
    each after a measure of the sgemm rate (GMAC/s), which is returned, one per round."""
    for bench in benches:
        run_once(bench, scratch)
    rates = []
    for _ in range(repeat):
        rates.append(limits.sgemm_gmacs())
        for bench in benches:
            if bench.error is None and (result := run_once(bench, scratch)):
                bench.seconds.append(result[0])
                bench.rss_mb.append(result[1])
    return rates


def train_nltk(train_path: Path, model_dir: Path) -> None:
    print(f"training the NLTK perceptron on {train_path.name} (5 iterations, about half a minute)...",
          file=sys.stderr, flush=True)
    subprocess.run([*NLTK_PEER, "train", str(train_path), str(model_dir)], check=True)


def model_label(model: str) -> str:
    return Path(model).name if os.sep in model or model.endswith(".safetensors") else model


def model_macs(model: str, task: str) -> int:
    """The word-level network's multiply-adds per token, or 0 when the model does not load."""
    from rnncli.errors import RnnCliError
    from rnncli.model.bundled import resolve_model
    from rnncli.model.model_file import load_model

    try:
        return load_model(resolve_model(model, task), task).config.macs_per_token()
    except RnnCliError:
        return 0


def rnncli_commands(model: str, args: list[str]) -> list[tuple[str, list[str]]]:
    """`python -m rnncli` and, when it is on PATH, the `rnncli` console script."""
    label = f"rnncli tag -m {model_label(model)}"
    commands = [(label, [sys.executable, "-m", "rnncli", "tag", "--model", model, *args])]
    script = shutil.which("rnncli")
    if script:
        commands.append((f"{label} (script)", [script, "tag", "--model", model, *args]))
    return commands


def cold_benches(models: list[str], nltk_model: Path) -> list[Bench]:
    benches = [Bench(label, command) for model in models for label, command in rnncli_commands(model, [SENTENCE])]
    return benches + [
        Bench("nltk perceptron", [*NLTK_PEER, "tag", str(nltk_model), SENTENCE], "peer"),
        Bench('python -c "import torch"', [sys.executable, "-c", "import torch"], "reference"),
    ]


def model_benches(models: list[str], jobs: list[int], task: str, args: list[str],
                  commands: Callable[[str, list[str]], list[tuple[str, list[str]]]]) -> list[Bench]:
    """Each model's commands (rnncli_commands), then the first of them again with --jobs N for each N."""
    benches = []
    for model in models:
        macs, pairs = model_macs(model, task), commands(model, args)
        benches += [Bench(label, command, macs=macs) for label, command in pairs]
        label, command = pairs[0]
        benches += [Bench(f"{label} -j {n}", [*command, "--jobs", str(n)], macs=macs, jobs=n) for n in jobs if n != 1]
    return benches


def throughput_benches(models: list[str], jobs: list[int], nltk_model: Path, test_path: Path,
                       scratch: Path) -> list[Bench]:
    args = ["--input-format", "conllu", "--format", "conllu", "--input", str(test_path)]
    benches = model_benches(models, jobs, "tagger", args, rnncli_commands)
    for i, bench in enumerate(benches):
        bench.output = scratch / f"out-{i}.conllu"
    nltk = Bench("nltk perceptron", [*NLTK_PEER, "conllu", str(nltk_model), str(test_path)],
                 "peer", scratch / "out-nltk.conllu")
    return benches + [nltk]


def words_and_upos(path: Path) -> list[tuple[str, str]]:
    """(FORM, UPOS) of every word row (plain integer ID) of a CoNLL-U file."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) == 10 and cols[0].isdigit():
                pairs.append((cols[1], cols[3]))
    return pairs


def upos_accuracy(predicted: list[tuple[str, str]], gold: list[tuple[str, str]]) -> str:
    if [w for w, _ in predicted] != [w for w, _ in gold]:
        return "words differ from gold"
    right = sum(p == g for (_, p), (_, g) in zip(predicted, gold))
    return f"{right / len(gold):.2%}"


def ratio(value: float, peer_value: float | None) -> str:
    return f"{value / peer_value:.2f}x" if peer_value else "-"


def peer_medians(benches: list[Bench]) -> tuple[float | None, float | None]:
    """The NLTK peer's median seconds and RSS, or None when it failed."""
    peer = next(b for b in benches if b.role == "peer")
    return (peer.median_seconds, peer.median_rss_mb) if peer.seconds else (None, None)


def cold_target(bench: Bench) -> str:
    if bench.role != "rnncli":
        return bench.role
    missed = [what for what, ok in (("time", bench.median_seconds <= COLD_TARGET_S),
                                    ("RSS", bench.median_rss_mb <= COLD_TARGET_MB)) if not ok]
    return "missed: " + ", ".join(missed) if missed else "met"


def cold_rows(benches: list[Bench]) -> list[list[str]]:
    peer_seconds, peer_rss = peer_medians(benches)
    return [[b.label, f"{b.median_seconds:.3f}", ratio(b.median_seconds, peer_seconds), f"{b.median_rss_mb:.1f}",
             ratio(b.median_rss_mb, peer_rss), cold_target(b)] for b in benches if b.seconds]


def throughput_target(bench: Bench, speedup: float | None) -> str:
    if bench.role != "rnncli":
        return bench.role
    if speedup is None:
        return "-"
    return "met" if speedup >= SPEEDUP_TARGET else "missed"


def of_limit(bench: Bench, units_per_s: float, sgemm: float) -> str:
    """The fraction of the machine's limit: units/s x MACs per unit / (cores used x sgemm rate)."""
    return f"{limits.fraction(units_per_s, bench.macs, bench.jobs, sgemm):.0%}" if bench.macs else "-"


def throughput_rows(benches: list[Bench], gold: list[tuple[str, str]], sgemm: float) -> list[list[str]]:
    peer_seconds, _ = peer_medians(benches)
    rows = []
    for b in benches:
        if not b.seconds:
            continue
        speedup = peer_seconds / b.median_seconds if peer_seconds else None
        tokens_per_s = len(gold) / b.median_seconds
        rows.append([b.label, f"{b.median_seconds:.3f}", f"{tokens_per_s:,.0f}",
                     f"{speedup:.2f}x" if speedup else "-", f"{b.median_rss_mb:.1f}",
                     upos_accuracy(words_and_upos(b.output), gold), f"{b.macs / 1e6:.2f} M" if b.macs else "-",
                     of_limit(b, tokens_per_s, sgemm), throughput_target(b, speedup)])
    return rows


def print_table(title: str, headers: list[str], rows: list[list[str]], failed: list[Bench]) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print(f"\n{title}")
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    for bench in failed:
        print(f"not measured: {bench.label}: {bench.error}")


def main() -> int:
    args = parse_args()
    ewt = args.data / "ud-ewt"
    train_path, test_path = ewt / "en_ewt-ud-train.conllu", ewt / "en_ewt-ud-test.conllu"
    missing = [p for p in (train_path, test_path) if not p.is_file()]
    if missing:
        print(f"skipped: {missing[0]} not found (give the data folder with --data DIR)")
        return 0
    with tempfile.TemporaryDirectory(prefix="tag-speed-") as tmp:  # private (0700), as NLTK requires
        scratch = Path(tmp)
        nltk_model = scratch / "nltk-model"
        train_nltk(train_path, nltk_model)
        cold = cold_benches(args.model, nltk_model)
        throughput = throughput_benches(args.model, args.jobs, nltk_model, test_path, scratch)
        print(f"measuring {len(cold) + len(throughput)} commands, {args.repeat} timed runs each...",
              file=sys.stderr, flush=True)
        sgemm = statistics.median(measure(cold + throughput, args.repeat, scratch))
        gold = words_and_upos(test_path)

        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"median of {args.repeat} fresh processes per command, run round-robin; "
              f"{os.cpu_count()} CPUs, load average {load}; RSS in MB (10^6 bytes); "
              f"single-core sgemm {sgemm:.1f} GMAC/s")
        print_table(f'Cold start: tag "{SENTENCE}" '
                    f"(target for rnncli: <= {COLD_TARGET_S} s and <= {COLD_TARGET_MB} MB)",
                    ["command", "wall s", "time/NLTK", "peak RSS", "RSS/NLTK", "target"],
                    cold_rows(cold), [b for b in cold if b.error])
        print_table(f"Throughput: {test_path.name}, {len(gold):,} words, CoNLL-U in and out, whole process "
                    f"(target for rnncli: >= {SPEEDUP_TARGET:g}x NLTK's tokens/s)",
                    ["command", "wall s", "tokens/s", "speed/NLTK", "peak RSS", "UPOS acc", "MACs/token", "of limit",
                     "target"],
                    throughput_rows(throughput, gold, sgemm), [b for b in throughput if b.error])
    return 0


if __name__ == "__main__":
    sys.exit(main())
