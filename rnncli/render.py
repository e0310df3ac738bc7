"""Everything the user sees: Rich tables on a terminal, stable plain formats otherwise,
error lines and training progress. The only module besides the CLI that imports rich.
User text is data: it is never parsed as Rich markup, and control characters are shown
as U+FFFD."""

from __future__ import annotations

import os
import sys

import rich.console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from rnncli.streams import ReaderGone, write_stderr
from rnncli.tagsets import display
from rnncli.text import printable


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
        super().__init__(markup=False, emoji=False, highlight=False, no_color="NO_COLOR" in os.environ, **kwargs)


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
    fixed = not sys.stdout.isatty() and not os.environ.get("COLUMNS", "").isdigit()
    return Console(soft_wrap=False, width=120 if fixed else None)


class TrainingProgress:
    """Training callbacks drawn as a Rich progress bar, plus one log line per epoch
    (so that logs written to a file are readable too)."""

    def __init__(self):
        self.console = stderr_console()
        # On a terminal, Rich's timestamped log; in a log file, plain unwrapped lines.
        self.log = self.console.log if self.console.is_terminal else lambda line: print(line, file=sys.stderr, flush=True)
        self.progress = Progress(TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("loss {task.fields[loss]:.3f}  dev {task.fields[dev]}  "
                                            "{task.fields[rate]:,.0f} ex/s"),
                                 TimeRemainingColumn(), TextColumn("run ETA {task.fields[eta]}"),
                                 console=self.console, transient=True)
        self.task = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.task is not None:
            self.progress.stop()

    def on_start(self, epochs: int, steps_per_epoch: int, info: dict) -> None:
        import time

        self.steps, self.epochs, self.batch = steps_per_epoch, epochs, info.get("batch_size", 1)
        self.log(", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in info.items()))
        if self.console.is_terminal:  # only now, and only on a terminal: errors and logs stay one line each
            self.progress.start()
        self.task = self.progress.add_task("train", total=steps_per_epoch, epoch=f"1/{epochs}", loss=0.0, dev="-",
                                           rate=0.0, eta="-")
        self.epoch_started = self.run_started = time.monotonic()
        self.first_epoch = None

    def on_step(self, epoch: int, step: int, loss: float) -> None:
        import time

        if self.first_epoch is None:
            self.first_epoch = epoch
        rate = step * self.batch / max(time.monotonic() - self.epoch_started, 1e-9)
        self.progress.update(self.task, completed=step, epoch=f"{epoch}/{self.epochs}", loss=loss, rate=rate)

    def on_epoch_end(self, epoch: int, metrics: dict) -> None:
        import time

        scores = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items() if k.startswith("dev_"))
        self.log(f"epoch {epoch}/{self.epochs}  loss {metrics['loss']:.4f}  {scores}  "
                 f"best epoch {metrics['best_epoch']}  {metrics['elapsed_s']:.0f}s")
        now = time.monotonic()
        per_epoch = (now - self.run_started) / (epoch - (self.first_epoch or epoch) + 1)
        left = per_epoch * (self.epochs - epoch)
        dev = next((v for k, v in metrics.items() if k.startswith("dev_")), None)
        self.progress.reset(self.task, total=self.steps, epoch=f"{min(epoch + 1, self.epochs)}/{self.epochs}",
                            loss=metrics["loss"], rate=0.0, dev=f"{dev:.4f}" if dev is not None else "-",
                            eta=f"{left / 60:.0f} min" if left >= 60 else f"{left:.0f} s")
        self.epoch_started = now

    def on_end(self, result) -> None:
        scores = "; ".join(f"{split} " + " ".join(f"{k} {v:.4f}" for k, v in s.items()) for split, s in result.scores.items())
        self.log(f"saved {result.out} (best epoch {result.best_epoch}): {scores}")

    def on_warning(self, message: str) -> None:
        self.console.print(Text(f"rnncli: warning: {_one_line(message)}"), soft_wrap=True)  # above the live bar


# --- tagging output -------------------------------------------------------------------
# Machine formats are stable and independent of the terminal:
#   tsv    token, tag, probability (then tag, probability of each extra candidate); blank line after each sentence
#   tags   one sentence per line: word/TAG word/TAG ...
#   jsonl  one JSON object per sentence
#   conllu the input's CoNLL-U (or one built from text) with UPOS and XPOS filled


