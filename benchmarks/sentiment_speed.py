"""How fast and how big `rnncli sentiment` is, next to NLTK's VADER.

VADER (`nltk.sentiment.vader.SentimentIntensityAnalyzer`) is a lexicon and rules, nothing to
train; its lexicon is read from DATA/nltk_data (NLTK_DATA is set for every measured process),
never downloaded. Three tables come out:

* raw lines, the headline: the SST-2 test sentences as people write them (detokenized with
  NLTK's TreebankWordDetokenizer, one a line) through `rnncli sentiment --input lines.txt`
  with default options (--jobs auto, the model's own tokenizer), and again with each --jobs N
  (default: 1) and with the default options while --busy N other processes keep a core busy
  each (default: 1), beside VADER on the same lines: wall time, the ratio to VADER's (targets:
  <= 1.0x with lstm, <= 0.5x with lstm-small), lines/s, peak RSS, accuracy against the SST-2
  labels, and the multiply-adds per second reached with their share of one core's sgemm rate;
* tokens in (secondary): SST-2's own tokenized sentences through `-I tokens -f tsv`, beside
  VADER on the same lines;
* cold start: one fresh process scoring "What a great film" (wall time, peak RSS).

Every command runs --repeat times, round-robin after one untimed warm-up round, so that
the noise of a busy machine falls on all of them alike; medians and ratios are printed.
The measuring helpers are bench.py's.

    python benchmarks/sentiment_speed.py [--data DIR] [--repeat N] [--model lstm lstm-small PATH ...] [--jobs 1 2 ...]
        [--busy N]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import bench  # noqa: I001  (sets OPENBLAS_NUM_THREADS and puts the checkout on sys.path first)
from bench import COLD_TARGET_MB, COLD_TARGET_S, HERE, Bench, job_benches, machine_cells, model_macs, print_table
from rnncli.model.config import DEFAULT_TOKENIZER  # what `rnncli tag` and `rnncli sentiment` cut text with by default

SENTENCE = "What a great film"
RAW_TARGETS = {"lstm": 1.0, "lstm-small": 0.5}  # the most time/VADER, default options, raw lines (issue 18)
TOKENS_TARGET = 0.5  # tokens in: at least twice VADER's texts/s
VADER_PEER = [sys.executable, str(HERE / "vader_peer.py")]
GOLD_LABELS = {"0": "negative", "1": "positive"}


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


def write_lines(texts: list[str], path: Path) -> Path:
    path.write_text("".join(text + "\n" for text in texts), encoding="utf-8")
    return path


def detokenized(texts: list[str]) -> list[str]:
    """SST-2's tokenized sentences as people write them: "it 's good ." -> "it's good."."""
    from nltk.tokenize.treebank import TreebankWordDetokenizer

    detokenizer = TreebankWordDetokenizer()
    return [detokenizer.detokenize(text.split()) for text in texts]


def own_tokenizer(model: str) -> str:
    """The tokenizer `rnncli sentiment --model MODEL` cuts raw text with by default: the one that
    cut the model's training texts."""
    from rnncli.errors import RnnCliError
    from rnncli.infer.tokenizer import trained_tokenizer
    from rnncli.model.bundled import open_model

    try:
        return trained_tokenizer(open_model(model, "sentiment"))
    except RnnCliError:
        return DEFAULT_TOKENIZER


def line_benches(models: list[str], jobs: list[int], lines: Path, scratch: Path, name: str,
                 args: list[str], char_macs: dict[str, float], targets: dict[str, float], busy: int = 0) -> list[Bench]:
    """Each model on `lines` with `args` (see bench.job_benches), then VADER on the same lines;
    `char_macs`: each model's tokenizer's multiply-adds per character (none for tokens in)."""
    benches = [b for model in models for b in job_benches(
        "sentiment", model, [*args, "--input", str(lines)], jobs, busy, macs=model_macs(model, "sentiment"),
        char_macs=char_macs.get(model, 0), target=targets.get(model))]
    vader = Bench("nltk vader", [*VADER_PEER, "lines", str(lines)], "peer")
    return bench.outputs(benches + [vader], scratch / f"{name}-{{}}.tsv")


def predicted_labels(path: Path) -> list[str]:
    """The first tab-separated field of each line: rnncli's tsv label, or VADER's lone label."""
    with open(path, encoding="utf-8") as f:
        return [line.split("\t", 1)[0].rstrip("\n") for line in f]


def label_accuracy(predicted: list[str], gold: list[str]) -> str:
    if len(predicted) != len(gold):
        return f"{len(predicted)} lines, not {len(gold)}"
    return f"{sum(p == g for p, g in zip(predicted, gold)) / len(gold):.2%}"


