"""What `rnncli eval` prints: one model's report (tagger, sentiment, raw text), or several
models side by side; with --json the reports as JSON instead, and with --report also to a file."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from rnncli.cli.views.console import Console, print_warning, stdout_console
from rnncli.cli.views.formats import json_text, write_json
from rnncli.model import tagsets
from rnncli.model.tagsets import display
from rnncli.text.hygiene import printable


def write_report(documents: list[dict], data: Path, as_json: bool, report_path: Path | None) -> bool:
    """--json prints and --report writes (atomically) the reports: one object for one model,
    {"data", "models": [...]} for several. Returns whether the table should still be drawn."""
    from rnncli.files import write_atomic

    document = {**documents[0]} if len(documents) == 1 else {"data": str(data), "models": documents}
    if report_path is not None:
        write_atomic(report_path, json_text(document).encode("utf-8"))
    if as_json:
        write_json(document)
    return not as_json


def show_sentiment(names: list[str], reports: list, documents: list[dict], data: Path, as_json: bool,
                   report_path: Path | None) -> None:
    """Sentiment reports (evaluate.scores.SentimentReport) of the models `names` on `data`."""
    from rnncli.evaluate.scores import compare_sentiment

    if write_report(documents, data, as_json, report_path):
        console = stdout_console()
        if len(reports) == 1:
            sentiment_report(console, reports[0], names[0], str(data), documents[0]["tokenizer"])
        else:
            tokenizers = {d["tokenizer"] for d in documents}
            if len(tokenizers) > 1:  # say which model read the texts how
                names = [f"{name} ({d['tokenizer']})" for name, d in zip(names, documents)]
            read = f", {_read_as(tokenizers.pop())}" if len(tokenizers) == 1 else ""
            compare_table(console, names, compare_sentiment(reports), f"{data}{read}")


def show_tagger(names: list[str], reports: list, documents: list[dict], data: Path, tagset: str | None,
                as_json: bool, report_path: Path | None) -> None:
    """Tagger reports (evaluate.scores.TaggerReport); the per-tag table of `tagset` (None: UPOS
    when scored), or a warning when no model's tags of that set were scored."""
    from rnncli.evaluate.scores import compare_taggers

    unknown_gold_warnings(names, reports)
    if write_report(documents, data, as_json, report_path):
        scored = [name for name in ("upos", "xpos") if any(name in r.tagsets for r in reports)]
        head = tagsets.HEADS[tagset] if tagset else tagsets.default_head(scored or ["upos"])
        if head not in scored:  # the data (or every model) lacks it: no per-tag table to show
            asked = tagset or tagsets.tagset_of(head)
            print_warning(f"--tagset {asked}: no {asked.upper()} tags scored "
                          f"(none in {data}, or no model predicts them); no per-tag table")
        console = stdout_console()
        if len(reports) == 1:
            tagger_report(console, reports[0], names[0], str(data), head)
        else:
            compare_table(console, names, compare_taggers(reports, head), str(data))
            gold_notes(console, reports)


def show_raw(names: list[str | None], reports: list, documents: list[dict], data: Path, tokenizer: str,
             as_json: bool, report_path: Path | None) -> None:
    """Scores from raw text (evaluate.raw.RawScores) of the tagger models `names`, or of the
    tokenizer alone (names == [None])."""
    from rnncli.evaluate.scores import compare_raw

    if names[0] is not None and not any(tags in r.scores for r in reports for tags in ("UPOS", "XPOS")):
        print_warning(f"{data}: no gold UPOS or XPOS tags (or no model gives them): only the tokenization is scored")
    if write_report(documents, data, as_json, report_path):
        console = stdout_console()
        if len(reports) == 1:
            raw_report(console, reports[0], names[0], str(data), tokenizer)
        else:
            compare_table(console, names, compare_raw(reports), f"{data} from raw text, {tokenizer} tokenizer")
            raw_mismatches(console, reports[0])


