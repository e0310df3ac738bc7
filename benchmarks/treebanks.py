"""The whole pipeline on other languages and scripts: train a tokenizer and a tagger on each UD
treebank of ../shared/data/ud-more (its train file where it has one, else its dev file), then
score its test file with the CoNLL 2018 shared task's script (ud_score.py):

* from raw text (rebuilt from the gold # text, SpaceAfter and # newpar): Tokens, Words,
  Sentences and UPOS F1 of `rnncli tag --tokenizer TOK -m TAGGER -f conllu`;
* on gold tokens: UPOS of `rnncli tag -I conllu -f conllu`;
* the training time of both models (wall clock; --max-time, seconds above 0, caps each, and
  the table says so; without it, each trains to its end);
* with --validator, UD's validator (validate.py of github.com/UniversalDependencies/tools, run
  by --validator-python, which needs udapi and regex) on both outputs at level 2, less the
  three checks of a dependency tree (a tagger writes no HEAD or DEPREL).

Paths are checked before any training (--out writable, each treebank's dev and test files,
the validator and its Python): a bad one is an error (exit 2) that names it.

    python benchmarks/treebanks.py --max-time 600 --out bench-ud   # one row per treebank, Markdown
    python benchmarks/treebanks.py --validator ~/ud-tools/validate.py --validator-python ~/udv/bin/python
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from ud_score import f1_percent, load_gold  # noqa: E402

from rnncli.text.conllu import read_conllu  # noqa: E402
from rnncli.text.segmentation import raw_text  # noqa: E402

TREEBANKS = {"French-Sequoia": "fr_sequoia", "Italian-ParTUT": "it_partut", "German-GSD": "de_gsd",
             "Korean-Kaist": "ko_kaist", "Chinese-GSDSimp": "zh_gsdsimp"}
RNNCLI = [sys.executable, "-m", "rnncli"]


def train(kind: str, data: Path, dev: Path, out: Path, max_time: float | None) -> float:
    """Train one model; its wall time in seconds."""
    started = time.monotonic()
    budget = ["--max-time", f"{max_time:g}"] if max_time is not None else []
    subprocess.run([*RNNCLI, "train", kind, "--train", data, "--dev", dev, "-o", out, "--threads", "1", *budget],
                   check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def tag(args: list, output: Path) -> None:
    with open(output, "w", encoding="utf-8") as f:
        subprocess.run([*RNNCLI, "tag", "-f", "conllu", *args], check=True, stdout=f)


def treebank(folder: Path, prefix: str, out: Path, max_time: float | None, validator: list[str] | None) -> dict:
    """Train, tag and score one treebank: a row of the table."""
    files = {split: folder / f"{prefix}-ud-{split}.conllu" for split in ("train", "dev", "test")}
    data = files["train"] if files["train"].exists() else files["dev"]
    tok, tagger = out / f"{prefix}-tokenizer.safetensors", out / f"{prefix}-tagger.safetensors"
    times = {"tokenizer": train("tokenizer", data, files["dev"], tok, max_time),
             "tagger": train("tagger", data, files["dev"], tagger, max_time)}
    with open(files["test"], encoding="utf-8") as f:
        raw = raw_text(read_conllu(f), str(files["test"]))
    (out / f"{prefix}-test.txt").write_text(raw, encoding="utf-8")
    tag(["-m", tagger, "--tokenizer", tok, "--input", out / f"{prefix}-test.txt"], out / f"{prefix}-raw.conllu")
    tag(["-m", tagger, "-I", "conllu", "--input", files["test"]], out / f"{prefix}-gold.conllu")
    gold = load_gold(files["test"])
    result = {"trained on": data.name.split("-ud-")[1].split(".")[0],
              "raw": f1_percent(gold, out / f"{prefix}-raw.conllu"), "gold": f1_percent(gold, out / f"{prefix}-gold.conllu"),
              "times": times}
    if validator:
        result["valid"] = validate(validator, prefix.split("_")[0],
                                   [out / f"{prefix}-raw.conllu", out / f"{prefix}-gold.conllu"])
    return result


NO_TREE = ["invalid-head", "unknown-head", "invalid-deprel"]  # the validator's checks of a tree that no tagger makes


def validate(validator: list[str], lang: str, files: list[Path]) -> str:
    """`passed`, or the validator's error count, over the given CoNLL-U files."""
    done = subprocess.run([*validator, "--lang", lang, "--level", "2", "-e", *NO_TREE, *map(str, files)],
                          capture_output=True, text=True)
    if done.returncode == 0:
        return "passed"
    last = (done.stderr.strip().splitlines() or ["failed"])[-1]
    return last.replace("*** FAILED *** with ", "")


