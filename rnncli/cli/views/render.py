"""Everything the user sees: Rich tables on a terminal, stable plain formats otherwise,
error lines and training progress. The only module besides the CLI that imports rich.
User text is data: it is never parsed as Rich markup, and control characters are shown
as U+FFFD."""

from __future__ import annotations

import math
import os
import sys

import rich.console
from rich.text import Text

from rnncli.cli.streams import ReaderGone, write_stderr
from rnncli.model.tagsets import display
from rnncli.text.sentences import printable


def _raise_broken_pipe(console: rich.console.Console) -> None:
    console.quiet = True
    raise ReaderGone()


def quiet_broken_pipes() -> None:
    """Rich ends a closed pipe with exit 1 (`rnncli --help | head -1` would fail under
    `set -o pipefail`); make every Rich console raise ReaderGone instead, which the CLI
    ends with exit 0, as for plain output. Typer's help pages use Rich consoles of their own."""
    rich.console.Console.on_broken_pipe = _raise_broken_pipe


class Console(rich.console.Console):
    """Rich's console with user data kept as data: no markup (`[/usr/lib]` is text, not a
    tag), no emoji codes, no highlighting. Styles come from Text objects and table columns only."""

    def __init__(self, **kwargs):
        super().__init__(markup=False, emoji=False, highlight=False, no_color="NO_COLOR" in os.environ,
                         _environ=_sizes_checked(), **kwargs)


def _size(name: str) -> int | None:
    """COLUMNS or LINES when it is a positive number in ASCII digits, else None."""
    value = os.environ.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else None


