"""Sentences and lines too long to hold whole, read in pieces and joined again.

A line or a sentence of running text longer than MAX_SENTENCE_CHARS is cut at whitespace
into pieces (split_long), each marked `continued` but the last; once tokenized, the pieces
are joined again into one sentence of at most MAX_SENTENCE_WORDS words and MAX_HELD_CHARS
characters (rejoined). So memory stays bounded and time linear whatever the lengths of lines,
sentences and words (a "word" of endless letters is cut like a sentence of endless words).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Iterator

from rnncli.errors import RnnCliError
from rnncli.text.hygiene import clean
from rnncli.text.segmentation import COMBINING, Segment

MAX_SENTENCE_CHARS = 100_000  # a longer sentence or line is read in pieces of at most this size, cut at whitespace
MAX_SENTENCE_WORDS = 10_000  # the most words of one sentence (or line) held at once; see read_sentences
MAX_HELD_CHARS = 10 * MAX_SENTENCE_CHARS  # the most characters of one sentence (or line) held at once
_LAST_SPACE = re.compile(r"(?s).*\s")  # matched within a window: up to its last whitespace


class LineTooLong(RnnCliError):
    """A line of `lines` or `tokens` input with more than `limit` words, or characters (`unit`),
    than rnncli holds as one record (one record per line)."""

    def __init__(self, source: str, line: int, limit: int, unit: str = "words"):
        super().__init__(f"{source}:{line}: a line of more than {limit:,} {unit}; rnncli reads at most that many "
                         "as one sentence: break the line, or use -I text")
        self.line, self.limit, self.unit = line, limit, unit


@dataclass
class Piece:
    """A sentence (or a piece of a longer one) of running text, before tokenization."""

    text: str
    continued: bool = False  # the next piece goes on with the same sentence or line
    space_after: bool = True  # whitespace followed it in the input (or a paragraph ended)
    newpar: bool = False  # it starts a paragraph
    sent_id: str | None = None  # lines and tokens input: from the line number (otherwise numbered in order)
    line: int = 0  # lines and tokens input: the input line it comes from
    cut_in_word: bool = False  # continued, cut for length inside a run of non-whitespace: its last token goes on


def split_long(text: str, limit: int = MAX_SENTENCE_CHARS) -> list[str]:
    """`text` in pieces of at most `limit` characters, each cut after whitespace where the
    second half of its window has some, else not before a combining mark (a letter and its
    marks stay in one piece, to be composed: text.hygiene.composed)."""
    pieces, start = [], 0
    while len(text) - start > limit:
        space = _LAST_SPACE.match(text, start + limit // 2, start + limit)
        end = space.end() if space else start + limit
        while not space and end > start + limit // 2 and unicodedata.category(text[end]) in COMBINING:
            end -= 1
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def _line_pieces(lines: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """Each line in pieces of at most MAX_SENTENCE_CHARS, with whether the line goes on in the
    next piece. A line without a final newline goes on in the next line (see decoding.decode_lines)."""
    for line in lines:
        pieces = split_long(line)
        for i, piece in enumerate(pieces):
            yield piece, i < len(pieces) - 1 or not line.endswith("\n")


def _numbered_lines(pieces: Iterable[tuple[str, bool]]) -> Iterator[tuple[int, str, bool, bool]]:
    """Each input line as (line number, piece, goes on, cut in a word): its pieces with text in
    them, or one empty piece for a blank line. A piece is held back until the next shows
    whether the line really goes on (a blank piece that ends a line ends the piece before it),
    and whether the two meet without whitespace between them (a line cut for length inside a
    word: control characters, U+200B and U+FEFF count as whitespace, see text.hygiene.clean)."""
    number, held, blank = 1, None, False  # blank: whitespace-only pieces came after the held one
    for text, goes_on in pieces:
        if text.strip():
            if held is not None:
                yield number, held, True, not (blank or _space_like(held[-1]) or _space_like(text[0]))
            held, blank = text, False
        else:
            blank = blank or bool(text)
        if not goes_on:
            yield number, "" if held is None else held, False, False
            number, held, blank = number + 1, None, False
    if held is not None:  # the last line, without a final newline
        yield number, held, False, False


def _space_like(ch: str) -> bool:
    return clean(ch).isspace()


def line_sentences(lines: Iterable[str]) -> Iterator[Piece]:
    """One piece per input line (an empty one for a blank line), numbered by line: a line too
    long to hold whole comes in several pieces of that line, each but the last `continued`."""
    for number, text, continued, in_word in _numbered_lines(_line_pieces(lines)):
        yield Piece(text, continued, not in_word, sent_id=str(number), line=number, cut_in_word=in_word)


def rejoined(tokenized: Iterable[tuple[Piece, list[Segment]]], max_words: int, per_line: bool,
             source: str, max_chars: int = MAX_HELD_CHARS) -> Iterator[tuple[Piece, list[Segment]]]:
    """The pieces of a sentence or line too long to read at once, joined again into one (of at
    most about `max_words` words and `max_chars` characters, what bounds memory): a longer line
    is an error (one record per input line), a longer sentence of running text ends there and
    the next one begins."""
    held, held_words = None, 0  # the pieces of the sentence so far, joined, and their words
    for piece, tokens in tokenized:
        words = sum(len(token.words) for token in tokens)
        if held is not None and not per_line and (held_words + words > max_words
                                                  or len(held[0].text) + len(piece.text) > max_chars):
            held[0].continued = False  # the sentence ends here
            yield held
            held = None
        if held is not None:
            (piece, tokens), words = _join(*held, piece, tokens), held_words + words
            held = None
        if words > max_words and per_line:
            raise LineTooLong(source, piece.line, max_words)
        if len(piece.text) > max_chars and per_line:
            raise LineTooLong(source, piece.line, max_chars, "characters")
        while words > max_words and tokens[0].start >= 0:  # running text: sentences of max_words at most
            head, (piece, tokens) = _cut(piece, tokens, max_words)
            words -= sum(len(token.words) for token in head[1])
            yield head
        if piece.continued:
            held, held_words = (piece, tokens), words
        else:
            yield piece, tokens
    if held is not None:
        yield held


def _cut(piece: Piece, tokens: list[Segment], max_words: int
         ) -> tuple[tuple[Piece, list[Segment]], tuple[Piece, list[Segment]]]:
    """A piece's first sentence of at most `max_words` words (at least one token), and the rest."""
    count, words = 0, 0
    while count < len(tokens) - 1 and words + len(tokens[count].words) <= max_words:
        words += len(tokens[count].words)
        count += 1
    count = max(count, 1)
    end, start = tokens[count - 1].end, tokens[count].start
    head = Piece(piece.text[:end], False, start > end, piece.newpar, piece.sent_id, piece.line)
    rest = Piece(piece.text[start:], piece.continued, piece.space_after, False, piece.sent_id, piece.line)
    return (head, tokens[:count]), (rest, [Segment(t.start - start, t.end - start, t.words) for t in tokens[count:]])


