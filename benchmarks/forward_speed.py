"""How close the numpy forward pass comes to the machine's limit, model by model.

For each model, in this process and on one thread (OPENBLAS_NUM_THREADS=1, as `rnncli` runs):
the taggers tag the EWT test sentences, the sentiment models classify the SST-2 test
sentences, batched as `rnncli tag` / `rnncli sentiment` batch them, from a freshly loaded model
(an empty character cache, as in a new process); reading, tokenizing and printing are left out.
Each round also measures numpy's single-thread sgemm rate (limits.py); rounds take turns so
that a busy machine slows all alike, and medians are printed:

* MACs/token: the word-level network's multiply-adds per token (ModelConfig.macs_per_token);
* char MACs/token: the character network's multiply-adds actually run, per token (words
  not in the cache only);
* tokens/s, and GMAC/s = tokens/s x (MACs/token + char MACs/token);
* sgemm GMAC/s, measured just before each run, and the fraction of the limit = GMAC/s /
  sgemm GMAC/s (one core), the median of the runs' fractions.

    python benchmarks/forward_speed.py [--data DIR] [--repeat N] [--model tagger:lstm sentiment:rnn PATH ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy is imported, as rnncli's cli.py does

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the checkout's rnncli, installed or not

import limits  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from rnncli.model import forward  # noqa: E402
from rnncli.text.conllu import read_conllu  # noqa: E402
from rnncli.model.bundled import resolve_model  # noqa: E402
from rnncli.model.model_file import load_model  # noqa: E402
from rnncli.infer.sentiment import Classifier  # noqa: E402
from rnncli.model.encoding import BATCH_WORDS as SENTIMENT_WORDS  # noqa: E402
from rnncli.infer.parallel import Workers  # noqa: E402
from rnncli.infer.tagger import Tagger, tag_sentences  # noqa: E402
from rnncli.text.sentences import batched  # noqa: E402
from bench import positive_int, print_table  # noqa: E402

MODELS = ["tagger:lstm", "tagger:rnn", "sentiment:lstm", "sentiment:rnn"]


@dataclass
class Run:
    """One model on its test data, and its measured rounds."""

    label: str
    path: Path
    task: str
    seconds: list[float] = field(default_factory=list)
    sgemm: list[float] = field(default_factory=list)  # GMAC/s measured just before each round
    char_steps: int = 0  # characters the character network read in a round
    tokens: int = 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, metavar="DIR",
                        default=Path(os.environ.get("RNNCLI_DATA") or REPO.parent / "shared" / "data"),
                        help="folder holding ud-ewt/ and sst2/ (default: $RNNCLI_DATA, else ../shared/data)")
    parser.add_argument("--repeat", type=positive_int, default=5, metavar="N", help="timed rounds (default: 5)")
    parser.add_argument("--model", nargs="+", default=MODELS, metavar="TASK:MODEL",
                        help="tagger:NAME or sentiment:NAME, NAME a bundled name or a model file (default: the four "
                             "bundled models)")
    return parser.parse_args()


class CharSteps:
    """Counts the characters the character network reads (useful steps, padding left out), by
    wrapping forward.char_features."""

    def __init__(self):
        self.count = 0
        char_features = forward.char_features

        def counted(config, w, chars, lengths):
            self.count += int(lengths.sum())
            return char_features(config, w, chars, lengths)

        forward.char_features = counted


def tag_all(path: Path, sentences: list) -> int:
    tagger = Tagger(load_model(path, "tagger"))
    return sum(len(r.words) for r in tag_sentences(Workers({"tagger": tagger}), iter(sentences)))


def classify_all(path: Path, texts: list[list[str]]) -> int:
    classifier = Classifier(load_model(path, "sentiment"))
    for group in batched(texts, 256, weight=len, max_weight=SENTIMENT_WORDS):
        classifier.probabilities(group)
    return sum(len(t) for t in texts)


def main() -> int:
    args = parse_args()
    ewt, sst = args.data / "ud-ewt" / "en_ewt-ud-test.conllu", args.data / "sst2" / "test.tsv"
    missing = [p for p in (ewt, sst) if not p.is_file()]
    if missing:
        print(f"skipped: {missing[0]} not found (give the data folder with --data DIR)")
        return 0
    with open(ewt, encoding="utf-8") as f:
        sentences = list(read_conllu(f, str(ewt)))
    with open(sst, encoding="utf-8") as f:
        texts = [line.rstrip("\n").split("\t", 1)[1].split() for line in list(f)[1:]]
    runs = []
    for spec in args.model:
        task, _, name = spec.partition(":")
        runs.append(Run(spec, resolve_model(name, task), task))
    char_steps = CharSteps()
    print(f"{args.repeat} rounds of {len(runs)} models...", file=sys.stderr, flush=True)
    for _ in range(1 + args.repeat):  # the first round warms up, untimed
        for run in runs:
            run.sgemm.append(limits.sgemm_gmacs())
            char_steps.count, start = 0, time.perf_counter()
            run.tokens = tag_all(run.path, sentences) if run.task == "tagger" else classify_all(run.path, texts)
            run.seconds.append(time.perf_counter() - start)
            run.char_steps = char_steps.count
    rows = []
    for run in runs:
        config = load_model(run.path).config
        word, char = config.macs_per_token(), config.char_macs() * run.char_steps / run.tokens
        rates = [run.tokens / s for s in run.seconds[1:]]
        fractions = [limits.fraction(r, word + char, 1, g) for r, g in zip(rates, run.sgemm[1:])]
        tokens_per_s = statistics.median(rates)
        rows.append([run.label, f"{word / 1e6:.3f} M", f"{char / 1e6:.3f} M", f"{tokens_per_s:,.0f}",
                     f"{tokens_per_s * (word + char) / 1e9:.1f}", f"{statistics.median(run.sgemm[1:]):.1f}",
                     f"{statistics.median(fractions):.0%}"])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"median of {args.repeat} rounds in one process, one thread; {os.cpu_count()} CPUs, load average {load}")
    print_table("Forward pass (batched as the CLI; EWT test for taggers, SST-2 test for sentiment)",
                ["model", "MACs/token", "char MACs/token", "tokens/s", "GMAC/s", "sgemm GMAC/s", "of limit"], rows, [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
