"""Where input comes from: text arguments, a file of any kind (regular, a FIFO, /dev/stdin,
`<(...)`), or stdin, read in chunks as it arrives, in bounded memory."""

from __future__ import annotations

import os
import re
import select
import stat
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.text.decoding import binary_error, decode_lines
from rnncli.text.hygiene import composed
from rnncli.text.segmentation import COMBINING

CHUNK_BYTES = 1 << 16
MAX_LINE_BYTES = 1 << 20  # a longer line is handed on in pieces (or refused, see ByteLines)
_SURROGATES = re.compile("[\ud800-\udfff]")  # how Python spells bytes of argv that are not UTF-8


@dataclass
class Input:
    lines: Iterator[str]
    source: str  # name used in error messages
    input_waiting: Callable[[], bool]  # is more input ready without blocking?
    interactive: bool  # a person typing at a terminal


class ByteLines:
    """The lines of a file descriptor (or of a `read(n)` function), read in chunks so that we
    know whether a whole line is already waiting before we block for the next one.

    Each chunk is checked as it arrives (a NUL byte is binary input, refused once the whole lines
    before its line are handed on, however the input was cut into chunks) and only the new chunk
    is searched for line ends: linear time, bounded memory. A line longer than
    MAX_LINE_BYTES is handed on in pieces that do not end in a newline, cut after whitespace
    where there is any and never inside a UTF-8 character; with `split_long=False` such a
    line is an error instead."""

    def __init__(self, fd: int | None, source: str, read: Callable[[int], bytes] | None = None,
                 split_long: bool = True):
        self.fd, self.source, self.split_long = fd, source, split_long
        self.read = read or (lambda n: os.read(fd, n))
        self.chunk, self.pos = b"", 0  # the last chunk read, and how much of it was handed on
        self.line = bytearray()  # the start of the current line
        self.number = 1  # its line number
        self.eof = False
        self.error: Exception | None = None  # binary input found, raised once the lines before it are handed on

    def waiting(self) -> bool:
        if self.eof or self.chunk.find(b"\n", self.pos) >= 0 or len(self.line) > MAX_LINE_BYTES or self.fd is None:
            return True
        try:
            return bool(select.select([self.fd], [], [], 0)[0])
        except (OSError, ValueError):  # not selectable (e.g. some platforms): assume yes
            return True

    def __iter__(self) -> Iterator[bytes]:
        while True:
            end = self.chunk.find(b"\n", self.pos)
            if end >= 0:
                piece = self.chunk[self.pos:end + 1]
                self.pos = end + 1
                if self.line:  # the end of a line begun in an earlier chunk
                    self.line += piece
                    while len(self.line) > MAX_LINE_BYTES:
                        yield self._cut()
                    piece, self.line = bytes(self.line), bytearray()
                self.number += 1
                yield piece
                continue
            self.line += self.chunk[self.pos:]
            self.chunk, self.pos = b"", 0
            while len(self.line) > MAX_LINE_BYTES:
                yield self._cut()
            if self.error is not None:
                raise self.error
            chunk = self._read()
            if not chunk:
                self.eof = True
                if self.line:
                    piece, self.line = bytes(self.line), bytearray()
                    yield piece
                return
            nul = chunk.find(b"\x00")
            if nul >= 0:
                error = binary_error(self.source, self.number + chunk.count(b"\n", 0, nul), chunk, nul)
                start = chunk.rfind(b"\n", 0, nul) + 1  # where the NUL's line begins in this chunk
                if not start:
                    raise error
                self.error, chunk = error, chunk[:start]  # the whole lines before it are handed on first
            self.chunk = chunk

    def _read(self) -> bytes:
        while True:
            try:
                return self.read(CHUNK_BYTES)
            except BlockingIOError:  # a non-blocking descriptor: wait for data
                select.select([self.fd], [], [])
            except OSError as exc:
                raise RnnCliError(f"{self.source}: cannot read: {exc.strerror or exc}") from None

    def _cut(self) -> bytes:
        if not self.split_long:
            raise RnnCliError(f"{self.source}:{self.number}: line longer than {MAX_LINE_BYTES:,} bytes; "
                              "expected one record per line")
        line = self.line
        cut = max(line.rfind(b" ", MAX_LINE_BYTES // 2, MAX_LINE_BYTES),
                  line.rfind(b"\t", MAX_LINE_BYTES // 2, MAX_LINE_BYTES)) + 1
        if not cut:
            cut = _character_start(line, MAX_LINE_BYTES)
            while cut > MAX_LINE_BYTES // 2 and unicodedata.category(
                    bytes(line[cut:cut + 4]).decode("utf-8", "ignore")[:1] or "x") in COMBINING:
                cut = _character_start(line, cut - 1)  # nor between a letter and its marks (pieces.split_long)
        piece = bytes(line[:cut])
        del line[:cut]
        return piece


def _character_start(data: bytearray, at: int) -> int:
    """The start of the UTF-8 character that byte `at` of `data` is part of: at most 3 bytes
    back (a character has at most 4), else `at` itself (invalid UTF-8: a run of continuation
    bytes, decoded later as U+FFFD, is cut anywhere)."""
    start = at
    while at > max(start - 3, 1) and data[at] & 0xC0 == 0x80:
        at -= 1
    return at if data[at] & 0xC0 != 0x80 else start


def open_file(path: str | Path) -> int:
    """A descriptor to read a file of any kind; a missing file, a folder and a permission
    problem are errors that say so."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise RnnCliError(f"{path}: no such file") from None
    except PermissionError:
        raise RnnCliError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise RnnCliError(f"{path}: is a folder; give a file") from None
    except OSError as exc:
        raise RnnCliError(f"{path}: cannot open: {exc.strerror or exc}") from None
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        os.close(fd)
        raise RnnCliError(f"{path}: is a folder; give a file")
    return fd


def file_lines(fd: int, source: str, split_long: bool = True) -> tuple[Iterator[bytes], ByteLines]:
    """The lines of an open descriptor (see ByteLines), closed when they have been read."""
    reader = ByteLines(fd, source, split_long=split_long)

    def lines() -> Iterator[bytes]:
        try:
            yield from reader
        finally:
            os.close(fd)

    return lines(), reader


def open_input(texts: list[str] | None, input_path: Path | None, warn: Callable[[str], None]) -> Input:
    """Text arguments (joined by spaces), `-` for stdin, --input FILE, or piped stdin. Lines keep
    their ends (and a BOM) as read, so that CoNLL-U passes through byte for byte."""
    texts = texts or []
    if input_path is not None and texts:
        raise RnnCliError("give either TEXT or --input FILE, not both", EXIT_USAGE)
    if input_path is not None and str(input_path) != "-":
        source = str(input_path)
        lines, reader = file_lines(open_file(input_path), source)
        return Input(decode_lines(lines, source, warn, keep_bom=True), source, reader.waiting, False)
    closed = sys.stdin is None or sys.stdin.closed  # `<&-`
    if texts == ["-"] or input_path is not None or (not texts and (closed or not sys.stdin.isatty())):
        if closed:
            raise RnnCliError("no input: stdin is closed", EXIT_USAGE)
        try:
            fd = sys.stdin.fileno()
        except (OSError, ValueError, AttributeError):  # a stdin without a descriptor (tests, embedding)
            stream = getattr(sys.stdin, "buffer", None)
            read = getattr(stream, "read1", None) or (lambda n: sys.stdin.read(n).encode("utf-8", "surrogateescape"))
            return Input(decode_lines(ByteLines(None, "<stdin>", read), "<stdin>", warn, keep_bom=True), "<stdin>",
                         lambda: True, False)
        reader = ByteLines(fd, "<stdin>")
        return Input(decode_lines(reader, "<stdin>", warn, keep_bom=True), "<stdin>", reader.waiting, os.isatty(fd))
    if not texts:
        raise RnnCliError("nothing to read: give TEXT, --input FILE, or pipe text on stdin", EXIT_USAGE)
    text = argument_text(" ".join(texts), warn)
    if not text.strip():
        raise RnnCliError("the text is empty; give some words to read", EXIT_USAGE)
    lines = text.split("\n")  # where stdin's lines end (\n, \r\n), not also at U+2028, \f, \x1c as splitlines
    lines = lines[:-1] if text.endswith("\n") else lines
    return Input(iter([line + "\n" for line in lines]), "<argument>", lambda: True, False)


def argument_text(text: str, warn: Callable[[str], None], source: str = "<argument>") -> str:
    """Text or names from the command line, as text every output can hold: bytes of argv that
    are not UTF-8 reach Python as lone surrogates (`caf\\udce9`), which UTF-8 cannot encode
    and JSON only as an escape no reader wants; they become U+FFFD, with a warning."""
    text, replaced = _SURROGATES.subn("\ufffd", text)
    if replaced:
        warn(f"{source}: invalid UTF-8 replaced by U+FFFD")
    return text


MAX_PROMPT_BYTES = 1 << 20  # a prompt is read whole: at most this much (a language model runs it a character at a time)


def _too_long(source: str) -> RnnCliError:
    return RnnCliError(f"{source}: the text is longer than {MAX_PROMPT_BYTES:,} bytes; give its end only", EXIT_USAGE)


def capped_prompt(text: str, source: str) -> str:
    """`text`, if it is at most MAX_PROMPT_BYTES of UTF-8; a usage error otherwise."""
    if len(text.encode("utf-8")) > MAX_PROMPT_BYTES:
        raise _too_long(source)
    return text


def piped_text(warn: Callable[[str], None], hint: str = "give a text, or pipe one in") -> str:
    """What is piped in, read whole: UTF-8 text of at most MAX_PROMPT_BYTES, decoded as tag
    decodes its input (binary and UTF-16 are errors, with tag's messages and exit code, even
    past the limit: /dev/zero is binary; other invalid bytes become U+FFFD, said through `warn`);
    on a terminal, a usage error that says `hint`. A file that is stdout too (`rnncli next < f >> f`)
    is refused, as tag refuses it: the output would be appended to the input."""
    from rnncli.files import is_stdout

    if sys.stdin is None:
        raise RnnCliError("no input: stdin is closed", EXIT_USAGE)
    if sys.stdin.isatty():
        raise RnnCliError(hint, EXIT_USAGE)
    if is_stdout(0):
        raise RnnCliError("<stdin>: input file is output file")
    data = sys.stdin.buffer.read(MAX_PROMPT_BYTES + 1)
    lines = data.split(b"\n")  # decode_lines counts lines for its messages
    text = "".join(decode_lines([line + b"\n" for line in lines[:-1]] + lines[-1:], "<stdin>", warn))
    if len(data) > MAX_PROMPT_BYTES:
        raise _too_long("<stdin>")
    return text


def prompt_line_ends(text: str) -> str:
    """A prompt's line ends as the model reads them: none at its end, a CR line end a line end, a
    CR alone a space (as decode_lines warns); in NFC, as the model reads it (infer.lm), so that
    the text echoed is the text read."""
    return composed(text.rstrip("\r\n").replace("\r\n", "\n").replace("\r", " "))


def prompt_text(words: list[str] | None, warn: Callable[[str], None]) -> str:
    """A language model's text: the arguments joined by spaces (bytes of argv that are not UTF-8
    as U+FFFD, with a warning, as tag reads them), or what is piped in: at most MAX_PROMPT_BYTES
    either way, its line ends as prompt_line_ends reads them (`echo "I study at" | rnncli next`); an
    empty text (piped too: there is nothing to follow) is the usage error tag gives an empty TEXT."""
    if words and words != ["-"]:
        text = prompt_line_ends(capped_prompt(argument_text(" ".join(words), warn), "<argument>"))
    else:
        text = prompt_line_ends(piped_text(warn))
    if not text.strip():
        raise RnnCliError("the text is empty; give some words to read", EXIT_USAGE)
    return text