def throughput_rows(benches: list[Bench], gold: list[str], tokens: int, chars: int, sgemm: float) -> list[list[str]]:
    """Per command: wall s, time/VADER, lines/s, RSS, accuracy, GMAC/s, share of sgemm, target."""
    peer_seconds, _ = bench.peer_medians(benches)
    rows = []
    for b in benches:
        if not b.seconds:
            continue
        seconds = b.median_seconds
        rows.append([b.label, f"{seconds:.3f}", bench.ratio(seconds, peer_seconds), f"{len(gold) / seconds:,.0f}",
                     f"{b.median_rss_mb:.1f}", label_accuracy(predicted_labels(b.output), gold),
                     *machine_cells(b, tokens / seconds, chars / seconds, sgemm), bench.time_target(b, peer_seconds)])
    return rows


def print_tables(tables: dict[str, list[Bench]], gold: list[str], sizes: dict[str, int], repeat: int,
                 sgemm: float) -> None:
    headers = ["command", "wall s", "time/VADER", "lines/s", "peak RSS", "accuracy", "GMAC/s", "of sgemm", "target"]
    bench.print_header(repeat, sgemm)
    print_table(f"Raw lines (the headline): SST-2 test, {len(gold):,} sentences detokenized, one a line "
                f"({sizes['chars']:,} characters), through `rnncli sentiment --input FILE`,\n  default options "
                "(--jobs auto, the model's own tokenizer, tsv) and -j N; VADER on the same lines; whole process.\n  GMAC/s: "
                "model MACs/token x tokens/s (SST-2's own tokens) + tokenizer MACs/char x chars/s; of sgemm: its share "
                "of one core's sgemm rate.\n  Target: time/VADER, default options",
                headers, throughput_rows(tables["raw"], gold, sizes["tokens"], sizes["chars"], sgemm),
                [b for b in tables["raw"] if b.error])
    print_table(f"Tokens in (secondary): SST-2's tokenized sentences, `-I tokens -f tsv`; VADER on the same lines; "
                f"whole process.\n  Target: time/VADER <= {TOKENS_TARGET:g}x (>= {1 / TOKENS_TARGET:g}x VADER's "
                "texts/s), default options",
                headers, throughput_rows(tables["tokens"], gold, sizes["tokens"], 0, sgemm),
                [b for b in tables["tokens"] if b.error])
    print_table(f'Cold start: sentiment of "{SENTENCE}" '
                f"(target for rnncli: <= {COLD_TARGET_S} s and <= {COLD_TARGET_MB} MB)",
                ["command", "wall s", "time/VADER", "peak RSS", "RSS/VADER", "target"],
                bench.cold_rows(tables["cold"]), [b for b in tables["cold"] if b.error])


def main() -> int:
    args = bench.parse_args(__doc__.split("\n\n")[0], "sst2/ and nltk_data/", ["lstm", "lstm-small"])
    test_path = args.data / "sst2" / "test.tsv"
    nltk_data = args.data / "nltk_data"
    missing = [p for p in (test_path, nltk_data / "sentiment" / "vader_lexicon.zip") if not p.is_file()]
    if missing:
        print(f"skipped: {missing[0]} not found (give the data folder with --data DIR)")
        return 0
    os.environ["NLTK_DATA"] = str(nltk_data.resolve())  # every measured process inherits it
    gold, texts = read_gold(test_path)
    lines = detokenized(texts)
    sizes = {"tokens": sum(len(text.split()) for text in texts), "chars": sum(map(len, lines))}
    with tempfile.TemporaryDirectory(prefix="sentiment-speed-") as tmp:
        scratch = Path(tmp)
        char_macs = {m: model_macs(own_tokenizer(m), "tokenizer", "\n".join(lines)) for m in args.model}
        tables = {"raw": line_benches(args.model, args.jobs, write_lines(lines, scratch / "lines.txt"), scratch,
                                      "raw", [], char_macs, RAW_TARGETS, args.busy),
                  "tokens": line_benches(args.model, args.jobs, write_lines(texts, scratch / "tokens.txt"), scratch,
                                         "tokens", ["--input-format", "tokens", "--format", "tsv"], {},
                                         dict.fromkeys(args.model, TOKENS_TARGET)),
                  "cold": bench.cold_benches("sentiment", args.model, [SENTENCE])
                  + [Bench("nltk vader", [*VADER_PEER, "text", SENTENCE], "peer")]}
        sgemm = bench.measure([b for benches in tables.values() for b in benches], args.repeat, scratch)
        print_tables(tables, gold, sizes, args.repeat, sgemm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
