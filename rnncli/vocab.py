"""String <-> id maps for words, characters and tags, stored in model metadata as lists."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

PAD, UNK = "<pad>", "<unk>"


class Vocab:
    """An ordered list of items; ids are positions. Word and char vocabularies reserve
    id 0 for padding and id 1 for unknown items; tag sets reserve nothing."""

    def __init__(self, items: list[str], specials: bool):
        self.items = list(items)
        self.specials = specials
        self.index = {item: i for i, item in enumerate(self.items)}
        if len(self.index) != len(self.items):
            raise ValueError("vocabulary items must be unique")

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
            return self.index.get(item, 1)
        return self.index[item]

    def ids(self, items: Iterable[str]) -> list[int]:
        return [self.id(item) for item in items]


def word_key(word: str) -> str:
    """The form a word is looked up by: lower-cased, digits folded to 0 (case and shape
    reach the model through the character features)."""
    return "".join("0" if ch.isdigit() else ch for ch in word.lower())
