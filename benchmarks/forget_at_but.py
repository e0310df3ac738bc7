"""Does the sentiment LSTM's forget gate close at "but"? The README's gate claim, over a corpus.

For every SST-2 dev sentence holding "but" (read as `rnncli sentiment` reads a raw line:
written as people write it, cut by the model's own tokenizer), the bundled LSTM's mean forget
gate at the first "but" (first layer, left to right, as `rnncli explain-gradients` shows it)
is compared with its mean over the sentence's other tokens. Printed: how many sentences, the
median and quartiles of the difference, in how many it is below, in how many "but" has the
lowest forget gate of its sentence, and in how many the cell state's norm falls at "but".

    python benchmarks/forget_at_but.py [--data DIR] [--model lstm]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from rnncli.data.labelled import as_the_pipeline_reads, read_sentiment_tsv
from rnncli.explain.sentence import explain
from rnncli.infer.tokenizer import open_tokenizer, trained_tokenizer
from rnncli.model.bundled import open_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("RNNCLI_DATA", "../shared/data")))
    parser.add_argument("--model", default="lstm", help="a sentiment LSTM: bundled name or path (default: lstm)")
    args = parser.parse_args()
    model = open_model(args.model, "sentiment")
    tokenizer = open_tokenizer(trained_tokenizer(model), "lines")
    texts = as_the_pipeline_reads(read_sentiment_tsv(args.data / "sst2" / "dev.tsv"), tokenizer)
    below_mean, lowest, cell_falls = [], 0, 0
    for text in texts:
        lowered = [w.lower() for w in text.words]
        if "but" not in lowered[1:]:  # a "but" with a token before it, so |c_t| can fall there
            continue
        at = lowered.index("but", 1)
        seen = explain(model, text.words)
        forget = np.array(seen.forget_gate_mean)  # (T,) mean over the units
        below_mean.append(forget[at] - np.delete(forget, at).mean())
        lowest += forget[at] == forget.min()
        cell_falls += seen.cell_state_norm[at] < seen.cell_state_norm[at - 1]
    diff = np.array(below_mean)
    q1, median, q3 = np.percentile(diff, [25, 50, 75])
    print(f"model {args.model}: {len(diff)} SST-2 dev sentences with 'but'")
    print(f"forget gate at 'but' minus its mean over the other tokens: median {median:+.3f} "
          f"(quartiles {q1:+.3f} to {q3:+.3f}); below in {(diff < 0).sum()} of {len(diff)}")
    print(f"'but' has its sentence's lowest forget gate in {lowest}; |c_t| falls at 'but' in {cell_falls}")


if __name__ == "__main__":
    main()
