"""Input that does not fit the tokenizer: mostly characters of a script it never saw.

Such text still runs (an unseen character reads as its Unicode category), but a Chinese
sentence comes back as one token and Korean sentences are not split, so the user is told once,
on the first SAMPLE characters, with what to do: another `--tokenizer`, or `rnncli train tokenizer`.
A character language model's prompt (`rnncli next`, `generate`) is checked the same way.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Callable, Iterable, Iterator

from rnncli.model.vocab import Vocab

SAMPLE = 2000  # characters looked at, from the start of the input
SHARE = 0.3  # of the non-space characters unseen in training, above which the input does not fit
LEAST = 5  # unseen characters needed before saying anything
KNOWN_LETTERS = 10  # letters or digits of a script in a model's vocabulary that make it a script the model knows
KNOWN_SHARE = 0.1  # ... or this share of the vocabulary's letters and digits, if fewer
LETTERS_AND_DIGITS = ("Lu", "Ll", "Lt", "Lm", "Lo", "Nd")  # Unicode categories


def script(ch: str) -> str | None:
    """A character's script, near enough: the first word of the Unicode name of its compatibility
    form (LATIN for `é`, `Ｉ` and `𝐈`; CJK, HANGUL, ARABIC, HIRAGANA, ...), None for a character
    without a name; Python has no Script property."""
    name = unicodedata.name(unicodedata.normalize("NFKC", ch)[:1] or ch, "")
    return name.split(" ", 1)[0] or None


def known_scripts(vocab: Vocab) -> set[str]:
    """The scripts (DIGIT among them) of which the model's vocabulary holds at least KNOWN_LETTERS
    letters or digits, or KNOWN_SHARE of all it holds: a Korean tokenizer that kept three Han
    characters among a thousand Hangul ones knows no Chinese; a Chinese one that kept nine does."""
    counts = Counter(script(item) for item in vocab.items
                     if len(item) == 1 and unicodedata.category(item) in LETTERS_AND_DIGITS)
    least = min(KNOWN_LETTERS, KNOWN_SHARE * sum(counts.values()))
    return {name for name, count in counts.items() if name and count >= least}


def unseen_share(vocab: Vocab, text: str) -> tuple[int, int]:
    """(unseen, all) non-space characters of `text`, unseen meaning letters, marks and digits
    not in the model's vocabulary and of no script it knows (known_scripts): another script. An
    unseen emoji, symbol or control character is none; nor is a Han character rare in a Chinese
    model's training data, left out of its vocabulary, or an accented or fullwidth Latin letter
    an English model never saw."""
    chars = [c for c in text if not c.isspace()]
    scripts = known_scripts(vocab)
    return sum(c not in vocab.index and unicodedata.category(c)[0] in "LMN" and script(c) not in scripts
               for c in chars), len(chars)


def fits_message(vocab: Vocab, name: str, text: str) -> str | None:
    """What to tell the user when `text` does not fit the tokenizer `name`, or None."""
    unseen, total = unseen_share(vocab, text)
    if unseen < LEAST or unseen <= SHARE * total:
        return None
    return (f"{unseen} of the first {total} characters are of a script the tokenizer {name} never saw (another "
            "language?): its tokens and sentences will be poor; use --tokenizer with one trained on this language "
            "(rnncli train tokenizer on a UD treebank of it), or --tokenizer treebank for a script written with "
            "spaces between words (not Chinese or Japanese)")


def prompt_message(vocab: Vocab, name: str, text: str) -> str | None:
    """What to tell the user when a language model's prompt is mostly characters of a script the
    model `name` never saw (see unseen_share), or None. A prompt is short, so there is no least
    number of such characters, only their share (SHARE); of a long prompt, its last SAMPLE
    characters count."""
    unseen, total = unseen_share(vocab, text[-SAMPLE:])
    if not unseen or unseen <= SHARE * total:
        return None
    return (f"{unseen} of the last {total} characters of the text are of a script the language model {name} never "
            "saw (another language?): its next characters read as unknown, so what follows is poor; use a model "
            "trained on this language (rnncli train lm)")


def watched(lines: Iterable[str], vocab: Vocab, name: str, warn: Callable[[str], None]) -> Iterator[str]:
    """The lines, unchanged; once SAMPLE characters have gone by (or the input ends), a warning
    through `warn` if they do not fit the tokenizer."""
    seen, checked = [], False
    for line in lines:
        if not checked:
            seen.append(line)
            if sum(map(len, seen)) >= SAMPLE:
                checked = True
                _warn_if_unfit(vocab, name, "".join(seen)[:SAMPLE], warn)
        yield line
    if not checked:
        _warn_if_unfit(vocab, name, "".join(seen), warn)


def _warn_if_unfit(vocab: Vocab, name: str, text: str, warn: Callable[[str], None]) -> None:
    message = fits_message(vocab, name, text)
    if message:
        warn(message)
