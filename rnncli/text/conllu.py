"""CoNLL-U reading and writing that keeps every column, comment and special row.

A sentence is its comment lines plus its rows (10 columns each). Only rows whose
ID is a plain integer are words that get tagged; multiword-token ranges (`3-4`)
and empty nodes (`8.1`) pass through untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from rnncli.errors import RnnCliError

ID, FORM, LEMMA, UPOS, XPOS, FEATS, HEAD, DEPREL, DEPS, MISC = range(10)
_WORD_ID = re.compile(r"[1-9][0-9]*\Z")
_RANGE_ID = re.compile(r"[1-9][0-9]*-[1-9][0-9]*\Z")
_EMPTY_ID = re.compile(r"(0|[1-9][0-9]*)\.[1-9][0-9]*\Z")
MAX_SENTENCE_LINES = 30_000  # lines of one sentence of a stream (rows of words, ranges, empty nodes; comments)
MAX_SENTENCE_TEXT = 10_000_000  # characters of those lines


@dataclass
class Sentence:
    """One CoNLL-U sentence, kept whole so that it can be written back unchanged: with the
    line ends, blank lines and BOM it was read with, `to_conllu` gives back the input's bytes
    when only UPOS and XPOS have changed."""

    comments: list[str] = field(default_factory=list)  # lines without the trailing newline
    rows: list[list[str]] = field(default_factory=list)  # each has 10 columns
    line: int = 0  # 1-based line number of the sentence's first line
    newlines: list[str] = field(default_factory=list)  # line end of each comment, then each row ("\n" if absent)
    before: str = ""  # what came before its first line: a BOM, blank lines
    after: str = "\n"  # what came after its last row: blank lines, or "" at the end of a file
    continued: bool = False  # text input: a piece of a longer sentence or line, which the next sentence continues

    @property
    def word_rows(self) -> list[list[str]]:
        return [row for row in self.rows if _WORD_ID.match(row[ID])]

    def row_line(self, row: list[str]) -> int:
        """The line number of one of its rows (the comments come first), for messages."""
        return self.line + len(self.comments) + next(i for i, r in enumerate(self.rows) if r is row)

    def comment_line(self, key: str) -> int:
        """The line number of its `# key = ...` comment (its first line if it has none), for messages."""
        return self.line + next((i for i, c in enumerate(self.comments) if c.startswith(f"# {key} = ")), 0)

    @property
    def words(self) -> list[str]:
        return [row[FORM] for row in self.word_rows]

    @property
    def multiwords(self) -> list[tuple[str, str] | None]:
        """For each word (see `words`), the multiword token it is part of, as the range row's ID
        and form (`("3-4", "zum")`, `("2-3", "don't")`), or None: what a format without range
        rows shows the token by."""
        numbers = [int(row[ID]) for row in self.word_rows]
        top = max(numbers, default=0)
        spans: dict[int, tuple[str, str]] = {}
        for row in self.rows:
            if _RANGE_ID.match(row[ID]):
                first, last = (int(x) for x in row[ID].split("-"))
                for number in range(first, min(last, top) + 1):
                    spans.setdefault(number, (row[ID], row[FORM]))
        return [spans.get(number) for number in numbers]

    def comment(self, key: str) -> str | None:
        """The value of a `# key = value` comment, if the sentence has one."""
        prefix = f"# {key} = "
        for comment in self.comments:
            if comment.startswith(prefix):
                return comment[len(prefix):]
        return None

    @property
    def text(self) -> str:
        text = self.comment("text")
        return text if text is not None else " ".join(self.words)

    def to_conllu(self) -> str:
        lines = self.comments + ["\t".join(row) for row in self.rows]
        ends = self.newlines + ["\n"] * (len(lines) - len(self.newlines))
        return self.before + "".join(line + end for line, end in zip(lines, ends)) + self.after


def read_conllu(lines: Iterable[str], source: str = "<input>",
                input_waiting: Callable[[], bool] | None = None) -> Iterator[Sentence]:
    """Yield sentences from CoNLL-U lines; malformed rows raise RnnCliError with file:line.

    A sentence is yielded at the next non-blank line or the end of the input, so that all
    the blank lines after it are kept in its `after`; with `input_waiting`, as soon as its
    first blank line has been read and no more input is waiting (a stream that pauses), the
    blank lines after that then go to the next sentence's `before`. A line without a final
    newline that is not the last (a piece of a line too long to hold, see inputs.ByteLines)
    is an error."""
    sentence, done = Sentence(), None  # the sentence being read; one that is waiting for its blank lines
    blank = ""  # blank lines (and a BOM) not yet given to a sentence
    ids = _Ids(source)  # the ID column of `sentence`
    number = 0
    for number, raw in enumerate(_whole_lines(lines, source), start=1):
        if number == 1 and raw.startswith("\ufeff"):
            blank, raw = "\ufeff", raw[1:]
        line = raw.rstrip("\r\n")
        if not line.strip():
            if sentence.rows:
                ids.end()
                sentence.after = raw
                done, sentence, ids = sentence, Sentence(), _Ids(source)
                if input_waiting is not None and not input_waiting():
                    yield done
                    done = None
            elif sentence.comments:
                raise RnnCliError(f"{source}:{number}: comment lines without any token rows before a blank line")
            elif done is not None:
                done.after += raw
            else:
                blank += raw
            continue
        if not sentence.comments and not sentence.rows:
            if done is not None:
                yield done
                done = None
            sentence.line, sentence.before, blank = number, blank, ""
        if line.startswith("#"):
            if sentence.rows:
                raise RnnCliError(f"{source}:{number}: comment inside a sentence; expected a token row or a blank line")
            sentence.comments.append(line)
            sentence.newlines.append(raw[len(line):])
            continue
        row = line.split("\t")
        if len(row) != 10:
            raise RnnCliError(f"{source}:{number}: expected 10 tab-separated CoNLL-U columns, found {len(row)}")
        ids.check(row[ID], number)
        if not row[FORM]:
            raise RnnCliError(f"{source}:{number}: empty FORM column")
        sentence.rows.append(row)
        sentence.newlines.append(raw[len(line):])
    if done is not None:
        yield done
    if sentence.rows:
        ids.end()
        sentence.after = ""
        yield sentence
    elif sentence.comments:
        raise RnnCliError(f"{source}:{number}: comment lines at the end of the file without token rows")


def bounded_sentences(lines: Iterable[str], source: str, max_words: int) -> Iterator[str]:
    """The lines, each sentence (the lines between blank ones) held to `max_words` word rows,
    MAX_SENTENCE_LINES lines and MAX_SENTENCE_TEXT characters: a stream is read a sentence at a
    time, so a longer one is an error at the line that passes the bound, in bounded memory."""
    words = count = chars = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            words = count = chars = 0
        else:
            count, chars = count + 1, chars + len(line.rstrip("\r\n"))  # CRLF or LF: the same bound
            words += bool(_WORD_ID.match(line.partition("\t")[0].lstrip("\ufeff")))  # a BOM before the first
            if words > max_words or count > MAX_SENTENCE_LINES or chars > MAX_SENTENCE_TEXT:
                limit, unit = ((max_words, "words") if words > max_words else (MAX_SENTENCE_LINES, "lines")
                               if count > MAX_SENTENCE_LINES else (MAX_SENTENCE_TEXT, "characters"))
                raise RnnCliError(f"{source}:{number}: a sentence of more than {limit:,} {unit}; rnncli holds "
                                  "one sentence at a time: split it into shorter ones")
        yield line


def _whole_lines(lines: Iterable[str], source: str) -> Iterator[str]:
    """The lines; one without a final newline is held back, as it may be the first piece of a
    line too long to hold, which is an error."""
    held = None
    for number, line in enumerate(lines, start=1):
        if held is not None:
            raise RnnCliError(f"{source}:{number - 1}: line too long for CoNLL-U (a row holds one token)")
        if line.endswith("\n"):
            yield line
        else:
            held = line
    if held is not None:
        yield held


class _Ids:
    """The ID column of one sentence's rows, checked as they come: word IDs 1, 2, 3 in sequence;
    a range `a-b` (a multiword token) just before its first word a, over at least two words,
    not overlapping the one before and not past the sentence's last word; empty nodes `n.k` right
    after word n (0: before the first), k = 1, 2, ...; at least one word."""

    def __init__(self, source: str):
        self.source = source
        self.words = 0  # word rows so far
        self.range_end, self.range_line = 0, 0  # the last range's last word, and its line
        self.empty = (0, 0)  # the last empty node's word and number (8.1: (8, 1))
        self.first_line = self.last_line = 0  # the sentence's first row, and the row before this one

    def check(self, token_id: str, number: int) -> None:
        where = f"{self.source}:{number}"
        self.first_line = self.first_line or number
        if _WORD_ID.match(token_id):
            if int(token_id) != self.words + 1:
                raise RnnCliError(f"{where}: word ID {token_id} out of sequence; expected {self.words + 1}")
            self.words += 1
        elif _RANGE_ID.match(token_id):
            first, last = (int(x) for x in token_id.split("-"))
            if first != self.words + 1 or last <= first:
                raise RnnCliError(f"{where}: multiword token {token_id} must come just before its first word and "
                                  f"span at least two (here: {self.words + 1}-N)")
            if first <= self.range_end:
                raise RnnCliError(f"{where}: multiword token {token_id} overlaps the one before it")
            self.range_end, self.range_line = last, number
        elif _EMPTY_ID.match(token_id):
            word, node = (int(x) for x in token_id.split("."))
            expected = (self.words, self.empty[1] + 1 if self.empty[0] == self.words else 1)
            if self.range_line and self.range_line == self.last_line:
                raise RnnCliError(f"{where}: empty node {token_id} between a multiword token and its first word; "
                                  "it goes before the token's line")
            if (word, node) != expected:
                raise RnnCliError(f"{where}: empty node {token_id} out of sequence; expected {expected[0]}.{expected[1]} "
                                  "(an empty node n.k comes right after word n)")
            self.empty = expected
        elif re.fullmatch(r"0(-[0-9]+)?", token_id):
            raise RnnCliError(f"{where}: bad ID {token_id!r}; word IDs start at 1")
        elif re.fullmatch(r"[0-9]+\.0", token_id):
            raise RnnCliError(f"{where}: bad ID {token_id!r}; empty nodes are numbered from 1 (8.1, 8.2)")
        else:
            raise RnnCliError(f"{where}: bad ID {token_id!r}; expected an integer, a range like 3-4 or a decimal like 8.1")
        self.last_line = number

    def end(self) -> None:
        """At the sentence's end: it has a word, and a range does not reach past its last word."""
        if not self.words:
            raise RnnCliError(f"{self.source}:{self.first_line}: a sentence of empty nodes alone, without a word")
        if self.range_end > self.words:
            raise RnnCliError(f"{self.source}:{self.range_line}: multiword token goes past the sentence's last word "
                              f"({self.words})")
