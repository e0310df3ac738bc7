"""Training examples read from standard files, and the vocabularies built from them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rnncli.text import segmentation

from rnncli.model import tagsets
from rnncli.text.conllu import UPOS, XPOS, Sentence, read_conllu
from rnncli.errors import RnnCliError
from rnncli.text.inputs import file_lines, open_file
from rnncli.text.segmentation import Paragraph
from rnncli.text.sentences import decode_lines
from rnncli.model.vocab import Vocab, word_key


@dataclass
class TaggedSentence:
    words: list[str]
    tags: dict[str, list[str]]  # tag set name ("upos", "xpos") -> one tag per word


def read_lines(path: str | Path) -> list[str]:
    """The lines of a data file of any kind (regular, a FIFO, `<(...)`), read once, as UTF-8
    without a BOM; binary or UTF-16 data, invalid UTF-8 and overlong lines are errors that
    name file:line."""
    lines, _ = file_lines(open_file(path), str(path), split_long=False)
    return list(decode_lines(lines, str(path), lambda message: None, strict=True))


def read_conllu_file(path: str | Path) -> list[Sentence]:
    """Every sentence of a CoNLL-U file, kept whole; fails on the first malformed line, with file:line."""
    sentences = list(read_conllu(read_lines(path), source=str(path)))
    if not sentences:
        raise RnnCliError(f"{path}: no sentences found; expected CoNLL-U")
    return sentences


def read_paragraphs(path: str | Path) -> list[Paragraph]:
    """The paragraphs of raw text a CoNLL-U file spells out, with their gold segmentation."""
    return list(segmentation.paragraphs(read_conllu_file(path), str(path)))


def read_tagged_conllu(path: str | Path, lines: list[str] | None = None) -> list[TaggedSentence]:
    """Words with their UPOS and XPOS tags; fails on the first malformed line, with file:line."""
    sentences = []
    for sentence in read_conllu(read_lines(path) if lines is None else lines, source=str(path)):
        rows = sentence.word_rows
        if not rows:
            continue
        for row in rows:
            if row[UPOS] in ("", "_"):
                raise RnnCliError(f"{path}:{sentence.line}: sentence has a word without a UPOS tag; "
                                  "training and scoring need gold tags in column 4")
        sentences.append(TaggedSentence(
            [r[1] for r in rows], {"upos": [r[UPOS] for r in rows], "xpos": [r[XPOS] for r in rows]}))
    if not sentences:
        raise RnnCliError(f"{path}: no sentences found; expected CoNLL-U")
    return sentences


def nltk_missing(spec: str, name: str) -> RnnCliError:
    """The error for an NLTK corpus that is not under NLTK_DATA (rnncli never downloads)."""
    import os

    return RnnCliError(f"{spec}: not found; set NLTK_DATA to the folder that holds corpora/{name} "
                       f"(currently {os.environ.get('NLTK_DATA', 'unset')})")


def tag_sets(sentences: list[TaggedSentence], warn: Callable[[str], None] | None = None) -> list[str]:
    """The tag sets every sentence has, upos first. One that only some sentences have (e.g.
    "_" for a missing XPOS) is dropped, and `warn` is told which and why."""
    names = []
    for name in ("upos", "xpos"):
        lacking = sum(name not in s.tags or "_" in s.tags[name] for s in sentences)
        if not lacking:
            names.append(name)
        elif lacking < len(sentences) and warn is not None:
            warn(f"{lacking:,} of {len(sentences):,} training sentences have no {name.upper()} tags (\"_\"); "
                 f"the model gets no {name.upper()} head")
    return names


_CONLLU_ROW = re.compile(r"(0|[1-9][0-9]*)([-.][0-9]+)?\t")


def _looks_like_conllu(lines: list[str]) -> bool:
    """`# sent_id`/`# text` comments, or a first row that starts with a token ID and a tab
    and does not have the two columns of a token<TAB>tag file."""
    for line in lines:
        if line.startswith(("# sent_id", "# text")):
            return True
        if line.strip() and not line.startswith("#"):
            return bool(_CONLLU_ROW.match(line)) and len(line.split("\t")) != 2
    return False


def read_tagged(spec: str | Path) -> list[TaggedSentence]:
    """Tagged sentences from CoNLL-U, a vertical `token<TAB>tag` file (blank line between
    sentences), word/TAG lines (one sentence per line), or an NLTK corpus by name:
    `nltk:treebank` or `nltk:conll2000[:FILE]` (train.txt by default), read by NLTK's own
    readers from NLTK_DATA (PTB tags, and UPOS by `ptb_to_upos`). A file with one tag column
    counts as UPOS when all its tags are UD's 17, as PTB (xpos) otherwise."""
    spec = str(spec)
    if spec.startswith("nltk:"):
        return read_nltk_tagged(spec)
    lines = read_lines(spec)
    if _looks_like_conllu(lines):
        return read_tagged_conllu(spec, lines)
    first = next((line for line in lines if line.strip()), "")
    sentences = (read_vertical if len(first.split("\t")) == 2 else read_slash_tagged)(lines, spec)
    tags = {t for s in sentences for t in s.tags["tag"]}
    name = "upos" if tags <= tagsets.UPOS else "xpos"
    return [TaggedSentence(s.words, {name: s.tags["tag"]}) for s in sentences]


