"""From input lines to tokenized sentences, streamed: each sentence is yielded as soon as
its input has been read, in bounded memory and linear time (see pieces).

Input formats: `text` (running text, split into sentences by Punkt or a tokenizer model),
`lines` (one sentence per line), `tokens` (whitespace-separated tokens, one sentence per
line) and `conllu` (kept whole). Words come from the Treebank rules (see rules) or from a
tokenizer model; every sentence comes out as CoNLL-U (see conllu.Sentence).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, TypeVar

from rnncli.errors import RnnCliError
from rnncli.text.conllu import FORM, Sentence, bounded_sentences, read_conllu
from rnncli.text.hygiene import clean
from rnncli.text.pieces import (MAX_SENTENCE_CHARS, MAX_SENTENCE_WORDS, Piece, append_part, line_sentences, rejoined,
                                split_long)
from rnncli.text.rules import sentence_splitter, token_spans, tokenize
from rnncli.text.segmentation import Segment
from rnncli.text.segmented import FLUSH_CHARS, SegmentedText

if TYPE_CHECKING:
    from rnncli.infer.parallel import Workers
    from rnncli.infer.tokenizer import Tokenizer

INPUT_FORMATS = ("text", "lines", "tokens", "conllu")
FIRST_BATCH = 16  # sentences in a model's first batch, twice as many in each next one (see batched)
CHARS_PER_WORD = 100  # in a model's batch, a sentence weighs a word per this many characters where that is more

T = TypeVar("T")


def _split_text(text: str, final: bool) -> tuple[list[Piece], str]:
    """Punkt sentences of `text` (whitespace collapsed, ending in a space). Unless `final`,
    the last sentence may go on with more text: it is returned as the rest (when it is over
    MAX_SENTENCE_CHARS long, only its last piece is)."""
    spans = list(sentence_splitter().span_tokenize(text))
    rest = ""
    if not final and spans:
        rest = text[spans[-1][0]:]
        spans = spans[:-1]
    out = []
    for start, end in spans:
        pieces = split_long(text[start:end])
        out += [Piece(piece, i < len(pieces) - 1, piece[-1].isspace()) for i, piece in enumerate(pieces)]
        out[-1].space_after = end >= len(text) or text[end].isspace()
    if len(rest) > MAX_SENTENCE_CHARS:
        trailing = rest[len(rest.rstrip()):]
        *pieces, rest = split_long(rest.rstrip())
        out += [Piece(piece, True, piece[-1].isspace()) for piece in pieces]
        rest += trailing
    return out, rest


_WHITESPACE = re.compile(r"\s+")


def _paragraph_lines(lines: Iterable[str], per_line: bool, limit: int = MAX_SENTENCE_CHARS
                     ) -> Iterator[tuple[str, bool]]:
    """Each line (or piece of a long line, at most `limit` characters) of running text, each
    whitespace run one space (a line end too, so a word cut between two pieces stays whole when
    they are joined, see pieces.append_part), with whether a paragraph ends after it: at a blank line, or at
    every line if per_line."""
    starts_line = True  # whether `line` is a whole line or the first piece of one
    for line in lines:
        for part in split_long(line, limit) if line.strip() else ():
            yield _WHITESPACE.sub(" ", clean(part)), False
        if line.endswith("\n") and (per_line or (starts_line and not line.strip())):
            yield "", True
        starts_line = line.endswith("\n")


def _running_text(lines: Iterable[str], per_line: bool) -> Iterator[Piece]:
    """Punkt sentences of running text, each as soon as the next one has begun, in linear time.
    The text not yet handed on is split again only once it has grown by half since the last
    split."""
    buffer, checked, newpar = "", 0, False  # the paragraph's text not yet handed on; its length after the last split
    parts = _UntilBadInput(_paragraph_lines(lines, per_line))
    for text, paragraph_ends in parts:
        if text:
            buffer = append_part(buffer, text)
            if len(buffer) - checked > checked // 2:
                out, buffer = _split_text(buffer, final=False)
                yield from _mark_paragraph(out, newpar)
                newpar = newpar and not out
                checked = len(buffer)
        if paragraph_ends:
            out = _split_text(buffer, final=True)[0]
            yield from _mark_paragraph(out, newpar)
            buffer, checked, newpar = "", 0, (newpar or bool(out)) and not per_line
    yield from _mark_paragraph(_split_text(buffer, final=True)[0], newpar)
    parts.raise_error()


class _UntilBadInput:
    """The items of an iterable, ending early where reading it fails (a NUL byte, a line too
    long, a malformed row), and `raise_error` raising that error once the caller has handed on
    what it holds: the records of the input before it come out first, however fast it arrived."""

    def __init__(self, items: Iterable[T]):
        self.items, self.error = items, None

    def __iter__(self) -> Iterator[T]:
        try:
            yield from self.items
        except Exception as exc:  # noqa: BLE001  (raised again by raise_error)
            self.error = exc

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


def _mark_paragraph(pieces: list[Piece], newpar: bool) -> list[Piece]:
    """`newpar` marks paragraphs after the first (they followed a blank line); typed lines are not marked."""
    if pieces and newpar:
        pieces[0].newpar = True
    return pieces


def _segmented_text(lines: Iterable[str], tokenizer: Tokenizer, per_line: bool, input_waiting: Callable[[], bool],
                    workers: Workers | None) -> Iterator[tuple[Piece, list[Segment]]]:
    """Sentences of running text from a tokenizer model, with their tokens (offsets into the
    piece's text), the same however fast the text arrives (see segmented.SegmentedText)."""
    text = SegmentedText(tokenizer, per_line, workers)
    parts = _UntilBadInput(_paragraph_lines(lines, per_line, FLUSH_CHARS))
    for part, paragraph_ends in parts:
        text.add(part, paragraph_ends)
        due = text.due()
        if due:
            yield from text.flush(due)
        elif text.worth_early() and not input_waiting():
            yield from text.flush("early")
    yield from text.flush("final")
    parts.raise_error()


def _segmented_lines(pieces: Iterable[Piece], tokenizer: Tokenizer, input_waiting: Callable[[], bool],
                     workers: Workers | None) -> Iterator[tuple[Piece, list[Segment]]]:
    """One sentence per line (or piece of a long one), tokenized by a tokenizer model; lines are
    segmented together while more input is waiting, in `workers` (named "tokenizer") when given."""
    groups = map(_cleaned, batched(pieces, 1000, input_waiting, lambda piece: len(piece.text), FLUSH_CHARS))
    payload = lambda group: [piece.text for piece in group]  # noqa: E731
    if workers is None:
        labelled = ((group, tokenizer.labels(payload(group))) for group in groups)
    else:  # labels come back from the workers: a byte a character, where segments would be slow to unpickle
        labelled = workers.ordered_map("tokenizer", "labels", groups, payload, input_waiting)
    for group, labels in labelled:
        for piece, sentences in zip(group, tokenizer.from_labels(payload(group), labels)):
            yield piece, [token for sentence in sentences for token in sentence]


def _cleaned(pieces: list[Piece]) -> list[Piece]:
    """The pieces, their text cleaned (text.hygiene) and its whitespace runs made one space."""
    for piece in pieces:
        piece.text = " ".join(clean(piece.text).split())
    return pieces


def _treebank_tokens(piece: Piece) -> tuple[Piece, list[Segment]]:
    piece.text = " ".join(clean(piece.text).split())
    spans = token_spans(piece.text)
    if spans is None:  # NLTK could not align its tokens with the text: tokens without offsets
        tokens, _ = tokenize(piece.text)
        return piece, [Segment(-1, -1, [t]) for t in tokens]
    return piece, [Segment(start, end, [piece.text[start:end]]) for start, end in spans]


def _sentence(piece: Piece, tokens: list[Segment], number: int) -> Sentence:
    """A CoNLL-U sentence of tokens found in `piece.text`: SpaceAfter=No where no space followed
    a token (the last one included), a range row for each multiword token, `# newpar` where a
    paragraph starts. The text was read in NFC (text.hygiene.clean), and so are the forms."""
    rows, first = [], 1  # `first`: the ID of the token's first word
    for i, token in enumerate(tokens):
        if token.start < 0:  # no offsets
            space = True
        elif i + 1 < len(tokens):
            space = tokens[i + 1].start > token.end
        else:
            space = piece.space_after or token.end < len(piece.text)
        misc = "_" if space else "SpaceAfter=No"
        if len(token.words) > 1:
            form = piece.text[token.start:token.end] if token.start >= 0 else "".join(token.words)
            rows.append([f"{first}-{first + len(token.words) - 1}", form, *"_" * 7, misc])
            rows += [[str(first + k), word, *"_" * 8] for k, word in enumerate(token.words)]
        else:
            rows.append([str(first), token.words[0], *"_" * 7, misc])
        first += len(token.words)
    comments = (["# newpar"] if piece.newpar else []) + [f"# sent_id = {piece.sent_id or number}",
                                                          f"# text = {piece.text}"]
    return Sentence(comments=comments, rows=rows, line=piece.line, continued=piece.continued)


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    for number, line in enumerate(lines):
        yield line[1:] if number == 0 and line.startswith("\ufeff") else line


def read_sentences(lines: Iterable[str], input_format: str, source: str = "<stdin>", per_line: bool = False,
                   input_waiting: Callable[[], bool] | None = None, tokenizer: Tokenizer | None = None,
                   max_words: int | None = MAX_SENTENCE_WORDS, workers: Workers | None = None) -> Iterator[Sentence]:
    """Sentences from input lines in one of INPUT_FORMATS. Lines end in a newline; a piece of a
    line without one goes on in the next (inputs.ByteLines cuts lines that are too long to hold).
    `per_line` makes `text` treat each line as a paragraph (for a person typing at a terminal).
    `text` and `lines` are tokenized by `tokenizer` (a tokenizer.Tokenizer, see open_tokenizer),
    or by Punkt and the Treebank rules when it is None; its batches run in `workers` (a
    parallel.Workers holding it as "tokenizer") when given. `lines` and `tokens` give one sentence
    per input line, an empty one for a blank line, with the line number in `line` and `sent_id`.

    Memory stays bounded: a sentence or line longer than MAX_SENTENCE_CHARS is read in pieces,
    which are joined again into one sentence of at most `max_words` words (see pieces.rejoined); with
    `max_words` None they come as several sentences, each but the last marked `continued`. CoNLL-U is read whole (see read_conllu,
    which `input_waiting` lets hand on a sentence without waiting for the next one). An unknown
    format is refused at once, before any input is read."""
    if input_format not in INPUT_FORMATS:
        raise RnnCliError(f"unknown input format {input_format!r}; use one of {', '.join(INPUT_FORMATS)}")
    if input_format == "conllu":
        return read_conllu(bounded_sentences(lines, source, max_words or MAX_SENTENCE_WORDS), source, input_waiting)
    return _sentences(_without_bom(lines), input_format, per_line, input_waiting or (lambda: True), tokenizer,
                      max_words, source, workers)


def _sentences(lines: Iterable[str], input_format: str, per_line: bool, input_waiting: Callable[[], bool],
               tokenizer: Tokenizer | None, max_words: int | None, source: str,
               workers: Workers | None) -> Iterator[Sentence]:
    """Sentences of `text`, `lines` or `tokens` input, numbered from 1 (see read_sentences)."""
    if input_format == "tokens":
        tokenized = map(_whitespace_tokens, line_sentences(lines))
    elif tokenizer is None:
        pieces = _running_text(lines, per_line) if input_format == "text" else line_sentences(lines)
        tokenized = map(_treebank_tokens, pieces)
    elif input_format == "text":
        tokenized = _segmented_text(lines, tokenizer, per_line, input_waiting, workers)
    else:
        tokenized = _segmented_lines(line_sentences(lines), tokenizer, input_waiting, workers)
    if max_words is not None:
        tokenized = rejoined(tokenized, max_words, input_format != "text", source)
    for number, (piece, tokens) in enumerate(tokenized, start=1):
        yield _sentence(piece, tokens, number)


def _whitespace_tokens(piece: Piece) -> tuple[Piece, list[Segment]]:
    """`tokens` input: the tokens are the line's whitespace-separated words, kept as they are."""
    words = clean(piece.text).split()
    piece.text, tokens, start = " ".join(words), [], 0
    for word in words:
        tokens.append(Segment(start, start + len(word), [word]))
        start += len(word) + 1
    return piece, tokens


def batch_weight(sentence: Sentence) -> int:
    """What a sentence weighs in a model's batch (batched's `weight`): see words_weight."""
    return words_weight(len(sentence.rows), sum(len(row[FORM]) for row in sentence.rows))


def words_weight(words: int, chars: int) -> int:
    """What `words` words of `chars` characters weigh in a batch: their count, or a word per
    CHARS_PER_WORD characters where that is more, so that a batch's limit in words also
    bounds the characters it holds (sentences of one word of endless letters, see pieces)."""
    return max(words, chars // CHARS_PER_WORD)


def batched(items: Iterable[T], size: int, input_waiting: Callable[[], bool] = lambda: True,
            weight: Callable[[T], int] = lambda item: 0, max_weight: int = 0, first: int | None = None
            ) -> Iterator[list[T]]:
    """Groups of up to `size` items, closed as well once their `weight` adds up to `max_weight`
    (when given); a group is also closed early whenever no more input is waiting, so output
    keeps pace with input that arrives slowly (a person, `tail -f`). With `first`, the first
    group holds at most `first` items and each next one twice as many, up to `size`, so that
    the first results come out soon (`| head`, `| less`) while the rest go in full groups. When
    reading the items fails (a line too long, a malformed row), the group read so far is handed
    on first: the error stops the output after the records before it, not before the group they
    are in."""
    group: list[T] = []
    total = 0
    limit = size if first is None else min(first, size)
    reader = _UntilBadInput(items)
    for item in reader:
        group.append(item)
        total += weight(item)
        if len(group) >= limit or (max_weight and total >= max_weight) or not input_waiting():
            yield group
            group, total, limit = [], 0, min(2 * limit, size)
    if group:
        yield group
    reader.raise_error()
