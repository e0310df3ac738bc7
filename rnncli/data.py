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
