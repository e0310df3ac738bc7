"""Input bytes to text: UTF-8 decoding, line by line, with binary data and UTF-16 refused
in one line that names file:line."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from rnncli.errors import RnnCliError


def utf16_error(source: str, number: int) -> RnnCliError:
    return RnnCliError(f"{source}:{number}: input looks like UTF-16, not UTF-8; convert it to UTF-8 first "
                       "(e.g. iconv -f UTF-16 -t UTF-8)")


def binary_error(source: str, number: int, data: bytes, at: int) -> RnnCliError:
    """The error for a NUL byte at data[at], on line `number`: UTF-16 text when the NULs around
    it fall on every other byte (UTF-16 for mostly ASCII text), binary data otherwise."""
    sample = data[max(0, at - 256):at + 256]
    zeros = sorted((sample[0::2].count(0), sample[1::2].count(0)))
    if len(sample) >= 16 and zeros[1] >= len(sample) // 4 and zeros[0] * 8 <= zeros[1]:
        return utf16_error(source, number)
    return RnnCliError(f"{source}:{number}: input looks binary (NUL byte); expected UTF-8 text")


def _lone_crs(raw: bytes) -> int:
    """CRs not followed by a line feed, but one that ends the chunk (its LF may start the next)."""
    return raw.count(b"\r") - raw.count(b"\r\n") - raw.endswith(b"\r")


def decode_lines(chunks: Iterable[bytes], source: str, warn: Callable[[str], None], keep_bom: bool = False,
                 strict: bool = False) -> Iterator[str]:
    """Decode input lines (or pieces of long lines, see inputs.ByteLines) as UTF-8. Binary
    data (NUL bytes) and UTF-16 are errors; other invalid bytes are replaced by U+FFFD with one
    warning, so a stray byte does not lose a whole file (`strict`: an error naming file:line).
    A UTF-8 BOM is dropped unless `keep_bom`."""
    warned = cr_warned = False
    number, offset = 1, 0  # the line number, and where in its line this piece starts
    for index, raw in enumerate(chunks):
        if index == 0 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise utf16_error(source, 1)
        if not cr_warned and b"\r" in raw and _lone_crs(raw) > (index > 0):  # past line 1, one may be a stray
            warn(f"{source}:{number}: line ends that are a CR alone (classic Mac OS) are read as spaces within a "
                 "line; convert them first (tr '\\r' '\\n')")
            cr_warned = True
        nul = raw.find(b"\x00")
        if nul >= 0:
            raise binary_error(source, number, raw, nul)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if strict:
                raise RnnCliError(f"{source}:{number}: not UTF-8 text (invalid byte {offset + exc.start + 1} of the "
                                  "line); convert it to UTF-8") from None
            line = raw.decode("utf-8", errors="replace")
            if not warned:
                warn(f"{source}:{number}: invalid UTF-8 (byte {offset + exc.start + 1} of the line) replaced by U+FFFD")
                warned = True
        if index == 0 and not keep_bom and line.startswith("\ufeff"):
            line = line[1:]
        yield line
        number, offset = (number + 1, 0) if raw.endswith(b"\n") else (number, offset + len(raw))