def _join(first: Piece, first_tokens: list[Segment], second: Piece, second_tokens: list[Segment]
          ) -> tuple[Piece, list[Segment]]:
    """Two consecutive pieces of one sentence as one piece, token offsets moved along; where the
    cut fell inside a token (no whitespace there), its two halves are one token again."""
    glue = " " if first.space_after and first.text and second.text else ""
    shift = len(first.text) + len(glue)
    moved = [t if t.start < 0 else Segment(t.start + shift, t.end + shift, t.words) for t in second_tokens]
    if first.cut_in_word and first_tokens and moved and first_tokens[-1].end == len(first.text) == moved[0].start:
        head, tail = first_tokens[-1], moved[0]
        words = head.words[:-1] + [head.words[-1] + tail.words[0]] + tail.words[1:]
        first_tokens, moved = first_tokens[:-1] + [Segment(head.start, tail.end, words)], moved[1:]
    tokens = first_tokens + moved
    piece = Piece(first.text + glue + second.text, second.continued, second.space_after, first.newpar,
                  first.sent_id, first.line, second.cut_in_word)
    return piece, tokens


def append_part(text: str, part: str) -> str:
    """A part of running text (whitespace runs already one space) after `text`, with one space
    at most where they meet and none at the start."""
    return text + (part.lstrip(" ") if not text or text.endswith(" ") else part)
