"""The consoles every view draws on, and the lines on stderr.

Rich consoles that keep user text as data (no markup, emoji codes or highlighting), sized
to the terminal or to COLUMNS, rich imported only when one is made (a table, a progress bar,
an error on a terminal); the one place that asks whether a stream is a terminal; the
`rnncli: error: ...` and `rnncli: warning: ...` lines. User text is printed with control
characters shown as U+FFFD.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

from rnncli.cli.streams import ReaderGone, write_stderr
from rnncli.text.hygiene import printable

if TYPE_CHECKING:  # rich is imported when a console is first made: tsv, jsonl and conllu output never load it
    import rich.console

    Console = rich.console.Console


def _raise_broken_pipe(console: rich.console.Console) -> None:
    console.quiet = True
    raise ReaderGone()


@lru_cache(maxsize=1)
def _console_class() -> type:
    """Rich's console with user data kept as data: no markup (`[/usr/lib]` is text, not a
    tag), no emoji codes, no highlighting; styles come from Text objects and table columns
    only. Made when first wanted, as is this: Rich ends a closed pipe with exit 1 (`rnncli
    models | head -1` would fail under `set -o pipefail`), so every Rich console is made to
    raise ReaderGone instead, which the CLI ends with exit 0, as for plain output."""
    import rich.console

    rich.console.Console.on_broken_pipe = _raise_broken_pipe

    class Console(rich.console.Console):
        def __init__(self, **kwargs):  # a terminal is what is_terminal says, whatever FORCE_COLOR or TTY_COMPATIBLE say
            stream = sys.stderr if kwargs.get("stderr") else sys.stdout
            super().__init__(markup=False, emoji=False, highlight=False, no_color=no_color(),
                             force_terminal=is_terminal(stream), _environ=_sizes_checked(), **kwargs)

    return Console


def __getattr__(name: str) -> type:
    """`Console`, the class of _console_class, made (and rich imported) when first asked for."""
    if name == "Console":
        return _console_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_terminal(stream) -> bool:
    """Whether `stream` (sys.stdout or sys.stderr) is a terminal: the one place the CLI asks."""
    return stream.isatty()


def no_color() -> bool:
    """Whether NO_COLOR asks for no colour: set and not empty (no-color.org)."""
    return os.environ.get("NO_COLOR", "") != ""


def _size(name: str) -> int | None:
    """COLUMNS or LINES when it is a positive number in ASCII digits, else None."""
    value = os.environ.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else None


def _sizes_checked() -> dict[str, str]:
    """The environment without a COLUMNS or LINES that is not a positive number: Rich takes any
    str.isdigit() value, so COLUMNS=0 drew nothing and COLUMNS=² crashed in int()."""
    return {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES") or _size(k) is not None}


def stderr_console() -> Console:
    return _console_class()(stderr=True, log_path=False)


def stdout_console() -> Console:
    """Colour only on a terminal (FORCE_COLOR does not make a pipe one) and never with NO_COLOR
    (see no_color); the terminal's width, or COLUMNS, or 120 when neither says."""
    fixed = not is_terminal(sys.stdout) and _size("COLUMNS") is None
    return _console_class()(soft_wrap=False, width=120 if fixed else None)


def one_line(message: str) -> str:
    """A message as one printable line: runs of whitespace, newlines included, become one space."""
    return printable(" ".join(message.split()))


def print_error(message: str) -> None:
    """One line on stderr: `rnncli: error: ...`."""
    text = one_line(message)
    if is_terminal(sys.stderr) and not no_color():
        from rich.text import Text

        try:
            stderr_console().print(Text.assemble(("rnncli: error:", "bold red"), " ", text), soft_wrap=True)
            return
        except OSError:
            return
    write_stderr(f"rnncli: error: {text}")


def print_warning(message: str) -> None:
    write_stderr(f"rnncli: warning: {one_line(message)}")
