"""From raw input to tokenized sentences: decoding, sentence splitting (NLTK Punkt with
parameters shipped in the package) and Treebank-style word tokenization (NLTK), offline.

Input formats: `text` (running text), `lines` (one sentence per line), `tokens`
(whitespace-separated tokens, one sentence per line) and `conllu` (kept whole).
Everything streams: sentences are yielded as soon as their input has been read.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
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
MAX_PARAGRAPH_CHARS = 100_000  # text mode: longer paragraphs are split and emitted as they grow

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


def split_sentences(text: str) -> list[str]:
    return [s for s in sentence_splitter().sentences_from_text(text) if s.strip()]


def decode_lines(chunks: Iterable[bytes], source: str, warn: Callable[[str], None]) -> Iterator[str]:
    """Decode input lines as UTF-8. Binary data (NUL bytes) is an error; other invalid bytes
    are replaced by U+FFFD with one warning, so a stray byte does not lose a whole file."""
    warned = False
    for number, raw in enumerate(chunks, start=1):
        if b"\x00" in raw:
            raise RnnCliError(f"{source}:{number}: input looks binary (NUL byte); expected UTF-8 text")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.decode("utf-8", errors="replace")
            if not warned:
                warn(f"{source}:{number}: invalid UTF-8 (byte {exc.start}) replaced by U+FFFD")
                warned = True
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        yield line


def _paragraphs(lines: Iterable[str], per_line: bool) -> Iterator[str]:
    """Blank-line separated paragraphs of running text (each line on its own if per_line)."""
    buffer: list[str] = []
    size = 0
    for line in lines:
        if per_line or not line.strip():
            if buffer:
                yield " ".join(buffer)
                buffer, size = [], 0
            if per_line and line.strip():
                yield line
            continue
        buffer.append(line.strip())
        size += len(line)
        if size > MAX_PARAGRAPH_CHARS:
            sentences = split_sentences(" ".join(buffer))
            yield " ".join(sentences[:-1])
            buffer, size = sentences[-1:], len(sentences[-1]) if sentences else 0
    if buffer:
        yield " ".join(buffer)


def _from_text(text: str, number: int) -> Sentence:
    text = " ".join(clean(text).split())
    tokens, space_after = tokenize(text)
    sentence = sentence_from_tokens(tokens, text=text, sent_id=str(number))
    for row, space in zip(sentence.rows, space_after):
        if not space:
            row[9] = "SpaceAfter=No"
    return sentence


def read_sentences(lines: Iterable[str], input_format: str, source: str = "<stdin>",
                   per_line: bool = False) -> Iterator[Sentence]:
    """Sentences from input lines in one of INPUT_FORMATS. `per_line` makes `text` treat each
    line as a paragraph (for a person typing at a terminal)."""
    if input_format == "conllu":
        yield from read_conllu(lines, source)
        return
    number = 0
    if input_format == "text":
        for paragraph in _paragraphs(lines, per_line):
            for text in split_sentences(clean(paragraph)):
                number += 1
                yield _from_text(text, number)
        return
    for line in lines:
        line = clean(line).strip()
        if not line:
            continue
        number += 1
        if input_format == "lines":
            yield _from_text(line, number)
        elif input_format == "tokens":
            yield sentence_from_tokens(line.split(), text=" ".join(line.split()), sent_id=str(number))
        else:
            raise RnnCliError(f"unknown input format {input_format!r}; use one of {', '.join(INPUT_FORMATS)}")


def batched(items: Iterable[T], size: int, input_waiting: Callable[[], bool] = lambda: True) -> Iterator[list[T]]:
    """Groups of up to `size` items; a group is also closed early whenever no more input is
    waiting, so output keeps pace with input that arrives slowly (a person, `tail -f`)."""
    group: list[T] = []
    for item in items:
        group.append(item)
        if len(group) >= size or not input_waiting():
            yield group
            group = []
    if group:
        yield group
