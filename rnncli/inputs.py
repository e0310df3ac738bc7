"""Where input comes from: text arguments, a file, or stdin read as it arrives."""

from __future__ import annotations

import os
import select
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.text import decode_lines


@dataclass
class Input:
    lines: Iterator[str]
    source: str  # name used in error messages
    input_waiting: Callable[[], bool]  # is more input ready without blocking?
    interactive: bool  # a person typing at a terminal


class StdinLines:
    """Lines of a file descriptor, read with os.read so that we know whether a whole line is
    already waiting (our buffer or the pipe) before we block for the next one."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = b""
        self.eof = False

    def waiting(self) -> bool:
        if b"\n" in self.buffer or self.eof:
            return True
        try:
            return bool(select.select([self.fd], [], [], 0)[0])
        except (OSError, ValueError):  # not selectable (e.g. some platforms): assume yes
            return True

    def __iter__(self) -> Iterator[bytes]:
        while True:
            newline = self.buffer.find(b"\n")
            if newline >= 0:
                line, self.buffer = self.buffer[: newline + 1], self.buffer[newline + 1:]
                yield line
                continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                self.eof = True
                if self.buffer:
                    line, self.buffer = self.buffer, b""
                    yield line
                return
            self.buffer += chunk


def _file_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        yield from f


def open_input(texts: list[str] | None, input_path: Path | None, warn: Callable[[str], None]) -> Input:
    """Text arguments (joined by spaces), `-` for stdin, --input FILE, or piped stdin."""
    texts = texts or []
    if input_path is not None and texts:
        raise RnnCliError("give either TEXT or --input FILE, not both", EXIT_USAGE)
    if input_path is not None and str(input_path) != "-":
        if not input_path.is_file():
            raise RnnCliError(f"{input_path}: no such file", EXIT_USAGE)
        return Input(decode_lines(_file_lines(input_path), str(input_path), warn), str(input_path), lambda: True, False)
    if texts == ["-"] or input_path is not None or (not texts and not sys.stdin.isatty()):
        if sys.stdin is None or sys.stdin.closed:
            raise RnnCliError("no input: stdin is closed", EXIT_USAGE)
        try:
            fd = sys.stdin.fileno()
        except (OSError, ValueError, AttributeError):  # a stdin without a descriptor (tests, embedding)
            stream = getattr(sys.stdin, "buffer", None)
            raw = stream if stream is not None else (line.encode("utf-8") for line in sys.stdin)
            return Input(decode_lines(raw, "<stdin>", warn), "<stdin>", lambda: True, False)
        reader = StdinLines(fd)
        return Input(decode_lines(reader, "<stdin>", warn), "<stdin>", reader.waiting, os.isatty(fd))
    if not texts:
        raise RnnCliError("nothing to read: give TEXT, --input FILE, or pipe text on stdin", EXIT_USAGE)
    text = " ".join(texts)
    if not text.strip():
        raise RnnCliError("the text is empty; give some words to read", EXIT_USAGE)
    return Input(iter(text.splitlines() or [text]), "<argument>", lambda: True, False)
