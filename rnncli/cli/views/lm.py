"""What `rnncli next`, `generate` and `eval lm` print.

  next tsv    model, rank, word, probability: one line per word
  next jsonl  {"model", "text", "words": [{"word", "prob"}]}: one object per model
  next table  the models side by side, a probability bar per word (for people)
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.table import Table

from rnncli.cli.views.console import print_warning, stdout_console
from rnncli.cli.views.formats import bar, json_prob, jsonl_record, prob_text
from rnncli.text.hygiene import printable

UNKNOWN_SHARE = 0.01  # of the scored characters unknown to a model, past which eval lm warns
TITLE_CHARS = 60  # of the text, its end, above the next-word table


def show_next(text: str, ranked: list[tuple[str, list]], fmt: str) -> None:
    """`ranked`: (model name, its infer.lm.NextWord list, most probable first) per --model, in
    the order given (a model given twice is shown twice, as eval sentiment and eval tagger do)."""
    if fmt == "tsv":
        for name, words in ranked:
            for rank, w in enumerate(words, 1):
                sys.stdout.write(f"{name}\t{rank}\t{printable(w.word)}\t{prob_text(w.prob)}\n")
    elif fmt == "jsonl":
        for name, words in ranked:
            record = {"model": name, "text": text, "words": [{"word": w.word, "prob": json_prob(w.prob)} for w in words]}
            sys.stdout.write(jsonl_record(record))
    else:
        shown = ("… " if len(text) > TITLE_CHARS else "") + text[-TITLE_CHARS:]  # a long text's end: words follow it
        table = Table(title=printable(shown) + " …", title_justify="left")
        table.add_column("#", justify="right")
        for name, _ in ranked:
            table.add_column(name)
            table.add_column("prob", justify="right")
            table.add_column("")
        for rank in range(max(len(words) for _, words in ranked)):
            row = [str(rank + 1)]
            for _, words in ranked:
                w = words[rank] if rank < len(words) else None
                row += [printable(w.word), f"{w.prob:.3f}", bar(w.prob)] if w else ["", "", ""]
            table.add_row(*row)
        stdout_console().print(table)


def stream(characters) -> None:
    """Sampled text, written as it comes (control characters but tab and line feed as U+FFFD)."""
    for ch in characters:
        sys.stdout.write(printable(ch, running=True))
        sys.stdout.flush()
    sys.stdout.write("\n")


def show_eval(names: list[str], scores: dict[str, dict], documents: list[dict], data: Path, as_json: bool) -> None:
    """`scores`: model name -> LanguageModel.scores' fields (per word: None where there is none);
    a row for each of `names`, the models in the order given (one given twice: twice, as eval
    tagger and eval sentiment show it); JSON as theirs: `documents`, one per name, each with its
    model's path and the data (one object for one model, {"data", "models": [...]} for several)."""
    for name, s in scores.items():
        if s["unknown"] > UNKNOWN_SHARE * s["characters"]:
            print_warning(f"{name}: {_count(s['unknown'], 'character')} of the {s['characters']:,} scored are ones it "
                          "never saw, scored as <unk> (predicting <unk> counts as right for any of them): its "
                          "bits/char is not comparable with a model that knows them")
    if as_json:
        from rnncli.cli.views.eval import write_report  # (not on next's and generate's path)

        write_report(documents, data, True, None)
        return
    for name, s in ((name, scores[name]) for name in names):
        sys.stdout.write(f"{name}\tbits/char {s['bits_per_char']:.3f}\tperplexity/word {_perplexity(s)}"
                         f"\t({_count(s['characters'], 'character')} scored, {_count(s['words'], 'word')})\n")


def _perplexity(scores: dict) -> str:
    """The perplexity per word, 2^N where it is beyond a float, - for a text without words."""
    if scores["perplexity_per_word"] is not None:
        return f"{scores['perplexity_per_word']:.1f}"
    return "-" if scores["bits_per_word"] is None else f"2^{scores['bits_per_word']:.0f}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