def read_vertical(lines: list[str], path: str) -> list[TaggedSentence]:
    sentences, words, tags = [], [], []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if words:
                sentences.append(TaggedSentence(words, {"tag": tags}))
                words, tags = [], []
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0] or not fields[1]:
            raise RnnCliError(f"{path}:{number}: expected token<TAB>tag, found {len(fields)} column(s)")
        tag = fields[1].strip()
        if len(tag.split()) != 1:  # e.g. label<TAB>text: a whole sentence as the tag
            raise RnnCliError(f"{path}:{number}: expected token<TAB>tag, and a tag has no spaces; found tag {tag!r}")
        words.append(fields[0])
        tags.append(tag)
    if words:
        sentences.append(TaggedSentence(words, {"tag": tags}))
    if not sentences:
        raise RnnCliError(f"{path}: no sentences found; expected token<TAB>tag lines")
    return sentences


def read_slash_tagged(lines: list[str], path: str) -> list[TaggedSentence]:
    sentences = []
    for number, line in enumerate(lines, start=1):
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


# Penn Treebank tags to UD's 17 UPOS tags, as UD English (EWT) uses them. Several PTB tags
# span two UPOS tags that only the word or the syntax tells apart; the table takes the usual
# one, and ptb_to_upos the word where that decides (_PTB_WORDS). What stays ambiguous:
#   IN    ADP, or SCONJ for a subordinator (because, if, that: by the word; as, since, like,
#         after, before: either, and left ADP)
#   VB*   VERB, or AUX: be by the word (AUX 95% in EWT); have, do, get as auxiliaries not told apart
#   DT    DET, or PRON for a stand-alone this/that/these;  WDT  PRON (relative which/that), DET in "which book"
#   NNP   PROPN, but ADJ for adjectives inside names (American);  RB  ADV, PART for not/n't
#   TO    PART, though UD has ADP for "to" before a noun phrase
#   ADD (e-mail, URL), GW, AFX, FW  X, though EWT has most ADD as PROPN and FW as NOUN;  LS  NUM
PTB_TO_UPOS = {
    "CC": "CCONJ", "CD": "NUM", "DT": "DET", "EX": "PRON", "FW": "X", "IN": "ADP", "JJ": "ADJ", "JJR": "ADJ",
    "JJS": "ADJ", "LS": "NUM", "MD": "AUX", "NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN",
    "PDT": "DET", "POS": "PART", "PRP": "PRON", "PRP$": "PRON", "RB": "ADV", "RBR": "ADV", "RBS": "ADV",
    "RP": "ADP", "SYM": "SYM", "TO": "PART", "UH": "INTJ", "VB": "VERB", "VBD": "VERB", "VBG": "VERB",
    "VBN": "VERB", "VBP": "VERB", "VBZ": "VERB", "WDT": "PRON", "WP": "PRON", "WP$": "PRON", "WRB": "ADV",
    "$": "SYM", "#": "SYM", "AFX": "X", "GW": "X", "ADD": "X", "XX": "X", "NIL": "X",
    ".": "PUNCT", ",": "PUNCT", ":": "PUNCT", "``": "PUNCT", "''": "PUNCT", "-LRB-": "PUNCT", "-RRB-": "PUNCT",
    "-LCB-": "PUNCT", "-RCB-": "PUNCT", "(": "PUNCT", ")": "PUNCT", "HYPH": "PUNCT", "NFP": "PUNCT",
}
_BE = {"be", "is", "am", "are", "was", "were", "been", "being", "'s", "'re", "'m", "ai"}
_SUBORDINATORS = {"because", "if", "that", "whether", "although", "though", "unless", "while", "whereas", "once"}
_PRONOUNS = {"something", "anything", "nothing", "everything", "someone", "anyone", "everyone", "no-one", "noone",
             "somebody", "anybody", "everybody", "nobody", "none"}  # NN in PTB
_PTB_WORDS = {  # (tag prefix, lowercased word) -> UPOS, where the word decides
    **{("VB", w): "AUX" for w in _BE}, **{("IN", w): "SCONJ" for w in _SUBORDINATORS},
    **{("NN", w): "PRON" for w in _PRONOUNS},
    ("RB", "not"): "PART", ("RB", "n't"): "PART", ("RB", "n’t"): "PART",
}


def ptb_to_upos(tag: str, word: str = "") -> str:
    """The UD UPOS tag for a Penn Treebank tag (X for one it does not know), refined by the
    word where that decides (be: AUX, not: PART, because: SCONJ, something: PRON)."""
    return _PTB_WORDS.get((tag[:2], word.lower())) or PTB_TO_UPOS.get(tag, "X")