def _prob(p: float) -> str:
    """4 decimals, and 4 significant digits below 1e-4, so that a runner-up never reads 0.0000."""
    return f"{p:.4f}" if p >= 1e-4 or p == 0 else f"{p:.3e}"


def _json_prob(p: float) -> float:
    """6 decimals, and 4 significant digits below 1e-4 (never a flat 0.0)."""
    return round(p, 6) if p >= 1e-4 else float(f"{p:.4g}")


def tagged_tsv(tokens: list[str], candidates: list[list[tuple[str, float]]]) -> str:
    lines = ["\t".join([printable(tok)] + [x for tag, p in cands for x in (tag, _prob(p))])
             for tok, cands in zip(tokens, candidates)]
    return "\n".join(lines) + "\n\n"


def tagged_tags(tokens: list[str], candidates: list[list[tuple[str, float]]]) -> str:
    return " ".join(f"{printable(tok)}/{cands[0][0]}" for tok, cands in zip(tokens, candidates)) + "\n"


def tagged_json(text: str, tokens: list[str], candidates: list[list[tuple[str, float]]], tagset: str,
                sent_id: str | None = None) -> str:
    import json

    record = {"text": printable(text)}
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
        if fmt == "table":
            tagged_table(console, result.sentence.text, result.words, candidates, tagset)
        elif fmt == "tsv":
            sys.stdout.write(tagged_tsv(result.words, candidates))
        elif fmt == "tags":
            sys.stdout.write(tagged_tags(result.words, candidates))
        elif fmt == "jsonl":
            sys.stdout.write(tagged_json(result.sentence.text, result.words, candidates, tagset,
                                         result.sentence.comment("sent_id")))
        else:
            sys.stdout.write(result.sentence.to_conllu())
        sys.stdout.flush()


# --- sentiment output -----------------------------------------------------------------
#   tsv    label, probability, text (tabs and newlines cannot occur in the text)
#   jsonl  {"text", "label", "prob", "probs": {label: prob}}


def sentiment_tsv(text: str, label: str, probs: dict[str, float]) -> str:
    return f"{label}\t{_prob(probs[label])}\t{printable(text)}\n"


def sentiment_json(text: str, label: str, probs: dict[str, float]) -> str:
    import json

    record = {"text": text, "label": label, "prob": _json_prob(probs[label]),
              "probs": {k: _json_prob(v) for k, v in probs.items()}}
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
            sentiment_row(console, result.text, result.label, result.probs)
        elif fmt == "tsv":
            sys.stdout.write(sentiment_tsv(result.text, result.label, result.probs))
        else:
            sys.stdout.write(sentiment_json(result.text, result.label, result.probs))
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


def gradient_table(console: Console, tokens: list[str], explanations: list, saliency: bool) -> None:
    from rich.table import Table

    low, high = _log_range([e.grad_norms for e in explanations])
    bar_width = 12 if len(explanations) < 3 and not saliency else 6  # so that two models fit 80 columns
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("step", justify="right", style="dim", no_wrap=True)
    table.add_column("token", style="bold", no_wrap=True, max_width=16, overflow="ellipsis")
    table.add_column("dist", justify="right", style="dim", no_wrap=True)
    for e in explanations:  # bundled models by their short names (rnn, lstm): the table fits 80 columns
        table.add_column(e.name.removeprefix(f"{e.prediction['task']}-"), justify="right", no_wrap=True)
        table.add_column("|g_t|", style="cyan" if e.cell == "lstm" else "magenta", no_wrap=True)
        if saliency:
            table.add_column("g×x", justify="right", no_wrap=True)
    T = len(tokens)
    for t, token in enumerate(tokens):
        row = [str(t + 1), token, str(T - 1 - t)]
        for e in explanations:
            row += [f"{e.grad_norms[t]:.1e}", log_bar(e.grad_norms[t], low, high, bar_width)]
            if saliency:
                row.append(f"{e.saliency[t]:+.2f}")
        table.add_row(*row)
    console.print(table)
    console.print(Text(f"{GRADIENT_NOTE}; bars are log-scaled over 12 decades"
                       + ("; g×x: gradient x input of the prediction" if saliency else "") + ".", style="dim"))
    for e in explanations:
        p = e.prediction
        what = "last token's tag" if p["task"] == "tagger" else "label"
        console.print(Text.assemble((e.name, "bold"), f" ({e.cell}): {what} ", (p["label"], "bold"),
                                    f" ({p['prob']:.2f}); " + gradient_summary(e.summary(), T)))
    for e in explanations:
        if e.gates():
            gates_table(console, tokens, e)


