"""Where data lives, so that a recorded training command pastes on another machine.

A model file records the command that trained it. Data files under the data folder
(`$RNNCLI_DATA`, else `shared/data` beside the checkout, as DATA.md lays it out) are written
as `"$RNNCLI_DATA"/sst2/train.tsv`, which the shell expands wherever the data lies; files
the run writes (`--out`, `--metrics-log`, `--plot`) by their file name only, so the command
writes into the current folder; `nltk:` sources, and files elsewhere, as given.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

DATA_VARIABLE = "RNNCLI_DATA"
DATA_FLAGS = ("--train", "--dev", "--test", "--embeddings-from")  # read: relative to the data folder
OUTPUT_FLAGS = ("--out", "-o", "--metrics-log", "--plot")  # written: by file name only
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # beside a checkout (DATA.md)


def data_folders() -> list[Path]:
    """The folders a data path is written relative to: $RNNCLI_DATA when set, then the
    shared data folder beside the checkout."""
    given = os.environ.get(DATA_VARIABLE)
    folders = [Path(given).resolve()] if given else []
    return folders + [SHARED_DATA.resolve()]


def shell_data_path(path: str | os.PathLike) -> str:
    """`path` as shell text: `"$RNNCLI_DATA"/REL` when it lies under a data folder, else
    the path as given (quoted); `nltk:` sources unchanged."""
    text = str(path)
    if text.startswith(f"${DATA_VARIABLE}/"):  # portable already (read back from a command)
        return f'"${DATA_VARIABLE}"/' + shlex.quote(text[len(DATA_VARIABLE) + 2:])
    if text.startswith("nltk:"):
        return shlex.quote(text)
    resolved = Path(text).resolve()
    for folder in data_folders():
        if resolved.is_relative_to(folder):
            return f'"${DATA_VARIABLE}"/' + shlex.quote(resolved.relative_to(folder).as_posix())
    return shlex.quote(text)


def shell_output_path(path: str | os.PathLike) -> str:
    """A file the run writes, by its name only (written into the current folder)."""
    return shlex.quote(Path(path).name)


def shell_word(flag: str, value) -> str:
    """The value of option `flag` as a recorded command writes it."""
    if flag in DATA_FLAGS:
        return shell_data_path(value)
    if flag in OUTPUT_FLAGS:
        return shell_output_path(value)
    return shlex.quote(str(value))


def portable_command(command: str) -> str:
    """A recorded command with its data paths and outputs written as above: commands
    recorded before these rules (absolute paths) made to paste on another machine."""
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    out = [shlex.quote(word) for word in words[:1]]
    for previous, word in zip(words, words[1:]):
        out.append(shell_word(previous, word) if previous in DATA_FLAGS + OUTPUT_FLAGS else shlex.quote(word))
    return " ".join(out)


def one_line_quote(text: str) -> str:
    """`text` as one shell word (shlex.quote) that stays on one line, and stays itself in a message
    whose runs of whitespace are made one space (errors.one_line): where it holds more than single
    spaces or characters not printed as they are, bash's $'...' with escapes (`$'a\\x20\\x20b'`)."""
    if "  " not in text and all(c == " " or c.isprintable() and not c.isspace() for c in text):
        return shlex.quote(text)
    return "$'" + "".join(_escaped(c) for c in text) + "'"


def _escaped(c: str) -> str:
    """One character inside bash's $'...'."""
    if c in "\\'":
        return "\\" + c
    if c.isprintable() and not c.isspace():
        return c
    return f"\\x{ord(c):02x}" if ord(c) < 0x80 else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
