"""How fast and how big `rnncli sentiment` is, next to NLTK's VADER.

VADER (`nltk.sentiment.vader.SentimentIntensityAnalyzer`) is a lexicon and rules, nothing to
train; its lexicon is read from DATA/nltk_data (NLTK_DATA is set for every measured process),
never downloaded. Two tables come out:

* cold start: one fresh process scoring "What a great film" (wall time, peak RSS);
* throughput: one fresh process reading the SST-2 test sentences, one a line, and writing a
  label per line (texts/s), with `--jobs 1` and each of --jobs' other values, and the accuracy
  of those labels against gold; for rnncli, the multiply-adds per token and the fraction of the
  machine's limit reached (as in tag_speed.py).

Every command runs --repeat times, round-robin after one untimed warm-up round, so that
the noise of a busy machine falls on all of them alike; medians and ratios are printed.
The measuring helpers are tag_speed.py's.

    python benchmarks/sentiment_speed.py [--data DIR] [--repeat N] [--model lstm rnn PATH ...] [--jobs 2 ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from tag_speed import (COLD_TARGET_MB, COLD_TARGET_S, REPO, SPEEDUP_TARGET, Bench, cold_rows, measure, model_label,
                       model_benches, of_limit, peer_medians, positive_int, print_table, throughput_target)

HERE = Path(__file__).resolve().parent
SENTENCE = "What a great film"
VADER_PEER = [sys.executable, str(HERE / "vader_peer.py")]
GOLD_LABELS = {"0": "negative", "1": "positive"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, metavar="DIR", default=Path(os.environ.get("RNNCLI_DATA") or REPO.parent / "shared" / "data"),
                        help="folder holding sst2/ and nltk_data/ (default: $RNNCLI_DATA, else ../shared/data from the repo root; see DATA.md)")
    parser.add_argument("--repeat", type=positive_int, default=5, metavar="N",
                        help="timed runs of each command (default: 5)")
    parser.add_argument("--model", nargs="+", default=["lstm", "rnn"],
                        help="rnncli models: bundled names or model file paths (default: lstm rnn)")
    parser.add_argument("--jobs", nargs="*", type=positive_int, default=[2], metavar="N",
                        help="also measure throughput with --jobs N (default: 2; none: --jobs 1 only)")
    return parser.parse_args()


def rnncli_commands(model: str, args: list[str]) -> list[tuple[str, list[str]]]:
    """`python -m rnncli` and, when it is on PATH, the `rnncli` console script."""
    label = f"rnncli sentiment -m {model_label(model)}"
    commands = [(label, [sys.executable, "-m", "rnncli", "sentiment", "--model", model, *args])]
    script = shutil.which("rnncli")
    if script:
        commands.append((f"{label} (script)", [script, "sentiment", "--model", model, *args]))
    return commands


def cold_benches(models: list[str]) -> list[Bench]:
    benches = [Bench(label, command) for model in models for label, command in rnncli_commands(model, [SENTENCE])]
    return benches + [Bench("nltk vader", [*VADER_PEER, "text", SENTENCE], "peer")]


def throughput_benches(models: list[str], jobs: list[int], texts_path: Path, scratch: Path) -> list[Bench]:
    args = ["--input-format", "tokens", "--format", "tsv", "--input", str(texts_path)]
    benches = model_benches(models, jobs, "sentiment", args, rnncli_commands)
    for i, bench in enumerate(benches):
        bench.output = scratch / f"out-{i}.tsv"
    vader = Bench("nltk vader", [*VADER_PEER, "lines", str(texts_path)], "peer", scratch / "out-vader.txt")
    return benches + [vader]


def read_gold(test_path: Path) -> tuple[list[str], list[str]]:
    """The labels (negative/positive) and sentences of an SST-2 TSV file with a header line."""
    labels, texts = [], []
    with open(test_path, encoding="utf-8") as f:
        next(f)
        for line in f:
            label, text = line.rstrip("\n").split("\t")
            labels.append(GOLD_LABELS[label])
            texts.append(text)
    return labels, texts


def predicted_labels(path: Path) -> list[str]:
    """The first tab-separated field of each line: rnncli's tsv label, or VADER's lone label."""
    with open(path, encoding="utf-8") as f:
        return [line.split("\t", 1)[0].rstrip("\n") for line in f]


def label_accuracy(predicted: list[str], gold: list[str]) -> str:
    if len(predicted) != len(gold):
        return f"{len(predicted)} lines, not {len(gold)}"
    return f"{sum(p == g for p, g in zip(predicted, gold)) / len(gold):.2%}"


def throughput_rows(benches: list[Bench], gold: list[str], tokens: int, sgemm: float) -> list[list[str]]:
    peer_seconds, _ = peer_medians(benches)
    rows = []
    for b in benches:
        if not b.seconds:
            continue
        speedup = peer_seconds / b.median_seconds if peer_seconds else None
        rows.append([b.label, f"{b.median_seconds:.3f}", f"{len(gold) / b.median_seconds:,.0f}",
                     f"{speedup:.2f}x" if speedup else "-", f"{b.median_rss_mb:.1f}",
                     label_accuracy(predicted_labels(b.output), gold), f"{b.macs / 1e6:.2f} M" if b.macs else "-",
                     of_limit(b, tokens / b.median_seconds, sgemm), throughput_target(b, speedup)])
    return rows


def main() -> int:
    args = parse_args()
    test_path = args.data / "sst2" / "test.tsv"
    nltk_data = args.data / "nltk_data"
    missing = [p for p in (test_path, nltk_data / "sentiment" / "vader_lexicon.zip") if not p.is_file()]
    if missing:
        print(f"skipped: {missing[0]} not found (give the data folder with --data DIR)")
        return 0
    os.environ["NLTK_DATA"] = str(nltk_data.resolve())  # every measured process inherits it
    gold, texts = read_gold(test_path)
    with tempfile.TemporaryDirectory(prefix="sentiment-speed-") as tmp:
        scratch = Path(tmp)
        texts_path = scratch / "sst2-test-sentences.txt"
        texts_path.write_text("".join(text + "\n" for text in texts), encoding="utf-8")
        cold = cold_benches(args.model)
        throughput = throughput_benches(args.model, args.jobs, texts_path, scratch)
        print(f"measuring {len(cold) + len(throughput)} commands, {args.repeat} timed runs each...",
              file=sys.stderr, flush=True)
        sgemm = statistics.median(measure(cold + throughput, args.repeat, scratch))

        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"median of {args.repeat} fresh processes per command, run round-robin; "
              f"{os.cpu_count()} CPUs, load average {load}; RSS in MB (10^6 bytes); "
              f"single-core sgemm {sgemm:.1f} GMAC/s")
        print_table(f'Cold start: sentiment of "{SENTENCE}" '
                    f"(target for rnncli: <= {COLD_TARGET_S} s and <= {COLD_TARGET_MB} MB)",
                    ["command", "wall s", "time/VADER", "peak RSS", "RSS/VADER", "target"],
                    cold_rows(cold), [b for b in cold if b.error])
        print_table(f"Throughput: SST-2 {test_path.name}, {len(gold):,} texts, one a line in, a label a line out, "
                    f"whole process (target for rnncli: >= {SPEEDUP_TARGET:g}x VADER's texts/s)",
                    ["command", "wall s", "texts/s", "speed/VADER", "peak RSS", "accuracy", "MACs/token", "of limit",
                     "target"],
                    throughput_rows(throughput, gold, sum(len(t.split()) for t in texts), sgemm),
                    [b for b in throughput if b.error])
    return 0


if __name__ == "__main__":
    sys.exit(main())
