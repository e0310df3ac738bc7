"""The raw text of a gold CoNLL-U file, rebuilt as the CoNLL 2018 shared task did: each
sentence's `# text`, sentences of a paragraph joined by one space (none where the sentence's
last token has SpaceAfter=No), paragraphs (`# newpar`, `# newdoc`; a document without
`# newpar` marks is one paragraph) separated by a blank line.
"""

from __future__ import annotations

import re
from typing import Iterable

from rnncli.conllu import FORM, ID, MISC, Sentence

_PARAGRAPH_MARK = re.compile(r"# (newdoc|newpar)(\s|\Z)")


def surface_tokens(sentence: Sentence) -> list[tuple[str, bool]]:
    """The sentence's tokens as written, each with whether a space follows it: multiword
    tokens whole (`don't`, not its words), empty nodes left out."""
    tokens, inside = [], 0  # `inside`: the last word ID of the multiword token being read
    for row in sentence.rows:
        first, dash, last = row[ID].partition("-")
        if "." in row[ID] or (not dash and int(first) <= inside):
            continue
        if dash:
            inside = int(last)
        tokens.append((row[FORM], "SpaceAfter=No" not in row[MISC].split("|")))
    return tokens


def sentence_text(sentence: Sentence) -> str:
    """`# text`, or the tokens joined as SpaceAfter says where the sentence has none."""
    text = sentence.comment("text")
    if text is not None:
        return text
    return "".join(form + " " * space for form, space in surface_tokens(sentence)).rstrip(" ")


def starts_paragraph(sentence: Sentence) -> bool:
    return any(_PARAGRAPH_MARK.match(comment) for comment in sentence.comments)


def raw_text(sentences: Iterable[Sentence]) -> str:
    """The text the sentences were cut from; it ends with a newline (empty without sentences)."""
    paragraphs: list[str] = []
    space = ""  # what follows the previous sentence within its paragraph
    for sentence in sentences:
        if starts_paragraph(sentence) or not paragraphs:
            paragraphs.append(sentence_text(sentence))
        else:
            paragraphs[-1] += space + sentence_text(sentence)
        tokens = surface_tokens(sentence)
        space = " " if not tokens or tokens[-1][1] else ""
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""
