"""What `rnncli models` and `rnncli info` print: a table of models with their work per token,
size and scores, and everything one model file says about itself; or the same as JSON."""

from __future__ import annotations

from rich.text import Text

from rnncli.cli.views.console import Console, stdout_console
from rnncli.cli.views.formats import split_scores, write_json
from rnncli.model.tagsets import display, head_names
from rnncli.text.hygiene import printable

NO_COMMAND = "(none recorded: trained through the Python API, rnncli.train.train; the options below)"


def show_models(described: list[dict], as_json: bool) -> None:
    """The descriptions (model.bundled.describe) of several models: a table, or JSON."""
    if as_json:
        write_json(described)
    else:
        models_table(stdout_console(), described)


def show_info(described: dict, as_json: bool) -> None:
    """One model's description (model.bundled.describe): labelled lines and its history, or JSON."""
    if as_json:
        write_json(described)
    else:
        model_info(stdout_console(), described)


def primary_score(task: str, scores: dict[str, float]) -> float | None:
    """The one score `models` shows: a tokenizer's Words F1, a language model's bits per
    character, otherwise the first output's accuracy."""
    if task == "tokenizer":
        return scores.get("words")
    if task == "lm":
        return scores.get("bits_per_char")
    return next(iter(scores.values()), None)


def models_table(console: Console, models: list[dict]) -> None:
    """One row per model: the name one types (bundled) or the path (a file), its work per
    token (multiply-adds: what sets its speed on any machine), file size, and the saved
    model's first score on dev and test; each task's default is marked. The names are never
    cut: where the table would not fit the terminal, each model takes two lines instead."""
    from rich.padding import Padding
    from rich.table import Table

    headers = ("model", "task", "cell", "MAC/tok", "size", "dev", "test")
    rows = []
    for m in models:
        first = [primary_score(m["task"], m["scores"].get(split, {})) for split in ("dev", "test")]
        name = printable(m["name"] if m.get("bundled") else m["path"]) + (" *" if m.get("default") else "")
        rows.append((name, m["task"],
                     f"{m['cell']} {m['layers']}x{m['hidden']}" + (" bi" if m["bidirectional"] else ""),
                     _count(m["macs_per_token"]) + ("+" if m["upper_macs"] else ""), _size(m["size_bytes"]),
                     *("-" if v is None else f"{v:.3f}" if m["task"] == "lm" else f"{v:.2%}" for v in first)))
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
    upper = ["+: more multiply-adds where a token can end"] if any(m["upper_macs"] for m in models) else []
    default = ["*: its task's default, what runs unless --model (or --tokenizer) names another"] \
        if any(m.get("default") for m in models) else []
    for line in (*default, "MAC/tok: multiply-adds per token (per character: tokenizer, lm)", *upper,
                 "dev/test: tagger UPOS, sentiment accuracy, tokenizer Words F1, lm bits/char",
                 "as each file records them; rnncli eval scores a model as it runs now"):
        console.print(Text(line, style="dim"))


def _size(size_bytes: int) -> str:
    """A file's size: in kB under 100 kB (a small tokenizer is not "0.0 MB"), else in MB."""
    return f"{size_bytes / 1e3:.0f} kB" if size_bytes < 100_000 else f"{size_bytes / 1e6:.1f} MB"


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


def _sentence_bias(bias: float, curve: dict | None) -> str:
    """A tokenizer's sentence bias, and the dev Sentences F1 under each bias tried when it was
    fitted (the training record's sentence_bias_dev: bias -> F1), in the order of the biases."""
    if not isinstance(curve, dict):
        return f"{bias:g} (none fitted)"
    tried = sorted((float(b), f1) for b, f1 in curve.items())  # checked on load (segmentation.check_sentence_bias)
    return (f"{bias:g} (added to the sentence label's log-probability; fitted on dev, Sentences F1 by bias: "
            + ", ".join(f"{b:g} {100 * f1:.2f}%" for b, f1 in tried) + ")")


def _key_values(values: dict) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {_words(v)}" for k, v in values.items())


CHARACTER_TASKS = {  # their "words" are characters: the config's and options' names -> what they are there
    "tokenizer": {"words": "characters", "word_dropout": "char_dropout", "min_word_count": "min_char_count"},
    "lm": {"words": "characters", "min_word_count": "min_char_count"}}


def _meaningful(config: dict) -> dict:
    """The config fields that mean something for this model (a file holds them all; `info
    --json` shows them all): no pooling but for sentiment, no character settings without
    character features, no activation but for the vanilla RNN; the heads are shown as labels.
    A tokenizer's and a language model's "words" are characters, and named so."""
    unused = {"heads"}
    if config.get("task") != "sentiment":
        unused.add("pooling")
    if not config.get("char"):
        unused |= {"char_dim", "char_hidden", "max_word_chars"}
    if config.get("cell") != "rnn":
        unused.add("activation")
    if config.get("task") in CHARACTER_TASKS:
        unused |= {"chars", "char"} | ({"word_dropout"} - set(CHARACTER_TASKS[config["task"]]))
    return _as_named({k: v for k, v in config.items() if k not in unused}, config.get("task"))


def _as_named(values: dict, task: str | None) -> dict:
    """Config or option names as they read for a model of `task` (CHARACTER_TASKS)."""
    names = CHARACTER_TASKS.get(task, {})
    return {names.get(k, k): v for k, v in values.items()}


