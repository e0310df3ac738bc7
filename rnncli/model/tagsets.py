"""Tag set names, in one place.

A model's outputs ("heads") are named by what they predict: a tagger has `upos` (UD's 17
universal tags) and/or `xpos` (the treebank's own tags: Penn Treebank tags for English); a
sentiment model has `label`. Users choose a tag set as `upos` or `ptb`.
"""

from __future__ import annotations

from typing import Iterable

from rnncli.errors import EXIT_USAGE, RnnCliError

UPOS = frozenset({"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
                  "SCONJ", "SYM", "VERB", "X"})  # Universal Dependencies' 17 part-of-speech tags
HEADS = {"upos": "upos", "ptb": "xpos"}  # the user's tag set name -> the head that predicts it
# NLTK's 12 universal tags (Petrov et al. 2012, `nltk.pos_tag(..., tagset="universal")`) from UD's 17
UPOS_TO_UNIVERSAL = {"ADJ": "ADJ", "ADP": "ADP", "ADV": "ADV", "AUX": "VERB", "CCONJ": "CONJ", "DET": "DET",
                     "INTJ": "X", "NOUN": "NOUN", "NUM": "NUM", "PART": "PRT", "PRON": "PRON", "PROPN": "NOUN",
                     "PUNCT": ".", "SCONJ": "ADP", "SYM": "X", "VERB": "VERB", "X": "X"}
DISPLAY = {"upos": "UPOS", "xpos": "PTB", "label": "accuracy", "bits_per_char": "bits/char"}  # how reports name a head


def default_head(heads: Iterable[str]) -> str:
    """The head a tagger answers with unless told otherwise: UPOS when it has it."""
    heads = list(heads)
    return "upos" if "upos" in heads else heads[0]


def tagset_of(head: str) -> str:
    """The user's name for a head (`xpos` -> `ptb`)."""
    return next((name for name, h in HEADS.items() if h == head), head)


def display(head: str) -> str:
    return DISPLAY.get(head, head)


def chosen_head(heads: Iterable[str], tagset: str | None, path) -> tuple[str, str]:
    """The tag set a user asked for (None: the model's default) and the head that predicts it;
    a usage error naming the model file `path` when the model has no such tags."""
    heads = list(heads)
    name = tagset or tagset_of(default_head(heads))
    head = HEADS.get(name)
    if head not in heads:
        raise RnnCliError(f"{path}: this model has no {name} tags", EXIT_USAGE)
    return name, head
