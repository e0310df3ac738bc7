"""The public Python API: taggers and sentiment models as plain objects, results as plain
dataclasses. The CLI runs the same functions underneath.

    >>> import rnncli
    >>> tagger = rnncli.Tagger("lstm")                     # or rnncli.load("tagger-lstm"), or a file
    >>> tagger.tag(["I", "study", "at", "night"])          # NLTK's TaggerI interface: (word, tag) pairs
    [('I', 'PRON'), ('study', 'VERB'), ('at', 'ADP'), ('night', 'NOUN')]
    >>> sentence = tagger.tag_text("I study at night. You sleep.")[0]
    >>> sentence.tokens[0].probs["PRON"]                   # every tag's probability
    >>> rnncli.Sentiment("lstm").predict(["What a great film"])[0].label
    'positive'

A Tagger is an NLTK tagger (`nltk.tag.api.TaggerI`): `tag`, `tag_sents`, NLTK's scoring
methods (`accuracy`, `confusion`, `evaluate_per_tag`, ...), `tagset="universal"` (NLTK's 12
tags) and use as the `backoff=` of NLTK's sequential taggers; see rnncli.nltk_interface.
Numpy only (nltk is imported when one of NLTK's own methods is called); `explain_gradients`
imports torch. The forward pass runs numpy's OpenBLAS on one thread (see infer.blas).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from rnncli import __all__  # noqa: F401  the public names, listed once (rnncli/__init__.py)
from rnncli.errors import EXIT_USAGE, RnnCliError, require
from rnncli.infer import lm
from rnncli.infer.blas import one_blas_thread
from rnncli.infer.sentiment import SentimentResult, classify_lines
from rnncli.infer.tagger import TagResult, tag_lines
from rnncli.model.config import DEFAULT_MODEL, DEFAULT_TOKENIZER
from rnncli.infer.tokenizer import open_tokenizer, tokenizer_for
from rnncli.model import tagsets
from rnncli.model.bundled import describe, model_spec, open_model, resolve_model
from rnncli.model.model_file import ModelFile
from rnncli.nltk_interface import NltkTagger, register_with_nltk
from rnncli.text.hygiene import clean
from rnncli.text.pieces import LineTooLong


@dataclass(frozen=True)
class TaggedToken:
    text: str
    tag: str  # the most probable tag
    prob: float  # its probability
    probs: dict[str, float] = field(repr=False)  # every tag of the tag set -> probability


@dataclass(frozen=True)
class TaggedSentence:
    text: str
    tagset: str  # "upos", "xpos" ("ptb" for Penn Treebank tags) or "universal"
    tokens: list[TaggedToken]

    def pairs(self) -> list[tuple[str, str]]:
        """(word, tag) pairs, as NLTK taggers return them."""
        return [(t.text, t.tag) for t in self.tokens]


def _with_tokens(tagged: TaggedSentence, tokens: list[str]) -> TaggedSentence:
    """A sentence tagged from the tokens as read (tag_tokens), with the tokens as given."""
    return replace(tagged, tokens=[replace(t, text=token) for t, token in zip(tagged.tokens, tokens, strict=True)])


class Tagger(NltkTagger):
    """A part-of-speech tagger: `model` is a bundled name (`lstm`, `rnn`, `tagger-lstm`) or
    the path of a model file; `tagset` is "upos" (default when the model has it), "xpos" (the
    treebank's own tags; "ptb" as well where they are Penn Treebank tags), or "universal" (NLTK's
    12 universal tags, mapped from the Penn Treebank tags as NLTK maps them, or from UPOS for a
    model without them: a tag's probability is the sum of those it is mapped from); `tokenizer`
    cuts running text (`tag_text`): "rnn" (the bundled character-level tokenizer, the default),
    "lstm", "rnn-small", "treebank" (NLTK's Punkt and Treebank rules) or the path of a
    tokenizer model (None: the default)."""

    def __init__(self, model: str = DEFAULT_MODEL, tagset: str | None = None, tokenizer: str | None = None):
        if tagset is not None and (not isinstance(tagset, str) or tagset.lower() not in tagsets.TAGSETS):
            raise RnnCliError(f"tagset is one of {', '.join(tagsets.TAGSETS)} (or None: the model's default), "
                              f"not {tagset!r}", EXIT_USAGE)
        self.model: ModelFile = open_model(model, "tagger")
        self.tokenizer = open_tokenizer(DEFAULT_TOKENIZER if tokenizer is None else tokenizer)
        tagset = tagset.lower() if isinstance(tagset, str) else tagset  # "UPOS" reads as "upos"
        universal = tagset == "universal"
        source, table = tagsets.universal_source(self.model.labels) if universal else (tagset, {})
        self.tagset, self.head = tagsets.chosen_head(self.model.labels, source, self.model.path)
        self.labels = self.model.labels[self.head]
        self.mapping = [table.get(label, "X") for label in self.labels] if universal else None
        if universal:
            self.tagset, self.labels = "universal", sorted(set(self.mapping))
        register_with_nltk()

    def tag(self, tokens: list[str]) -> list[tuple[str, str]]:
        """One tokenized sentence -> (word, tag) pairs (NLTK's TaggerI.tag)."""
        return self.tag_tokens([_items(tokens, "tag() takes a list of tokens", "tag_text()")])[0].pairs()

    def tag_sents(self, sentences: Iterable[list[str]]) -> list[list[tuple[str, str]]]:
        """Tokenized sentences -> (word, tag) pairs per sentence (NLTK's TaggerI.tag_sents)."""
        return [s.pairs() for s in self.tag_tokens(sentences)]

    def tag_tokens(self, sentences: Iterable[list[str]]) -> list[TaggedSentence]:
        """Tokenized sentences (your tokenization is kept) -> TaggedSentences with probabilities.
        As NLTK's taggers, any string is a token: one with whitespace inside (`500 000`, `New
        York`) is read with `_` for each run of it, an empty one as `_`; each keeps its own text."""
        sentences = _items(sentences, "tag_sents() takes a list of sentences, each a list of tokens", "tag_text()")
        sentences = [_items(s, "each sentence is a list of tokens", "tag_text()") for s in sentences]
        bad = next((type(t).__name__ for s in sentences for t in s if not isinstance(t, str)), None)
        if bad is not None:
            raise RnnCliError(f"tokens are strings, not {bad}", EXIT_USAGE)
        lines = [" ".join("_".join(clean(t).split()) or "_" for t in s) + "\n"
                 for s in sentences if s]  # clean: control characters, U+200B, U+FEFF are spaces (a BOM would be
        # dropped at the start); a line without its newline would be a piece
        try:
            with one_blas_thread():
                tagged = iter(self._results(tag_lines(self.model, lines, "tokens")))
        except LineTooLong as exc:
            number = [i for i, s in enumerate(sentences, start=1) if s][exc.line - 1]
            raise RnnCliError(f"sentence {number} has more than {exc.limit:,} {exc.unit}; rnncli tags at most that many "
                              "as one sentence: split it, or pass running text to tag_text()", EXIT_USAGE) from None
        return [_with_tokens(next(tagged), s) if s else TaggedSentence("", self.tagset, []) for s in sentences]

    def tag_text(self, text: str) -> list[TaggedSentence]:
        """Running text -> its sentences, split and tokenized as `rnncli tag` does, tagged."""
        if not isinstance(text, str):
            raise RnnCliError(f"tag_text() takes a str of running text, not {type(text).__name__}", EXIT_USAGE)
        with one_blas_thread():
            return self._results(tag_lines(self.model, text.splitlines(keepends=True), "text",
                                           tokenizer=self.tokenizer))

    def _results(self, results: Iterable[TagResult]) -> list[TaggedSentence]:
        out = []
        for result in results:
            tokens = []
            for word, probs in zip(result.words, result.probs[self.head]):
                probs = self._tag_probs(probs)
                best = max(probs, key=probs.__getitem__)  # ties: the tag listed first
                tokens.append(TaggedToken(word, best, probs[best], probs))
            out.append(TaggedSentence(result.sentence.text, self.tagset, tokens))
        return out

    def _tag_probs(self, probs) -> dict[str, float]:
        """Each tag of the tag set -> its probability (universal: summed over the tags mapped to it)."""
        if self.mapping is None:
            return {label: float(p) for label, p in zip(self.labels, probs)}
        summed = dict.fromkeys(self.labels, 0.0)
        for tag, p in zip(self.mapping, probs):
            summed[tag] += float(p)
        return summed


class Sentiment:
    """A sentiment classifier: `model` is a bundled name (`lstm`, `rnn`, `sentiment-lstm`) or
    the path of a model file; `tokenizer` as for Tagger, by default the one that cut the model's
    training texts (infer.tokenizer.tokenizer_for)."""

    def __init__(self, model: str = DEFAULT_MODEL, tokenizer: str | None = None):
        self.model: ModelFile = open_model(model, "sentiment")
        self.tokenizer = tokenizer_for(self.model, tokenizer)
        self.labels = self.model.labels["label"]

    def predict(self, texts: str | Iterable[str]) -> list[SentimentResult]:
        """One result (text, probs, label) per text; a text is read whole, however long. A text
        without words (empty, blank, or nothing left once control characters are dropped) gets
        no answer, as the CLI's blank record: probs {} and label None."""
        texts = [texts] if isinstance(texts, str) else _items(texts, "predict() takes a str or a list of them")
        wrong = [type(t).__name__ for t in texts if not isinstance(t, str)]
        if wrong:
            raise RnnCliError(f"predict() takes a str or a list of them; found a {wrong[0]}", EXIT_USAGE)
        lines = [" ".join(t.split()) for t in texts]
        with one_blas_thread():
            results = iter(list(classify_lines(self.model, [line + "\n" for line in lines if line], "lines",
                                               tokenizer=self.tokenizer)))
        found = [next(results) if line else None for line in lines]
        found = [replace(result, text=" ".join(clean(line).split()), cut=0) if result and result.cut else result
                 for line, result in zip(lines, found)]  # the caller holds the text whole: so does its result
        return [replace(result, line=number) if result is not None and result.probs else
                SentimentResult("", {}, line=number)
                for number, result in enumerate(found, start=1)]  # line: its place in the list


class LanguageModel:
    """A character language model: `model` is a bundled name (`lstm`, `rnn`, `lm-lstm`) or the
    path of a model file."""

    def __init__(self, model: str = DEFAULT_MODEL):
        self.model: ModelFile = open_model(model, "lm")
        self._lm = lm.LanguageModel(self.model)

    def next_words(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        """The k most probable next words after `text`, with their probabilities."""
        with one_blas_thread():
            return [(w.word, w.prob) for w in self._lm.next_words(text, k)]

    def generate(self, prime: str = "\n", length: int = 300, temperature: float = 0.8, top_k: int | None = None,
                 seed: int = 0) -> str:
        """`length` characters sampled after `prime`; the same seed, the same text. The ranges
        are `rnncli generate`'s (infer.sampling)."""
        with one_blas_thread():
            return "".join(self._lm.generate(prime, length, temperature, top_k, seed))

    def bits_per_char(self, text: str) -> float:
        """The model's mean bits per character on `text` (as `rnncli eval lm` scores a text)."""
        with one_blas_thread():
            return float(self._lm.scores(text)["bits_per_char"])


def _items(value, what: str, hint: str = "") -> list:
    """`value` as a list, or a clear error when it is a str, bytes, a mapping (its keys would
    be taken), a set (in no order: a sentence's words would come in any) or not iterable at all
    (a str would be taken one character at a time)."""
    if not isinstance(value, (str, bytes, Mapping, Set)):
        try:
            return list(value)
        except TypeError:
            pass
    use = f"; for running text use {hint}" if hint and isinstance(value, str) else ""
    raise RnnCliError(f"{what}, not {type(value).__name__}{use}", EXIT_USAGE)


def load(name: str) -> Tagger | Sentiment | LanguageModel:
    """A bundled model by its full name (`tagger-lstm`, `sentiment-rnn`, `lm-lstm`) or a model
    file, as the Tagger, Sentiment or LanguageModel its task calls for."""
    path = resolve_model(name)
    task = describe(path)["task"]
    if task == "lm":
        return LanguageModel(str(path))
    if task not in ("tagger", "sentiment"):  # a tokenizer works inside them: Tagger(..., tokenizer=...)
        raise RnnCliError(f"{path}: a {task} model; load returns a Tagger or a Sentiment (pass a tokenizer as "
                          "their tokenizer=)", EXIT_USAGE)
    return Tagger(str(path)) if task == "tagger" else Sentiment(str(path))


def explain_gradients(text: str | None = None, models: Iterable[str] = ("rnn", "lstm"), task: str = "sentiment",
                      saliency: bool = False) -> list:
    """How the gradient of each model's prediction reaches earlier tokens (explain.sentence.Explanation
    per model: grad_norms, decay factor, reach, the LSTM's gates); needs torch."""
    require("torch", "train", "explain_gradients()")
    from rnncli.explain.sentence import explain_models

    if text is not None and not isinstance(text, str):
        raise RnnCliError(f"explain_gradients() takes a str of text, not {type(text).__name__}", EXIT_USAGE)
    models = [model_spec(m) for m in _items(models, "models is a list of model names or paths")]
    return explain_models(list(models), task, text, saliency)[1]
