"""Running text for a language model: a UTF-8 file, the raw text of a CoNLL-U file, or a
fraction of either (`FILE@A-B`)."""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from rnncli.data.common import iter_lines, read_paragraphs
from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.text.decoding import binary_error, utf16_error
from rnncli.text.hygiene import composed

# FILE@A-B: the fraction A to B of the file's characters, A and B decimal numbers (0.9, .9, 1.; no exponent)
RANGE = re.compile(r"^(.*)@([0-9]*\.?[0-9]+|[0-9]+\.)-([0-9]*\.?[0-9]+|[0-9]+\.)$")
RANGE_LIKE = re.compile(r".@[-0-9.]+$")  # what was meant as a range, read or not (`f@0.5`, `f@-1-2`)
MAX_TEXT_CHARS = 20_000_000  # characters of one text read at most (a file, or a stream that may not end)
CHUNK_CHARS = 1 << 20  # characters of a regular file read at a time


def text_file(spec: str) -> str:
    """The file a read_text spec reads: FILE of `FILE@A-B`, else the spec itself."""
    match = _range(spec)
    return match.group(1) if match else spec


def _range(spec: str) -> re.Match | None:
    """The FILE@A-B match of a spec, None for a spec that names a file itself (`lit@0-0.5` that
    exists is that file), and a usage error for a range that does not read as A-B (`f@0.5`)."""
    if os.path.lexists(spec):
        return None
    match = RANGE.match(spec)
    if match is None and RANGE_LIKE.search(spec):
        raise RnnCliError(f"{spec}: the range must be A-B with 0 <= A < B <= 1", EXIT_USAGE)
    if match is not None and not match.group(1):
        raise RnnCliError(f"{spec}: give the file whose range to read, as FILE@A-B", EXIT_USAGE)
    return match


def read_text(spec: str) -> str:
    """A UTF-8 text file (a CoNLL-U file: the raw text it spells out, a paragraph a line), or
    `FILE@A-B`: its characters from fraction A to fraction B (`input.txt@0-0.9`,
    `input.txt@0.9-1`, as nanoGPT splits tinyshakespeare), in NFC (as a language model reads its
    prompts, infer.lm). A file of more than MAX_TEXT_CHARS characters is refused."""
    match = _range(spec)
    path, low, high = (match.group(1), float(match.group(2)), float(match.group(3))) if match else (spec, 0.0, 1.0)
    if not 0 <= low < high <= 1:
        raise RnnCliError(f"{spec}: the range must be A-B with 0 <= A < B <= 1", EXIT_USAGE)
    try:
        text = _joined((p.text for p in read_paragraphs(path)), "\n", path) if path.endswith(".conllu") \
            else _read_whole(path)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except OSError as exc:
        raise RnnCliError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    text = composed(text)
    return text[int(len(text) * low): int(len(text) * high)]



def _read_whole(path: str) -> str:
    """A regular file whole, however long its lines (running text may have none); anything else
    (a FIFO, `<(...)`, a device such as /dev/zero) a line (or a piece of a long one) at a time
    (iter_lines), which stops at binary data instead of reading without end. At most
    MAX_TEXT_CHARS characters either way."""
    if not Path(path).is_file():  # lines with their line ends, read as a regular file is (universal newlines)
        lines = iter_lines(path, split_long=True)  # a line over MAX_LINE_BYTES in pieces: running text may have none
        return _joined((line.replace("\r\n", "\n").replace("\r", "\n") for line in lines), "", path)
    with open(path, encoding="utf-8-sig") as f:  # a BOM is not text, as read_lines drops it
        return _joined(iter(lambda: f.read(CHUNK_CHARS), ""), "", path)


def _not_utf8(path: str) -> RnnCliError:
    """The error for a file that is not UTF-8 text, as data files' errors say it
    (text.decoding): UTF-16, binary data, or the line of the first invalid byte."""
    decoder, number = codecs.getincrementaldecoder("utf-8")(), 1
    with open(path, "rb") as f:
        for index, chunk in enumerate(iter(lambda: f.read(CHUNK_CHARS), b"")):
            if index == 0 and chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                return utf16_error(path, 1)
            nul = chunk.find(b"\0")
            if nul >= 0:
                return binary_error(path, number + chunk.count(b"\n", 0, nul), chunk, nul)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:  # exc.start counts up to 3 bytes held from the chunk before
                number += chunk.count(b"\n", 0, max(exc.start - 3, 0))
                return RnnCliError(f"{path}:{number}: not UTF-8 text; convert it to UTF-8 (iconv -t UTF-8)")
            number += chunk.count(b"\n")
    return RnnCliError(f"{path}: not UTF-8 text (it ends inside a character); convert it to UTF-8")


def _joined(parts, separator: str, path: str) -> str:
    """The parts joined, refused as soon as they pass MAX_TEXT_CHARS characters (what bounds
    memory: scoring a text holds a few bytes more per character) or hold a NUL byte. Many short
    parts (lines) are joined in blocks as they come: a str per line would cost more than its text."""
    blocks, recent, count = [], [], 0
    for part in parts:
        if "\0" in part:
            raise RnnCliError(f"{path}: input looks binary (NUL byte); expected UTF-8 text")
        recent.append(part)
        count += len(part) + len(separator)
        if count > MAX_TEXT_CHARS + len(separator):
            raise RnnCliError(f"{path}: more than {MAX_TEXT_CHARS:,} characters of text; rnncli reads at most that "
                              "many as one text (FILE@A-B included): split the file")
        if len(recent) == 4096:
            blocks.append(separator.join(recent))
            recent = []
    return separator.join(blocks + recent)
