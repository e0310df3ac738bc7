"""What `rnncli experiment` prints: the memory experiment's accuracy and gradient factor per
cell and distance, the tanh experiment's linear and tanh stacks, the clue experiment's
accuracy and gain per model and distance; a table with the findings in words, tsv, or
one-line JSON."""

from __future__ import annotations

import sys

from rich.text import Text

from rnncli.cli.views.console import Console, stdout_console
from rnncli.cli.views.formats import write_json_line
from rnncli.text.hygiene import printable

TASK_NAMES = {"parity": "the parity of", "xor": "the XOR of the first and last of"}  # experiment tanh's --task


def show_memory(result, fmt: str) -> None:
    """The memory experiment's result (explain.memory.MemoryResult) in `fmt`."""
    if fmt == "table":
        memory_table(stdout_console(), result)
    elif fmt == "json":
        write_json_line(result.to_dict())
    else:
        sys.stdout.write(memory_tsv(result))


def show_tanh(result, fmt: str) -> None:
    """The tanh experiment's result (explain.tanh.TanhResult) in `fmt`."""
    if fmt == "table":
        tanh_table(stdout_console(), result)
    elif fmt == "json":
        write_json_line(result.to_dict())
    else:
        sys.stdout.write(tanh_tsv(result))


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
    for line in result.findings():
        console.print(line)


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
        values = " ".join(f"{v:.2g}" for v in r.singular_values[:4]) + (" ..." if len(r.singular_values) > 4 else "")
        table.add_row(r.activation, str(r.depth), f"{r.accuracy:.0%}", f"{r.p_correct:.2f}", f"{r.loss:.3f}",
                      f"yes ({r.affine_error:.0e})" if r.affine else f"no ({r.affine_error:.1g})",
                      values if r.activation == "linear" else "-")
    console.print(table)
    s = result.settings
    console.print(Text(
        f"Task: {TASK_NAMES.get(s['task'], s['task'])} {s['length']} random bits; chance {result.chance:.0%}: "
        "p(correct) 0.50 and loss ln 2 = 0.693 are a coin flip (the accuracy of logits near 0 is noise around 50%). affine?: does the "
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


def show_clue(result, fmt: str) -> None:
    """The clue experiment's result (explain.clue.ClueResult) in `fmt`."""
    if fmt == "table":
        clue_table(stdout_console(), result)
    elif fmt == "json":
        write_json_line(result.to_dict())
    else:
        sys.stdout.write(clue_tsv(result))


def clue_table(console: Console, result) -> None:
    """Per distance, each model's accuracy (interval), p(right) and gain (interval)."""
    from rich.table import Table

    wide = console.width >= 110  # the accuracy's interval and the seeds' spread too
    several = len(result.settings["seeds"]) > 1 and wide
    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    columns = ("model", "words", "acc.", *(["95%"] if wide else []), "p(right)", "gain", "95%",
               *(["seeds"] if several else []))
    for column in columns:
        table.add_column(column, justify="left" if column == "model" else "right",
                         style="dim" if column in ("95%", "seeds") else None, no_wrap=column != "model")
    for r in result.rows:
        accuracy_ci = [f"{r.accuracy_ci[0]:.0%}-{r.accuracy_ci[1]:.0%}"] if wide else []
        seeds = [f"{min(r.gain_per_seed):+.3f} to {max(r.gain_per_seed):+.3f}"] if several else []
        table.add_row(Text(printable(r.model)), str(r.distance), f"{r.accuracy:.0%}", *accuracy_ci, f"{r.p_right:.3f}",
                      f"{r.gain:+.3f}", f"{r.gain_ci[0]:+.3f}, {r.gain_ci[1]:+.3f}", *seeds,
                      end_section=r.distance == result.settings["distances"][-1])
    console.print(table)
    s, seeds = result.settings, result.settings["seeds"]
    console.print(Text(
        f"Items: \"{s['clue'].format(country='<country>')} <words> {s['target']}\" + 12 languages, after each of 12 "
        f"countries; {s['fillers']} runs of words per distance and seed ("
        + (f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}")
        + f"). acc.: the right language is the model's pick (chance {result.chance:.0%}); p(right): its probability "
        "among the 12; gain: log P(right | its clue) less that language's mean over all 12 clues, in nats (0: the clue "
        "left no trace). 95%: intervals from resampling the runs of words and the countries apart"
        + ("; seeds: the lowest and highest gain of one seed's draw. " if several else ". ")
        + f"Time: {result.wall_time_s:.0f} s.", style="dim"))
    for line in result.findings():
        console.print(Text(printable(line)))  # a model's name is the user's text: no Rich markup


def clue_tsv(result) -> str:
    lines = ["\t".join(["model", "distance", "items", "accuracy", "accuracy_low", "accuracy_high", "p_right", "gain",
                        "gain_low", "gain_high", "characters"])]
    for r in result.rows:
        lines.append("\t".join([r.model, str(r.distance), str(r.items), f"{r.accuracy:.4f}", f"{r.accuracy_ci[0]:.4f}",
                                f"{r.accuracy_ci[1]:.4f}", f"{r.p_right:.4f}", f"{r.gain:.5f}", f"{r.gain_ci[0]:.5f}",
                                f"{r.gain_ci[1]:.5f}", f"{r.characters:.0f}"]))
    return "\n".join(lines) + "\n"
