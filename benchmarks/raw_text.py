"""Tagging from raw text against tagging gold tokens, on UD EWT, scored as the CoNLL 2018 shared task does.

For each split (test, then dev) the raw text is rebuilt from the gold file (rnncli.text.segmentation:
`# text`, SpaceAfter=No, `# newpar`/`# newdoc`), cut by the tokenizer and tagged by each
bundled tagger as `rnncli tag -I text` does, and scored on characters (rnncli.evaluate.raw):
Tokens, Sentences, Words, UPOS and XPOS F1, beside UPOS accuracy on the gold tokens. Wall
times, in this process, medians of --repeat runs: the tokenizer alone (sentences and tokens
of the whole text), the whole pipeline (tokenizing and tagging), and the tokenizer's share of
the pipeline's time (target: <= 20% with the default tagger and tokenizer, lstm and lstm). As
a check, for the first tagger with the first tokenizer, the official script's figures
(tests/vendor/conll18_ud_eval.py, run as a process on the same output written as CoNLL-U) are
printed beside rnncli's.

    python benchmarks/raw_text.py [--data DIR] [--repeat N] [--split test dev] [--tokenizer lstm treebank rnn]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI does: BLAS threads only slow small products

from rnncli.data.common import read_conllu_file  # noqa: E402
from rnncli.data.tagged import read_tagged_conllu  # noqa: E402
from rnncli.evaluate.scores import evaluate_tagger  # noqa: E402
from rnncli.model.bundled import BUNDLED, open_model  # noqa: E402
from rnncli.model.config import DEFAULT_MODEL, DEFAULT_TOKENIZER  # noqa: E402
from rnncli.evaluate.raw import METRICS, score, segmentation  # noqa: E402
from rnncli.text.segmentation import raw_text  # noqa: E402
from rnncli.infer.tagger import tag_lines  # noqa: E402
from rnncli.text.sentences import read_sentences  # noqa: E402
from rnncli.infer.tokenizer import open_tokenizer  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OFFICIAL = REPO / "tests" / "vendor" / "conll18_ud_eval.py"
SHARE_TARGET = 0.20  # the tokenizer's share of the whole pipeline's time, default tagger and tokenizer (issue 18)
HEADER = (f"{'tagger':<17} {'gold-token':>10} | {'Tokens':>6} {'Sents':>6} {'Words':>6} {'UPOS':>6} {'XPOS':>6} | "
          f"{'tok s':>5} {'pipeline s':>10} {'tok share':>9}  target")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, metavar="DIR",
                        default=Path(os.environ.get("RNNCLI_DATA") or REPO.parent / "shared" / "data"),
                        help="folder holding ud-ewt/ (default: $RNNCLI_DATA, else ../shared/data; see DATA.md)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="timed runs of each step (default: 3)")
    parser.add_argument("--split", nargs="+", default=["test", "dev"], choices=["test", "dev"])
    parser.add_argument("--tokenizer", nargs="+", default=[DEFAULT_TOKENIZER, "treebank"],
                        help=f"tokenizers to compare: {', '.join(BUNDLED['tokenizer'])}, treebank or model paths "
                             f"(default: {DEFAULT_TOKENIZER} treebank)")
    return parser.parse_args()


def timed(repeat: int, run):
    """The result of `run()` and the median of its wall times over `repeat` runs."""
    seconds = []
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    return result, statistics.median(seconds)


def official_f1(gold: Path, sentences) -> dict[str, float]:
    """The official script's F1 (in %) for the system's sentences, written as CoNLL-U with a dummy tree."""
    with tempfile.NamedTemporaryFile("w", suffix=".conllu", encoding="utf-8", delete=False) as out:
        for sentence in sentences:
            for i, row in enumerate(sentence.word_rows):
                row[6], row[7] = ("0", "root") if i == 0 else ("1", "dep")
            out.write(sentence.to_conllu())
    try:
        result = subprocess.run([sys.executable, OFFICIAL, "-v", gold, out.name], capture_output=True, text=True,
                                check=True)
    finally:
        os.unlink(out.name)
    rows = [[cell.strip() for cell in line.split("|")] for line in result.stdout.splitlines()]
    return {row[0]: float(row[3]) for row in rows if row[0] in METRICS}


def share_target(tagger: str, tokenizer: str, share: float) -> str:
    """The issue's target, for the default tagger with the default tokenizer: the tokenizer's
    share of the pipeline's time at most SHARE_TARGET."""
    if (tagger, tokenizer) != (f"tagger-{DEFAULT_MODEL}", DEFAULT_TOKENIZER):
        return ""
    return f"{'met' if share <= SHARE_TARGET else 'missed'} <= {SHARE_TARGET:.0%}"


