"""Sentiment data: labelled texts from label/text TSV files or NLTK's review corpora (see
corpora.py), their labels named the same way in every file of a run, the texts cut as the
pipeline cuts raw text (`as_the_pipeline_reads`), and the vocabularies of a classifier."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rnncli.data.common import Vocabularies, build_vocabularies, read_lines, require_sentences
from rnncli.errors import RnnCliError
from rnncli.text.rules import PTB_QUOTES

if TYPE_CHECKING:
    from rnncli.infer.tokenizer import Tokenizer

DEFAULT_LABEL_NAMES = ["negative", "positive"]  # for labels 0 and 1: SST-2, GLUE, IMDB convention
_TEXT_COLUMNS = ("sentence", "text", "review", "phrase")
_SPACED_OFF = re.compile(r"(?:^|\s)(?:n't|'s|'re|'ll|'ve|'m|'d|,|``|'')(?=\s|$)")  # SST's "does n't", "a , b"
_ATTACHED = re.compile(r"\w(?:n't\b|[,;!?](?=\s|$))")  # as people write: "doesn't", "great, but"


@dataclass
class LabelledText:
    words: list[str]  # the tokens the model reads
    label: str
    given: str = ""  # the text as the data gives it (tokens separated by spaces, SST-style)
    tokenized: bool = True  # `given` is tokenized, to be written as people write it (see looks_tokenized)


def text_words(text: str) -> list[str]:
    """Words of an already tokenized text (SST-style), with PTB quotes as the tokenizer writes them."""
    return [PTB_QUOTES.get(w, w) for w in text.split()]


def read_labelled_run(specs: list[str | Path | None], label_names: list[str] | None = None,
                      as_written: bool = False) -> list[list[LabelledText] | None]:
    """The labelled texts of every data source of one run (train files, dev, test; None for
    none), each as read_labelled gives them, with labels named the same way in all of them
    (see name_labels), or `as_written` (integers stay integers: for a model of labels 0, 1, 2)."""
    sets = [None if spec is None else _read_labelled(str(spec)) for spec in specs]
    if as_written:
        return sets
    files = [(examples, str(spec)) for examples, spec in zip(sets, specs)
             if spec is not None and not str(spec).startswith("nltk:")]
    if label_names is not None and not files and any(spec is not None for spec in specs):
        corpus = next(str(spec) for spec in specs if spec is not None)
        raise RnnCliError(f"{corpus}: label names were given, but NLTK's corpora name their labels "
                          "(negative, positive); --label-names is for a TSV file's integer labels")
    name_labels([examples for examples, _ in files], label_names, [source for _, source in files])
    return sets


def read_labelled(spec: str | Path, label_names: list[str] | None = None, as_written: bool = False
                  ) -> list[LabelledText]:
    """Labelled texts from a label/text TSV file (see read_sentiment_tsv) or from one of NLTK's
    review corpora by name (`nltk:movie_reviews`, `nltk:pros_cons`, `nltk:product_reviews`,
    each with an optional split, `nltk:pros_cons:dev`; see corpora.py). Several sources of one
    run: read_labelled_run (`as_written` too)."""
    return read_labelled_run([spec], label_names, as_written)[0]


def _read_labelled(spec: str) -> list[LabelledText]:
    if not spec.startswith("nltk:"):
        return read_tsv(spec)
    from rnncli.data.corpora import read_corpus

    return [LabelledText(text_words(text), label, text) for text, label in read_corpus(spec)]


def read_sentiment_tsv(path: str | Path, label_names: list[str] | None = None) -> list[LabelledText]:
    """A TSV with a label column and a text column, header optional (`label<TAB>sentence` or
    `sentence<TAB>label`). Integer labels are named as name_labels says (SST-2's 0/1 become
    negative/positive by default); other labels are kept by name. Texts are split on whitespace."""
    return read_labelled_run([path], label_names)[0]


def read_tsv(path: str, lines: list[str] | None = None) -> list[LabelledText]:
    """The labelled texts of a TSV file (see read_sentiment_tsv), its labels as written; from its
    `lines` when they were read already (stdin, a pipe: they cannot be read twice)."""
    lines = read_lines(path) if lines is None else lines
    require_sentences(lines, path, "label<TAB>text lines")
    rows = []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if line.strip():
            rows.append((number, line.split("\t")))
    for number, fields in rows:
        if len(fields) != 2:
            hint = ("; is it comma-separated? rnncli reads label<TAB>text" if len(fields) == 1 else
                    "; a text with a tab in it? make the tab a space")
            raise RnnCliError(f"{path}:{number}: expected 2 tab-separated columns (label, text), found {len(fields)}"
                              + hint)
    header = [f.strip().lower() for f in rows[0][1]]
    label_col = 0
    if "label" in header:
        label_col = header.index("label")
        rows = rows[1:]
    elif any(name in header for name in _TEXT_COLUMNS):
        raise RnnCliError(f"{path}:1: a header without a `label` column")
    elif _text_first(rows):
        label_col = 1
    examples = []
    for number, fields in rows:
        label, text = fields[label_col].strip(), fields[1 - label_col]
        if not label or " " in label:
            raise RnnCliError(f"{path}:{number}: bad label {label!r}; expected a name or an integer without spaces")
        words = text_words(text)
        if not words:
            raise RnnCliError(f"{path}:{number}: empty text")
        examples.append(LabelledText(words, label, text))
    if not examples:
        raise RnnCliError(f"{path}: no examples after the header")
    tokenized = looks_tokenized([e.given for e in examples])
    for e in examples:
        e.tokenized = tokenized
    return examples


def looks_tokenized(texts: list[str]) -> bool:
    """Whether a file's texts are tokenized as SST's are ("it does n't feel like one , does it"):
    a tenth or more split a comma, a clitic or PTB's quotes off with spaces, and at most one in
    twenty attach a comma or a clitic to a word ("great, but", "doesn't"). SST-2's files: 34-69%
    and none; raw product reviews: 0.1% and 54%; chat that spaces off "!" or "." but no comma is
    raw. Raw text stays as written: detokenizing it changed what users write ("small :(" to
    "small:(", "can not" to "cannot"). The clitics are English ones; text of another language
    counts by its spaced commas (and is detokenized by NLTK's English rules, as all text was before)."""
    spaced = sum(bool(_SPACED_OFF.search(t)) for t in texts)
    attached = sum(bool(_ATTACHED.search(t)) for t in texts)
    return spaced >= 0.1 * len(texts) and attached <= 0.05 * len(texts)


def _text_first(rows: list[tuple[int, list[str]]]) -> bool:
    """Whether a file without a header has its text first: the second column never holds a
    space in the first 1,000 rows, and the first does (a first text of one word, `Awful<TAB>0`,
    is not enough to tell)."""
    sample = [fields for _, fields in rows[:1000]]
    return any(" " in f[0].strip() for f in sample) and not any(" " in f[1].strip() for f in sample)


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
                named = {1: "label 0", 2: "labels 0 and 1"}.get(len(label_names), f"labels 0 to {len(label_names) - 1}")
                raise RnnCliError(f"{source}: label {k} has no name; --label-names names {named} only")
            e.label = label_names[k]


def named_as(examples: list[LabelledText], names: list[str] | None, source: str) -> list[LabelledText]:
    """Copies of `examples` with their integer labels named by `names` (k: the k-th), or with
    names None by the default rule (0/1 as negative/positive where they are the only labels);
    labels that are names, and integers of a file with other labels, stay as written."""
    labels = {e.label for e in examples}
    if not all(label.isdecimal() for label in labels) or (names is None and not labels <= {"0", "1"}):
        return examples
    copies = [replace(e) for e in examples]
    name_labels([copies], names, [source])
    return copies


def header_like(examples: list[LabelledText]) -> str | None:
    """A warning when the first row of a file reads like a header that was not recognised as
    one (`class<TAB>content`: only a `label` column marks a header): its label occurs on no
    other row of a file of at least 10. None otherwise."""
    if len(examples) < 10 or examples[0].label in DEFAULT_LABEL_NAMES \
            or sum(e.label == examples[0].label for e in examples) > 1:  # (0 and 1 are named so: no header)
        return None
    return (f"the label {examples[0].label!r} of its first row occurs on no other row: if that row is a header, "
            "name its columns `label` and `sentence` (a header is recognised by its `label` column), or leave it out")


def build_sentiment_vocab(examples: list[LabelledText], min_word_count: int = 1, min_char_count: int = 2) -> Vocabularies:
    return build_vocabularies([e.words for e in examples], {"label": sorted({e.label for e in examples})},
                         min_word_count, min_char_count)


def as_written(given: str) -> str:
    """A tokenized text (SST-style: "it does n't feel like one .") as people write it ("it doesn't
    feel like one."), by NLTK's Treebank detokenizer; a text that is not tokenized stays as it is."""
    return _detokenizer().detokenize(given.split())


@lru_cache(maxsize=1)
def _detokenizer():
    from nltk.tokenize.treebank import TreebankWordDetokenizer

    return TreebankWordDetokenizer()


def as_the_pipeline_reads(examples: list[LabelledText], tokenizer: Tokenizer | None) -> list[LabelledText]:
    """The texts as `rnncli sentiment` reads them: each written as people write it (as_written; a text
    of raw text, not `tokenized`, as it is), then cut into tokens by `tokenizer` (None: Punkt and
    the Treebank rules) exactly as `rnncli sentiment -I lines` cuts an input line, so that training
    and scoring see what the model will see on raw text."""
    from rnncli.text.sentences import read_sentences

    lines = [" ".join((as_written(text) if e.tokenized else text).split()) + "\n"
             for e, text in ((e, e.given or " ".join(e.words)) for e in examples)]
    texts: list[list[str]] = [[]]
    for sentence in read_sentences(lines, "lines", "<data>", tokenizer=tokenizer, max_words=None):
        texts[-1] += sentence.words
        if not sentence.continued:
            texts.append([])
    return [LabelledText(words or e.words, e.label, e.given, e.tokenized) for e, words in zip(examples, texts)]
