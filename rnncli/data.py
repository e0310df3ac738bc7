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


def nltk_missing(spec: str, name: str) -> RnnCliError:
    """The error for an NLTK corpus that is not under NLTK_DATA (rnncli never downloads)."""
    import os

    return RnnCliError(f"{spec}: not found; set NLTK_DATA to the folder that holds corpora/{name} "
                       f"(currently {os.environ.get('NLTK_DATA', 'unset')})")


UPOS_TAGS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
             "SCONJ", "SYM", "VERB", "X"}


def tag_sets(sentences: list[TaggedSentence]) -> list[str]:
    """The tag sets every sentence has, upos first; one with "_" tags (no XPOS) is dropped."""
    return [name for name in ("upos", "xpos")
            if all(name in s.tags and "_" not in s.tags[name] for s in sentences)]


def read_tagged(spec: str | Path) -> list[TaggedSentence]:
    """Tagged sentences from CoNLL-U, a vertical `token<TAB>tag` file (blank line between
    sentences), word/TAG lines (one sentence per line), or an NLTK corpus by name:
    `nltk:treebank` (PTB and NLTK's universal tags) or `nltk:conll2000[:FILE]` (train.txt by
    default), read by NLTK's own readers from NLTK_DATA. A file with one tag column counts as
    UPOS when all its tags are UD's 17, as PTB (xpos) otherwise."""
    spec = str(spec)
    if spec.startswith("nltk:"):
        return read_nltk_tagged(spec)
    with open_text(spec) as f:
        first = next((line for line in f if line.strip() and not line.startswith("#")), "")
    columns = len(first.rstrip("\r\n").split("\t"))
    if columns == 10:
        return read_tagged_conllu(spec)
    sentences = read_vertical(spec) if columns == 2 else read_slash_tagged(spec)
    tags = {t for s in sentences for t in s.tags["tag"]}
    name = "upos" if tags <= UPOS_TAGS else "xpos"
    return [TaggedSentence(s.words, {name: s.tags["tag"]}) for s in sentences]


def _lines(path: str):
    try:
        with open_text(path) as f:
            yield from enumerate(f, start=1)
    except UnicodeDecodeError as exc:
        raise RnnCliError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def read_vertical(path: str) -> list[TaggedSentence]:
    sentences, words, tags = [], [], []
    for number, line in _lines(path):
        line = line.rstrip("\r\n")
        if not line.strip():
            if words:
                sentences.append(TaggedSentence(words, {"tag": tags}))
                words, tags = [], []
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0] or not fields[1]:
            raise RnnCliError(f"{path}:{number}: expected token<TAB>tag, found {len(fields)} column(s)")
        words.append(fields[0])
        tags.append(fields[1])
    if words:
        sentences.append(TaggedSentence(words, {"tag": tags}))
    if not sentences:
        raise RnnCliError(f"{path}: no sentences found; expected token<TAB>tag lines")
    return sentences


def read_slash_tagged(path: str) -> list[TaggedSentence]:
    sentences = []
    for number, line in _lines(path):
        pairs = [token.rpartition("/") for token in line.split()]
        if not pairs:
            continue
        bad = next((w + s + t for w, s, t in pairs if not (w and s and t)), None)
        if bad is not None:
            raise RnnCliError(f"{path}:{number}: {bad!r} is not word/TAG (expected word/TAG tokens separated by spaces)")
        sentences.append(TaggedSentence([w for w, _, _ in pairs], {"tag": [t for _, _, t in pairs]}))
    if not sentences:
        raise RnnCliError(f"{path}: no sentences found; expected word/TAG lines")
    return sentences


NLTK_TAGGED = {"treebank": None, "conll2000": "train.txt"}