def table_row(tagger: str, tokenizer: str, upos: float, f1: dict[str, float], tokenize_s: float,
              pipeline_s: float) -> str:
    share = tokenize_s / pipeline_s
    line = (f"{tagger:<17} {100 * upos:>10.2f} | " + " ".join(f"{f1[m]:>6.2f}" for m in METRICS)
            + f" | {tokenize_s:>5.2f} {pipeline_s:>10.2f} {share:>9.0%}  {share_target(tagger, tokenizer, share)}")
    return line.rstrip()


def split_table(args: argparse.Namespace, split: str, taggers: list, check: tuple | None) -> tuple | None:
    """One table per tokenizer for one split; returns the check to print (see main), made on the first
    tagger with the first tokenizer."""
    path = args.data / "ud-ewt" / f"en_ewt-ud-{split}.conllu"
    gold = read_conllu_file(path)
    text = raw_text(gold)
    gold_segmentation = segmentation(gold, str(path))
    gold_tokens = read_tagged_conllu(path)
    upos = {tagger.name: evaluate_tagger(tagger, gold_tokens).accuracy["upos"] for tagger in taggers}
    for name in args.tokenizer:
        tokenizer = open_tokenizer(name)
        _, tokenize_s = timed(args.repeat, lambda: list(read_sentences(io.StringIO(text), "text",
                                                                       tokenizer=tokenizer)))
        print(f"\nEWT {split}: {len(gold):,} sentences, {len(gold_segmentation.words):,} words; raw text "
              f"{len(text):,} characters, {name} tokenizer; F1 and accuracy in %, times in s (median of "
              f"{args.repeat});\ntok share: the tokenizer's share of the pipeline's time (target: <= "
              f"{SHARE_TARGET:.0%} with the default tagger, {DEFAULT_MODEL}, and tokenizer, {DEFAULT_TOKENIZER})")
        print(HEADER)
        print("-" * len(HEADER))
        for tagger in taggers:
            system, tag_s = timed(args.repeat, lambda: [r.sentence for r in tag_lines(
                tagger, io.StringIO(text), "text", tokenizer=tokenizer)])
            f1 = {m: 100 * s.f1 for m, s in score(gold_segmentation, segmentation(system, "system")).scores.items()}
            print(table_row(tagger.name, name, upos[tagger.name], f1, tokenize_s, tag_s))
            if check is None:  # the first tagger with the first tokenizer: the default path
                check = (split, name, tagger.name, f1, official_f1(path, system))
    return check


def main() -> None:
    args = parse_args()
    if not (args.data / "ud-ewt").is_dir():
        sys.exit(f"UD EWT not found in {args.data / 'ud-ewt'}; see DATA.md")
    taggers = [open_model(name, "tagger") for name in BUNDLED["tagger"]]
    print("load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs")
    check = None
    for split in args.split:
        check = split_table(args, split, taggers, check)
    split, tokenizer, name, ours, theirs = check
    print(f"\ncheck, EWT {split}, {tokenizer} tokenizer, {name}: rnncli against conll18_ud_eval.py (F1 %)")
    for metric in METRICS:
        print(f"  {metric:<10} {ours[metric]:>6.2f} {theirs[metric]:>6.2f}"
              + ("" if f"{ours[metric]:.2f}" == f"{theirs[metric]:.2f}" else "  DIFFERENT"))


if __name__ == "__main__":
    main()
