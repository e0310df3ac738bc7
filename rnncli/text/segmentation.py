"""Segmentation as labels over characters: the tokenizer's view of a treebank.

A gold CoNLL-U file becomes paragraphs of raw text (from `# newdoc`/`# newpar`, each
sentence's `# text`, and `SpaceAfter=No`), reproduced character for character (in Unicode
NFC, as rnncli reads all text), with one label per character:

    inside    (0)  any character that does not end a token or a word; whitespace
    token     (1)  the last character of a token
    sentence  (2)  the last character of a token that ends a sentence
    word      (3)  the last character of a word inside a multiword token (`do|n't`, `it|s`)
    multiword (4)  the first character of a multiword token whose words do not spell it
                   (German `im` = `in dem`, French `du` = `de le`); its words come from an
                   expander (text/multiword.py). Only models trained on such data have it.

The same labels, predicted, turn back into sentences of tokens and words (`decode`); a
tokenizer's probabilities become labels by `boundary_labels`, under its sentence bias.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import numpy as np

from rnncli.text.conllu import FORM, ID, MISC, Sentence
from rnncli.errors import RnnCliError
from rnncli.text.hygiene import clean, composed

LABELS = ("inside", "token", "sentence", "word")
MULTIWORD_LABELS = LABELS + ("multiword",)
_NEWDOC, _NEWPAR = re.compile(r"# newdoc(\s|\Z)"), re.compile(r"# newpar(\s|\Z)")
INSIDE, TOKEN, SENTENCE, WORD, MULTIWORD = range(5)
MAX_SENTENCE_BIAS = 10.0  # a tokenizer's sentence bias (boundary_labels) lies within this of 0


def boundary_labels(probs: np.ndarray, sentence_bias: float = 0.0) -> np.ndarray:
    """(N,) labels of a text's characters from their (N, labels) probabilities: the likeliest,
    once the sentence label's log-probability is raised by `sentence_bias` (its probability
    times exp(bias); `train tokenizer` fits it on dev, see infer.tokenizer.tune_sentence_bias)."""
    if sentence_bias:
        probs = probs.copy()
        probs[:, SENTENCE] *= math.exp(sentence_bias)
    return probs.argmax(-1)


def _is_bias(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and abs(value) <= MAX_SENTENCE_BIAS


def _is_bias_name(key: str) -> bool:
    """A bias as the fit records it (f"{bias:g}": `-0.25`, `1`), and nothing else (`1_0`, `nan`)."""
    try:
        return f"{float(key):g}" == key and _is_bias(float(key))
    except ValueError:
        return False


def check_sentence_bias(value, curve=None) -> None:
    """Raise ValueError unless `value` can be a tokenizer model file's `sentence_bias` and
    `curve` (None, or the training record's bias -> dev Sentences F1) its fit's record."""
    if not _is_bias(value):
        text = repr(value)
        raise ValueError(f"sentence_bias is {text if len(text) <= 40 else text[:37] + '...'}, not a number from "
                         f"{-MAX_SENTENCE_BIAS:g} to {MAX_SENTENCE_BIAS:g}")
    if curve is not None and not (isinstance(curve, dict) and curve and all(
            _is_bias_name(b) and not isinstance(f1, bool) and isinstance(f1, (int, float)) and 0 <= f1 <= 1
            for b, f1 in curve.items())):
        raise ValueError("training.sentence_bias_dev is not an object of sentence bias -> F1 from 0 to 1")


@dataclass
class Token:
    start: int  # character offsets in the paragraph's text, end exclusive
    end: int
    words: list[str]  # one word, or the words of a multiword token
    space_after: bool = True
    spelled: bool = True  # whether its words, joined, are its text (English `do n't`; not Italian `dei` = `di i`)


@dataclass
class Paragraph:
    text: str
    sentences: list[list[Token]] = field(default_factory=list)
    newdoc: bool = False

    def labels(self) -> list[int]:
        """One label per character of `text` (see LABELS)."""
        labels = [INSIDE] * len(self.text)
        for sentence in self.sentences:
            for token in sentence:
                position = token.start
                if not token.spelled:
                    labels[position] = MULTIWORD
                else:
                    for word in token.words[:-1]:
                        position += len(word)
                        labels[position - 1] = WORD
                labels[token.end - 1] = TOKEN
            labels[sentence[-1].end - 1] = SENTENCE
        return labels


def has_multiword(paragraphs: Iterable[Paragraph]) -> bool:
    """Whether any multiword token of these paragraphs has words that do not spell it."""
    return any(not t.spelled for p in paragraphs for s in p.sentences for t in s)


def _tokens(sentence: Sentence) -> Iterator[tuple[str, list[str], bool]]:
    """(token text, its words, space after) for each token: a multiword range with the words
    it spans, or a word outside any range; in NFC, as rnncli reads text (hygiene.composed)."""
    rows = sentence.rows
    i = 0
    while i < len(rows):
        row = rows[i]
        space = "SpaceAfter=No" not in row[MISC].split("|")
        if "-" in row[ID]:
            first, last = (int(x) for x in row[ID].split("-"))
            words = [r[FORM] for r in rows[i + 1:] if r[ID].isdigit() and first <= int(r[ID]) <= last]
            yield composed(row[FORM]), [composed(w) for w in words], space
            i += 1 + len(words)
        else:
            if row[ID].isdigit():
                yield composed(row[FORM]), [composed(row[FORM])], space
            i += 1


def paragraphs(sentences: Iterable[Sentence], source: str = "<gold>") -> Iterator[Paragraph]:
    """The paragraphs of a treebank, each with its text and tokens. A sentence's text is its
    `# text` (or its tokens joined as SpaceAfter says); sentences of a paragraph are joined by
    one space, or none where the last token has SpaceAfter=No. Tokens must be found in the text
    in order, separated only by whitespace, and spell it to its end: anything else is an error
    naming the sentence (a file cut in the middle of a sentence, a gold file that lost a row). A
    multiword token's words need not spell it (`im` = `in dem`)."""
    paragraph = None
    for sentence in sentences:
        newdoc = any(_NEWDOC.match(c) for c in sentence.comments)
        newpar = newdoc or any(_NEWPAR.match(c) for c in sentence.comments)
        if paragraph is not None and newpar:
            yield paragraph
            paragraph = None
        if paragraph is None:
            paragraph = Paragraph("", newdoc=newdoc)
        elif paragraph.sentences and paragraph.sentences[-1][-1].space_after:
            paragraph.text += " "
        tokens = list(_tokens(sentence))
        if not tokens:
            continue
        text = sentence.comment("text")
        if text is None:
            text = "".join(form + (" " if space else "") for form, _, space in tokens).rstrip()
        text = composed(text)
        offset, position, found = len(paragraph.text), 0, []
        for form, words, space in tokens:
            while position < len(text) and text[position].isspace() and not text.startswith(form, position):
                position += 1
            if not text.startswith(form, position):
                raise RnnCliError(f"{source}:{sentence.comment_line('text')}: token {form!r} does not match the "
                                  f"sentence's # text at character {position}")
            found.append(Token(offset + position, offset + position + len(form), words, space,
                               spelled="".join(words) == form))
            position += len(form)
        if clean(text[position:]).strip():  # whitespace as rnncli reads it (U+200B too) may end it
            raise RnnCliError(f"{source}:{sentence.comment_line('text')}: the sentence's # text goes on after its last token "
                              f"({text[position:].strip()[:20]!r}): its tokens do not spell it")
        paragraph.text += text
        paragraph.sentences.append(found)
    if paragraph is not None and paragraph.sentences:
        yield paragraph


def raw_text(sentences: Iterable[Sentence], source: str = "<gold>") -> str:
    """The text a treebank's sentences were cut from, as the CoNLL 2018 shared task rebuilt it:
    its paragraphs (see `paragraphs`) separated by a blank line, ending in a newline."""
    texts = [p.text for p in paragraphs(sentences, source)]
    return "\n\n".join(texts) + "\n" if texts else ""


def windows(length: int, size: int, context: int) -> list[tuple[int, int, int, int]]:
    """Cover range(length) with windows of at most `size` + 2 * `context` characters:
    (window start, window end, core start, core end); the cores tile the text exactly, and each
    core's prediction sees `context` characters on each side (fewer at the text's ends)."""
    out = []
    for core in range(0, length, size):
        core_end = min(core + size, length)
        out.append((max(0, core - context), min(length, core_end + context), core, core_end))
    return out


@dataclass(slots=True)
class Segment:
    """A token found in running text: its characters and words (several for a multiword token)."""

    start: int
    end: int
    words: list[str]
    multiword: bool = False  # labelled a multiword token whose words an expander must give


def codepoints(text: str) -> np.ndarray:
    """The text's characters as an array of code points (N,)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


_SPACE = re.compile(r"\s")  # in a str pattern, exactly the characters of str.isspace


def whitespace(text: str) -> np.ndarray:
    """(N,) bool: which characters are whitespace (str.isspace)."""
    space = np.zeros(len(text), dtype=bool)
    space[[m.start() for m in _SPACE.finditer(text)]] = True
    return space


def _char_class(ch: str) -> int:
    """0 whitespace, 1 letter or mark, 2 number, 3 anything else (punctuation, symbols, ...)."""
    if ch.isspace():
        return 0
    return {"L": 1, "M": 1, "N": 2}.get(unicodedata.category(ch)[0], 3)


def boundary_candidates(text: str) -> np.ndarray:
    """(N,) bool: the characters after which a token can end by the look of the text: not
    whitespace, and the last character, or followed by whitespace, or punctuation or a symbol
    or followed by one, or followed by another kind (letter, number). In UD English EWT's
    training text they are 22% of the characters and hold 99.5% of the token ends; the rest
    (do|n't, can|not) fall inside runs of letters."""
    unique, inverse = np.unique(codepoints(text), return_inverse=True)
    kind = np.array([_char_class(chr(c)) for c in unique], dtype=np.int8)[inverse.reshape(-1)]  # (N,)
    after = np.append(kind[1:], 0)  # (N,): the next character's class, whitespace past the end
    return (kind != 0) & ((after == 0) | (kind == 3) | (after == 3) | (kind != after))


COMBINING = ("Mn", "Mc", "Me")  # Unicode categories of combining marks: part of the character before them


def combining(text: str) -> np.ndarray:
    """(N,) bool: which characters are combining marks (COMBINING), each distinct character tested once."""
    unique, inverse = np.unique(codepoints(text), return_inverse=True)
    return np.array([unicodedata.category(chr(c)) in COMBINING for c in unique], dtype=bool)[inverse.reshape(-1)]


_END_RANK = {WORD: 1, TOKEN: 2, SENTENCE: 3}  # labels that end something after their character


def past_marks(text: str, labels: np.ndarray, space: np.ndarray) -> np.ndarray:
    """The labels with every end (token, sentence, word) that falls on a character followed by
    combining marks moved onto the last of those marks, so that no boundary falls between a
    base character and its marks (decomposed `e` + U+0301 stays one `é`); where the mark has
    an end of its own, the stronger one stays (sentence, then token, then word). Only a text
    with combining marks is copied."""
    marks = [] if text.isascii() else np.flatnonzero(combining(text)).tolist()
    if not marks:
        return labels
    labels = labels.copy()
    for i in marks:  # in order: a run of marks hands its base's end on to its last mark
        before = int(labels[i - 1]) if i > 0 and not space[i - 1] else INSIDE
        if before in _END_RANK:
            labels[i - 1] = INSIDE
            if _END_RANK[before] > _END_RANK.get(int(labels[i]), 0):
                labels[i] = before
    return labels


def decode(text: str, labels: Sequence[int] | np.ndarray) -> list[list[Segment]]:
    """Sentences of tokens from one label per character. Whitespace always separates tokens
    (and is never part of one); a `sentence` label ends the sentence after its token; a `word`
    label splits a token into words, unless it falls on the token's last character; a
    `multiword` label on a token's first character marks it (Segment.multiword). No end falls
    just before a combining mark (see past_marks). The text's last token always ends a
    sentence. Linear time; the loop runs over tokens, not characters."""
    return decode_texts([text], np.asarray(labels))[0]


def decode_texts(texts: list[str], labels: np.ndarray) -> list[list[list[Segment]]]:
    """decode for each of several texts, their labels (total characters,) one text's after
    another: the texts are read as one, a space between each two (so that thousands of short
    lines cost one pass of array operations, not thousands), and each text's last token ends
    its last sentence. Offsets index each text."""
    lengths = np.array([len(t) for t in texts], dtype=np.int64)  # (K,)
    if len(labels) != lengths.sum():
        raise ValueError(f"{len(labels)} labels for {lengths.sum()} characters")
    joined = " ".join(texts)
    if not joined:
        return [[] for _ in texts]
    text_starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])  # (K,) where each text starts in `joined`
    inside = np.ones(len(joined), dtype=bool)  # not a separator
    inside[text_starts[1:] - 1] = False
    joined_labels = np.full(len(joined), INSIDE, dtype=np.int64)
    joined_labels[inside] = labels
    space = whitespace(joined)
    joined_labels = past_marks(joined, joined_labels, space)
    starts, ends, splits = _token_marks(joined_labels, space)  # (M,), (M,), (S,)
    text_of = np.searchsorted(text_starts, starts, side="right") - 1  # (M,) the text each token is in
    first_split, last_split = np.searchsorted(splits, starts), np.searchsorted(splits, ends)  # (M,) its splits
    multiword = (joined_labels[starts] == MULTIWORD) & (ends - starts > 1)  # (M,)
    segments = [_segment(joined, start, end, offset, splits[i:j], multi) for start, end, offset, i, j, multi in
                zip(starts.tolist(), ends.tolist(), text_starts[text_of].tolist(), first_split.tolist(),
                    last_split.tolist(), multiword.tolist())]
    last = joined_labels[ends - 1] == SENTENCE  # (M,) the token ends its sentence: labelled so,
    last[:-1] |= text_of[1:] != text_of[:-1]  # or its text's last token
    if len(last):
        last[-1] = True
    out: list[list[list[Segment]]] = [[] for _ in texts]
    sentence_start = 0
    for end, k in zip((np.flatnonzero(last) + 1).tolist(), text_of[last].tolist()):
        out[k].append(segments[sentence_start:end])
        sentence_start = end
    return out


