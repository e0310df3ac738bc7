"""What every kind of training data shares: a data file's lines (and the error for one
without sentences), CoNLL-U files and the paragraphs of raw text they spell out (the
tokenizer's data), the error for an NLTK corpus that is not installed, and the vocabularies
a model is built with."""

from __future__ import annotations

import os
import shlex
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rnncli.errors import RnnCliError
from rnncli.model.vocab import Vocab, word_key
from rnncli.text.hygiene import composed
from rnncli.text import segmentation
from rnncli.text.conllu import Sentence, read_conllu
from rnncli.text.decoding import decode_lines
from rnncli.text.inputs import file_lines, open_file
from rnncli.text.segmentation import Paragraph

MAX_DATA_CHARS = 50_000_000  # characters of a data file read whole, at most (read_lines)
MAX_DATA_LINES = 1_000_000  # and lines


def read_lines(path: str | Path) -> list[str]:
    """The lines of a data file of any kind (regular, a FIFO, `<(...)`), read once, as UTF-8
    without a BOM; binary or UTF-16 data, invalid UTF-8, overlong lines, a carriage return
    inside a line (lines ended by CR alone, as old Mac files are) and a file too large to hold
    (_bounded) are errors that name file:line."""
    return _checked(_bounded(iter_lines(path), path), path)


def read_stdin_lines() -> list[str]:
    """read_lines of stdin, named `<stdin>` in messages."""
    lines, _ = file_lines(_stdin(), "<stdin>", split_long=False)
    return _checked(_bounded(decode_lines(lines, "<stdin>", lambda message: None, strict=True), "<stdin>"), "<stdin>")


def _bounded(lines: Iterator[str], path: str | Path) -> list[str]:
    """The lines, unless there are more than MAX_DATA_LINES of them or MAX_DATA_CHARS characters:
    data is read whole (to score or train on), and a stream that never ends (`yes |`) must
    stop with an error while memory lasts (about 1 GB for as many one-token sentences)."""
    held, chars = [], 0
    for line in lines:
        chars += len(line)
        if chars > MAX_DATA_CHARS or len(held) >= MAX_DATA_LINES:
            raise RnnCliError(f"{path}:{len(held) + 1}: too large to read whole (more than {MAX_DATA_CHARS:,} "
                              f"characters or {MAX_DATA_LINES:,} lines; UD English EWT's training file has 14 M "
                              "and 0.25 M); give a part of it")
        held.append(line)
    return held


def _checked(lines: list[str], path: str | Path) -> list[str]:
    """The lines, unless a carriage return is inside one (read_lines)."""
    at = next((n for n, line in enumerate(lines, start=1) if "\r" in line.rstrip("\r\n")), None)
    if at is None:
        return lines
    if len(lines) > 1:  # lines that end in LF, one with a CR inside its text
        raise RnnCliError(f"{path}:{at}: a carriage return (CR) inside the line's text; remove it or make it a "
                          f"space: tr '\\r' ' ' < {shlex.quote(str(path))} > new-file")
    raise RnnCliError(f"{path}:1: lines ended by a carriage return (CR) alone (old Mac style); convert them: "
                      f"tr '\\r' '\\n' < {shlex.quote(str(path))} > new-file")


def iter_lines(path: str | Path, split_long: bool = False) -> Iterator[str]:
    """read_lines, a line at a time (for a reader that stops early: a stream may not end); with
    `split_long`, a line too long to hold comes in pieces (running text) instead of an error."""
    lines, _ = file_lines(open_file(path), str(path), split_long=split_long)
    return decode_lines(lines, str(path), lambda message: None, strict=True)


def _stdin() -> int:
    """A descriptor of stdin of its own (file_lines closes it)."""
    try:
        return os.dup(0)
    except OSError:
        raise RnnCliError("<stdin>: not open; give a file") from None


def require_sentences(lines: list[str], path: str | Path, expected: str) -> None:
    """The error for a data file without sentences: empty, or only blank lines and comments
    (lines that start with `#`, but not the `#/#` or `#<TAB>#` of tagged data)."""
    if not any(line.strip() and not (line.startswith("#") and not line.startswith(("#/", "#\t"))) for line in lines):
        raise RnnCliError(f"{path}: no sentences found: an empty file, or only blank lines and comments; "
                          f"expected {expected}")


def read_conllu_file(path: str | Path) -> list[Sentence]:
    """Every sentence of a CoNLL-U file, kept whole; fails on the first malformed line, with file:line."""
    lines = read_lines(path)
    require_sentences(lines, path, "CoNLL-U")
    return list(read_conllu(lines, source=str(path)))  # (which refuses a sentence without a word)


def read_paragraphs(path: str | Path) -> list[Paragraph]:
    """The paragraphs of raw text a CoNLL-U file spells out, with their gold segmentation."""
    return list(segmentation.paragraphs(read_conllu_file(path), str(path)))


def nltk_missing(spec: str, name: str) -> RnnCliError:
    """The error for an NLTK corpus that is not under NLTK_DATA (rnncli never downloads)."""
    import os

    return RnnCliError(f"{spec}: not found; set NLTK_DATA to the folder that holds corpora/{name} "
                       f"(currently {os.environ.get('NLTK_DATA', 'unset')})")


NLTK_READ_ERRORS = (OSError, ValueError, AssertionError)  # what NLTK's readers raise on a damaged corpus


def nltk_unreadable(spec: str, name: str, exc: Exception) -> RnnCliError:
    """The error for an NLTK corpus that is there but damaged (a file missing, binary data)."""
    import os

    problem = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
    return RnnCliError(f"{spec}: corpora/{name} under NLTK_DATA ({os.environ.get('NLTK_DATA', 'unset')}) cannot be "
                       f"read ({problem}); reinstall it")


@dataclass
class Vocabularies:
    """What a model looks words up in, and the class names of each of its outputs."""

    words: Vocab
    chars: Vocab
    labels: dict[str, list[str]]  # output name -> class names


def build_vocabularies(word_lists: list[list[str]], labels: dict[str, list[str]], min_word_count: int,
                       min_char_count: int) -> Vocabularies:
    words = Counter(word_key(w) for ws in word_lists for w in ws)
    chars = Counter(ch for ws in word_lists for w in ws for ch in composed(w))
    return Vocabularies(Vocab.build(words, min_word_count), Vocab.build(chars, min_char_count), labels)
