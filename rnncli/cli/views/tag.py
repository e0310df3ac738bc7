"""What `rnncli tag` prints, in each format.

Machine formats are stable and independent of the terminal:
  tsv    token, tag, probability (then tag, probability of each extra candidate); blank line after each sentence
  tags   one sentence per line: word/TAG word/TAG ...; the tag follows the last slash (and/or/CCONJ)
  jsonl  one JSON object per sentence, with the input line number ("line") where known
  conllu the input's CoNLL-U (or one built from text) with UPOS and XPOS filled
Each format but tags keeps the surface form of a multiword token (`zum` = zu dem, `don't` =
do n't): conllu as its range row, tsv as a line `# multiword 3-4 = zum` before its words where they do
not spell it (not for `don't`: tsv lines stay token<TAB>tag... for English text),
jsonl as "multiword": {"id": "3-4", "form": "zum"} on each of its words, the table as a row
`3-4 zum` above them.
A blank input line (-I lines, tokens) is an empty sentence: a lone blank line in tsv, an
empty line in tags, an object without tokens in jsonl; CoNLL-U has no empty sentences and
leaves it out (sent_id keeps the line numbers), and the table shows nothing.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from rnncli.cli.views.console import print_warning, stdout_console
from rnncli.cli.views.formats import bar, json_prob, jsonl_record, prob_text
from rnncli.text.hygiene import printable

if TYPE_CHECKING:
    from rnncli.cli.views.console import Console


def opens(multiwords: list[tuple[str, str] | None] | None, i: int) -> tuple[str, str] | None:
    """The multiword token (range ID, form) that word i begins, if any (see conllu.Sentence.multiwords)."""
    token = multiwords[i] if multiwords else None
    return token if token is not None and (i == 0 or multiwords[i - 1] != token) else None


def spelled(token: tuple[str, str], words: list[str], i: int) -> bool:
    """Whether a multiword token's words (words[i] its first) join to its form, as English
    `don't` = do n't does and Italian `dei` = di i does not."""
    first, last = (int(x) for x in token[0].split("-"))
    return "".join(words[i:i + last - first + 1]) == token[1]


def tagged_tsv(tokens: list[str], candidates: list[list[tuple[str, float]]],
               multiwords: list[tuple[str, str] | None] | None = None) -> str:
    lines = []
    for i, (tok, cands) in enumerate(zip(tokens, candidates)):
        token = opens(multiwords, i)
        if token is not None and not spelled(token, tokens, i):
            lines.append(f"# multiword {token[0]} = {printable(token[1])}\n")
        lines.append("\t".join([printable(tok)] + [x for tag, p in cands for x in (tag, prob_text(p))]) + "\n")
    return "".join(lines) + "\n"


def tagged_tags(tokens: list[str], candidates: list[list[tuple[str, float]]]) -> str:
    """word/TAG word/TAG ...: whitespace inside a word (a CoNLL-U form may hold it: `13 819`)
    written as `_`, and a word of whitespace alone as `_`, so that the line splits back into its words."""
    return " ".join(f"{'_'.join(printable(tok).split()) or '_'}/{cands[0][0]}"
                    for tok, cands in zip(tokens, candidates)) + "\n"


def tagged_json(text: str, tokens: list[str], candidates: list[list[tuple[str, float]]], tagset: str,
                sent_id: str | None = None, line: int = 0,
                multiwords: list[tuple[str, str] | None] | None = None) -> str:
    """One sentence's record; a word of a multiword token also has "multiword": {"id", "form"}."""
    record = {"line": line} if line else {}
    record["text"] = printable(text)
    if sent_id is not None:
        record["sent_id"] = sent_id
    record["tagset"] = tagset
    record["tokens"] = [{"token": printable(tok), "tag": cands[0][0], "prob": json_prob(cands[0][1]),
                         "top": [[tag, json_prob(p)] for tag, p in cands]} for tok, cands in zip(tokens, candidates)]
    for word, token in zip(record["tokens"], multiwords or ()):
        if token is not None:
            word["multiword"] = {"id": token[0], "form": printable(token[1])}
    return jsonl_record(record)


def short_prob(p: float) -> str:
    """0.23, or 4e-03 for small ones, so that a runner-up never reads as a flat 0.00."""
    return f"{p:.2f}" if p >= 0.01 else f"{p:.0e}"


def tagged_table(console: Console, text: str, tokens: list[str], candidates: list[list[tuple[str, float]]],
                 tagset: str, multiwords: list[tuple[str, str] | None] | None = None) -> None:
    """The lecture's picture: each token with its probability over tags, the best one emphasised;
    a multiword token's form on a row of its own above its words, numbered by their range."""
    from rich.table import Table

    table = Table(title=printable(text), title_justify="left", title_style="italic", show_edge=False, pad_edge=False,
                  header_style="bold", expand=False)
    wide, medium = console.width >= 60, console.width >= 40  # narrow terminals keep the words and numbers
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("token", style="bold", overflow="fold", min_width=5)
    table.add_column(tagset.upper(), style="bold green", no_wrap=True)
    table.add_column("prob", justify="right", no_wrap=True)
    if wide:
        table.add_column("", style="green", no_wrap=True, min_width=10)
    if medium:
        table.add_column("runners-up", style="dim", overflow="fold")
    for i, (tok, cands) in enumerate(zip(tokens, candidates)):
        token = opens(multiwords, i)
        if token is not None:
            table.add_row(token[0], printable(token[1]), style="italic dim")
        tag, p = cands[0]
        others = "  ".join(f"{t} {short_prob(q)}" for t, q in cands[1:])
        table.add_row(str(i + 1), printable(tok), tag, f"{p:.2f}", *([bar(p)] if wide else []),
                      *([others] if medium else []))
    console.print(table)
    console.print()


def show(results, fmt: str, tagset: str, labels: list[str], head: str, top: int | None,
         threshold: float | None) -> None:
    """Tagger results (infer.tagger.TagResult) to stdout in `fmt`, each sentence flushed as it comes:
    the `top` candidates per token (None: 3 for table and jsonl, else 1) and those within
    `threshold` of the best."""
    if fmt in ("tags", "conllu") and (top is not None or threshold is not None):
        print_warning(f"--top and --threshold show candidates in table, tsv and jsonl; -f {fmt} writes the "
                      "best tag only")
    top = top if top is not None else (3 if fmt in ("table", "jsonl") else 1)
    console = stdout_console() if fmt == "table" else None
    for result in results:
        candidates = result.candidates(labels, head, top, threshold) if fmt != "conllu" else []
        sentence = result.sentence
        multiwords = sentence.multiwords if fmt in ("table", "tsv", "jsonl") else None
        if fmt == "table":
            if result.words:
                tagged_table(console, sentence.text, result.words, candidates, tagset, multiwords)
        elif fmt == "tsv":
            sys.stdout.write(tagged_tsv(result.words, candidates, multiwords))
        elif fmt == "tags":
            sys.stdout.write(tagged_tags(result.words, candidates))
        elif fmt == "jsonl":
            sys.stdout.write(tagged_json(sentence.text, result.words, candidates, tagset, sentence.comment("sent_id"),
                                         sentence.line, multiwords))
        elif sentence.rows:
            sys.stdout.write(sentence.to_conllu())
        sys.stdout.flush()