NLTK_TAGGED = {"treebank": None, "conll2000": "train.txt"}


def read_nltk_tagged(spec: str) -> list[TaggedSentence]:
    name, _, fileid = spec[5:].partition(":")
    if name not in NLTK_TAGGED:
        raise RnnCliError(f"{spec}: unknown corpus; use one of {', '.join('nltk:' + n for n in NLTK_TAGGED)}")
    import nltk

    try:
        reader = getattr(nltk.corpus, name)
        fileids = [fileid or NLTK_TAGGED[name]] if (fileid or NLTK_TAGGED[name]) else reader.fileids()
        tagged = reader.tagged_sents(fileids)
        sentences = []
        for sent in tagged:
            pairs = [(w, t) for w, t in sent if t != "-NONE-"]  # treebank traces are not words
            if pairs:
                sentences.append(TaggedSentence([w for w, _ in pairs], {
                    "upos": [ptb_to_upos(t, w) for w, t in pairs], "xpos": [t for _, t in pairs]}))
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


def build_tagger_vocab(sentences: list[TaggedSentence], min_word_count: int = 2, min_char_count: int = 2,
                       warn: Callable[[str], None] | None = None) -> Vocabularies:
    """`warn` hears of a tag set dropped because only some sentences have it (see tag_sets)."""
    labels = {name: sorted({t for s in sentences for t in s.tags[name]}) for name in tag_sets(sentences, warn)}
    return _vocabularies([s.words for s in sentences], labels, min_word_count, min_char_count)


# --- sentiment: labelled texts ------------------------------------------------------

DEFAULT_LABEL_NAMES = ["negative", "positive"]  # for labels 0 and 1: SST-2, GLUE, IMDB convention
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


def read_labelled_run(specs: list[str | Path | None],
                      label_names: list[str] | None = None) -> list[list[LabelledText] | None]:
    """The labelled texts of every data source of one run (train files, dev, test; None for
    none), each as read_labelled gives them, with labels named the same way in all of them
    (see name_labels)."""
    sets = [None if spec is None else _read_labelled(str(spec)) for spec in specs]
    files = [(examples, str(spec)) for examples, spec in zip(sets, specs)
             if spec is not None and not str(spec).startswith("nltk:")]
    name_labels([examples for examples, _ in files], label_names, [source for _, source in files])
    return sets


def read_labelled(spec: str | Path, label_names: list[str] | None = None) -> list[LabelledText]:
    """Labelled texts from a label/text TSV file (see read_sentiment_tsv) or from NLTK's
    movie_reviews corpus by name (whole reviews, document sentiment): `nltk:movie_reviews`, or
    one of its splits by review number, `nltk:movie_reviews:train` (cv000-cv799), `:dev`
    (cv800-cv899), `:test` (cv900-cv999). Several sources of one run: read_labelled_run."""
    return read_labelled_run([spec], label_names)[0]


def _read_labelled(spec: str) -> list[LabelledText]:
    return read_movie_reviews(spec) if spec.startswith("nltk:") else _read_tsv(spec)


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
    `sentence<TAB>label`). Integer labels are named as name_labels says (SST-2's 0/1 become
    negative/positive by default); other labels are kept by name. Texts are split on whitespace."""
    return read_labelled_run([path], label_names)[0]


def _read_tsv(path: str) -> list[LabelledText]:
    rows = []
    for number, line in enumerate(read_lines(path), start=1):
        line = line.rstrip("\r\n")
        if line.strip():
            rows.append((number, line.split("\t")))
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
    return examples


def name_labels(sets: list[list[LabelledText]], label_names: list[str] | None, sources: list[str]) -> None:
    """Name the integer labels of one run's TSV files (in place), the same way in every file:
    by `label_names` (k: the k-th name); without them, 0/1 as negative/positive when every
    label of the run is 0 or 1 (so a file holding only 1s is "positive" too). Integer labels
    of more classes stay as they are ("0", "1", "2"), and so do labels that are names."""
    found = {e.label for examples in sets for e in examples}
    if label_names is None:
        if not found <= {"0", "1"}:
            return
        label_names = DEFAULT_LABEL_NAMES
    for examples, source in zip(sets, sources):
        names = sorted({e.label for e in examples if not e.label.isdecimal()})  # what int() reads (not ²)
        if names:
            raise RnnCliError(f"{source}: label names were given, but the labels are not integers "
                              f"({', '.join(names[:5])})")
        for e in examples:
            k = int(e.label)
            if k >= len(label_names):
                raise RnnCliError(f"{source}: label {k} has no name; {len(label_names)} names were given")
            e.label = label_names[k]


def build_sentiment_vocab(examples: list[LabelledText], min_word_count: int = 1, min_char_count: int = 2) -> Vocabularies:
    return _vocabularies([e.words for e in examples], {"label": sorted({e.label for e in examples})},
                         min_word_count, min_char_count)
