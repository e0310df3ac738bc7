"""The character-level recurrent tokenizer and sentence splitter (numpy only).

A tokenizer model is a tagger one level down: its "words" are characters and its one output,
`boundary`, labels each character inside / token end / sentence end / word end inside a
multiword token (segmentation.LABELS), and, for treebanks whose multiword tokens are not spelled
by their words, a token that is one (its words from the expander stored with the model). Any whitespace reads as a space. A character the
model never saw in training reads as its Unicode category (`<Lu>`, `<Nd>`, `<So>`, ...), so
that a new letter, digit or emoji still looks like one.

Long texts run in windows: each window's middle part (its core) is labelled with context on
both sides, and the cores tile the text, so no character is lost or labelled twice.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rnncli.model.encoding import Batch, length_groups
from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.model.forward import tagger_forward
from rnncli.model.bundled import BUNDLED, bundled_models, model_spec, open_model, resolve_model
from rnncli.model.config import DEFAULT_TOKENIZER, shown
from rnncli.model.model_file import ModelFile
from rnncli.text.multiword import Expander
from rnncli.text.segmentation import (Paragraph, Segment, boundary_candidates, boundary_labels, decode_texts,
                                      segmentation_f1, windows)
from rnncli.model.vocab import Vocab

if TYPE_CHECKING:
    from rnncli.infer.parallel import Workers

CATEGORIES = ("Cc", "Cf", "Cn", "Co", "Cs", "Ll", "Lm", "Lo", "Lt", "Lu", "Mc", "Me", "Mn", "Nd", "Nl", "No",
              "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Sc", "Sk", "Sm", "So", "Zl", "Zp", "Zs")
CATEGORY_ITEMS = tuple(f"<{c}>" for c in CATEGORIES)  # vocabulary items standing for unseen characters
CORE, CONTEXT = 600, 50  # characters labelled per window, and seen on each side of them (the overlap: 1/6)
BATCH_CHARS = 40_000  # padded characters per forward batch (memory: ~65 MB for the bundled tokenizer)
SENTENCE_BIASES = tuple(b / 4 for b in range(-4, 9))  # -1.0 .. 2.0: the sentence biases `train tokenizer` tries


def char_key(ch: str) -> str:
    """The form a character is looked up by: whitespace reads as a space."""
    return " " if ch.isspace() else ch


class CharEncoder:
    """Characters -> ids of a tokenizer's vocabulary, unseen ones by their Unicode category."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self.cache: dict[str, int] = {}
        self.ascii = np.array([self.id(chr(c)) for c in range(128)], dtype=np.int64)  # (128,) ids of ASCII

    def id(self, ch: str) -> int:
        found = self.cache.get(ch)
        if found is None:
            key = char_key(ch)
            found = self.vocab.index.get(key)
            if found is None:
                found = self.vocab.id(f"<{unicodedata.category(key)}>")
            if len(self.cache) < 100_000:
                self.cache[ch] = found
        return found

    def ids(self, text: str) -> np.ndarray:
        """(N,) ids of the text's characters (those not yet cached looked up one by one)."""
        if text.isascii():
            return self.ascii[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
        ids = np.array([self.cache.get(ch, -1) for ch in text], dtype=np.int64)  # (N,)
        for i in np.flatnonzero(ids < 0).tolist():
            ids[i] = self.id(text[i])
        return ids

    def batch(self, texts: list[str], candidates: bool = False) -> Batch:
        """Padded ids (B, T) of texts, in the shape the forward pass takes (no char features);
        with `candidates`, also where a token can end (for a model with an upper layer)."""
        B, T = len(texts), max(len(t) for t in texts)
        ids = np.zeros((B, T), dtype=np.int64)
        chosen = np.zeros((B, T), dtype=bool) if candidates else None
        for b, text in enumerate(texts):
            ids[b, :len(text)] = self.ids(text)
            if candidates:
                chosen[b, :len(text)] = boundary_candidates(text)
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        return Batch(ids, lengths, np.zeros((1, 1), np.int64), np.ones(1, np.int64), np.zeros((B, T), np.int64), chosen)


class Tokenizer:
    """Segments paragraphs of running text into sentences of tokens (and words)."""

    def __init__(self, model: ModelFile):
        if model.config.task != "tokenizer":
            raise RnnCliError(f"{model.path}: a {model.config.task} model, not a tokenizer")
        self.model = model
        self.encoder = CharEncoder(model.words)
        self.expander = Expander(model.meta.get("multiword", {}))
        self.sentence_bias = float(model.meta.get("sentence_bias", 0.0))  # see segmentation.boundary_labels

    @property
    def name(self) -> str:
        return self.model.name

    def probabilities(self, texts: list[str], workers: Workers | None = None) -> list[np.ndarray]:
        """For each text, (characters, labels) probabilities; texts run in windows, batched together
        (the batches in `workers` when they are wanted, see parallel.Workers)."""
        results = [np.zeros((len(t), len(self.model.labels["boundary"])), np.float32) for t in texts]
        pieces = [(i, w) for i, text in enumerate(texts) for w in windows(len(text), CORE, CONTEXT)]
        groups = list(length_groups([w[1] - w[0] for _, w in pieces], BATCH_CHARS))
        batches = [[texts[pieces[g][0]][pieces[g][1][0]:pieces[g][1][1]] for g in group] for group in groups]
        if workers is None:
            probs = [self.window_probabilities(batch) for batch in batches]
        else:
            probs = workers.map("tokenizer", "window_probabilities", batches)
        for group, group_probs in zip(groups, probs):
            for b, g in enumerate(group):
                i, (start, _, core, core_end) = pieces[g]
                results[i][core:core_end] = group_probs[b, core - start:core_end - start]
        return results

    def window_probabilities(self, texts: list[str]) -> np.ndarray:
        """(B, T, labels) probabilities of a batch of windows' characters."""
        batch = self.encoder.batch(texts, self.model.config.upper_hidden > 0)
        return tagger_forward(self.model.config, self.model.weights, batch)["boundary"]

    def settled(self, length: int) -> int:
        """How many leading characters of a text of `length` characters have labels that more
        text after it cannot change: those whose whole window (CONTEXT on each side) it holds."""
        return max(0, (length - CONTEXT) // CORE * CORE)

    def segment(self, texts: list[str], workers: Workers | None = None) -> list[list[list[Segment]]]:
        """For each text (a paragraph), its sentences of tokens; offsets index the text."""
        return self.from_labels(texts, self.labels(texts, workers))

    def labels(self, texts: list[str], workers: Workers | None = None) -> np.ndarray:
        """(characters,) int8: the label of each character of the texts, one text's after
        another, under the model's sentence bias: what segment decodes, and what a worker
        process sends back (a byte a character; segments are slow to unpickle)."""
        return _labels(self.probabilities(texts, workers), self.sentence_bias)

    def from_labels(self, texts: list[str], labels: np.ndarray) -> list[list[list[Segment]]]:
        """segment's result from the texts' labels (see labels)."""
        out = decode_texts(texts, labels)
        for text, sentences in zip(texts, out):
            for token in (t for s in sentences for t in s if t.multiword):
                token.words = self.expander.expand(text[token.start:token.end])
        return out

    def decoded(self, texts: list[str], probs: list[np.ndarray], sentence_bias: float) -> list[list[list[Segment]]]:
        """segment's result from the texts' probabilities, under a given sentence bias."""
        return self.from_labels(texts, _labels(probs, sentence_bias))


def _labels(probs: list[np.ndarray], sentence_bias: float) -> np.ndarray:
    """The texts' probabilities (characters, labels) each -> their labels (all characters,) int8."""
    if not probs:
        return np.zeros(0, np.int8)
    return boundary_labels(np.concatenate(probs), sentence_bias).astype(np.int8)


def tokenizer_file(spec: str) -> Path | None:
    """The model file a --tokenizer value reads (to check outputs against); None for
    `treebank`, and for a spec that names nothing (open_tokenizer says what is wrong)."""
    if spec == "treebank":
        return None
    try:
        return resolve_model(spec, "tokenizer")
    except RnnCliError:
        return None


def open_tokenizer(spec: str, input_format: str = "text", others: tuple[str, ...] = ("treebank",)) -> Tokenizer | None:
    """The tokenizer `spec` names: a tokenizer model (bundled name or path), or None for
    `treebank` (Punkt and the Treebank rules) and for input that needs no tokenizer. A name
    that names nothing is an error even then (a typo should not pass unnoticed), which lists
    the bundled names and `others` (what else the caller takes: `none` where tokens are kept)."""
    spec = model_spec(spec)
    if spec == "treebank":
        return None
    if spec not in BUNDLED["tokenizer"] and "/" not in spec and not spec.endswith(".safetensors") \
            and not _may_exist(Path(spec)) and spec not in (p.stem for p in bundled_models()):
        raise RnnCliError(f"unknown tokenizer {spec!r}; use {', '.join(BUNDLED['tokenizer'] + others)} or the path "
                          "of a tokenizer model", EXIT_USAGE)
    return Tokenizer(open_model(spec, "tokenizer")) if input_format in ("text", "lines") else None


def _may_exist(path: Path) -> bool:
    """Path.exists, except that a path that cannot even be looked up (a name too long) may:
    reading it then says what is wrong."""
    try:
        return path.exists()
    except OSError:
        return True


def _named(spec: str) -> bool:
    """Whether a --tokenizer value names a tokenizer rather than a file: none, treebank, a
    bundled tokenizer's short or full name."""
    return spec in ("none", "treebank", *BUNDLED["tokenizer"]) or spec in (p.stem for p in bundled_models())


def recorded_tokenizer(spec: str) -> str:
    """How `train sentiment` records its --tokenizer in the model file (see trained_tokenizer):
    a name as given, a bundled file by its name, any other file by its absolute path, so that
    the model finds it from any folder."""
    if _named(spec):
        return spec
    path = Path(spec).expanduser().resolve()
    return next((p.stem for p in bundled_models() if p.resolve() == path), str(path))


def trained_tokenizer(model: ModelFile) -> str:
    """The tokenizer that cut a sentiment model's training texts, as its file records it; the
    default tokenizer for a model that records none or kept its data's own tokens (`none`)."""
    training = model.meta.get("training")
    data = training.get("data") if isinstance(training, dict) else None
    spec = data.get("tokenizer") if isinstance(data, dict) else None
    return DEFAULT_TOKENIZER if not isinstance(spec, str) or spec in ("", "none") else spec


def tokenizer_for(model: ModelFile, spec: str | None, input_format: str = "text",
                  others: tuple[str, ...] = ("treebank",)) -> Tokenizer | None:
    """The tokenizer that cuts raw text for a sentiment model: `spec` when given, else the one
    that cut its training texts (trained_tokenizer), so that raw text reaches the model as its
    training texts did; None as open_tokenizer gives it (treebank, input that needs none). A
    recorded tokenizer that cannot be opened is an error that says where it came from. `others`:
    see open_tokenizer."""
    if spec is not None:
        return open_tokenizer(spec, input_format, others)
    if input_format not in ("text", "lines"):
        return None
    recorded = trained_tokenizer(model)
    try:
        return open_tokenizer(recorded, input_format)
    except RnnCliError as e:
        raise RnnCliError(f"{model.path}: its training texts were cut by the tokenizer {shown(recorded, 120)}, "
                          f"which cannot be used here ({_quoted(str(e))}); name another (--tokenizer, or "
                          "tokenizer= in Python)") from None


def _quoted(message: str, limit: int = 200) -> str:
    """A message inside another: control characters escaped, its middle cut out beyond `limit`
    characters (it may start with a long path and end with what is wrong)."""
    text = repr(message)[1:-1]
    return text if len(text) <= limit else text[:limit // 2 - 2] + "..." + text[-(limit // 2 - 1):]


def tune_sentence_bias(tokenizer: Tokenizer, gold: list[Paragraph]) -> tuple[float, dict[float, float]]:
    """The sentence bias (of SENTENCE_BIASES) under which the tokenizer's sentences match the
    gold paragraphs' best, by sentence F1 (a tie goes to the bias nearest 0), and the F1 under
    each. A tokenizer trained on pieces of text may end sentences too rarely or too often; one
    bias on the sentence label's log-probability, fitted on dev, evens that out (segmentation.boundary_labels)."""
    texts = [p.text for p in gold]
    probs = tokenizer.probabilities(texts)
    curve = {b: segmentation_f1(gold, tokenizer.decoded(texts, probs, b))["sentences"] for b in SENTENCE_BIASES}
    return max(SENTENCE_BIASES, key=lambda b: (curve[b], -abs(b))), curve
