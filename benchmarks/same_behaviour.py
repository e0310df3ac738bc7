"""Record what every command prints, in every format, on real inputs; compare a later run with it.

The check behind a change that must not change behaviour (issue 17, the redesign): run
`--record DIR` before, `--compare DIR` after. Each case is a whole process (`python -m
rnncli ...`, or a Python snippet for the API) with its stdout, stderr and exit code; help
screens at 60 and 80 columns; the explain modes and the experiments on small settings.

    python benchmarks/same_behaviour.py --record /tmp/before
    python benchmarks/same_behaviour.py --compare /tmp/before      # lists every case that differs

Inputs come from $RNNCLI_DATA (default ../shared/data): the first sentences of EWT test as
running text, lines, tokens and CoNLL-U, and the first lines of SST-2 test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DATA = Path(os.environ.get("RNNCLI_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
EWT_TEST = DATA / "ud-ewt" / "en_ewt-ud-test.conllu"
EWT_DEV = DATA / "ud-ewt" / "en_ewt-ud-dev.conllu"
SST_TEST = DATA / "sst2" / "test.tsv"
SENTENCES = 150  # of EWT test, SST-2 test
TIMES = re.compile(r"\d[\d,.]* ?(s|ms|seconds)\b")  # wall times differ from run to run

API = """
import rnncli
t = rnncli.Tagger("lstm")
print(t.tag(["I", "study", "at", "night"]))
print(t.tag_sents([["They", "can", "fish"], []]))
print(rnncli.Tagger("rnn", tagset="ptb").tag(["I", "run"]))
for s in t.tag_text("I study at night. You sleep. Don't you?"):
    print(s.text, s.tagset, [(x.text, x.tag, round(x.prob, 4)) for x in s.tokens])
print([(r.text, r.label, round(max(r.probs.values()), 4), r.line)
       for r in rnncli.Sentiment("lstm").predict(["What a great film", "", "Dull."])])
