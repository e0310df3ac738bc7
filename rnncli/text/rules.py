"""NLTK's rule tokenizers, offline: Punkt sentence splitting with the English parameters
shipped in rnncli/resources, and Treebank-style word tokenization ("don't" -> do n't).

Only the two tokenizer modules of NLTK are loaded, not the whole toolkit (see
_nltk_tokenize_modules)."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import types
import unicodedata
from functools import lru_cache
from pathlib import Path

from rnncli.errors import RnnCliError
from rnncli.text.segmentation import COMBINING

PUNKT_PARAMS = Path(__file__).parent.parent / "resources" / "punkt-english.json"


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


PTB_QUOTES = {"``": '"', "''": '"'}


def token_spans(sentence: str) -> list[tuple[int, int]] | None:
    """Treebank-style tokens of one sentence ("don't" -> do n't) as character spans, one Punkt
    sentence at a time (the Treebank tokenizer splits off only a final period); None where NLTK
    cannot align its tokens with the text. A curly apostrophe reads as a straight one, and
    combining marks stay with the character before them (see with_marks)."""
    tokenizer = _word_tokenizer()
    plain = sentence.replace("\u2019", "'")  # same length: the spans index `sentence` too
    spans = []
    try:
        for start, end in sentence_splitter().span_tokenize(plain):
            spans += [(start + a, start + b) for a, b in tokenizer.span_tokenize(plain[start:end])]
    except ValueError:
        return None
    return with_marks(sentence, spans)


def with_marks(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token spans with the combining marks that open a token right after another (the Treebank
    rules split `!` + U+0301 after punctuation) moved onto the end of that token; a token of
    marks alone joins it whole."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and out[-1][1] == start:
            moved = start
            while moved < end and unicodedata.category(text[moved]) in COMBINING:
                moved += 1
            if moved > start:
                out[-1] = (out[-1][0], moved)
                start = moved
        if start < end:
            out.append((start, end))
    return out


def tokenize(sentence: str) -> tuple[list[str], list[bool]]:
    """Treebank-style tokens of one sentence as they appear in the text, and for each token
    whether a space follows it (see token_spans)."""
    spans = token_spans(sentence)
    if spans is None:
        tokens = [PTB_QUOTES.get(t, t) for t in _word_tokenizer().tokenize(sentence)]
        return tokens, [True] * len(tokens)
    tokens = [sentence[start:end] for start, end in spans]
    space_after = [end < len(sentence) and sentence[end].isspace() for _, end in spans]
    return tokens, space_after


def split_sentences(text: str) -> list[str]:
    return [s for s in sentence_splitter().sentences_from_text(text) if s.strip()]
