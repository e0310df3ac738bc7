"""Character hygiene: control characters out of text before tokenizing, and out of words
before display."""

from __future__ import annotations

import re
import unicodedata


SPACES = ("Cc", "Zl", "Zp")  # Unicode categories read as a space: controls, line and paragraph separators
ZERO_WIDTH_SPACE = "\u200b"  # a format character (Cf) that is a word break, unlike ZWJ, ZWNJ, soft hyphen, RLM
BOM = "\ufeff"  # a byte order mark inside text (files joined by cat): no text; as a no-break space, long obsolete
SPACE_FORMATS = (ZERO_WIDTH_SPACE, BOM)  # the format characters read as a space


def clean(text: str) -> str:
    """Text as every tokenizer reads it. Control characters (and line separators, the zero-width
    space, a byte order mark) become spaces: they are not text, and would break tabular output.
    Other format characters are text and stay: a soft hyphen, ZWNJ in a Persian word, ZWJ in an
    emoji sequence, a right-to-left mark. The text is then in NFC (see composed), so that decomposed
    and composed input are cut, tagged and classified alike."""
    if text.isprintable() or text.replace("\n", "").isprintable():  # the usual line, at C speed
        return composed(text)
    return composed("".join(" " if (unicodedata.category(ch) in SPACES and ch != "\n") or ch in SPACE_FORMATS
                            else ch for ch in text))


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_UNPRINTABLE_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # all but tab and
# line feed, and lone surrogates (no character: written as \udxxx)


def printable(text: str, running: bool = False) -> str:
    """`text` for display: control characters (C0, DEL, C1) and line or paragraph separators
    become U+FFFD, so that a word read from CoNLL-U stays in its line and column; in `running`
    text (what a language model writes) tabs and line breaks stay, the rest (an escape
    sequence that would drive the terminal) goes as well, and so do lone surrogates."""
    return (_UNPRINTABLE_IN_TEXT if running else _UNPRINTABLE).sub("\ufffd", text)


def composed(text: str) -> str:
    """The text in Unicode NFC: a letter followed by a combining mark (`e` + U+0301, as macOS
    file names and some keyboards spell it) becomes the one character Unicode composes them into
    (`é`). Text is read in this form (clean), and words are looked up in it (UD's CoNLL-U asks
    for NFC)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)
