"""CoNLL-U reading and writing that keeps every column, comment and special row.

A sentence is its comment lines plus its rows (10 columns each). Only rows whose
ID is a plain integer are words that get tagged; multiword-token ranges (`3-4`)
and empty nodes (`8.1`) pass through untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from rnncli.errors import RnnCliError

ID, FORM, LEMMA, UPOS, XPOS, FEATS, HEAD, DEPREL, DEPS, MISC = range(10)
_WORD_ID = re.compile(r"[1-9][0-9]*\Z")
_RANGE_ID = re.compile(r"[1-9][0-9]*-[1-9][0-9]*\Z")
_EMPTY_ID = re.compile(r"(0|[1-9][0-9]*)\.[1-9][0-9]*\Z")


@dataclass
class Sentence:
    """One CoNLL-U sentence, kept whole so that it can be written back unchanged."""

    comments: list[str] = field(default_factory=list)  # lines without the trailing newline
    rows: list[list[str]] = field(default_factory=list)  # each has 10 columns
    line: int = 0  # 1-based line number of the sentence's first line

    @property
    def word_rows(self) -> list[list[str]]:
        return [row for row in self.rows if _WORD_ID.match(row[ID])]

    @property
    def words(self) -> list[str]:
        return [row[FORM] for row in self.word_rows]

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
        return "\n".join(lines) + "\n\n"


def read_conllu(lines: Iterable[str], source: str = "<input>") -> Iterator[Sentence]:
    """Yield sentences from CoNLL-U lines; malformed rows raise RnnCliError with file:line."""
    sentence = Sentence()
    number = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            if sentence.rows:
                yield sentence
            elif sentence.comments:
                raise RnnCliError(f"{source}:{number}: comment lines without any token rows before a blank line")
            sentence = Sentence()
            continue
        if not sentence.comments and not sentence.rows:
            sentence.line = number
        if line.startswith("#"):
            if sentence.rows:
                raise RnnCliError(f"{source}:{number}: comment inside a sentence; expected a token row or a blank line")
            sentence.comments.append(line)
            continue
        row = line.split("\t")
        if len(row) != 10:
            raise RnnCliError(
                f"{source}:{number}: expected 10 tab-separated CoNLL-U columns, found {len(row)}"
            )
        _check_id(row[ID], sentence, source, number)
        if not row[FORM]:
            raise RnnCliError(f"{source}:{number}: empty FORM column")
        sentence.rows.append(row)
    if sentence.rows:
        yield sentence
    elif sentence.comments:
        raise RnnCliError(f"{source}:{number}: comment lines at the end of the file without token rows")


def _check_id(token_id: str, sentence: Sentence, source: str, number: int) -> None:
    if _WORD_ID.match(token_id):
        expected = len(sentence.word_rows) + 1
        if int(token_id) != expected:
            raise RnnCliError(f"{source}:{number}: word ID {token_id} out of sequence; expected {expected}")
    elif not (_RANGE_ID.match(token_id) or _EMPTY_ID.match(token_id)):
        raise RnnCliError(
            f"{source}:{number}: bad ID {token_id!r}; expected an integer, a range like 3-4 or a decimal like 8.1"
        )


def sentence_from_tokens(tokens: list[str], text: str | None = None, sent_id: str | None = None) -> Sentence:
    """A fresh CoNLL-U sentence for tokens that came from text or token input."""
    comments = []
    if sent_id is not None:
        comments.append(f"# sent_id = {sent_id}")
    if text is not None:
        comments.append(f"# text = {text}")
    rows = [[str(i), tok, "_", "_", "_", "_", "_", "_", "_", "_"] for i, tok in enumerate(tokens, start=1)]
    return Sentence(comments=comments, rows=rows)
