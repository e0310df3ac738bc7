"""What `rnncli explain-gradients` prints, for one text, a corpus (--input) or random
weights (--synthetic): tables of the gradient norm per step back with log-scaled bars, an
LSTM's gates, each model's verdict; tsv and one-line JSON for programs."""

from __future__ import annotations

import math
import sys

from rich.text import Text

from rnncli.cli.views.console import Console, stdout_console
from rnncli.cli.views.formats import bar, write_json_line
from rnncli.explain.stats import summary_line
from rnncli.text.hygiene import printable


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
    console.print(Text(f"{GRADIENT_NOTE}; bars on a log scale from the smallest |g_t| in the table (no bar) to the "
                       "largest (a full bar), over at most 12 decades"
                       + ("; g×x: gradient x input of the prediction" if saliency else "") + ".", style="dim"))
    for e in explanations:
        p = e.prediction
        what = "last token's tag" if p["task"] == "tagger" else "label"
        console.print(Text.assemble((e.name, "bold"), f" ({e.cell}): {what} ", (p["label"], "bold"),
                                    f" ({p['prob']:.2f}); " + summary_line(e.summary(), len(tokens))))
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
    for e in explanations[1:]:
        console.print(Text(printable(e.paired_text(explanations[0]))))
    if any(e.reach()["censored"] for e in explanations):
        console.print(Text("A reach that is its sentence's length says how long the sentence is, not how far the "
                           "gradient goes: the decay factors compare the models.", style="dim"))


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
    gated = [r for r in results if r.keep_bias is not None]
    if gated:
        bias = gated[0].keep_bias
        console.print(Text(f"{', '.join(r.cell for r in gated)}: the gate that keeps the state (the LSTM's forget "
                           f"gate, the GRU's update gate) has bias {bias:g} (--forget-bias), so it starts "
                           f"{1 / (1 + math.exp(-bias)):.2f} open; a gated cell keeps its gradient only as far as "
                           "that gate is open (at 0, half open, it vanishes too).", style="dim"))
    for r in results:
        console.print(Text.assemble((r.cell, "bold"), ": " + summary_line(r.summary(), T)))
        if r.analytic is not None:
            err = r.summary()["analytic_max_rel_error"]
            verdict = "matches" if r.matches_analytic else "does NOT match"
            console.print(f"  linear rnn: backpropagation {verdict} the analytic (W_hh^T)^k u (max relative error "
                          f"{err:.1e}): stacked linear maps collapse into one linear map, W_hh^k, so the gradient "
                          "scales like the radius to the power k")
        if r.clip is not None:
            c = r.clip
            console.print(f"  clipping at {c['threshold']:g} (Pascanu et al. 2013): |dL/dW_hh| {c['norm_before']:.3e} "
                          f"-> {c['norm_after']:.3e} (scaled by {c['scale']:.2e}; direction kept)")


def show_text(tokens: list[str], explanations: list, fmt: str, task: str, saliency: bool) -> None:
    """One text: |g_t| per token for each model (explain.sentence.Explanation)."""
    if fmt == "table":
        gradient_table(stdout_console(), tokens, explanations, saliency)
    elif fmt == "json":
        write_json_line({"tokens": tokens, "task": task, "note": GRADIENT_NOTE,
                         "models": {e.name: e.to_dict() for e in explanations}})
    else:
        sys.stdout.write(gradient_tsv(tokens, explanations))


def show_corpus(explanations: list, fmt: str, corpus: str, task: str, note: str) -> None:
    """Statistics over the sentences of the file `corpus` (explain.corpus.CorpusExplanation)."""
    if fmt == "table":
        corpus_table(stdout_console(), explanations, note)
    elif fmt == "json":
        write_json_line({"input": corpus, "task": task, "models": {e.name: e.to_dict() for e in explanations},
                         "paired": [e.against(explanations[0]) for e in explanations[1:]]})
    else:
        sys.stdout.write(corpus_tsv(explanations))


def show_synthetic(results: list, fmt: str, length: int, radius: float, seed: int) -> None:
    """Random weights, one result per cell (explain.synthetic.SyntheticResult)."""
    if fmt == "table":
        synthetic_table(stdout_console(), results)
    elif fmt == "json":
        write_json_line({"synthetic": True, "length": length, "radius": radius, "seed": seed,
                         "models": {r.cell: r.to_dict() for r in results}})
    else:
        sys.stdout.write(synthetic_tsv(results))
