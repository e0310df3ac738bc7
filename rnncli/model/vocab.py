"""String <-> id maps for words, characters and tags, stored in model metadata as lists."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from rnncli.model.config import json_type, shown
from rnncli.text.hygiene import composed

PAD, UNK = "<pad>", "<unk>"
UNK_ID = 1  # the id of <unk> in a vocabulary with specials (<pad> is 0)
SPECIALS = 2  # ids before the first real item in a vocabulary with specials


class Vocab:
    """An ordered list of items; ids are positions. Word and char vocabularies reserve
    id 0 for padding and id 1 for unknown items; tag sets reserve nothing."""

    def __init__(self, items: list[str], specials: bool):
        self.items = list(items)
        self.specials = specials
        self.index = {item: i for i, item in enumerate(self.items)}
        if len(self.index) != len(self.items):
            twice = next(item for item, n in Counter(self.items).items() if n > 1)
            raise ValueError(f"vocabulary items must be unique; {twice!r} occurs twice")

    @classmethod
    def stored(cls, items, specials: bool, what: str) -> "Vocab":
        """A vocabulary read from a model file: a list of unique strings, <pad> and <unk>
        first when `specials`; ValueError names `what` is wrong otherwise."""
        if not isinstance(items, list):
            raise ValueError(f"{what} is a JSON {json_type(items)}, not a list")
        if set(map(type, items)) - {str}:
            bad = next(item for item in items if not isinstance(item, str))
            raise ValueError(f"{what} holds {shown(bad)}, not a string")
        if not items:
            raise ValueError(f"{what} is empty")
        if specials and items[:2] != [PAD, UNK]:
            raise ValueError(f"{what} does not start with {PAD}, {UNK}")
        try:
            return cls(items, specials)
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from None

    @classmethod
    def build(cls, counts: Counter, min_count: int = 1, specials: bool = True) -> "Vocab":
        # Most frequent first; ties broken alphabetically so the same data gives the same ids.
        kept = sorted((item for item, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        return cls(([PAD, UNK] if specials else []) + kept, specials)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item: str) -> bool:
        return item in self.index

    def id(self, item: str) -> int:
        if self.specials:
            return self.index.get(item, UNK_ID)
        return self.index[item]

    def ids(self, items: Iterable[str]) -> list[int]:
        if self.specials:
            get = self.index.get
            return [get(item, UNK_ID) for item in items]
        return [self.index[item] for item in items]


_ASCII_DIGITS = str.maketrans("123456789", "000000000")


def word_key(word: str) -> str:
    """The form a word is looked up by: lower-cased, digits folded to 0 (case and shape
    reach the model through the character features), in NFC (see composed)."""
    lower = word.lower()
    if lower.isascii():  # the usual case, in one C call: 0-9 are the only ASCII digits
        return lower.translate(_ASCII_DIGITS)
    return "".join("0" if ch.isdigit() else ch for ch in composed(lower))
