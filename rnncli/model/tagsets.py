"""Tag set names, in one place.

A model's outputs ("heads") are named by what they predict: a tagger has `upos` (UD's 17
universal tags) and/or `xpos` (the treebank's own tags, named for what they are by `xpos_name`: PTB for
English EWT, STTS for German, else XPOS); a sentiment model has `label`. Users choose a tag
set as `upos` or `xpos`; `ptb` is `xpos` where those are Penn Treebank tags.
"""

from __future__ import annotations

from typing import Iterable

from rnncli.errors import EXIT_USAGE, RnnCliError

UPOS = frozenset({"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
                  "SCONJ", "SYM", "VERB", "X"})  # Universal Dependencies' 17 part-of-speech tags
HEADS = {"upos": "upos", "xpos": "xpos", "ptb": "xpos"}  # the user's tag set name -> the head that predicts it
TAGSETS = (*HEADS, "universal")  # the tag sets the library's Tagger answers in (NLTK's universal ones mapped)
# XPOS tag sets known by tags that only they have: name -> those tags
XPOS_SETS = {"PTB": frozenset({"NN", "DT", "IN", "PRP"}), "STTS": frozenset({"NN", "ART", "APPR", "VAFIN"})}
# NLTK's 12 universal tags (Petrov et al. 2012, `nltk.pos_tag(..., tagset="universal")`) from UD's 17
UPOS_TO_UNIVERSAL = {"ADJ": "ADJ", "ADP": "ADP", "ADV": "ADV", "AUX": "VERB", "CCONJ": "CONJ", "DET": "DET",
                     "INTJ": "X", "NOUN": "NOUN", "NUM": "NUM", "PART": "PRT", "PRON": "PRON", "PROPN": "NOUN",
                     "PUNCT": ".", "SCONJ": "ADP", "SYM": "X", "VERB": "VERB", "X": "X"}
# NLTK's map of Penn Treebank tags to those 12 (its universal_tagset/en-ptb.map), so that a PTB tag maps as
# nltk.tag.mapping.map_tag("en-ptb", "universal", tag) maps it; a tag it lacks is X there too
NLTK_PTB_TO_UNIVERSAL = {**dict.fromkeys(["!", "#", "$", "''", "(", ")", ",", "-LRB-", "-RRB-", ".", ":", "?"], "."),
                         "``": ".",
                         **dict.fromkeys(["FW", "LS", "RN", "SYM", "UH", "WH"], "X"),
                         "CC": "CONJ", "CD": "NUM", "DT": "DET", "EX": "DET", "PDT": "DET", "WDT": "DET", "IN": "ADP",
                         **dict.fromkeys(["JJ", "JJR", "JJRJR", "JJS"], "ADJ"), "MD": "VERB",
                         **dict.fromkeys(["NN", "NNP", "NNPS", "NNS", "NP"], "NOUN"), "POS": "PRT", "PRT": "PRT",
                         "RP": "PRT", "TO": "PRT", **dict.fromkeys(["PRP", "PRP$", "WP", "WP$"], "PRON"),
                         **dict.fromkeys(["RB", "RBR", "RBS", "WRB"], "ADV"),
                         **dict.fromkeys(["VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "VP"], "VERB")}
# and the tags UD English EWT adds to PTB, which NLTK's map lacks, as their words' UPOS maps (a hyphen is
# punctuation, not X): HYPH and NFP are PUNCT, AFX (`pre-`, `non-`) ADJ, ADD (e-mail, web addresses) and GW X
PTB_TO_UNIVERSAL = {**NLTK_PTB_TO_UNIVERSAL, "HYPH": ".", "NFP": ".", "AFX": "ADJ", "ADD": "X", "GW": "X"}
DISPLAY = {"upos": "UPOS", "xpos": "XPOS", "label": "accuracy", "bits_per_char": "bits/char"}  # how reports name a head


def default_head(heads: Iterable[str]) -> str:
    """The head a tagger answers with unless told otherwise: UPOS when it has it."""
    heads = list(heads)
    return "upos" if "upos" in heads else heads[0]


def tagset_of(head: str) -> str:
    """The user's name for a head (`xpos` -> `xpos`)."""
    return next((name for name, h in HEADS.items() if h == head), head)


def xpos_name(tags: Iterable[str]) -> str:
    """What a treebank's XPOS tags are: PTB, STTS, or just XPOS."""
    tags = set(tags)
    return next((name for name, marks in XPOS_SETS.items() if marks <= tags), "XPOS")


def display(head: str, tags: Iterable[str] | None = None) -> str:
    """How reports name a head: XPOS by what its `tags` are (PTB, STTS), when they are known."""
    if head == "xpos" and tags is not None:
        return xpos_name(tags)
    return DISPLAY.get(head, head)


def head_names(labels: dict) -> dict[str, str]:
    """Each head's name in reports, from a model's labels ({head: its tags})."""
    return {head: display(head, tags) for head, tags in labels.items()}


def chosen_head(heads: Iterable[str], tagset: str | None, path) -> tuple[str, str]:
    """The tag set a user asked for (None: the model's default) and the head that predicts it;
    a usage error naming the model file `path` when the model has no such tags."""
    labels = heads if isinstance(heads, dict) else None
    heads = list(heads)
    name = tagset or tagset_of(default_head(heads))
    head = HEADS.get(name)
    if head not in heads:
        has = ", ".join(tagset_of(h) for h in heads)
        raise RnnCliError(f"{path}: this model has no {name} tags, only {has}", EXIT_USAGE)
    if name == "ptb" and labels is not None and xpos_name(labels[head]) != "PTB":
        raise RnnCliError(f"{path}: this model's XPOS tags are {xpos_name(labels[head])}, not Penn Treebank tags; "
                          "use --tagset xpos", EXIT_USAGE)
    return name, head


def universal_source(labels: dict) -> tuple[str, dict[str, str]]:
    """The tag set NLTK's universal tags are read from for a model with these labels ({head:
    its tags}), and its tag -> universal tag: Penn Treebank tags where the model has them
    (mapped as NLTK maps them, so that `tagset="universal"` agrees with `nltk.pos_tag`'s),
    else UPOS."""
    if "xpos" in labels and xpos_name(labels["xpos"]) == "PTB":
        return "ptb", PTB_TO_UNIVERSAL
    return "upos", UPOS_TO_UNIVERSAL