def compare_table(console: Console, names: list[str], rows: dict[str, list[float | None]], data: str) -> None:
    """Models side by side on the same data, then each model after the first minus the first.
    A value None (a model without such tags) shows as -, and leaves no difference."""
    from rich.table import Table

    console.print(f"{len(names)} models on {printable(data)}")
    table = Table(show_edge=False, header_style="bold")
    table.add_column("")
    for name in names:
        table.add_column(name, justify="right")
    for name in names[1:]:
        table.add_column(f"{name} - {names[0]}", justify="right")
    for label, values in rows.items():
        scored = [v for v in values if v is not None]
        best = max(scored)
        cells = [Text("-") if v is None else Text(f"{v:.2%}", style="bold" if v == best and len(set(scored)) > 1 else "")
                 for v in values]
        differences = ["-" if None in (v, values[0]) else f"{(v - values[0]) * 100:+.2f}" for v in values[1:]]
        table.add_row(label, *cells, *differences)
    console.print(table)


def _read_as(tokenizer: str) -> str:
    """How a sentiment evaluation read its texts."""
    return "its own tokens" if tokenizer == "none" else f"cut by tokenizer {tokenizer}"


def sentiment_report(console: Console, report, model_name: str, data: str, tokenizer: str) -> None:
    from rich.table import Table

    r = report.report
    console.print(Text.assemble((printable(model_name), "bold"), f" on {printable(data)}: {r.tokens:,} texts, "
                                                                 f"{printable(_read_as(tokenizer))}"))
    console.print(Text.assemble("accuracy ", (f"{r.accuracy:.2%}", "bold")))
    table = Table(title="per label", title_justify="left", show_edge=False, header_style="bold")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, m in r.per_tag.items():
        table.add_row(label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", f"{m['support']:,}")
    console.print(table)
    console.print(Text.assemble(("confusion matrix", "italic"), " (rows: gold, columns: predicted)"))
    matrix = Table(show_edge=False, header_style="bold")
    matrix.add_column("")
    for label in report.labels:
        matrix.add_column(label, justify="right")
    for label, row in zip(report.labels, report.matrix):
        matrix.add_row(label, *(f"{n:,}" for n in row))
    console.print(matrix)


def tagger_report(console: Console, report, model_name: str, data: str, tagset: str) -> None:
    """Accuracy per tag set, then per-tag precision/recall/F1 and confusions of one tag set."""
    from rich.table import Table

    words = max((r.tokens for r in report.tagsets.values()), default=0)  # the words of gold tokens (don't: do, n't)
    console.print(Text.assemble((printable(model_name), "bold"), f" on {printable(data)}: {words:,} words"))
    line = Text()
    for name, r in report.tagsets.items():
        line.append(f"{'   ' if line else ''}{report.names.get(name) or display(name)} accuracy ")
        line.append(f"{r.accuracy:.2%}", style="bold")
    console.print(line)
    gold_notes(console, [report])
    chosen = report.tagsets.get(tagset)
    if chosen is None:
        return
    label = report.names.get(tagset) or display(tagset)
    table = Table(title=f"{label} per tag", title_justify="left", show_edge=False, header_style="bold")
    for column in (label, "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == label else "right")
    for tag, m in sorted(chosen.per_tag.items(), key=lambda item: (-item[1]["support"], item[0])):
        table.add_row(tag, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", f"{m['support']:,}")
    console.print(table)
    if chosen.confusions:
        errors = Table(title=f"{label} confusions", title_justify="left", show_edge=False,
                       header_style="bold")
        for column in ("gold", "predicted", "count"):
            errors.add_column(column, justify="right" if column == "count" else "left")
        for gold, predicted, count in chosen.confusions:
            errors.add_row(gold, predicted, f"{count:,}")
        console.print(errors)


def unknown_gold_warnings(names: list[str], reports: list) -> None:
    """A warning (stderr) for each model and tag set whose gold tags hold some it never predicts
    (TaggerReport.unknown): data tagged with another tag set, or a typo, scores near 0% silently."""
    for model, report in zip(names, reports):
        for name, tags in report.unknown.items():
            shown = ", ".join(printable(tag) for tag in list(tags)[:5]) + (", ..." if len(tags) > 5 else "")
            kinds = f"{len(tags):,} kind{'s' if len(tags) > 1 else ''}"
            print_warning(f"{sum(tags.values()):,} of the gold {display(name)} tags ({kinds}: {shown}) are tags "
                          f"{model} never predicts: each counts as an error")


def gold_notes(console: Console, reports: list) -> None:
    """A note for each tag set whose gold tags rnncli made itself (TaggerReport.gold_from)."""
    from rnncli.data.tagged import UPOS_FROM_PTB

    ways = {UPOS_FROM_PTB: "mapped from the data's PTB tags by rules (ptb_to_upos), not annotated"}
    for name, how in {name: how for r in reports for name, how in r.gold_from.items()}.items():
        console.print(Text(f"note: the gold {display(name)} tags were {ways.get(how, how)}", style="dim"))


def raw_report(console: Console, report, model: str | None, data: str, tokenizer: str) -> None:
    """Scores from raw text (evaluate.raw.RawScores) as the CoNLL 2018 script prints them, in
    percent, then the tokenization mismatches and sentence ends. `model`: the tagger's name,
    or None when the tokenizer is scored alone."""
    from rich.table import Table

    name = f"{tokenizer} tokenizer" if model is None else model
    how = "" if model is None else f" from raw text, {tokenizer} tokenizer"
    console.print(Text.assemble((printable(name), "bold"), f" on {printable(data)}{printable(how)}: "
                                f"{counted(report.scores['Sentences'].gold, 'sentence')}, "
                                f"{counted(report.scores['Words'].gold, 'word')}"))
    tagged = any(s.aligned_accuracy is not None for s in report.scores.values())  # else no "aligned acc" column
    table = Table(show_edge=False, header_style="bold")
    for column in ("metric", "precision", "recall", "F1", *("aligned acc",)[:tagged], "gold", "system"):
        table.add_column(column, justify="left" if column == "metric" else "right", no_wrap=True)
    for metric, s in report.scores.items():
        aligned = ("" if s.aligned_accuracy is None else f"{100 * s.aligned_accuracy:.2f}",)[:tagged]
        table.add_row(metric, f"{100 * s.precision:.2f}", f"{100 * s.recall:.2f}", Text(f"{100 * s.f1:.2f}", "bold"),
                      *aligned, f"{s.gold:,}", f"{s.system:,}")
    console.print(table)
    if tagged:
        console.print(Text("aligned acc: tags right among the words aligned with gold words (tagging alone)",
                           style="dim"))
    raw_mismatches(console, report)


def counted(n: int, noun: str) -> str:
    """`1 word`, `2 words`, `1,000 words`."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def raw_mismatches(console: Console, report) -> None:
    """The most frequent tokenization mismatches, then the sentence ends missed and made up."""
    from rich.table import Table

    tokens = report.scores["Tokens"]
    if report.mismatches:
        console.print(Text(f"tokenization mismatches: {counted(tokens.gold - tokens.correct, 'gold token')} in "
                           f"{counted(report.mismatch_kinds, 'kind')}; the most frequent:", style="italic"))
        table = Table(show_edge=False, header_style="bold")
        table.add_column("count", justify="right", no_wrap=True)
        table.add_column("gold tokens", overflow="fold")
        table.add_column("system tokens", overflow="fold")
        for gold, system, count in report.mismatches:
            table.add_row(f"{count:,}", printable(" ".join(gold)), printable(" ".join(system)))
        console.print(table)
    console.print(f"sentence ends: {report.missed_boundaries:,} of {report.boundaries:,} missed, "
                  f"{report.extra_boundaries:,} extra")
