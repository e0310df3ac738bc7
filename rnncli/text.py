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
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from rnncli.conllu import Sentence, read_conllu, sentence_from_tokens
from rnncli.errors import RnnCliError

INPUT_FORMATS = ("text", "lines", "tokens", "conllu")
PUNKT_PARAMS = Path(__file__).parent / "resources" / "punkt-english.json"
MAX_SENTENCE_CHARS = 100_000  # a longer sentence or line is cut at whitespace into pieces of at most this size
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


def tokenize(sentence: str) -> tuple[list[str], list[bool]]:
    """Treebank-style tokens of one sentence ("don't" -> do n't) as they appear in the text,
    and for each token whether a space follows it. The Treebank tokenizer splits off only a
    final period, so a line holding several sentences is tokenized one Punkt sentence at a time."""
    tokenizer = _word_tokenizer()
    spans = []
    try:
        for start, end in sentence_splitter().span_tokenize(sentence):
            spans += [(start + a, start + b) for a, b in tokenizer.span_tokenize(sentence[start:end])]
    except ValueError:  # NLTK could not align its tokens with the text
        tokens = [_QUOTES.get(t, t) for t in tokenizer.tokenize(sentence)]
        return tokens, [True] * len(tokens)
    tokens = [sentence[start:end] for start, end in spans]
    space_after = [end < len(sentence) and sentence[end].isspace() for _, end in spans]
    return tokens, space_after


def clean(text: str) -> str:
    """Control characters become spaces: they are not text, and would break tabular output."""
    if text.isprintable():
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


def _split_text(text: str, final: bool) -> tuple[list[tuple[str, bool]], str]:
    """Punkt sentences of `text`, each as (piece, goes on in the next piece). Unless `final`,
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
        out += [(piece, i < len(pieces) - 1) for i, piece in enumerate(pieces)]
    if len(rest) > MAX_SENTENCE_CHARS:
        *pieces, rest = split_long(rest.rstrip())
        out += [(piece, True) for piece in pieces]
        rest += " "
    return out, rest


def _running_text(lines: Iterable[str], per_line: bool) -> Iterator[tuple[str, bool]]:
    """Sentences of running text, each as soon as the next one has begun, in linear time;
    paragraphs end at blank lines (at every line if per_line). The text not yet handed on is
    split again only once it has grown by half since the last split. Whitespace is collapsed,
    so no piece of a long sentence is blank."""
    buffer, checked = "", 0  # the paragraph's text not yet handed on; its length after the last split
    starts_line = True  # whether `line` is a whole line or the first piece of one
    for line in lines:
        for part in split_long(line) if line.strip() else ():
            buffer += " ".join(clean(part).split()) + " "
            if len(buffer) - checked > checked // 2:
                out, buffer = _split_text(buffer, final=False)
                yield from out
                checked = len(buffer)
        if line.endswith("\n") and (per_line or (starts_line and not line.strip())):
            yield from _split_text(buffer, final=True)[0]
            buffer, checked = "", 0
        starts_line = line.endswith("\n")
    yield from _split_text(buffer, final=True)[0]


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


def _from_text(text: str, sent_id: str, continued: bool = False) -> Sentence:
    text = " ".join(clean(text).split())
    tokens, space_after = tokenize(text) if text else ([], [])
    sentence = sentence_from_tokens(tokens, text=text, sent_id=sent_id)
    sentence.continued = continued
    for row, space in zip(sentence.rows, space_after):
        if not space:
            row[9] = "SpaceAfter=No"
    return sentence


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    for number, line in enumerate(lines):
        yield line[1:] if number == 0 and line.startswith("\ufeff") else line


def read_sentences(lines: Iterable[str], input_format: str, source: str = "<stdin>", per_line: bool = False,
                   input_waiting: Callable[[], bool] | None = None) -> Iterator[Sentence]:
    """Sentences from input lines in one of INPUT_FORMATS. Lines end in a newline; a piece of a
    line without one goes on in the next (inputs.ByteLines cuts lines that are too long to hold).
    `per_line` makes `text` treat each line as a paragraph (for a person typing at a terminal).
    `lines` and `tokens` give one sentence per input line, an empty one for a blank line, with
    the line number in `line` and `sent_id`.

    Memory stays bounded: a sentence or line longer than MAX_SENTENCE_CHARS comes as several
    sentences, each but the last marked `continued`. CoNLL-U is read whole (see read_conllu,
    which `input_waiting` lets hand on a sentence without waiting for the next one)."""
    if input_format == "conllu":
        yield from read_conllu(lines, source, input_waiting)
        return
    if input_format not in INPUT_FORMATS:
        raise RnnCliError(f"unknown input format {input_format!r}; use one of {', '.join(INPUT_FORMATS)}")
    lines = _without_bom(lines)
    if input_format == "text":
        for number, (text, continued) in enumerate(_running_text(lines, per_line), start=1):
            yield _from_text(text, str(number), continued)
        return
    piece = 0  # a line too long to hold whole comes in pieces: sent_id LINE.1, LINE.2, ...
    for number, text, continued in _numbered_lines(_line_pieces(lines)):
        piece += 1
        sent_id = str(number) if piece == 1 and not continued else f"{number}.{piece}"
        piece = piece if continued else 0
        if input_format == "tokens":
            words = clean(text).split()
            sentence = sentence_from_tokens(words, text=" ".join(words), sent_id=sent_id)
            sentence.continued = continued
        else:
            sentence = _from_text(text, sent_id, continued)
        sentence.line = number
        yield sentence


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
