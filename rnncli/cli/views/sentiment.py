"""What `rnncli sentiment` prints, in each format.

  tsv    label, probability, text (tabs and newlines cannot occur in the text)
  jsonl  {"line", "text", "label", "prob", "probs": {label: prob}}; "line" for -I lines and tokens
A blank input line (-I lines, tokens) has no label: an empty line in tsv, label and prob null
in jsonl, nothing in the table. A text longer than infer.sentiment.ECHO_CHARS is echoed cut
(its label reads it all): "…" ends it in tsv and the table, jsonl adds "cut" (the characters
left out), and stderr says so once.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rnncli.cli.views.console import print_warning, stdout_console
from rnncli.cli.views.formats import bar, json_prob, jsonl_record, prob_text
from rnncli.text.hygiene import printable

LABEL_STYLES = {"positive": "bold green", "negative": "bold red"}

if TYPE_CHECKING:
    from rnncli.cli.views.console import Console


CUT_MARK = "…"  # ends the echo of a text too long to echo whole


def sentiment_tsv(text: str, label: str | None, probs: dict[str, float], cut: int = 0) -> str:
    return (f"{label}\t{prob_text(probs[label])}\t{printable(text)}{CUT_MARK if cut else ''}\n"
            if label is not None else "\n")


def sentiment_json(text: str, label: str | None, probs: dict[str, float], line: int = 0, cut: int = 0) -> str:
    record = {"line": line} if line else {}
    record.update({"text": text, "label": label, "prob": None if label is None else json_prob(probs[label]),
                   "probs": {k: json_prob(v) for k, v in probs.items()}})
    if cut:
        record["cut"] = cut
    return jsonl_record(record)


def sentiment_row(console: Console, text: str, label: str, probs: dict[str, float], cut: int = 0) -> None:
    """One text: its label, a probability bar, and the other labels' probabilities."""
    from rich.text import Text

    line = Text()
    line.append(f"{label:<9}", style=LABEL_STYLES.get(label, "bold"))
    line.append(f"{probs[label]:.2f} ")
    line.append(f"{bar(probs[label]):<10}", style=LABEL_STYLES.get(label, "bold").replace("bold ", ""))
    others = "  ".join(f"{k} {v:.2f}" for k, v in probs.items() if k != label)
    line.append(f"  {others}  ", style="dim")
    line.append(printable(text) + (CUT_MARK if cut else ""), style="italic")
    console.print(line, soft_wrap=True)


def show(results, fmt: str) -> None:
    """Sentiment results (infer.sentiment.SentimentResult) to stdout in `fmt`, flushed as they come."""
    console = stdout_console() if fmt == "table" else None
    warned = False
    for result in results:
        if result.cut and not warned:
            print_warning(f"{_place(result)}a text of {len(result.text) + result.cut:,} characters is echoed cut to "
                          f"its first {len(result.text):,} (its label reads it all); so is any other this long")
            warned = True
        if fmt == "table":
            if result.label is not None:
                sentiment_row(console, result.text, result.label, result.probs, result.cut)
        elif fmt == "tsv":
            sys.stdout.write(sentiment_tsv(result.text, result.label, result.probs, result.cut))
        else:
            sys.stdout.write(sentiment_json(result.text, result.label, result.probs, result.line, result.cut))
        sys.stdout.flush()


def _place(result) -> str:
    return f"line {result.line}: " if result.line else ""