def _sizes_checked() -> dict[str, str]:
    """The environment without a COLUMNS or LINES that is not a positive number: Rich takes any
    str.isdigit() value, so COLUMNS=0 drew nothing and COLUMNS=² crashed in int()."""
    return {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES") or _size(k) is not None}


def stderr_console() -> Console:
    return Console(stderr=True, log_path=False)


def _one_line(message: str) -> str:
    return printable(" ".join(message.split()))


def print_error(message: str) -> None:
    """One line on stderr: `rnncli: error: ...`."""
    text = _one_line(message)
    if sys.stderr.isatty() and "NO_COLOR" not in os.environ:
        try:
            stderr_console().print(Text.assemble(("rnncli: error:", "bold red"), " ", text), soft_wrap=True)
            return
        except OSError:
            return
    write_stderr(f"rnncli: error: {text}")


def print_warning(message: str) -> None:
    write_stderr(f"rnncli: warning: {_one_line(message)}")


def stdout_console() -> Console:
    """Colour only on a terminal and never with NO_COLOR; the terminal's width, or COLUMNS, or
    120 when neither says."""
    fixed = not sys.stdout.isatty() and _size("COLUMNS") is None
    return Console(soft_wrap=False, width=120 if fixed else None)


class TrainingProgress:
    """Training callbacks drawn as a Rich progress bar, plus log lines that fit 80 columns (so
    that logs written to a file are readable too): what the run is doing before it starts, its
    size, one line per epoch with dev scores as percentages (as models and eval show them),
    why it stopped early, and what was saved."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.console = stderr_console()
        # The same lines on a terminal (above the live bar) and in a log file.
        self.log = (lambda line: self.console.print(Text(line), soft_wrap=True)) if self.console.is_terminal else \
            (lambda line: print(line, file=sys.stderr, flush=True))
        self.progress = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(bar_width=None),
                                 MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.3f}  dev {task.fields[dev]}"),
                                 TimeRemainingColumn(), TextColumn("run ETA {task.fields[eta]}"),
                                 console=self.console, transient=True)
        self.task = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.progress.live.is_started:
            self.progress.stop()

    def on_status(self, message: str) -> None:
        self.log(_one_line(message))

    def on_start(self, epochs: int, steps_per_epoch: int, info: dict) -> None:
        import time

        self.steps, self.epochs = steps_per_epoch, epochs
        info = {**info, "epochs": epochs, "batches_per_epoch": steps_per_epoch}
        line = ""
        for item in (f"{k.replace('_', ' ')} {v:,}" for k, v in info.items()):  # lines of whole items, in 80 columns
            if line and len(line) + len(item) + 2 > 79:
                self.log(line + ",")
                line = ""
            line = f"{line}, {item}" if line else item
        self.log(line)
        if self.console.is_terminal:  # only now, and only on a terminal: errors and logs stay one line each
            self.progress.start()
        self.task = self.progress.add_task("train", total=steps_per_epoch, epoch=f"1/{epochs}", loss=0.0, dev="-",
                                           eta="-")
        self.run_started = time.monotonic()
        self.first_epoch = None

    def on_step(self, epoch: int, step: int, loss: float) -> None:
        if self.first_epoch is None:
            self.first_epoch = epoch
        self.progress.update(self.task, completed=step, epoch=f"{epoch}/{self.epochs}", loss=loss)

    def on_epoch_end(self, epoch: int, metrics: dict) -> None:
        import time

        dev = {k[4:]: v for k, v in metrics.items() if k.startswith("dev_")}
        self.log(f"epoch {epoch}/{self.epochs}  loss {metrics['loss']:.3f}  dev {_head_scores(dev)}  "
                 f"best epoch {metrics['best_epoch']}  {metrics['elapsed_s']:,.0f} s")
        now = time.monotonic()
        per_epoch = (now - self.run_started) / (epoch - (self.first_epoch or epoch) + 1)
        left = per_epoch * (self.epochs - epoch)
        first = next(iter(dev.values()), None)
        self.progress.reset(self.task, total=self.steps, epoch=f"{min(epoch + 1, self.epochs)}/{self.epochs}",
                            loss=metrics["loss"], dev=f"{first:.2%}" if first is not None else "-",
                            eta=f"{left / 60:.0f} min" if left >= 60 else f"{left:.0f} s")

    def on_end(self, result) -> None:
        if result.stopped:
            self.log(f"stopped early: {result.stopped}")
        self.log(f"saved {result.out} (epoch {result.best_epoch})")
        self.log(f"saved model: {_scores(result.scores)}")
        trained = next((e for e in result.history if e.get("epoch") == result.best_epoch), {})
        saved = result.scores.get("dev", {})
        differ = {k: (trained[f"dev_{k}"], v) for k, v in saved.items()
                  if f"dev_{k}" in trained and f"{trained[f'dev_{k}']:.2%}" != f"{v:.2%}"}
        if differ:  # the file holds rounded weights, run by numpy: not quite the epoch's torch model
            was = " ".join(f"{display(k)} {a:.2%}" for k, (a, _) in differ.items())
            self.log(f"(epoch {result.best_epoch}'s line said dev {was}: the file holds {result.dtype} weights, "
                     "run by numpy)")

    def on_warning(self, message: str) -> None:
        self.console.print(Text(f"rnncli: warning: {_one_line(message)}"), soft_wrap=True)  # above the live bar


def _head_scores(scores: dict[str, float]) -> str:
    """`UPOS 95.88% PTB 95.24%`, `accuracy 82.80%`: each output's score as a percentage."""
    return " ".join(f"{display(k)} {v:.2%}" for k, v in scores.items())


# --- tagging output -------------------------------------------------------------------
# Machine formats are stable and independent of the terminal:
#   tsv    token, tag, probability (then tag, probability of each extra candidate); blank line after each sentence
#   tags   one sentence per line: word/TAG word/TAG ...; the tag follows the last slash (and/or/CCONJ)
#   jsonl  one JSON object per sentence, with the input line number ("line") where known
#   conllu the input's CoNLL-U (or one built from text) with UPOS and XPOS filled
# A blank input line (-I lines, tokens) is an empty sentence: a lone blank line in tsv, an
# empty line in tags, an object without tokens in jsonl; CoNLL-U has no empty sentences and
# leaves it out (sent_id keeps the line numbers), and the table shows nothing.


def _prob(p: float) -> str:
    """4 decimals, and 4 significant digits below 1e-4, so that a runner-up never reads 0.0000."""
    return f"{p:.4f}" if p >= 1e-4 or p == 0 else f"{p:.3e}"


def _json_prob(p: float) -> float:
    """6 decimals, and 4 significant digits below 1e-4 (never a flat 0.0)."""
    return round(p, 6) if p >= 1e-4 else float(f"{p:.4g}")


def tagged_tsv(tokens: list[str], candidates: list[list[tuple[str, float]]]) -> str:
    lines = ["\t".join([printable(tok)] + [x for tag, p in cands for x in (tag, _prob(p))]) + "\n"
             for tok, cands in zip(tokens, candidates)]
    return "".join(lines) + "\n"


def tagged_tags(tokens: list[str], candidates: list[list[tuple[str, float]]]) -> str:
    return " ".join(f"{printable(tok)}/{cands[0][0]}" for tok, cands in zip(tokens, candidates)) + "\n"


def tagged_json(text: str, tokens: list[str], candidates: list[list[tuple[str, float]]], tagset: str,
                sent_id: str | None = None, line: int = 0) -> str:
    import json

    record = {"line": line} if line else {}
    record["text"] = printable(text)
    if sent_id is not None:
        record["sent_id"] = sent_id
    record["tagset"] = tagset
    record["tokens"] = [{"token": printable(tok), "tag": cands[0][0], "prob": _json_prob(cands[0][1]),
                         "top": [[tag, _json_prob(p)] for tag, p in cands]} for tok, cands in zip(tokens, candidates)]
    return json.dumps(record, ensure_ascii=False) + "\n"


def bar(p: float, width: int = 10) -> str:
    halves = round(p * width * 2)
    return "█" * (halves // 2) + ("▌" if halves % 2 else "")


def short_prob(p: float) -> str:
    """0.23, or 4e-03 for small ones, so that a runner-up never reads as a flat 0.00."""
    return f"{p:.2f}" if p >= 0.01 else f"{p:.0e}"


def tagged_table(console: Console, text: str, tokens: list[str], candidates: list[list[tuple[str, float]]],
                 tagset: str) -> None:
    """The lecture's picture: each token with its probability over tags, the best one emphasised."""
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
    for i, (tok, cands) in enumerate(zip(tokens, candidates), start=1):
        tag, p = cands[0]
        others = "  ".join(f"{t} {short_prob(q)}" for t, q in cands[1:])
        table.add_row(str(i), printable(tok), tag, f"{p:.2f}", *([bar(p)] if wide else []),
                      *([others] if medium else []))
    console.print(table)
    console.print()


def write_tags(results, fmt: str, tagset: str, labels: list[str], head: str, top: int,
               threshold: float | None) -> None:
    """Tagger results (tagger.TagResult) to stdout in `fmt`, each sentence flushed as it comes."""
    console = stdout_console() if fmt == "table" else None
    for result in results:
        candidates = result.candidates(labels, head, top, threshold) if fmt != "conllu" else []
        sentence = result.sentence
        if fmt == "table":
            if result.words:
                tagged_table(console, sentence.text, result.words, candidates, tagset)
        elif fmt == "tsv":
            sys.stdout.write(tagged_tsv(result.words, candidates))
        elif fmt == "tags":
            sys.stdout.write(tagged_tags(result.words, candidates))
        elif fmt == "jsonl":
            sys.stdout.write(tagged_json(sentence.text, result.words, candidates, tagset, sentence.comment("sent_id"),
                                         sentence.line))
        elif sentence.rows:
            sys.stdout.write(sentence.to_conllu())
        sys.stdout.flush()


# --- sentiment output -----------------------------------------------------------------
#   tsv    label, probability, text (tabs and newlines cannot occur in the text)
#   jsonl  {"line", "text", "label", "prob", "probs": {label: prob}}; "line" for -I lines and tokens
# A blank input line (-I lines, tokens) has no label: an empty line in tsv, label and prob null
# in jsonl, nothing in the table.


def sentiment_tsv(text: str, label: str | None, probs: dict[str, float]) -> str:
    return f"{label}\t{_prob(probs[label])}\t{printable(text)}\n" if label is not None else "\n"


def sentiment_json(text: str, label: str | None, probs: dict[str, float], line: int = 0) -> str:
    import json

    record = {"line": line} if line else {}
    record.update({"text": text, "label": label, "prob": None if label is None else _json_prob(probs[label]),
                   "probs": {k: _json_prob(v) for k, v in probs.items()}})
    return json.dumps(record, ensure_ascii=False) + "\n"


LABEL_STYLES = {"positive": "bold green", "negative": "bold red"}


def sentiment_row(console: Console, text: str, label: str, probs: dict[str, float]) -> None:
    """One text: its label, a probability bar, and the other labels' probabilities."""
    from rich.text import Text

    line = Text()
    line.append(f"{label:<9}", style=LABEL_STYLES.get(label, "bold"))
    line.append(f"{probs[label]:.2f} ")
    line.append(f"{bar(probs[label]):<10}", style=LABEL_STYLES.get(label, "bold").replace("bold ", ""))
    others = "  ".join(f"{k} {v:.2f}" for k, v in probs.items() if k != label)
    line.append(f"  {others}  ", style="dim")
    line.append(printable(text), style="italic")
    console.print(line, soft_wrap=True)


def write_sentiment(results, fmt: str) -> None:
    """Sentiment results (sentiment.SentimentResult) to stdout in `fmt`, flushed as they come."""
    console = stdout_console() if fmt == "table" else None
    for result in results:
        if fmt == "table":
            if result.label is not None:
                sentiment_row(console, result.text, result.label, result.probs)
        elif fmt == "tsv":
            sys.stdout.write(sentiment_tsv(result.text, result.label, result.probs))
        else:
            sys.stdout.write(sentiment_json(result.text, result.label, result.probs, result.line))
        sys.stdout.flush()


def compare_table(console: Console, names: list[str], rows: dict[str, list[float]], data: str) -> None:
    """Models side by side on the same data; the last column is the second model minus the first."""
    from rich.table import Table

    console.print(f"{len(names)} models on {printable(data)}")
    table = Table(show_edge=False, header_style="bold")
    table.add_column("")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column(f"{names[1]} - {names[0]}", justify="right")
    for label, values in rows.items():
        best = max(values)
        cells = [Text(f"{v:.2%}", style="bold" if v == best and len(set(values)) > 1 else "") for v in values]
        table.add_row(label, *cells, f"{(values[1] - values[0]) * 100:+.2f}")
    console.print(table)


def sentiment_report(console: Console, report, model_name: str, data: str) -> None:
    from rich.table import Table

    r = report.report
    console.print(Text.assemble((printable(model_name), "bold"), f" on {printable(data)}: {r.tokens:,} texts"))
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


# --- gradients ----------------------------------------------------------------------


def log_bar(value: float, low: float, high: float, width: int = 12) -> str:
    """A bar whose length is log10(value) placed between log10 `low` and `high`."""
    import math

    if value <= 0 or high <= low:
        return ""
    frac = (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))
    return "█" * max(0, min(width, round(frac * width)))


def _log_range(series: list[list[float]], decades: int = 12) -> tuple[float, float]:
    values = [v for s in series for v in s if v > 0]
    if not values:
        return 1.0, 1.0
    high = max(values)
    return max(min(values), high * 10.0 ** -decades) * 0.999, high


GRADIENT_NOTE = ("|g_t|: norm of the gradient of the prediction's log-probability that reaches step t through the "
                 "recurrence (first layer, left to right), from the last step")


def _token_width(tokens: list[str]) -> int:
    return min(16, max(5, *(len(t) for t in tokens)))  # longer tokens end in "…"


def _token_and_bars(tokens: list[str], room: int, bars: int, widest_bar: int) -> tuple[int, int]:
    """Widths of the token column (at most 16) and of each of `bars` bar columns sharing `room`
    characters: the bars give way first, then the token column, each down to 5; the numbers of
    the gradient and gates tables never do."""
    token = _token_width(tokens)
    bar = max(5, min(widest_bar, (room - token) // bars))
    return max(5, min(token, room - bars * bar)), bar


def _short_name(e) -> str:
    return e.name.removeprefix(f"{e.prediction['task']}-")  # bundled models by their short names: rnn, lstm


def _gradient_columns(console: Console, tokens: list[str], explanations: list, saliency: bool,
                      low: float, high: float) -> None:
    """One table of gradient_table. The numbers are never cut: the bars (5 to 12 characters)
    and then the token column give way."""
    from rich.table import Table

    n, T = len(explanations), len(tokens)
    numbers = sum(max(7, len(_short_name(e))) + (6 if saliency else 0) for e in explanations)  # 1.2e-03, +0.12
    separators = 3 * (2 + n * (2 + saliency))  # " │ " between columns
    room = console.width - 2 * max(4, len(str(T))) - numbers - separators  # for the token and the bars
    token_width, bar_width = _token_and_bars(tokens, room, n, 12)
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("step", justify="right", style="dim", no_wrap=True)
    table.add_column("token", style="bold", no_wrap=True, max_width=token_width, overflow="ellipsis")
    table.add_column("dist", justify="right", style="dim", no_wrap=True)
    for e in explanations:
        table.add_column(_short_name(e), justify="right", no_wrap=True, min_width=7)
        table.add_column("|g_t|", style="cyan" if e.cell == "lstm" else "magenta", no_wrap=True, width=bar_width)
        if saliency:
            table.add_column("g×x", justify="right", no_wrap=True, min_width=5)
    for t, token in enumerate(tokens):
        row = [str(t + 1), token, str(T - 1 - t)]
        for e in explanations:
            row += [f"{e.grad_norms[t]:.1e}", log_bar(e.grad_norms[t], low, high, bar_width)]
            if saliency:
                row.append(f"{e.saliency[t]:+.2f}")
        table.add_row(*row)
    console.print(table)


def gradient_table(console: Console, tokens: list[str], explanations: list, saliency: bool) -> None:
    """|g_t| per token for each model, with log-scaled bars (one scale for all models), then
    each model's verdict and an LSTM's gates. Models that do not fit the terminal side by side
    go to a second table rather than a squeezed one."""
    low, high = _log_range([e.grad_norms for e in explanations])
    fixed = 2 * max(4, len(str(len(tokens)))) + _token_width(tokens) + 6  # step, token, dist
    tables, used = [[]], fixed
    for e in explanations:  # as many models side by side as fit with bars of 5
        width = max(7, len(_short_name(e))) + 5 + 6 + (8 if saliency else 0)  # value, bar, separators, g×x
        if tables[-1] and used + width > console.width:
            tables.append([])
            used = fixed
        tables[-1].append(e)
        used += width
    for models in tables:
        _gradient_columns(console, tokens, models, saliency, low, high)
    console.print(Text(f"{GRADIENT_NOTE}; bars are log-scaled over 12 decades"
                       + ("; g×x: gradient x input of the prediction" if saliency else "") + ".", style="dim"))
    for e in explanations:
        p = e.prediction
        what = "last token's tag" if p["task"] == "tagger" else "label"
        console.print(Text.assemble((e.name, "bold"), f" ({e.cell}): {what} ", (p["label"], "bold"),
                                    f" ({p['prob']:.2f}); " + gradient_summary(e.summary(), len(tokens))))
    for e in explanations:
        if e.gates():
            gates_table(console, tokens, e)


def gates_table(console: Console, tokens: list[str], e) -> None:
    """The LSTM's gates per token (first layer, left to right): mean input, forget and output
    gate, and the cell state's norm, with the forget gate drawn as a bar: where the cell keeps
    (f near 1) and where it forgets."""
    from rich.table import Table

    gates = e.gates()
    cells = [f"{gates['cell_state_norm'][t]:.2f}" for t in range(len(tokens))]
    numbers = max(4, len(str(len(tokens)))) + 3 * 4 + max(5, *map(len, cells)) + 3 * 6  # " │ " between 7 columns
    token_width, bar_width = _token_and_bars(tokens, console.width - numbers, 1, 10)
    table = Table(title=f"{e.name}: gates per token (means over the units)", title_justify="left",
                  show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("step", justify="right", style="dim", no_wrap=True)
    table.add_column("token", style="bold", no_wrap=True, max_width=token_width, overflow="ellipsis")
    for name in ("i_t", "f_t", "o_t", "|c_t|"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("f_t", style="cyan", no_wrap=True, width=bar_width)
    for t, token in enumerate(tokens):
        f = gates["forget_gate_mean"][t]
        table.add_row(str(t + 1), token, f"{gates['input_gate_mean'][t]:.2f}", f"{f:.2f}",
                      f"{gates['output_gate_mean'][t]:.2f}", cells[t], bar(f, bar_width))
    console.print(table)


def gradient_summary(summary: dict, steps: int) -> str:
    """The verdict (gradients.VERDICT_RULE) with the factor and reach it rests on."""
    factor = summary["decay_factor"]
    if factor is None:
        text = "no decay factor (zero gradient)"
    else:
        text = f"{summary['verdict']}: x{factor:.3f} per step back"
    first = " (the first token)" if summary["reach"] == steps - 1 else ""
    return text + f"; still >= 1e-3 of its maximum {summary['reach']} of {steps - 1} steps back{first}"


def corpus_table(console: Console, explanations: list, note: str) -> None:
    """Gradient decay over many sentences: the median [quartiles] of each model's normalised
    |g| at a few distances, then each model's verdict with its statistics."""
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("dist", justify="right", no_wrap=True)
    for e in explanations:
        table.add_column("n", justify="right", style="dim", no_wrap=True)
        table.add_column(f"{e.name} median [Q1-Q3]", justify="right", no_wrap=True)
    longest = max(len(e.median) for e in explanations)
    for k in (0, 1, 2, 5, 10, 20, 40, 80):
        if k >= longest:
            break
        row = [str(k)]
        for e in explanations:
            if k < len(e.median) and e.counts[k]:
                row += [str(e.counts[k]), f"{e.median[k]:.2g} [{e.q1[k]:.2g}-{e.q3[k]:.2g}]"]
            else:
                row += ["0", "-"]
        table.add_row(*row)
    console.print(table)
    console.print(Text(note + ".", style="dim"))
    for e in explanations:
        console.print(Text.assemble((e.name, "bold"), f" ({e.cell}, {e.sentences} sentences): {e.summary_text()}"))


def corpus_tsv(explanations: list) -> str:
    header = ["distance"] + [f"{e.name}_{column}" for e in explanations for column in ("n", "q1", "median", "q3")]
    lines = ["\t".join(header)]
    for k in range(max(len(e.median) for e in explanations)):
        row = [str(k)]
        for e in explanations:
            row += ([str(e.counts[k])] + [f"{v[k]:.6e}" for v in (e.q1, e.median, e.q3)] if k < len(e.median)
                    else ["0", "", "", ""])
        lines.append("\t".join(row))
    return "\n".join(lines) + "\n"


def gradient_tsv(tokens: list[str], explanations: list) -> str:
    """Per token: |g_t| of each model, and its gradient x input with --saliency."""
    header = ["step", "token", "distance"]
    for e in explanations:
        header += [f"{e.name}_grad_norm"] + ([f"{e.name}_saliency"] if e.saliency else [])
    lines = ["\t".join(header)]
    T = len(tokens)
    for t, token in enumerate(tokens):
        row = [str(t + 1), printable(token), str(T - 1 - t)]
        for e in explanations:
            row += [f"{e.grad_norms[t]:.6e}"] + ([f"{e.saliency[t]:.6e}"] if e.saliency else [])
        lines.append("\t".join(row))
    return "\n".join(lines) + "\n"


def synthetic_tsv(results: list) -> str:
    T = len(results[0].grad_norms)
    lines = ["\t".join(["step", "distance"] + [f"{r.cell}_grad_norm" for r in results])]
    for t in range(T):
        lines.append("\t".join([str(t + 1), str(T - 1 - t)] + [f"{r.grad_norms[t]:.6e}" for r in results]))
    return "\n".join(lines) + "\n"


def synthetic_table(console: Console, results: list) -> None:
    from rich.table import Table

    low, high = _log_range([r.grad_norms for r in results], decades=16)
    T = len(results[0].grad_norms)
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("step", justify="right", style="dim")
    table.add_column("dist", justify="right", style="dim")
    for r in results:
        table.add_column(r.cell, justify="right", no_wrap=True)
        table.add_column("|g_t|", style="cyan" if r.cell == "lstm" else "magenta", no_wrap=True)
        if r.analytic is not None:
            table.add_column("|(W_hh^T)^k u|", justify="right", style="dim")
    for t in range(T):
        row = [str(t + 1), str(T - 1 - t)]
        for r in results:
            row += [f"{r.grad_norms[t]:.2e}", log_bar(r.grad_norms[t], low, high)]
            if r.analytic is not None:
                row.append(f"{r.analytic[t]:.2e}")
        table.add_row(*row)
    console.print(table)
    first = results[0]
    console.print(Text(f"random weights, recurrent matrix scaled to spectral radius {first.radius}, activation "
                       f"{first.activation}; |g_t| = |dL/dh_t| for L = u . h_T; bars log-scaled.", style="dim"))
    for r in results:
        console.print(Text.assemble((r.cell, "bold"), ": " + gradient_summary(r.summary(), T)))
        if r.analytic is not None:
            err = r.summary()["analytic_max_rel_error"]
            verdict = "matches" if err < 1e-9 else "does NOT match"
            console.print(f"  linear rnn: backpropagation {verdict} the analytic (W_hh^T)^k u (max relative error "
                          f"{err:.1e}): stacked linear maps collapse into one linear map, W_hh^k, so the gradient "
                          "scales like the radius to the power k")
        if r.clip is not None:
            c = r.clip
            console.print(f"  clipping at {c['threshold']:g} (Pascanu et al. 2013): |dL/dW_hh| {c['norm_before']:.3e} "
                          f"-> {c['norm_after']:.3e} (scaled by {c['scale']:.2e}; direction kept)")


def short_floats(value, digits: int = 4):
    """`value` with every float rounded to `digits` significant digits (for JSON that a person
    may read and a script parses: 0.6991, not 0.69912345678901234)."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: short_floats(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [short_floats(v, digits) for v in value]
    return value


def write_json_line(document) -> None:
    """One JSON document on one line, floats with 4 significant digits (explain-gradients, experiments)."""
    import json

    sys.stdout.write(json.dumps(short_floats(document)) + "\n")


def json_text(document) -> str:
    """A report or description as indented JSON (what --json prints and --report writes)."""
    import json

    return json.dumps(document, indent=2) + "\n"


def write_json(document) -> None:
    sys.stdout.write(json_text(document))


# --- model descriptions -------------------------------------------------------------


def _scores(scores: dict) -> str:
    """`dev UPOS 95.88% PTB 95.24%  test ...`: every split and output, as percentages."""
    return "  ".join(f"{split} {_head_scores(s)}" for split, s in scores.items())


def primary_score(task: str, scores: dict[str, float]) -> float | None:
    """The one score `models` shows: a tokenizer's Words F1, otherwise the first output's accuracy."""
    if task == "tokenizer":
        return scores.get("words")
    return next(iter(scores.values()), None)


def models_table(console: Console, models: list[dict]) -> None:
    """One row per model: the name one types (bundled) or the path (a file), its work per
    token (multiply-adds: what sets its speed on any machine), file size, and the saved
    model's first score on dev and test. The names are never cut: where the table would not
    fit the terminal, each model takes two lines instead."""
    from rich.padding import Padding
    from rich.table import Table

    headers = ("model", "task", "cell", "MAC/tok", "size", "dev", "test")
    rows = []
    for m in models:
        first = [primary_score(m["task"], m["scores"].get(split, {})) for split in ("dev", "test")]
        rows.append((printable(m["name"] if m.get("bundled") else m["path"]), m["task"],
                     f"{m['cell']} {m['layers']}x{m['hidden']}" + (" bi" if m["bidirectional"] else ""),
                     _count(m["macs_per_token"]), f"{m['size_bytes'] / 1e6:.1f} MB",
                     *("-" if v is None else f"{v:.2%}" for v in first)))
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    if sum(widths) + 2 * (len(headers) - 1) <= console.width:
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in headers:
            table.add_column(column, justify="left" if column in headers[:3] else "right", no_wrap=True)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:
        for name, task, cell, macs, size, dev, test in rows:
            console.print(Text(name, style="bold"), soft_wrap=True)
            console.print(Padding(f"{task}, {cell}, {macs} MAC/tok, {size}; dev {dev}, test {test}", (0, 0, 0, 4)))
    for line in ("MAC/tok: multiply-adds per token (per character for a tokenizer)",
                 "dev/test: tagger UPOS, sentiment accuracy, tokenizer Words F1; see rnncli info"):
        console.print(Text(line, style="dim"))


def _count(n: int) -> str:
    """A count in three significant figures or fewer: 742k, 2.7M."""
    return f"{n / 1e6:.1f}M" if n >= 999_500 else f"{n / 1e3:.0f}k" if n >= 1000 else str(n)


def _words(value) -> str:
    """A metadata value as words: lists joined by commas, None as a dash."""
    if isinstance(value, (list, tuple)):
        return ", ".join(_words(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return "-" if value is None else str(value)


def _key_values(values: dict) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {_words(v)}" for k, v in values.items())


def _meaningful(config: dict) -> dict:
    """The config fields that mean something for this model (a file holds them all; `info
    --json` shows them all): no pooling but for sentiment, no character settings without
    character features, no activation but for the vanilla RNN; the heads are shown as labels."""
    unused = {"heads"}
    if config.get("task") != "sentiment":
        unused.add("pooling")
    if not config.get("char"):
        unused |= {"char_dim", "char_hidden", "max_word_chars"}
    if config.get("cell") != "rnn":
        unused.add("activation")
    return {k: v for k, v in config.items() if k not in unused}


def shell_lines(command: str, width: int) -> list[str]:
    """A long command as lines of at most `width` characters, each option with its value,
    joined by ` \\` so that the lines can be pasted into a shell."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return [command]
    parts, i = [], 0
    while i < len(words):  # an option and its value stay together, unless too wide for a line
        takes_value = words[i].startswith("-") and i + 1 < len(words) and not words[i + 1].startswith("-")
        pair = words[i:i + 1 + takes_value]
        if len(shlex.join(pair)) + 6 > width:  # with its indent and " \\"
            parts.extend(shlex.quote(word) for word in pair)
        else:
            parts.append(shlex.join(pair))
        i += 1 + takes_value
    lines, line = [], ""
    for part in parts:
        if line and len(line) + 1 + len(part) + 2 > width:
            lines.append(line + " \\")
            line = "    " + part
        else:
            line = f"{line} {part}" if line else part
    return lines + [line]


def model_info(console: Console, m: dict) -> None:
    """Everything `describe` gives, as labelled lines that wrap under their value, then the
    per-epoch history as a table."""
    from rich.table import Table

    training = m.get("training", {})
    data = m["data"] if isinstance(m["data"], dict) else {"data": m["data"]}
    data = {k: data[k] for k in sorted(data, key=lambda k: (["train", "dev", "test"] + [k]).index(k))}
    outputs = {k: "labels" if k == "label" else f"{display(k)} tags" for k in m["label_names"]}
    rows = [("model", m["name"]), ("file", m["path"]), ("task", m["task"]),
            ("cell", m["cell"] + (f" ({m['activation']})" if m["activation"] else "")),
            ("recurrence", m["recurrence"]),
            ("shape", f"{m['layers']} layer(s) x {m['hidden']} per direction, "
                      f"{'bidirectional' if m['bidirectional'] else 'left to right'}"
                      + (", character features" if m["char"] else "") + (f", {m['pooling']} pooling" if m["pooling"] else "")),
            *((f"{outputs[k]} ({len(v)})", " ".join(v)) for k, v in m["label_names"].items()),
            ("parameters", f"{m['parameters']:,}" if m["parameters"] else "?"), ("size", f"{m['size_bytes']:,} bytes"),
            ("work", f"{m['macs_per_token']:,} multiply-adds per {'character' if m['task'] == 'tokenizer' else 'token'}"
                     + (f", {m['char_macs']:,} per character of a new word" if m["char_macs"] else "")),
            ("config", _key_values(_meaningful(m["config"]))),
            ("scores", _scores(m["scores"]) or "-"), ("", "")]
    rows += [("trained with", ""), *((k.replace("_", " "), _words(v)) for k, v in data.items()),
             ("seed", _words(m["seed"])), ("options", _key_values(training.get("options") or {}) or "-"),
             *((k.replace("_", " "), _key_values(v) if isinstance(v, dict) else _words(v))
               for k, v in training.items() if k not in ("options", "history", "parameters")),
             ("best epoch", _words(m["best_epoch"])), ("wall time", f"{_words(m['wall_time_s'])} s")]
    key_width = max(len(k) for k, _ in rows)
    command = shell_lines(m["command"] or "?", console.width - key_width - 2)
    # A line wider than the value column would be folded by Rich, mid-word or before its " \\", and
    # would no longer paste back: then the command goes under its label, at the console's width.
    below = max(map(len, command)) > console.width - key_width - 2
    if below:
        command = shell_lines(m["command"] or "?", console.width)
    split = rows.index(("trained with", "")) + 1
    for first, part in ((True, rows[:split]), (False, rows[split:])):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", justify="right", no_wrap=True, min_width=key_width)  # both parts aligned
        grid.add_column(overflow="fold")
        for key, value in part:
            shown = "\n".join(map(printable, command)) if key == "trained with" and not below else printable(value)
            grid.add_row(key, Text(shown))
        console.print(grid)
        if first and below:
            console.print(Text("\n".join(map(printable, command))), soft_wrap=True)  # a word wider still: unfolded
    history = training.get("history") or []
    if history:
        console.print()
        history_table(console, history, m["best_epoch"])


def history_table(console: Console, history: list[dict], best_epoch) -> None:
    """Per epoch: loss, dev scores as percentages, learning rate, time; the kept epoch marked."""
    from rich.table import Table

    heads = [k for k in history[0] if k.startswith("dev_")]
    table = Table(box=None, pad_edge=False, header_style="bold",
                  title="history (* the epoch kept)", title_justify="left", title_style="italic")
    for column in ("epoch", "loss", *(f"dev {display(k[4:])}" for k in heads), "lr", "time"):
        table.add_column(column, justify="right", no_wrap=True)
    for e in history:
        mark = "*" if e.get("epoch") == best_epoch else " "
        steps = f" ({e['steps']} batches)" if "steps" in e else ""
        table.add_row(f"{_words(e.get('epoch'))}{mark}{steps}", f"{e.get('loss', 0):.4f}",
                      *(f"{e[k]:.2%}" if k in e else "-" for k in heads), f"{e.get('lr', 0):.2e}",
                      f"{e.get('elapsed_s', 0):,.0f} s")
    console.print(table)


# --- evaluation reports ---------------------------------------------------------------


def tagger_report(console: Console, report, model_name: str, data: str, tagset: str) -> None:
    """Accuracy per tag set, then per-tag precision/recall/F1 and confusions of one tag set."""
    from rich.table import Table

    tokens = max((r.tokens for r in report.tagsets.values()), default=0)
    console.print(Text.assemble((printable(model_name), "bold"), f" on {printable(data)}: {tokens:,} tokens"))
    line = Text()
    for name, r in report.tagsets.items():
        line.append(f"{'   ' if line else ''}{display(name)} accuracy ")
        line.append(f"{r.accuracy:.2%}", style="bold")
    console.print(line)
    chosen = report.tagsets.get(tagset)
    if chosen is None:
        return
    label = display(tagset)
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


def raw_report(console: Console, report, model: str | None, data: str, tokenizer: str) -> None:
    """Scores from raw text (rawscore.RawScores) as the CoNLL 2018 script prints them, in
    percent, then the tokenization mismatches and sentence ends. `model`: the tagger's name,
    or None when the tokenizer is scored alone."""
    from rich.table import Table

    name = f"{tokenizer} tokenizer" if model is None else model
    how = "" if model is None else f" from raw text, {tokenizer} tokenizer"
    console.print(Text.assemble((printable(name), "bold"), f" on {printable(data)}{printable(how)}: "
                                f"{counted(report.scores['Sentences'].gold, 'sentence')}, "
                                f"{counted(report.scores['Words'].gold, 'word')}"))
    table = Table(show_edge=False, header_style="bold")
    for column in ("metric", "precision", "recall", "F1", "aligned acc", "gold", "system"):
        table.add_column(column, justify="left" if column == "metric" else "right", no_wrap=True)
    for metric, s in report.scores.items():
        aligned = "" if s.aligned_accuracy is None else f"{100 * s.aligned_accuracy:.2f}"
        table.add_row(metric, f"{100 * s.precision:.2f}", f"{100 * s.recall:.2f}", Text(f"{100 * s.f1:.2f}", "bold"),
                      aligned, f"{s.gold:,}", f"{s.system:,}")
    console.print(table)
    if any(s.aligned_accuracy is not None for s in report.scores.values()):
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


# --- experiments --------------------------------------------------------------------


class StepProgress:
    """A progress bar on stderr for experiments: `progress(name, setting, step, loss)`."""

    def __init__(self, total: int):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.total, self.done = total, 0
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("loss {task.fields[loss]:.3f}"), TimeRemainingColumn(),
                                 console=stderr_console(), transient=True)
        self.task = None

    def __enter__(self):
        if self.progress.console.is_terminal:  # a log file gets no bar (and no stray blank line)
            self.progress.start()
        self.task = self.progress.add_task("", total=self.total, loss=0.0)
        return self

    def __exit__(self, *exc):
        if self.progress.live.is_started:  # Progress.stop() prints a blank line off a terminal
            self.progress.stop()

    def __call__(self, name: str, setting, step: int, loss: float) -> None:
        self.done += 1
        self.progress.update(self.task, completed=self.done, description=f"{name} {setting}", loss=loss)


def _factor(spread: dict) -> str:
    return "-" if spread.get("median") is None else f"x{spread['median']:.2f}"


def memory_table(console: Console, result) -> None:
    """Accuracy per distance per cell, and each trained network's per-step gradient factor."""
    from rich.table import Table

    cells = result.settings["cells"]
    several = len(result.settings["seeds"]) > 1
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("distance", justify="right", no_wrap=True)
    for cell in cells:
        table.add_column(cell, justify="right", no_wrap=True)  # its accuracy
        table.add_column("|g|", justify="right", style="dim", no_wrap=True)
        if cell == "lstm":
            table.add_column("|c|", justify="right", style="dim", no_wrap=True)
    for distance in result.settings["distances"]:
        row = [str(distance)]
        for cell in cells:
            run = result.run(cell, distance)
            spread = f" ±{(max(run.accuracies) - min(run.accuracies)) / 2:.0%}" if several and console.width >= 80 else ""
            row += [f"{run.accuracy:.0%}{spread}", _factor(run.decay_factor)]
            if cell == "lstm":
                row.append(_factor(run.c_decay_factor or {}))
        table.add_row(*row)
    console.print(table)
    seeds = result.settings["seeds"]
    console.print(Text(
        f"Label: the first of {result.settings['symbols']} symbols, then `distance` distractors; under each "
        f"cell its accuracy on "
        f"{result.settings['test_size']} fresh sequences (chance {result.chance:.0%}), "
        + (f"mean of seeds {seeds[0]}-{seeds[-1]}"
           + (" (± half the range); " if console.width >= 80 else "; ") if several else f"seed {seeds[0]}; ")
        + "|g|: the trained network's gradient factor per step back (median over test sequences) for h_t, "
        + "|c|: for the LSTM's cell state c_t. "
        + "Time: " + ", ".join(f"{cell} {s:.0f} s" for cell, s in result.wall_time_s.items()) + ".", style="dim"))
    for line in memory_findings(result):
        console.print(line)


def memory_findings(result) -> list[str]:
    """What the table shows, in words, from the numbers themselves."""
    lines = []
    near_chance = result.chance + 0.1
    for cell in result.settings["cells"]:
        runs = [r for r in result.runs if r.cell == cell]
        failed = next((r.distance for r in runs if r.accuracy <= near_chance), None)
        if failed is None:
            lines.append(f"{cell}: above chance + 10 points at every distance (lowest {min(r.accuracy for r in runs):.0%}).")
        else:
            lines.append(f"{cell}: at chance (within 10 points) from distance {failed} on.")
    return lines


def memory_tsv(result) -> str:
    lines = ["\t".join(["cell", "distance", "accuracy", "decay_factor_median", "reach_median", "train_time_s"])]
    for r in result.runs:
        factor = r.decay_factor.get("median")
        lines.append("\t".join([r.cell, str(r.distance), f"{r.accuracy:.4f}", "" if factor is None else f"{factor:.6g}",
                                f"{r.reach.get('median', '')}", f"{r.train_time_s:.1f}"]))
    return "\n".join(lines) + "\n"


def tanh_table(console: Console, result) -> None:
    """Linear against tanh at each depth: accuracy, and whether the trained network is one affine map."""
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    for column in ("activation", "layers", "accuracy", "p(correct)", "loss", "affine?", "singular values"):
        table.add_column(column, justify="left" if column in ("activation", "affine?") or "singular" in column
                         else "right", no_wrap="singular" not in column)
    for r in result.runs:
        affine = r.affine_error <= 1e-4 * max(r.logit_std, 1e-12)
        values = " ".join(f"{v:.2g}" for v in r.singular_values[:2])
        table.add_row(r.activation, str(r.depth), f"{r.accuracy:.0%}", f"{r.p_correct:.2f}", f"{r.loss:.3f}",
                      f"yes ({r.affine_error:.0e})" if affine else f"no ({r.affine_error:.1g})",
                      values if r.activation == "linear" else "-")
    console.print(table)
    s = result.settings
    console.print(Text(
        f"Task: {s['task']} of {s['length']} random bits; chance {result.chance:.0%}: p(correct) 0.50 and loss "
        "ln 2 = 0.693 are a coin flip (the accuracy of logits near 0 is noise around 50%). affine?: does the "
        "trained network's logit equal one affine map of the input bits (largest difference over the test "
        "inputs)? For the linear stacks it does, at every depth: stacked linear maps collapse into one (its "
        "singular values shown), and no affine map of the bits can compute parity or XOR.", style="dim"))


def tanh_tsv(result) -> str:
    lines = ["\t".join(["activation", "layers", "accuracy", "p_correct", "loss", "affine_error", "singular_values"])]
    for r in result.runs:
        lines.append("\t".join([r.activation, str(r.depth), f"{r.accuracy:.4f}", f"{r.p_correct:.4f}", f"{r.loss:.4f}",
                                f"{r.affine_error:.3g}",
                                " ".join(f"{v:.4g}" for v in r.singular_values)]))
    return "\n".join(lines) + "\n"
