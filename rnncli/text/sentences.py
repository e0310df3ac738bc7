"""From raw input to tokenized sentences: decoding, sentence splitting (NLTK Punkt with
parameters shipped in the package) and Treebank-style word tokenization (NLTK), offline.

Input formats: `text` (running text), `lines` (one sentence per line), `tokens`
(whitespace-separated tokens, one sentence per line) and `conllu` (kept whole).
Everything streams: sentences are yielded as soon as their input has been read, in
bounded memory and linear time whatever the lengths of lines and sentences.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
import types
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, TypeVar

from rnncli.text.conllu import Sentence, read_conllu
from rnncli.errors import RnnCliError
from rnncli.text.segmentation import Segment

if TYPE_CHECKING:
    from rnncli.infer.tokenizer import Tokenizer

INPUT_FORMATS = ("text", "lines", "tokens", "conllu")
PUNKT_PARAMS = Path(__file__).parent.parent / "resources" / "punkt-english.json"
MAX_SENTENCE_CHARS = 100_000  # a longer sentence or line is read in pieces of at most this size, cut at whitespace
MAX_SENTENCE_WORDS = 10_000  # the most words of one sentence (or line) held at once; see read_sentences
_LAST_SPACE = re.compile(r"(?s).*\s")  # matched within a window: up to its last whitespace

T = TypeVar("T")


@lru_cache(maxsize=1)
def _nltk_tokenize_modules() -> tuple[types.ModuleType, types.ModuleType]:
    """nltk.tokenize.punkt and nltk.tokenize.destructive, without running nltk/__init__.py.

    Importing nltk itself pulls in its whole toolkit (and scipy where installed): ~0.7 s and
    100 MB, more than `rnncli tag` may spend. The two tokenizer modules need only a few
    small helpers, so they are loaded under placeholder parent packages which are then
    removed again: a later `import nltk` in the same process gets the real, complete package.
    """
    if "nltk" in sys.modules:
        return importlib.import_module("nltk.tokenize.punkt"), importlib.import_module("nltk.tokenize.destructive")
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        raise RnnCliError("nltk is not installed; reinstall rnncli (pip install rnncli)")
    root = Path(list(spec.submodule_search_locations)[0])
    before = set(sys.modules)
    try:
        for name, folder in (("nltk", root), ("nltk.tokenize", root / "tokenize")):
            placeholder = types.ModuleType(name)
            placeholder.__path__ = [str(folder)]
            sys.modules[name] = placeholder
        punkt = importlib.import_module("nltk.tokenize.punkt")
        destructive = importlib.import_module("nltk.tokenize.destructive")
    except ImportError:  # an nltk whose tokenizers need more: take the slow, ordinary path
        punkt = destructive = None
    finally:
        for name in set(sys.modules) - before:
            if name == "nltk" or name.startswith("nltk."):
                del sys.modules[name]
    if punkt is None:
        return importlib.import_module("nltk.tokenize.punkt"), importlib.import_module("nltk.tokenize.destructive")
    return punkt, destructive


@lru_cache(maxsize=1)
def sentence_splitter():
    """A Punkt sentence splitter with the English parameters shipped in rnncli/resources."""
    punkt, _ = _nltk_tokenize_modules()
    with open(PUNKT_PARAMS, encoding="utf-8") as f:
        data = json.load(f)
    params = punkt.PunktParameters()
    params.abbrev_types = set(data["abbrev_types"])
    params.collocations = {tuple(c) for c in data["collocations"]}
    params.sent_starters = set(data["sent_starters"])
    params.ortho_context.update(data["ortho_context"])
    return punkt.PunktSentenceTokenizer(params)


@lru_cache(maxsize=1)
def _word_tokenizer():
    _, destructive = _nltk_tokenize_modules()
    return destructive.NLTKWordTokenizer()


_QUOTES = {"``": '"', "''": '"'}


def token_spans(sentence: str) -> list[tuple[int, int]] | None:
    """Treebank-style tokens of one sentence ("don't" -> do n't) as character spans, one Punkt
    sentence at a time (the Treebank tokenizer splits off only a final period); None where NLTK
    cannot align its tokens with the text. A curly apostrophe reads as a straight one."""
    tokenizer = _word_tokenizer()
    plain = sentence.replace("\u2019", "'")  # same length: the spans index `sentence` too
    spans = []
    try:
        for start, end in sentence_splitter().span_tokenize(plain):
            spans += [(start + a, start + b) for a, b in tokenizer.span_tokenize(plain[start:end])]
    except ValueError:
        return None
    return spans


def tokenize(sentence: str) -> tuple[list[str], list[bool]]:
    """Treebank-style tokens of one sentence as they appear in the text, and for each token
    whether a space follows it (see token_spans)."""
    spans = token_spans(sentence)
    if spans is None:
        tokens = [_QUOTES.get(t, t) for t in _word_tokenizer().tokenize(sentence)]
        return tokens, [True] * len(tokens)
    tokens = [sentence[start:end] for start, end in spans]
    space_after = [end < len(sentence) and sentence[end].isspace() for _, end in spans]
    return tokens, space_after


def clean(text: str) -> str:
    """Control characters become spaces: they are not text, and would break tabular output."""
    if text.isprintable() or text.replace("\n", "").isprintable():  # the usual line, at C speed
        return text
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch != "\n" else ch for ch in text)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """`text` for display: control characters (C0, DEL, C1) and line or paragraph separators
    become U+FFFD, so that a word read from CoNLL-U stays in its line and column."""
    return _UNPRINTABLE.sub("\ufffd", text)


def split_sentences(text: str) -> list[str]:
    return [s for s in sentence_splitter().sentences_from_text(text) if s.strip()]


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


def decode_lines(chunks: Iterable[bytes], source: str, warn: Callable[[str], None], keep_bom: bool = False,
                 strict: bool = False) -> Iterator[str]:
    """Decode input lines (or pieces of long lines, see inputs.ByteLines) as UTF-8. Binary
    data (NUL bytes) and UTF-16 are errors; other invalid bytes are replaced by U+FFFD with one
    warning, so a stray byte does not lose a whole file (`strict`: an error naming file:line).
    A UTF-8 BOM is dropped unless `keep_bom`."""
    warned = False
    number, offset = 1, 0  # the line number, and where in its line this piece starts
    for index, raw in enumerate(chunks):
        if index == 0 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise utf16_error(source, 1)
        nul = raw.find(b"\x00")
        if nul >= 0:
            raise binary_error(source, number, raw, nul)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if strict:
                raise RnnCliError(f"{source}:{number}: not UTF-8 text (invalid byte {offset + exc.start} of the "
                                  "line); convert it to UTF-8") from None
            line = raw.decode("utf-8", errors="replace")
            if not warned:
                warn(f"{source}:{number}: invalid UTF-8 (byte {offset + exc.start}) replaced by U+FFFD")
                warned = True
        if index == 0 and not keep_bom and line.startswith("\ufeff"):
            line = line[1:]
        yield line
        number, offset = (number + 1, 0) if raw.endswith(b"\n") else (number, offset + len(raw))


def split_long(text: str, limit: int = MAX_SENTENCE_CHARS) -> list[str]:
    """`text` in pieces of at most `limit` characters, each cut after whitespace where the
    second half of its window has some."""
    pieces, start = [], 0
    while len(text) - start > limit:
        space = _LAST_SPACE.match(text, start + limit // 2, start + limit)
        end = space.end() if space else start + limit
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def _line_pieces(lines: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """Each line in pieces of at most MAX_SENTENCE_CHARS, with whether the line goes on in the
    next piece. A line without a final newline goes on in the next line (see decode_lines)."""
    for line in lines:
        pieces = split_long(line)
        for i, piece in enumerate(pieces):
            yield piece, i < len(pieces) - 1 or not line.endswith("\n")


def _numbered_lines(pieces: Iterable[tuple[str, bool]]) -> Iterator[tuple[int, str, bool]]:
    """Each input line as (line number, piece, goes on): its pieces with text in them, or one
    empty piece for a blank line. A piece is held back until the next shows whether the line
    really goes on (a blank piece that ends a line ends the piece before it)."""
    number, held = 1, None
    for text, goes_on in pieces:
        if text.strip():
            if held is not None:
                yield number, held, True
            held = text
        if not goes_on:
            yield number, "" if held is None else held, False
            number, held = number + 1, None
    if held is not None:  # the last line, without a final newline
        yield number, held, False


def _line_sentences(lines: Iterable[str]) -> Iterator[Piece]:
    """One piece per input line (an empty one for a blank line), numbered by line: a line too
    long to hold whole comes in several pieces of that line, each but the last `continued`."""
    for number, text, continued in _numbered_lines(_line_pieces(lines)):
        yield Piece(text, continued, space_after=not continued or text[-1:].isspace(), sent_id=str(number),
                    line=number)


@dataclass
class Piece:
    """A sentence (or a piece of a longer one) of running text, before tokenization."""

    text: str
    continued: bool = False  # the next piece goes on with the same sentence or line
    space_after: bool = True  # whitespace followed it in the input (or a paragraph ended)
    newpar: bool = False  # it starts a paragraph
    sent_id: str | None = None  # lines and tokens input: from the line number (otherwise numbered in order)
    line: int = 0  # lines and tokens input: the input line it comes from


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
    they are joined, see _append), with whether a paragraph ends after it: at a blank line, or at
    every line if per_line."""
    starts_line = True  # whether `line` is a whole line or the first piece of one
    for line in lines:
        for part in split_long(line, limit) if line.strip() else ():
            yield _WHITESPACE.sub(" ", clean(part)), False
        if line.endswith("\n") and (per_line or (starts_line and not line.strip())):
            yield "", True
        starts_line = line.endswith("\n")


def _append(text: str, part: str) -> str:
    """`part` after `text`, with one space at most where they meet and none at the start."""
    return text + (part.lstrip(" ") if not text or text.endswith(" ") else part)


def _running_text(lines: Iterable[str], per_line: bool) -> Iterator[Piece]:
    """Punkt sentences of running text, each as soon as the next one has begun, in linear time.
    The text not yet handed on is split again only once it has grown by half since the last
    split."""
    buffer, checked, newpar = "", 0, False  # the paragraph's text not yet handed on; its length after the last split
    for text, paragraph_ends in _paragraph_lines(lines, per_line):
        if text:
            buffer = _append(buffer, text)
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


def _mark_paragraph(pieces: list[Piece], newpar: bool) -> list[Piece]:
    """`newpar` marks paragraphs after the first (they followed a blank line); typed lines are not marked."""
    if pieces and newpar:
        pieces[0].newpar = True
    return pieces


FLUSH_CHARS = 20_000  # characters of running text segmented together by the neural tokenizer


def _segmented_text(lines: Iterable[str], tokenizer: Tokenizer, per_line: bool,
                    input_waiting: Callable[[], bool]) -> Iterator[tuple[Piece, list[Segment]]]:
    """Sentences of running text from a tokenizer model, with their tokens (offsets into the
    piece's text). Paragraphs are segmented together, FLUSH_CHARS at a time or whenever no more
    input is waiting; an open paragraph hands on all its sentences but the last, which may go on.
    A sentence longer than FLUSH_CHARS comes in pieces."""
    closed: list[tuple[str, bool]] = []  # paragraphs ended, not yet segmented: (text, starts a paragraph)
    open_text, open_new = "", False  # the open paragraph's text not yet handed on; see _mark_paragraph
    pending = 0  # characters read since the last segmentation

    def flush(final: bool) -> Iterator[tuple[Piece, list[Segment]]]:
        nonlocal open_text, open_new, pending
        texts = [text for text, _ in closed] + [open_text]
        results = tokenizer.segment(texts)
        for (text, new), sentences in zip(closed, results):
            yield from _segmented_pieces(text, sentences, new)
        closed.clear()
        sentences, pending = results[-1], 0
        if final or not sentences:
            yield from _segmented_pieces(open_text, sentences, open_new)
            open_text = "" if final else open_text
            return
        *done, last = sentences
        if len(open_text) - last[0].start > FLUSH_CHARS:  # hand on most of a long sentence: linear time
            keep = next((i for i, t in enumerate(last) if t.end > len(open_text) - 1000), len(last))
            keep = max(keep, 1)  # at least one token, however long
            done, last = done + [last[:keep]], last[keep:]
        cut = last[0].start if last else done[-1][-1].end
        yield from _segmented_pieces(open_text[:cut], done, open_new, goes_on=len(done) == len(sentences))
        open_new = open_new and not done
        open_text = open_text[cut:].lstrip()

    for text, paragraph_ends in _paragraph_lines(lines, per_line, FLUSH_CHARS):
        if text:
            open_text = _append(open_text, text)
            pending += len(text)
        if paragraph_ends and open_text:
            closed.append((open_text, open_new))
            open_text, open_new = "", not per_line
        if pending >= FLUSH_CHARS or ((pending or closed) and not input_waiting()):
            yield from flush(final=False)
    yield from flush(final=True)


def _segmented_pieces(text: str, sentences: list[list[Segment]], newpar: bool,
                      goes_on: bool = False) -> Iterator[tuple[Piece, list[Segment]]]:
    """Each sentence of `text` as a Piece with its tokens (offsets now into the piece's text);
    with `goes_on`, the last one is continued by the next piece."""
    for i, tokens in enumerate(sentences):
        start, end = tokens[0].start, tokens[-1].end
        continued = goes_on and i == len(sentences) - 1  # at the end of the text so far: a word may go on
        piece = Piece(text[start:end], continued, text[end].isspace() if end < len(text) else not continued,
                      newpar and i == 0)
        yield piece, [Segment(t.start - start, t.end - start, t.words) for t in tokens]


def _segmented_lines(pieces: Iterable[Piece], tokenizer: Tokenizer,
                     input_waiting: Callable[[], bool]) -> Iterator[tuple[Piece, list[Segment]]]:
    """One sentence per line (or piece of a long one), tokenized by a tokenizer model; lines are
    segmented together while more input is waiting."""
    for group in batched(pieces, 1000, input_waiting, lambda piece: len(piece.text), FLUSH_CHARS):
        for piece in group:
            piece.text = " ".join(clean(piece.text).split())
        for piece, sentences in zip(group, tokenizer.segment([piece.text for piece in group])):
            yield piece, [token for sentence in sentences for token in sentence]


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
    paragraph starts."""
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
            rows.append([f"{first}-{first + len(token.words) - 1}", "".join(token.words), *"_" * 7, misc])
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
                   max_words: int | None = MAX_SENTENCE_WORDS) -> Iterator[Sentence]:
    """Sentences from input lines in one of INPUT_FORMATS. Lines end in a newline; a piece of a
    line without one goes on in the next (inputs.ByteLines cuts lines that are too long to hold).
    `per_line` makes `text` treat each line as a paragraph (for a person typing at a terminal).
    `text` and `lines` are tokenized by `tokenizer` (a tokenizer.Tokenizer, see open_tokenizer),
    or by Punkt and the Treebank rules when it is None. `lines` and `tokens` give one sentence
    per input line, an empty one for a blank line, with the line number in `line` and `sent_id`.

    Memory stays bounded: a sentence or line longer than MAX_SENTENCE_CHARS is read in pieces,
    which are joined again into one sentence of at most `max_words` words (see _whole); with
    `max_words` None they come as several sentences, each but the last marked `continued`. CoNLL-U is read whole (see read_conllu,
    which `input_waiting` lets hand on a sentence without waiting for the next one). An unknown
    format is refused at once, before any input is read."""
    if input_format not in INPUT_FORMATS:
        raise RnnCliError(f"unknown input format {input_format!r}; use one of {', '.join(INPUT_FORMATS)}")
    if input_format == "conllu":
        return read_conllu(lines, source, input_waiting)
    return _sentences(_without_bom(lines), input_format, per_line, input_waiting or (lambda: True), tokenizer,
                      max_words, source)


def _sentences(lines: Iterable[str], input_format: str, per_line: bool, input_waiting: Callable[[], bool],
               tokenizer: Tokenizer | None, max_words: int | None, source: str) -> Iterator[Sentence]:
    """Sentences of `text`, `lines` or `tokens` input, numbered from 1 (see read_sentences)."""
    if input_format == "tokens":
        tokenized = map(_whitespace_tokens, _line_sentences(lines))
    elif tokenizer is None:
        pieces = _running_text(lines, per_line) if input_format == "text" else _line_sentences(lines)
        tokenized = map(_treebank_tokens, pieces)
    elif input_format == "text":
        tokenized = _segmented_text(lines, tokenizer, per_line, input_waiting)
    else:
        tokenized = _segmented_lines(_line_sentences(lines), tokenizer, input_waiting)
    if max_words is not None:
        tokenized = _whole(tokenized, max_words, input_format != "text", source)
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


def _whole(tokenized: Iterable[tuple[Piece, list[Segment]]], max_words: int, per_line: bool,
           source: str) -> Iterator[tuple[Piece, list[Segment]]]:
    """The pieces of a sentence or line too long to read at once, joined again into one (of at
    most about `max_words` words, what bounds memory): a longer line is an error (one record per
    input line), a longer sentence of running text ends there and the next one begins."""
    held, held_words = None, 0  # the pieces of the sentence so far, joined, and their words
    for piece, tokens in tokenized:
        words = sum(len(token.words) for token in tokens)
        if held is not None and held_words + words > max_words and not per_line:
            held[0].continued = False  # the sentence ends here
            yield held
            held = None
        if held is not None:
            (piece, tokens), words = _join(*held, piece, tokens), held_words + words
            held = None
        if words > max_words and per_line:
            raise RnnCliError(f"{source}:{piece.line}: a line of more than {max_words:,} words; rnncli reads at "
                              "most that many as one sentence: break the line, or use -I text")
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
    """Two consecutive pieces of one sentence as one piece, token offsets moved along."""
    glue = " " if first.space_after and first.text and second.text else ""
    shift = len(first.text) + len(glue)
    tokens = first_tokens + [t if t.start < 0 else Segment(t.start + shift, t.end + shift, t.words)
                             for t in second_tokens]
    piece = Piece(first.text + glue + second.text, second.continued, second.space_after, first.newpar,
                  first.sent_id, first.line)
    return piece, tokens


def batched(items: Iterable[T], size: int, input_waiting: Callable[[], bool] = lambda: True,
            weight: Callable[[T], int] = lambda item: 0, max_weight: int = 0) -> Iterator[list[T]]:
    """Groups of up to `size` items, closed as well once their `weight` adds up to `max_weight`
    (when given); a group is also closed early whenever no more input is waiting, so output
    keeps pace with input that arrives slowly (a person, `tail -f`)."""
    group: list[T] = []
    total = 0
    for item in items:
        group.append(item)
        total += weight(item)
        if len(group) >= size or (max_weight and total >= max_weight) or not input_waiting():
            yield group
            group, total = [], 0
    if group:
        yield group