def gates_table(console: Console, tokens: list[str], e) -> None:
    """The LSTM's gates per token (first layer, left to right): mean input, forget and output
    gate, and the cell state's norm, with the forget gate drawn as a bar: where the cell keeps
    (f near 1) and where it forgets."""
    from rich.table import Table

    gates = e.gates()
    table = Table(title=f"{e.name}: gates per token (means over the units)", title_justify="left",
                  show_edge=False, header_style="bold", pad_edge=False)
    table.add_column("step", justify="right", style="dim", no_wrap=True)
    table.add_column("token", style="bold", no_wrap=True, max_width=16, overflow="ellipsis")
    for name in ("i_t", "f_t", "o_t", "|c_t|"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("f_t", style="cyan", no_wrap=True, min_width=10)
    for t, token in enumerate(tokens):
        f = gates["forget_gate_mean"][t]
        table.add_row(str(t + 1), token, f"{gates['input_gate_mean'][t]:.2f}", f"{f:.2f}",
                      f"{gates['output_gate_mean'][t]:.2f}", f"{gates['cell_state_norm'][t]:.2f}", bar(f))
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
    header = ["step", "token", "distance"] + [f"{e.name}_grad_norm" for e in explanations]
    lines = ["\t".join(header)]
    T = len(tokens)
    for t, token in enumerate(tokens):
        lines.append("\t".join([str(t + 1), token, str(T - 1 - t)] + [f"{e.grad_norms[t]:.6e}" for e in explanations]))
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


def json_text(document) -> str:
    """A report or description as indented JSON (what --json prints and --report writes)."""
    import json

    return json.dumps(document, indent=2) + "\n"


def write_json(document) -> None:
    sys.stdout.write(json_text(document))


# --- model descriptions -------------------------------------------------------------


def _scores(scores: dict) -> str:
    return "  ".join(f"{split} " + " ".join(f"{display(k)} {v:.2%}" for k, v in s.items())
                     for split, s in scores.items())


def models_table(console: Console, models: list[dict]) -> None:
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold")
    for column in ("name", "task", "cell", "layers x hidden", "params", "size", "scores"):
        table.add_column(column, justify="right" if column in ("params", "size") else "left")
    for m in models:
        shape = f"{m['layers']} x {m['hidden']}" + (" bi" if m["bidirectional"] else "")
        n = m["parameters"] or 0
        params = f"{n / 1e6:.1f}M" if n >= 100_000 else f"{n / 1e3:.0f}k" if n else "?"
        table.add_row(printable(m["name"]), m["task"], m["cell"], shape, params, f"{m['size_bytes'] / 1e6:.1f} MB",
                      _scores(m["scores"]))
    console.print(table)


def model_info(console: Console, m: dict) -> None:
    rows = [("file", m["path"]), ("task", m["task"]), ("cell", m["cell"] + (f" ({m['activation']})" if m["activation"] else "")),
            ("recurrence", m["recurrence"]),
            ("shape", f"{m['layers']} layer(s) x {m['hidden']} per direction, "
                      f"{'bidirectional' if m['bidirectional'] else 'left to right'}"
                      + (", character features" if m["char"] else "") + (f", {m['pooling']} pooling" if m["pooling"] else "")),
            ("outputs", ", ".join(f"{display(k)}: {n} classes" for k, n in m["labels"].items())),
            ("parameters", f"{m['parameters']:,}" if m["parameters"] else "?"), ("size", f"{m['size_bytes']:,} bytes"),
            ("trained with", m["command"] or "?"), ("data", str(m["data"])), ("seed", str(m["seed"])),
            ("best epoch", str(m["best_epoch"])), ("wall time", f"{m['wall_time_s']} s"), ("scores", _scores(m["scores"]))]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        console.print(Text.assemble((f"{key:>{width}}", "bold"), f"  {printable(value)}"), soft_wrap=True)


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


# --- experiments --------------------------------------------------------------------


class StepProgress:
    """A progress bar on stderr for experiments: `progress(name, setting, step, loss)`."""

    def __init__(self, total: int):
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