def shell_lines(command: str, width: int) -> list[str]:
    """A long command as lines of at most `width` characters, each option with its value,
    joined by ` \\` so that the lines can be pasted into a shell. Words keep their quoting as
    recorded (`"$RNNCLI_DATA"/...` must stay open to the shell's expansion)."""
    import re
    import shlex

    try:
        shlex.split(command)
    except ValueError:
        return [command]
    words = re.findall(r"""(?:[^\s'"]+|'[^']*'|"[^"]*")+""", command)  # shell words as written
    parts, i = [], 0
    while i < len(words):  # an option and its value stay together, unless too wide for a line
        takes_value = words[i].startswith("-") and i + 1 < len(words) and not words[i + 1].startswith("-")
        pair = words[i:i + 1 + takes_value]
        if len(" ".join(pair)) + 6 > width:  # with its indent and " \\"
            parts.extend(pair)
        else:
            parts.append(" ".join(pair))
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
    names = head_names(m["label_names"])
    outputs = {k: "labels" if k == "label" else f"{names[k]} tags" for k in m["label_names"]}
    rows = [("model", m["name"] + (f" (the default {m['task']})" if m.get("default") else "")), ("file", m["path"]),
            ("task", m["task"]),
            ("cell", m["cell"] + (f" ({m['activation']})" if m["activation"] else "")),
            ("recurrence", m["recurrence"]),
            ("shape", f"{m['layers']} layer(s) x {m['hidden']} per direction, "
                      f"{'bidirectional' if m['bidirectional'] else 'left to right'}"
                      + (f", 1 upper layer x {m['upper_hidden']} where a token can end" if m["upper_hidden"] else "")
                      + (", character features" if m["char"] else "") + (f", {m['pooling']} pooling" if m["pooling"] else "")),
            *((f"{outputs[k]} ({len(v)})", " ".join(v)) for k, v in m["label_names"].items()),
            ("parameters", f"{m['parameters']:,}" if m["parameters"] else "?"), ("size", f"{m['size_bytes']:,} bytes"),
            ("work", f"{m['macs_per_token']:,} multiply-adds per {_unit_of_work(m['task'])}"
                     + (f", {m['char_macs']:,} per character of a new word" if m["char_macs"] else "")
                     + (f", {m['upper_macs']:,} more where a token can end" if m["upper_macs"] else "")),
            *((("sentence bias", _sentence_bias(m["sentence_bias"], training.get("sentence_bias_dev"))),)
              if m["sentence_bias"] is not None else ()),
            ("config", _key_values(_meaningful(m["config"]))),
            ("scores", split_scores(m["scores"], names) or "-"), ("", "")]
    rows += [("trained with", ""), *((k.replace("_", " "), _words(v)) for k, v in data.items()),
             ("seed", _words(m["seed"])),
             ("options", _key_values(_as_named(training.get("options") or {}, m["task"])) or "-"),
             *((k.replace("_", " "), _key_values(v) if isinstance(v, dict) else _words(v))
               for k, v in training.items() if k not in ("options", "history", "parameters", "sentence_bias_dev")),
             ("best epoch", _words(m["best_epoch"])), ("wall time", f"{_words(m['wall_time_s'])} s")]
    key_width = max(len(k) for k, _ in rows)
    command = shell_lines(m["command"] or NO_COMMAND, console.width - key_width - 2)
    # A line wider than the value column would be folded by Rich, mid-word or before its " \\", and
    # would no longer paste back: then the command goes under its label, at the console's width.
    below = max(map(len, command)) > console.width - key_width - 2
    if below:
        command = shell_lines(m["command"] or NO_COMMAND, console.width)
    split = rows.index(("trained with", "")) + 1
    for first, part in ((True, rows[:split]), (False, rows[split:])):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", justify="right", no_wrap=True, min_width=key_width)  # both parts aligned
        grid.add_column(overflow="fold")
        for key, value in part:
            shown = "\n".join(map(printable, command)) if key == "trained with" and not below else printable(value)
            grid.add_row(key, Text(shown))
        _print_unpadded(console, grid)
        if first and below:
            console.print(Text("\n".join(map(printable, command))), soft_wrap=True)  # a word wider still: unfolded
    history = training.get("history") or []
    if history:
        console.print()
        history_table(console, history, m["best_epoch"], names)


def _print_unpadded(console: Console, table) -> None:
    """A table without the spaces Rich pads its lines with: a line of the training command must
    end in its backslash to paste back into a shell."""
    with console.capture() as captured:
        console.print(table)
    console.file.write("\n".join(line.rstrip() for line in captured.get().split("\n")))


def history_table(console: Console, history: list[dict], best_epoch, names: dict[str, str]) -> None:
    """Per epoch: loss, dev scores (accuracies as percentages, a language model's bits per
    character as they are), learning rate, time; the kept epoch marked; each head named by
    `names` (tagsets.head_names)."""
    from rich.table import Table

    heads = [k for k in history[0] if k.startswith("dev_")]
    table = Table(box=None, pad_edge=False, header_style="bold",
                  title="history (* the epoch kept)", title_justify="left", title_style="italic")
    for column in ("epoch", "loss", *(f"dev {names.get(k[4:]) or display(k[4:])}" for k in heads), "lr", "time"):
        table.add_column(column, justify="right", no_wrap=True)
    for e in history:
        mark = "*" if e.get("epoch") == best_epoch else " "
        steps = f" ({e['steps']} batches)" if "steps" in e else ""
        table.add_row(f"{_words(e.get('epoch'))}{mark}{steps}", f"{e.get('loss', 0):.4f}",
                      *(_dev_score(k, e[k]) if k in e else "-" for k in heads), f"{e.get('lr', 0):.2e}",
                      f"{e.get('elapsed_s', 0):,.0f} s")
    _print_unpadded(console, table)


def _dev_score(key: str, value: float) -> str:
    return f"{value:.4f}" if key.endswith("bits_per_char") else f"{value:.2%}"


def _unit_of_work(task: str) -> str:
    """What a model's multiply-adds are counted per: a character for those that read characters."""
    return "character" if task in ("tokenizer", "lm") else "token"
