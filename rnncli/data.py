"""Training examples read from standard files, and the vocabularies built from them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rnncli.conllu import UPOS, XPOS, read_conllu
from rnncli.errors import RnnCliError
from rnncli.vocab import Vocab, word_key


@dataclass
class TaggedSentence:
    words: list[str]
    tags: dict[str, list[str]]  # tag set name ("upos", "xpos") -> one tag per word


def open_text(path: str | Path):
    path = Path(path)
    if not path.is_file():
        raise RnnCliError(f"{path}: no such file")
    return open(path, encoding="utf-8", errors="strict", newline="")


def read_tagged_conllu(path: str | Path) -> list[TaggedSentence]:
    """Words with their UPOS and XPOS tags; fails on the first malformed line, with file:line."""
    sentences = []
    try:
        with open_text(path) as f:
            for sentence in read_conllu(f, source=str(path)):
                rows = sentence.word_rows
                if not rows:
                    continue
                for row in rows:
                    if row[UPOS] in ("", "_"):
                        raise RnnCliError(f"{path}:{sentence.line}: sentence has a word without a UPOS tag; "
                                          "training needs gold tags in column 4")
                sentences.append(TaggedSentence(
                    [r[1] for r in rows], {"upos": [r[UPOS] for r in rows], "xpos": [r[XPOS] for r in rows]}))
    except UnicodeDecodeError as exc:
        raise RnnCliError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if not sentences:
        raise RnnCliError(f"{path}: no sentences found; expected CoNLL-U")
    return sentences


def tag_sets(sentences: list[TaggedSentence]) -> list[str]:
    """The tag sets every sentence has; XPOS is dropped when the data has none ("_")."""
    names = ["upos"]
    if all(t != "_" for s in sentences for t in s.tags["xpos"]):
        names.append("xpos")
    return names


@dataclass
class TaggerVocab:
    words: Vocab
    chars: Vocab
    labels: dict[str, list[str]]


def build_tagger_vocab(sentences: list[TaggedSentence], min_word_count: int = 2, min_char_count: int = 2) -> TaggerVocab:
    words = Counter(word_key(w) for s in sentences for w in s.words)
    chars = Counter(ch for s in sentences for w in s.words for ch in w)
    labels = {name: sorted({t for s in sentences for t in s.tags[name]}) for name in tag_sets(sentences)}
    return TaggerVocab(Vocab.build(words, min_word_count), Vocab.build(chars, min_char_count), labels)


# --- sentiment: labelled texts ------------------------------------------------------

DEFAULT_LABEL_NAMES = {("0", "1"): ["negative", "positive"]}  # SST-2, GLUE, IMDB convention
_TEXT_COLUMNS = ("sentence", "text", "review", "phrase")
_PTB_QUOTES = {"``": '"', "''": '"'}


@dataclass
class LabelledText:
    words: list[str]
    label: str


def text_words(text: str) -> list[str]:
    """Words of an already tokenized text (SST-style), with PTB quotes as the tokenizer writes them."""
    return [_PTB_QUOTES.get(w, w) for w in text.split()]


def read_sentiment_tsv(path: str | Path, label_names: list[str] | None = None) -> list[LabelledText]:
    """A TSV with a label column and a text column, header optional (`label<TAB>sentence` or
    `sentence<TAB>label`). Integer labels 0..k-1 are named by `label_names` (SST-2's 0/1 become
    negative/positive by default); other labels are kept by name. Texts are split on whitespace."""
    rows = []
    try:
        with open_text(path) as f:
            for number, line in enumerate(f, start=1):
                line = line.rstrip("\r\n")
                if line.strip():
                    rows.append((number, line.split("\t")))
    except UnicodeDecodeError as exc:
        raise RnnCliError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if not rows:
        raise RnnCliError(f"{path}: empty file; expected label<TAB>text lines")
    for number, fields in rows:
        if len(fields) != 2:
            raise RnnCliError(f"{path}:{number}: expected 2 tab-separated columns (label, text), found {len(fields)}")
    header = [f.strip().lower() for f in rows[0][1]]
    label_col = 0
    if "label" in header:
        label_col = header.index("label")
        rows = rows[1:]
    elif header[1] and " " not in rows[0][1][1].strip() and " " in rows[0][1][0].strip():
        label_col = 1  # no header, text first
    elif any(name in header for name in _TEXT_COLUMNS):
        raise RnnCliError(f"{path}:1: a header without a `label` column")
    examples = []
    for number, fields in rows:
        label, text = fields[label_col].strip(), fields[1 - label_col]
        if not label or " " in label:
            raise RnnCliError(f"{path}:{number}: bad label {label!r}; expected a name or an integer without spaces")
        words = text_words(text)
        if not words:
            raise RnnCliError(f"{path}:{number}: empty text")
        examples.append(LabelledText(words, label))
    if not examples:
        raise RnnCliError(f"{path}: no examples after the header")
    return name_labels(examples, label_names, str(path))


def name_labels(examples: list[LabelledText], label_names: list[str] | None, source: str) -> list[LabelledText]:
    found = sorted({e.label for e in examples})
    if label_names is None:
        label_names = DEFAULT_LABEL_NAMES.get(tuple(found))
        if label_names is None:
            return examples
    if not all(label.isdigit() for label in found):
        raise RnnCliError(f"{source}: label names were given, but the labels are not integers ({', '.join(found[:5])})")
    for e in examples:
        k = int(e.label)
        if k >= len(label_names):
            raise RnnCliError(f"{source}: label {k} has no name; {len(label_names)} names were given")
        e.label = label_names[k]
    return examples


@dataclass
class SentimentVocab:
    words: Vocab
    chars: Vocab
    labels: dict[str, list[str]]


def build_sentiment_vocab(examples: list[LabelledText], min_word_count: int = 1, min_char_count: int = 2) -> SentimentVocab:
    words = Counter(word_key(w) for e in examples for w in e.words)
    chars = Counter(ch for e in examples for w in e.words for ch in w)
    return SentimentVocab(Vocab.build(words, min_word_count), Vocab.build(chars, min_char_count),
                          {"label": sorted({e.label for e in examples})})