print(type(rnncli.load("sentiment-rnn")).__name__, type(rnncli.load("tagger-rnn")).__name__)
e = rnncli.explain_gradients("The film starts slow but the ending is wonderful")
print([(x.name, x.cell, x.prediction, [round(float(g), 4) for g in x.grad_norms]) for x in e])
"""


def inputs(folder: Path) -> dict[str, Path]:
    """EWT test's first sentences as text, lines, tokens and CoNLL-U; SST-2 test's first lines."""
    blocks = EWT_TEST.read_text(encoding="utf-8").split("\n\n")[:SENTENCES]
    texts = [next(line[9:] for line in b.splitlines() if line.startswith("# text = ")) for b in blocks]
    tokens = [" ".join(r.split("\t")[1] for r in b.splitlines() if r and r[0].isdigit() and r.split("\t")[0].isdigit())
              for b in blocks]
    files = {"ewt.txt": " ".join(texts[:60]) + "\n\n" + " ".join(texts[60:]) + "\n", "ewt.lines": "\n".join(texts) + "\n",
             "ewt.tokens": "\n".join(tokens) + "\n", "ewt.conllu": "\n\n".join(blocks) + "\n\n",
             "sst.lines": "".join(line.split("\t", 1)[1] for line in SST_TEST.read_text().splitlines(True)[1:SENTENCES]),
             "sst.tsv": "".join(SST_TEST.read_text().splitlines(True)[:SENTENCES])}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return {name: folder / name for name in files}


def cases(f: dict[str, Path]) -> dict[str, list[str]]:
    """Case name -> rnncli arguments (or ["--api"] for the Python snippet)."""
    c: dict[str, list[str]] = {}
    for fmt in ("table", "tsv", "tags", "jsonl", "conllu"):
        for model in ("lstm", "rnn-small"):
            c[f"tag-text-{fmt}-{model}"] = ["tag", "-m", model, "-f", fmt, "--input", f["ewt.txt"]]
        c[f"tag-lines-{fmt}"] = ["tag", "-I", "lines", "-f", fmt, "--top", "3", "--input", f["ewt.lines"]]
        c[f"tag-tokens-{fmt}"] = ["tag", "-I", "tokens", "-f", fmt, "--tagset", "ptb", "--input", f["ewt.tokens"]]
        c[f"tag-conllu-{fmt}"] = ["tag", "-I", "conllu", "-f", fmt, "-m", "rnn", "--input", f["ewt.conllu"]]
    for tokenizer in ("rnn", "treebank"):
        c[f"tag-tokenizer-{tokenizer}"] = ["tag", "--tokenizer", tokenizer, "-f", "conllu", "--input", f["ewt.txt"]]
    c["tag-threshold"] = ["tag", "--threshold", "0.1", "-f", "tsv", "They can fish."]
    c["tag-jobs"] = ["tag", "-j", "2", "-I", "lines", "-f", "tsv", "--input", f["ewt.lines"]]
    for fmt in ("table", "tsv", "jsonl"):
        for model in ("lstm", "rnn", "lstm-small"):
            c[f"sentiment-{fmt}-{model}"] = ["sentiment", "-m", model, "-f", fmt, "--input", f["sst.lines"]]
    for input_format in ("text", "tokens"):
        c[f"sentiment-{input_format}"] = ["sentiment", "-I", input_format, "--input", f["ewt.txt"]]
    for fmt in ("table", "json", "tsv"):
        c[f"explain-default-{fmt}"] = ["explain-gradients", "-f", fmt]
        c[f"explain-saliency-{fmt}"] = ["explain-gradients", "--saliency", "-f", fmt, "The film starts slow but it ends well"]
        c[f"explain-tagger-{fmt}"] = ["explain-gradients", "--task", "tagger", "-f", fmt, "I study at night"]
        c[f"explain-synthetic-{fmt}"] = ["explain-gradients", "--synthetic", "--length", "20", "--cell", "rnn,lstm,gru",
                                         "-f", fmt]
        c[f"explain-linear-{fmt}"] = ["explain-gradients", "--synthetic", "--radius", "1.5", "--activation", "linear",
                                      "--cell", "rnn", "--clip", "5", "--length", "15", "-f", fmt]
        c[f"explain-corpus-{fmt}"] = ["explain-gradients", "--input", f["sst.tsv"], "--max-sentences", "30", "-f", fmt]
        c[f"experiment-memory-{fmt}"] = ["experiment", "memory", "--distances", "5,10", "--steps", "40", "-f", fmt]
        c[f"experiment-tanh-{fmt}"] = ["experiment", "tanh", "--steps", "60", "-f", fmt]
    c["models"] = ["models"]
    c["models-json"] = ["models", "--json"]
    for name in ("tagger-lstm", "tagger-rnn-small", "sentiment-rnn", "tokenizer-lstm"):
        c[f"info-{name}"] = ["info", name]
        c[f"info-{name}-json"] = ["info", name, "--json"]
    c["eval-tagger"] = ["eval", "tagger", "-m", "rnn", "--data", f["ewt.conllu"]]
    c["eval-tagger-ptb-json"] = ["eval", "tagger", "-m", "lstm-small", "--tagset", "ptb", "--json", "--data", f["ewt.conllu"]]
    c["eval-tagger-raw"] = ["eval", "tagger", "--raw", "-m", "lstm", "-m", "rnn", "--data", f["ewt.conllu"]]
    c["eval-tokenizer"] = ["eval", "tokenizer", "--mismatches", "5", "--data", f["ewt.conllu"]]
    c["eval-sentiment"] = ["eval", "sentiment", "-m", "rnn", "--data", f["sst.tsv"]]
    c["eval-sentiment-json"] = ["eval", "sentiment", "--json", "--data", f["sst.tsv"]]
    c["errors-usage"] = ["tag", "--top", "0", "x"]
    c["errors-missing"] = ["tag", "--input", "/nonexistent"]
    c["errors-tagset"] = ["tag", "-m", "lstm", "--tagset", "nope", "x"]
    c["version"] = ["--version"]
    c["api"] = ["--api"]
    return c


def help_cases() -> dict[str, tuple[list[str], int]]:
    commands = [[], ["tag"], ["sentiment"], ["explain-gradients"], ["models"], ["info"], ["train"], ["train", "tagger"],
                ["train", "sentiment"], ["train", "tokenizer"], ["eval"], ["eval", "tagger"], ["eval", "sentiment"],
                ["eval", "tokenizer"], ["experiment"], ["experiment", "memory"], ["experiment", "tanh"]]
    return {f"help-{'-'.join(cmd) or 'rnncli'}-{width}": ([*cmd, "--help"], width)
            for cmd in commands for width in (60, 80)}


def run(args: list[str], width: int = 80) -> dict:
    env = {**os.environ, "COLUMNS": str(width), "LINES": "40", "NO_COLOR": "1", "RNNCLI_DEBUG": ""}
    argv = [sys.executable, "-c", API] if args == ["--api"] else [sys.executable, "-m", "rnncli", *map(str, args)]
    done = subprocess.run(argv, capture_output=True, env=env, timeout=600, stdin=subprocess.DEVNULL)
    out, err = (TIMES.sub("TIME", b.decode("utf-8", "replace")) for b in (done.stdout, done.stderr))
    return {"rc": done.returncode, "stdout": without_times(out), "stderr": err}


def without_times(text: str) -> str:
    """Wall times left out: JSON keys and TSV columns whose name holds "time"."""
    def scrub(value):
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items() if "time" not in k}
        return [scrub(v) for v in value] if isinstance(value, list) else value

    lines = text.split("\n")
    if lines and "\t" in lines[0] and "time" in lines[0]:  # a TSV table with a time column
        keep = [i for i, name in enumerate(lines[0].split("\t")) if "time" not in name]
        return "\n".join("\t".join(line.split("\t")[i] for i in keep if i < len(line.split("\t"))) for line in lines)
    try:
        return json.dumps(scrub(json.loads(text)))
    except ValueError:
        return text


def record_all(folder: Path) -> dict[str, dict]:
    all_cases = {name: (args, 80) for name, args in cases(inputs(folder)).items()} | help_cases()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = dict(zip(all_cases, pool.map(lambda item: run(*item), all_cases.values())))
    return {name: {**r, "stdout": r["stdout"].replace(str(folder), "IN"), "stderr": r["stderr"].replace(str(folder), "IN")}
            for name, r in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--record", type=Path, metavar="DIR", help="write every case's output to DIR/outputs.json")
    group.add_argument("--compare", type=Path, metavar="DIR", help="run again and list the cases that differ")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = record_all(Path(tmp))
    if options.record:
        options.record.mkdir(parents=True, exist_ok=True)
        (options.record / "outputs.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
        print(f"{len(results)} cases recorded in {options.record}/outputs.json")
        return
    before = json.loads((options.compare / "outputs.json").read_text())
    differ = [name for name in sorted(set(before) | set(results)) if before.get(name) != results.get(name)]
    for name in differ:
        old, new = before.get(name, {}), results.get(name, {})
        which = [k for k in ("rc", "stdout", "stderr") if old.get(k) != new.get(k)]
        print(f"{name}: {', '.join(which) or 'missing'} differ "
              f"(sha1 {hashlib.sha1(json.dumps(old).encode()).hexdigest()[:8]} -> "
              f"{hashlib.sha1(json.dumps(new).encode()).hexdigest()[:8]})")
    print(f"{len(results) - len(differ)} of {len(set(before) | set(results))} cases identical")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