def read_nltk_tagged(spec: str) -> list[TaggedSentence]:
    name, _, fileid = spec[5:].partition(":")
    if name not in NLTK_TAGGED:
        raise RnnCliError(f"{spec}: unknown corpus; use one of {', '.join('nltk:' + n for n in NLTK_TAGGED)}")
    import nltk
    from nltk.tag.mapping import map_tag

    try:
        reader = getattr(nltk.corpus, name)
        fileids = [fileid or NLTK_TAGGED[name]] if (fileid or NLTK_TAGGED[name]) else reader.fileids()
        tagged = reader.tagged_sents(fileids)
        sentences = []
        for sent in tagged:
            pairs = [(w, t) for w, t in sent if t != "-NONE-"]  # treebank traces are not words
            if pairs:
                sentences.append(TaggedSentence([w for w, _ in pairs], {
                    "upos": [map_tag("en-ptb", "universal", t) for _, t in pairs], "xpos": [t for _, t in pairs]}))
    except LookupError:
        raise nltk_missing(spec, name) from None
    except (OSError, ValueError) as exc:
        raise RnnCliError(f"{spec}: {exc}") from None
    return sentences


@dataclass
class Vocabularies:
    """What a model looks words up in, and the class names of each of its outputs."""

    words: Vocab
    chars: Vocab
    labels: dict[str, list[str]]  # output name -> class names


def _vocabularies(word_lists: list[list[str]], labels: dict[str, list[str]], min_word_count: int,
                  min_char_count: int) -> Vocabularies:
    words = Counter(word_key(w) for ws in word_lists for w in ws)
    chars = Counter(ch for ws in word_lists for w in ws for ch in w)
    return Vocabularies(Vocab.build(words, min_word_count), Vocab.build(chars, min_char_count), labels)


def build_tagger_vocab(sentences: list[TaggedSentence], min_word_count: int = 2, min_char_count: int = 2) -> Vocabularies:
    labels = {name: sorted({t for s in sentences for t in s.tags[name]}) for name in tag_sets(sentences)}
    return _vocabularies([s.words for s in sentences], labels, min_word_count, min_char_count)


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


MOVIE_REVIEW_SPLITS = {"train": range(0, 800), "dev": range(800, 900), "test": range(900, 1000)}  # by cvNNN


def read_labelled(spec: str | Path, label_names: list[str] | None = None) -> list[LabelledText]:
    """Labelled texts from a label/text TSV file (see read_sentiment_tsv) or from NLTK's
    movie_reviews corpus by name (whole reviews, document sentiment): `nltk:movie_reviews`, or
    one of its splits by review number, `nltk:movie_reviews:train` (cv000-cv799), `:dev`
    (cv800-cv899), `:test` (cv900-cv999)."""
    spec = str(spec)
    if spec.startswith("nltk:"):
        return read_movie_reviews(spec)
    return read_sentiment_tsv(spec, label_names)


def read_movie_reviews(spec: str) -> list[LabelledText]:
    name, _, split = spec[5:].partition(":")
    if name != "movie_reviews":
        raise RnnCliError(f"{spec}: unknown corpus; labelled corpora: nltk:movie_reviews")
    if split and split not in MOVIE_REVIEW_SPLITS:
        raise RnnCliError(f"{spec}: unknown split {split!r}; use train, dev or test")
    import nltk

    names = {"neg": "negative", "pos": "positive"}
    try:
        reader = nltk.corpus.movie_reviews
        examples = []
        for fileid in reader.fileids():
            number = int(fileid.split("/")[1][2:5])
            if not split or number in MOVIE_REVIEW_SPLITS[split]:
                examples.append(LabelledText(list(reader.words(fileid)), names[reader.categories(fileid)[0]]))
    except LookupError:
        raise nltk_missing(spec, name) from None
    return examples


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


def build_sentiment_vocab(examples: list[LabelledText], min_word_count: int = 1, min_char_count: int = 2) -> Vocabularies:
    return _vocabularies([e.words for e in examples], {"label": sorted({e.label for e in examples})},
                         min_word_count, min_char_count)
