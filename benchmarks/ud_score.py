"""A system's CoNLL-U output scored against gold by the CoNLL 2018 shared task's own script.

The official script (tests/vendor/conll18_ud_eval.py, imported as it is) aligns the two files
on their characters, so a system may cut the text differently from gold. It also reads every
sentence as a dependency tree, which a tagger's output does not have: the system's HEAD and
DEPREL are replaced by a dummy tree (the first word the root, the others its dependents)
before it is read, which changes no tokenization or tagging score.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "vendor"))

import conll18_ud_eval as official  # noqa: E402

METRICS = ("Tokens", "Sentences", "Words", "UPOS")


def load_gold(path: Path):
    return official.load_conllu_file(str(path))


def with_dummy_tree(path: Path) -> io.StringIO:
    """The file's lines, each word row's HEAD and DEPREL set to a dummy tree."""
    out, first = [], True
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) == 10 and cols[0].isdigit():
                cols[6], cols[7] = ("0", "root") if first else ("1", "dep")
                first, line = False, "\t".join(cols) + "\n"
            elif not line.strip():
                first = True
            out.append(line)
    return io.StringIO("".join(out))


def f1_percent(gold, system_path: Path) -> dict[str, float] | str:
    """F1 in % of each of METRICS, or the scorer's complaint when it cannot read the output."""
    try:
        scores = official.evaluate(gold, official.load_conllu(with_dummy_tree(system_path)))
    except official.UDError as exc:
        return str(exc).splitlines()[0]
    return {metric: 100 * scores[metric].f1 for metric in METRICS}
