"""Running text for a language model: a UTF-8 file, the raw text of a CoNLL-U file, or a
fraction of either (`FILE@A-B`)."""

from __future__ import annotations

import re
from pathlib import Path

from rnncli.data.common import read_lines, read_paragraphs
from rnncli.errors import EXIT_USAGE, RnnCliError

RANGE = re.compile(r"^(.*)@([0-9.]+)-([0-9.]+)$")  # FILE@A-B: the fraction A to B of the file's characters


def read_text(spec: str) -> str:
    """A UTF-8 text file (a CoNLL-U file: the raw text it spells out, a paragraph a line), or
    `FILE@A-B`: its characters from fraction A to fraction B (`input.txt@0-0.9`,
    `input.txt@0.9-1`, as nanoGPT splits tinyshakespeare)."""
    match = RANGE.match(spec)
    path, low, high = (match.group(1), float(match.group(2)), float(match.group(3))) if match else (spec, 0.0, 1.0)
    if not 0 <= low < high <= 1:
        raise RnnCliError(f"{spec}: the range must be A-B with 0 <= A < B <= 1", EXIT_USAGE)
    try:
        text = "\n".join(p.text for p in read_paragraphs(path)) if path.endswith(".conllu") else _read_whole(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise RnnCliError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    return text[int(len(text) * low): int(len(text) * high)]



def _read_whole(path: str) -> str:
    """A regular file whole, however long its lines (running text may have none); anything else
    (a FIFO, `<(...)`, a device such as /dev/zero) through read_lines, which stops at binary data
    and at an overlong line instead of reading without end."""
    if not Path(path).is_file():
        return "\n".join(read_lines(path))
    text = Path(path).read_text(encoding="utf-8")
    if "\0" in text:
        raise RnnCliError(f"{path}: input looks binary (NUL byte); expected UTF-8 text")
    return text
