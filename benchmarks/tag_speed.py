"""How fast and how big `rnncli tag` is, next to NLTK's pipeline (Punkt, Treebank, averaged perceptron).

Both taggers learn UPOS from the same UD EWT training file: the perceptron is trained here,
in a scratch folder, before anything is timed. Three tables come out:

* raw text, the headline: the raw text of EWT test (rebuilt from the gold file, as the CoNLL
  2018 shared task did) through `rnncli tag --model M --input test.txt -f conllu` with
  otherwise default options (--jobs auto), and again with each --jobs N (default: 1) and with
  the default options while --busy N other processes keep a core busy each (default: 1), beside
  NLTK's whole pipeline on the same text (nltk_peer.py raw): wall time, the ratio to NLTK's
  (targets: <= 1.2x with lstm, <= 0.5x with rnn-small), characters/s, peak RSS, Tokens,
  Sentences and UPOS F1 from the official scorer (ud_score.py), and the multiply-adds per
  second reached with their share of one core's sgemm rate (bench.py);
* CoNLL-U in (secondary): the gold tokens of the EWT test file through `-I conllu -f conllu`
  beside the perceptron tagging the same words: tokens/s and UPOS accuracy;
* cold start: one fresh process tagging "I study at night" (wall time, peak RSS), plus
  `python -c "import torch"` for reference.

Every command runs --repeat times, round-robin after one untimed warm-up round, so that
the noise of a busy machine falls on all of them alike; medians and ratios are printed.

    python benchmarks/tag_speed.py [--data DIR] [--repeat N] [--model lstm rnn-small PATH ...] [--jobs 1 2 ...]
        [--busy N]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import bench  # noqa: I001  (sets OPENBLAS_NUM_THREADS and puts the checkout on sys.path first)
from bench import COLD_TARGET_MB, COLD_TARGET_S, HERE, Bench, job_benches, machine_cells, model_macs, print_table
from rnncli.model.config import DEFAULT_TOKENIZER  # what `rnncli tag` and `rnncli sentiment` cut text with by default
import ud_score

SENTENCE = "I study at night"
RAW_TARGETS = {"lstm": 1.2, "rnn-small": 0.5}  # the most time/NLTK, default options, raw text (issue 18)
CONLLU_TARGET = 0.5  # gold tokens in: at least twice NLTK's tokens/s
NLTK_PEER = [sys.executable, str(HERE / "nltk_peer.py")]


def train_nltk(train_path: Path, model_dir: Path) -> None:
    print(f"training the NLTK perceptron on {train_path.name} (5 iterations, about half a minute)...",
          file=sys.stderr, flush=True)
    subprocess.run([*NLTK_PEER, "train", str(train_path), str(model_dir)], check=True)


def write_raw_text(test_path: Path, out: Path) -> int:
    """The raw text of a gold CoNLL-U file, written to `out`; its length in characters."""
    from rnncli.data.common import read_conllu_file
    from rnncli.text.segmentation import raw_text

    text = raw_text(read_conllu_file(test_path))
    out.write_text(text, encoding="utf-8")
    return len(text)


def raw_benches(models: list[str], jobs: list[int], busy: int, nltk_model: Path, text_path: Path,
                scratch: Path) -> list[Bench]:
    args = ["--input", str(text_path), "-f", "conllu"]
    char_macs = model_macs(DEFAULT_TOKENIZER, "tokenizer", text_path.read_text(encoding="utf-8"))
    benches = [b for model in models for b in job_benches(
        "tag", model, args, jobs, busy, macs=model_macs(model, "tagger"), char_macs=char_macs,
        target=RAW_TARGETS.get(model))]
    nltk = Bench("nltk punkt + treebank + perceptron", [*NLTK_PEER, "raw", str(nltk_model), str(text_path)], "peer")
    return bench.outputs(benches + [nltk], scratch / "raw-{}.conllu")


def conllu_benches(models: list[str], jobs: list[int], nltk_model: Path, test_path: Path,
                   scratch: Path) -> list[Bench]:
    args = ["--input-format", "conllu", "--format", "conllu", "--input", str(test_path)]
    benches = [b for model in models for b in job_benches(
        "tag", model, args, jobs, macs=model_macs(model, "tagger"), target=CONLLU_TARGET)]
    nltk = Bench("nltk perceptron", [*NLTK_PEER, "conllu", str(nltk_model), str(test_path)], "peer")
    return bench.outputs(benches + [nltk], scratch / "conllu-{}.conllu")


def cold_benches(models: list[str], nltk_model: Path) -> list[Bench]:
    return bench.cold_benches("tag", models, [SENTENCE]) + [
        Bench("nltk perceptron", [*NLTK_PEER, "tag", str(nltk_model), SENTENCE], "peer"),
        Bench('python -c "import torch"', [sys.executable, "-c", "import torch"], "reference"),
    ]


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


def raw_rows(benches: list[Bench], gold_ud, chars: int, sgemm: float) -> list[list[str]]:
    """Per command: wall s, time/NLTK, chars/s, RSS, the official F1s, GMAC/s, share of sgemm, target."""
    peer_seconds, _ = bench.peer_medians(benches)
    rows = []
    for b in benches:
        if not b.seconds:
            continue
        seconds = b.median_seconds
        f1 = ud_score.f1_percent(gold_ud, b.output)
        scores = [f"{f1[m]:.2f}" for m in ("Tokens", "Sentences", "UPOS")] if isinstance(f1, dict) else [f1, "", ""]
        words = len(words_and_upos(b.output))  # the tokenizer's words, each tagged once
        rows.append([b.label, f"{seconds:.3f}", bench.ratio(seconds, peer_seconds), f"{chars / seconds:,.0f}",
                     f"{b.median_rss_mb:.1f}", *scores, *machine_cells(b, words / seconds, chars / seconds, sgemm),
                     bench.time_target(b, peer_seconds)])
    return rows


def conllu_rows(benches: list[Bench], gold: list[tuple[str, str]], sgemm: float) -> list[list[str]]:
    peer_seconds, _ = bench.peer_medians(benches)
    rows = []
    for b in benches:
        if not b.seconds:
            continue
        tokens_per_s = len(gold) / b.median_seconds
        rows.append([b.label, f"{b.median_seconds:.3f}", bench.ratio(b.median_seconds, peer_seconds),
                     f"{tokens_per_s:,.0f}", f"{b.median_rss_mb:.1f}", upos_accuracy(words_and_upos(b.output), gold),
                     *machine_cells(b, tokens_per_s, 0, sgemm), bench.time_target(b, peer_seconds)])
    return rows


def print_tables(tables: dict[str, list[Bench]], test_path: Path, chars: int, repeat: int, sgemm: float) -> None:
    gold = words_and_upos(test_path)
    bench.print_header(repeat, sgemm)
    print_table("\n  ".join([
        f"Raw text (the headline): EWT test's raw text, {chars:,} characters, through "
        "`rnncli tag --input FILE -f conllu`,",
        f"default options (--jobs auto, the {DEFAULT_TOKENIZER} tokenizer) and -j N; NLTK's whole pipeline beside it; "
        "whole process.",
        "Tokens, Sents, UPOS: F1 % by conll18_ud_eval.py. GMAC/s: tagger MACs/token x words/s + tokenizer MACs/char x "
        "chars/s;", "of sgemm: its share of one core's sgemm rate. Target: time/NLTK, default options"]),
                ["command", "wall s", "time/NLTK", "chars/s", "peak RSS", "Tokens", "Sents", "UPOS", "GMAC/s",
                 "of sgemm", "target"],
                raw_rows(tables["raw"], ud_score.load_gold(test_path), chars, sgemm),
                [b for b in tables["raw"] if b.error])
    print_table(f"CoNLL-U in (secondary): {test_path.name}'s gold tokens, {len(gold):,} words, `-I conllu -f conllu`; "
                f"whole process.\n  UPOS accuracy against gold. Target: time/NLTK <= {CONLLU_TARGET:g}x (>= "
                f"{1 / CONLLU_TARGET:g}x NLTK's tokens/s), default options",
                ["command", "wall s", "time/NLTK", "tokens/s", "peak RSS", "UPOS acc", "GMAC/s", "of sgemm", "target"],
                conllu_rows(tables["conllu"], gold, sgemm), [b for b in tables["conllu"] if b.error])
    print_table(f'Cold start: tag "{SENTENCE}" (target for rnncli: <= {COLD_TARGET_S} s and <= {COLD_TARGET_MB} MB)',
                ["command", "wall s", "time/NLTK", "peak RSS", "RSS/NLTK", "target"],
                bench.cold_rows(tables["cold"]), [b for b in tables["cold"] if b.error])


def main() -> int:
    args = bench.parse_args(__doc__.split("\n\n")[0], "ud-ewt/ and nltk_data/", ["lstm", "rnn-small"])
    ewt, nltk_data = args.data / "ud-ewt", args.data / "nltk_data"
    train_path, test_path = ewt / "en_ewt-ud-train.conllu", ewt / "en_ewt-ud-test.conllu"
    missing = [p for p in (train_path, test_path, nltk_data / "tokenizers" / "punkt_tab") if not p.exists()]
    if missing:
        print(f"skipped: {missing[0]} not found (give the data folder with --data DIR)")
        return 0
    os.environ["NLTK_DATA"] = str(nltk_data.resolve())  # Punkt's model, for every measured process
    with tempfile.TemporaryDirectory(prefix="tag-speed-") as tmp:  # private (0700), as NLTK requires
        scratch = Path(tmp)
        nltk_model, text_path = scratch / "nltk-model", scratch / "test.txt"
        chars = write_raw_text(test_path, text_path)
        train_nltk(train_path, nltk_model)
        tables = {"raw": raw_benches(args.model, args.jobs, args.busy, nltk_model, text_path, scratch),
                  "conllu": conllu_benches(args.model, args.jobs, nltk_model, test_path, scratch),
                  "cold": cold_benches(args.model, nltk_model)}
        sgemm = bench.measure([b for benches in tables.values() for b in benches], args.repeat, scratch)
        print_tables(tables, test_path, chars, args.repeat, sgemm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
