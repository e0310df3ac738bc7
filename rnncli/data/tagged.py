"""Tagging data: tagged sentences from CoNLL-U, vertical token<TAB>tag files, word/TAG
lines or NLTK's tagged corpora (Penn Treebank tags mapped to UPOS), and the vocabularies of
a tagger."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rnncli.data.common import Vocabularies, build_vocabularies, nltk_missing, read_lines, require_sentences
from rnncli.errors import RnnCliError
from rnncli.model import tagsets
from rnncli.text.conllu import UPOS, XPOS, Sentence, read_conllu


UPOS_FROM_PTB = "ptb rules"  # how NLTK's corpora get their UPOS tags: from their PTB tags, by ptb_to_upos


@dataclass
class TaggedSentence:
    words: list[str]
    tags: dict[str, list[str]]  # tag set name ("upos", "xpos") -> one tag per word
    made: dict[str, str] = field(default_factory=dict)  # tag set -> how rnncli made tags the data lacks


def _require_upos(sentence: Sentence, path: str | Path) -> None:
    """Training and scoring a tagger need every word's gold UPOS tag: the first word without one
    is an error, at its line."""
    row = next((r for r in sentence.word_rows if r[UPOS] in ("", "_")), None)
    if row is not None:
        raise RnnCliError(f"{path}:{sentence.row_line(row)}: a word without a UPOS tag ({row[1]!r}); training "
                          "and scoring need gold tags in column 4")


def read_tagged_conllu(path: str | Path, lines: list[str] | None = None) -> list[TaggedSentence]:
    """Words with their UPOS and XPOS tags; fails on the first malformed line, with file:line."""
    lines = read_lines(path) if lines is None else lines
    require_sentences(lines, path, "CoNLL-U")
    sentences = []
    for sentence in read_conllu(lines, source=str(path)):
        rows = sentence.word_rows
        if not rows:
            continue
        _require_upos(sentence, path)
        sentences.append(TaggedSentence(
            [r[1] for r in rows], {"upos": [r[UPOS] for r in rows], "xpos": [r[XPOS] for r in rows]}))
    if not sentences:
        raise RnnCliError(f"{path}: no sentences found; expected CoNLL-U")
    return sentences


def tag_sets(sentences: list[TaggedSentence], warn: Callable[[str], None] | None = None) -> list[str]:
    """The tag sets every sentence has, upos first. One that only some sentences have (e.g.
    "_" for a missing XPOS), or with a tag that holds a slash or whitespace (no output format
    could write it: Chinese GSDSimp's XPOS has `/`), is dropped, and `warn` is told which and why."""
    names = []
    for name in ("upos", "xpos"):
        lacking = sum(name not in s.tags or "_" in s.tags[name] for s in sentences)
        odd = next((t for s in sentences for t in s.tags.get(name, ()) if "/" in t or any(c.isspace() for c in t)),
                   None)
        if not lacking and odd is not None:
            if warn is not None:
                warn(f"the training data's {name.upper()} tags include {odd!r} (a slash or whitespace, which the "
                     f"output formats cannot write); the model gets no {name.upper()} head")
        elif not lacking:
            names.append(name)
        elif lacking < len(sentences) and warn is not None:
            warn(f"{lacking:,} of {len(sentences):,} training sentences have no {name.upper()} tags (\"_\"); "
                 f"the model gets no {name.upper()} head")
    return names


_CONLLU_ROW = re.compile(r"(0|[1-9][0-9]*)([-.][0-9]+)?\t")


def looks_like_conllu(lines: list[str]) -> bool:
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
    if looks_like_conllu(lines):
        return read_tagged_conllu(spec, lines)
    require_sentences(lines, spec, "CoNLL-U, token<TAB>tag or word/TAG lines")
    first = next((line for line in lines if line.strip()), "").rstrip("\r\n").split("\t")
    fields = [field for field in first if field.strip()]
    slashed = all("/" in field for field in fields)  # word/TAG tokens, whatever whitespace is between them
    if len(first) == 10 and not slashed:  # CoNLL-U with something wrong in its first row: its reader says what
        return read_tagged_conllu(spec, lines)
    sentences = (read_slash_tagged if slashed or len(first) < 2 else read_vertical)(lines, spec)
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
    name, colon, fileid = spec[5:].partition(":")
    if name not in NLTK_TAGGED:
        raise RnnCliError(f"{spec}: unknown corpus; use one of {', '.join('nltk:' + n for n in NLTK_TAGGED)}")
    if colon and not fileid:  # as nltk:movie_reviews: is refused (an empty split)
        raise RnnCliError(f"{spec}: no file name after the colon; name a file of nltk:{name} there, or leave "
                          "the colon out")
    import nltk

    try:
        reader = getattr(nltk.corpus, name)
        if fileid and fileid not in reader.fileids():
            shown = ", ".join(reader.fileids()[:6]) + (", ..." if len(reader.fileids()) > 6 else "")
            raise RnnCliError(f"{spec}: nltk:{name} has no file {fileid!r} (it has {shown}); tagged NLTK corpora "
                              "name a file there, not a split")
        fileids = [fileid or NLTK_TAGGED[name]] if (fileid or NLTK_TAGGED[name]) else reader.fileids()
        tagged = reader.tagged_sents(fileids)
        sentences, made = [], {"upos": UPOS_FROM_PTB}
        for sent in tagged:
            pairs = [(w, t) for w, t in sent if t != "-NONE-"]  # treebank traces are not words
            if pairs:
                sentences.append(TaggedSentence([w for w, _ in pairs], {
                    "upos": [ptb_to_upos(t, w) for w, t in pairs], "xpos": [t for _, t in pairs]}, made))
    except LookupError:
        raise nltk_missing(spec, name) from None
    except (OSError, ValueError, AssertionError) as exc:  # a file id it lacks, a damaged corpus
        raise RnnCliError(f"{spec}: {exc}") from None
    return sentences


def build_tagger_vocab(sentences: list[TaggedSentence], min_word_count: int = 2, min_char_count: int = 2,
                       warn: Callable[[str], None] | None = None) -> Vocabularies:
    """`warn` hears of a tag set dropped because only some sentences have it (see tag_sets)."""
    labels = {name: sorted({t for s in sentences for t in s.tags[name]}) for name in tag_sets(sentences, warn)}
    return build_vocabularies([s.words for s in sentences], labels, min_word_count, min_char_count)
