"""Multiword tokens whose words do not spell them: German `im` = `in dem`, French `du` = `de le`.

The tokenizer marks such a token (segmentation.MULTIWORD); an `Expander`, learned from the
training treebank, gives its words: the expansion seen most often for the lower-cased token,
its case restored from the token (`Im` -> `In dem`, `DU` -> `DE LE`). A token never seen as a
multiword token takes the expansion of its longest seen ending, the rest kept on the first
word (a suffix rule, as Stanza's and UDPipe's fallbacks: `beim` seen, `Xbeim` -> `Xbei dem`);
with none, it stays one word. The table is stored in the tokenizer's model file (`multiword`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from rnncli.text.segmentation import Paragraph

MIN_SUFFIX = 2  # characters a borrowed ending must have


def _cased(words: list[str], token: str) -> list[str]:
    """The expansion in the token's case: all capitals, a capital first letter, or as stored."""
    if token.isupper() and len(token) > 1:
        return [w.upper() for w in words]
    if token[:1].isupper():
        return [words[0][:1].upper() + words[0][1:], *words[1:]]
    return list(words)


class Expander:
    """Lower-cased token -> its words (lower-cased), as seen in a treebank."""

    def __init__(self, table: dict[str, list[str]]):
        self.table = table

    @classmethod
    def learn(cls, paragraphs: Iterable[Paragraph]) -> "Expander":
        """The most frequent expansion of each multiword token whose words do not spell it."""
        seen: dict[str, Counter] = defaultdict(Counter)
        for paragraph in paragraphs:
            for sentence in paragraph.sentences:
                for token in sentence:
                    if not token.spelled:
                        form = paragraph.text[token.start:token.end].lower()
                        seen[form][tuple(w.lower() for w in token.words)] += 1
        return cls({form: list(counts.most_common(1)[0][0]) for form, counts in sorted(seen.items())})

    def expand(self, token: str) -> list[str]:
        """The words of a token the tokenizer marked as a multiword token."""
        key = token.lower()
        words = self.table.get(key) or self._by_ending(key)
        return _cased(words, token) if words else [token]

    def _by_ending(self, key: str) -> list[str] | None:
        """For an unseen token, the expansion of the seen token that is its longest ending (of
        at least MIN_SUFFIX characters), the part before that ending kept on the first word."""
        for cut in range(1, len(key) - MIN_SUFFIX + 1):
            words = self.table.get(key[cut:])
            if words:
                return [key[:cut] + words[0], *words[1:]]
        return None