def row(name: str, result: dict) -> str:
    raw, gold = result["raw"], result["gold"]
    cells = [f"{raw[m]:.2f}" if isinstance(raw, dict) else raw for m in ("Tokens", "Words", "Sentences", "UPOS")]
    cells.append(f"{gold['UPOS']:.2f}" if isinstance(gold, dict) else gold)
    times = " + ".join(f"{t:.0f} s" for t in result["times"].values())
    valid = f" {result['valid']} |" if "valid" in result else ""
    return f"| {name} ({result['trained on']}) | " + " | ".join(cells) + f" | {times} |{valid}"


def seconds(value: str) -> float:
    """A --max-time: a finite number of seconds above 0."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds (leave it out for no cap), not {value}")
    return number


def path_problems(args: argparse.Namespace) -> list[str]:
    """What is wrong with the paths given, found before any training: --out not a folder that
    can be written, a treebank without its dev or test file, a validator that is not a file or
    a --validator-python that cannot run it (it needs udapi and regex)."""
    problems = []
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=args.out).close()
    except OSError as exc:
        problems.append(f"--out {args.out}: {exc.strerror or exc}")
    for name in args.only:
        problems += [f"--data {args.data}: no {name}/{TREEBANKS[name]}-ud-{split}.conllu" for split in ("dev", "test")
                     if not (args.data / name / f"{TREEBANKS[name]}-ud-{split}.conllu").is_file()]
    if args.validator is not None:
        if not args.validator.is_file():
            problems.append(f"--validator {args.validator}: no such file")
        try:
            done = subprocess.run([args.validator_python, "-c", "import udapi, regex"], capture_output=True, text=True)
        except OSError as exc:
            problems.append(f"--validator-python {args.validator_python}: {exc.strerror or exc}")
        else:
            if done.returncode != 0:
                why = (done.stderr.strip().splitlines() or ["failed"])[-1]
                problems.append(f"--validator-python {args.validator_python}: cannot import udapi and regex ({why})")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data" / "ud-more")
    parser.add_argument("--out", type=Path, default=Path("bench-ud"))
    parser.add_argument("--max-time", type=seconds, default=None,
                        help="seconds of training per model, more than 0 (default: no cap)")
    parser.add_argument("--only", nargs="+", default=list(TREEBANKS), choices=list(TREEBANKS), metavar="FOLDER",
                        help="treebank folders to run (one or more): " + ", ".join(TREEBANKS))
    parser.add_argument("--validator", type=Path, help="UD's validate.py")
    parser.add_argument("--validator-python", default=sys.executable, help="the Python that runs it")
    args = parser.parse_args()
    problems = path_problems(args)
    if problems:
        parser.exit(2, "".join(f"{parser.prog}: error: {problem}\n" for problem in problems))
    validator = [args.validator_python, str(args.validator)] if args.validator else None
    print("| treebank (trained on) | Tokens | Words | Sentences | UPOS raw | UPOS gold tokens | training (tokenizer + tagger) |"
          + (" UD validator |" if validator else ""))
    print("|---|---|---|---|---|---|---|" + ("---|" if validator else ""))
    for name in args.only:
        try:
            print(row(name, treebank(args.data / name, TREEBANKS[name], args.out, args.max_time, validator)),
                  flush=True)
        except subprocess.CalledProcessError as exc:  # the error is on stderr; the row says which step failed
            print(f"| {name} | failed: {' '.join(map(str, exc.cmd[3:5]))} | | | | | |", flush=True)


if __name__ == "__main__":
    main()