def _segment(joined: str, start: int, end: int, offset: int, splits: list[int], multiword: bool) -> Segment:
    """The token joined[start:end] as a Segment of its text (which starts at `offset`), cut into
    words at `splits` (positions inside it); `multiword`: labelled so (one word only)."""
    if not splits:
        return Segment(start - offset, end - offset, [joined[start:end]], multiword)
    cuts = [start, *splits, end]
    return Segment(start - offset, end - offset, [joined[a:b] for a, b in zip(cuts, cuts[1:])])


def _token_marks(labels: np.ndarray, space: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Where the tokens of a text with these labels (N,) and whitespace (N,) start and end (end
    exclusive), (M,) each, in order, and where a word ends inside one (in order)."""
    not_space = ~space
    ends = labels == TOKEN  # becomes: a token's last character
    ends |= labels == SENTENCE
    ends[:-1] |= space[1:]
    ends[-1] = True
    ends &= not_space
    starts = np.empty_like(space)  # a token's first character
    starts[0] = True
    np.logical_or(space[:-1], ends[:-1], out=starts[1:])
    starts &= not_space
    splits = (np.flatnonzero(not_space & ~ends & (labels == WORD)) + 1).tolist()  # a word ends, its token goes on
    return np.flatnonzero(starts), np.flatnonzero(ends) + 1, splits


def _f1(gold: set, system: set) -> float:
    hits = len(gold & system)
    return 2 * hits / (len(gold) + len(system)) if gold or system else 1.0


def _word_keys(i: int, start: int, end: int, words: list[str], text: str) -> list[tuple]:
    if "".join(words) != text[start:end]:
        return [(i, start, end, k, word.lower()) for k, word in enumerate(words)]
    keys = []
    for word in words:
        keys.append((i, start, start + len(word)))
        start += len(word)
    return keys


def segmentation_f1(gold: list[Paragraph], system: list[list[list[Segment]]]) -> dict[str, float]:
    """Tokens, sentences and words F1 of a system's segmentation of the gold paragraphs' own
    text: a token or sentence counts when its character span matches exactly; a word when its
    span within its token does (so `don't` -> do|n't counts only if split there), or, for words
    that do not spell their token, when its token, place in it and form do. The CoNLL 2018
    scorer aligns the same way for words that are substrings of their tokens, as in English."""
    spans = {"tokens": (set(), set()), "sentences": (set(), set()), "words": (set(), set())}
    for i, (paragraph, sentences) in enumerate(zip(gold, system)):
        for side, source in ((0, [[(t.start, t.end, t.words) for t in s] for s in paragraph.sentences]),
                             (1, [[(t.start, t.end, t.words) for t in s] for s in sentences])):
            for sentence in source:
                spans["sentences"][side].add((i, sentence[0][0], sentence[-1][1]))
                for start, end, words in sentence:
                    spans["tokens"][side].add((i, start, end))
                    spans["words"][side].update(_word_keys(i, start, end, words, paragraph.text))
    return {name: _f1(*pair) for name, pair in spans.items()}
