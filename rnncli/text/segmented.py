"""Running text cut into sentences by a tokenizer model as it arrives, with the same result
however fast it arrives.

The model labels each character from a window of text around it (see infer.tokenizer), so a
label near the end of the text read so far can change when more text comes. A sentence is
handed on only once its end and the next sentence's start are *settled* (every window that
decides them lies within the text read: `tokenizer.settled`), or when its paragraph ends.
Two things make the result independent of timing:

- while no more input is waiting (a slow pipe, `tail -f`), settled sentences are handed on
  early, but the paragraph's text is kept whole, so later labels come from the same windows
  (the open paragraph is segmented early again only once it has grown by half: linear time);
- the paragraph's text is cut (and the windows start anew) only every FLUSH_CHARS characters
  of input, which depends on the text alone; a sentence longer than that is handed on in
  pieces, each but the last `continued` (see pieces.rejoined);
- ended paragraphs are segmented whole, whenever they are: once ENDED_CHARS characters of
  them wait (FLUSH_CHARS the first time, twice as many each time after, so that the first
  sentences come out soon), they are handed on, so that a file of many short paragraphs is
  read in bounded memory, not whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from rnncli.text.pieces import Piece, append_part
from rnncli.text.segmentation import Segment

if TYPE_CHECKING:
    from rnncli.infer.parallel import Workers
    from rnncli.infer.tokenizer import Tokenizer

FLUSH_CHARS = 20_000  # characters of running text segmented together by the neural tokenizer
ENDED_CHARS = 100_000  # characters of ended paragraphs segmented together (fewer: windows batch worse, 1.3x the time at 20,000)


class SegmentedText:
    """The paragraphs read so far: ended ones not yet segmented, and the open one."""

    def __init__(self, tokenizer: Tokenizer, per_line: bool, workers: Workers | None = None):
        self.tokenizer, self.per_line, self.workers = tokenizer, per_line, workers  # workers: see Tokenizer.segment
        self.ended: list[Paragraph] = []  # paragraphs ended, not yet segmented
        self.open = Paragraph()  # the open paragraph since its last cut
        self.since_cut = 0  # characters read since the open paragraph was last cut: decides the next cut
        self.ended_chars = 0  # characters of the ended paragraphs
        self.ended_limit = FLUSH_CHARS  # how many of them are segmented together: doubling up to ENDED_CHARS
        self.unseen = 0  # characters read since the last segmentation of any kind

    def add(self, part: str, paragraph_ends: bool) -> None:
        """More text (whitespace runs already one space), and whether a paragraph ends after it."""
        if part:
            self.open.text = append_part(self.open.text, part)
            self.since_cut += len(part)
            self.unseen += len(part)
        if paragraph_ends and self.open.text.strip():
            self.open.text = self.open.text.rstrip(" ")  # as a paragraph ends in training data
            self.ended.append(self.open)
            self.ended_chars += len(self.open.text)
            self.open, self.since_cut = Paragraph(newpar=not self.per_line), 0

    def due(self) -> str | None:
        """What must be segmented now, whatever the input's pace: "cut" the open paragraph, or
        "ended" the paragraphs waiting; None: nothing yet."""
        if self.since_cut >= FLUSH_CHARS:
            return "cut"
        return "ended" if self.ended_chars >= self.ended_limit else None

    def worth_early(self) -> bool:
        """Whether to segment before the input goes on: an ended paragraph waits, or the open one
        grew by half since it was last segmented (so that a pipe's many pauses cost linear time)."""
        return bool(self.ended) or self.unseen > len(self.open.text) // 2

    def flush(self, mode: str) -> Iterator[tuple[Piece, list[Segment]]]:
        """Segment what has been read and hand on every ended paragraph and, of the open one:
        mode "early" its settled sentences (its text kept whole), "cut" the same and then cut its
        text there, "final" everything; mode "ended": nothing of the open one."""
        if mode == "final":
            self.open.text = self.open.text.rstrip(" ")
        results = self.tokenizer.segment([p.text for p in self.ended] + ([self.open.text] if mode != "ended" else []),
                                         self.workers)
        for paragraph, sentences in zip(self.ended, results):
            yield from paragraph.hand_on(sentences, len(sentences))
        self.ended.clear()
        self.ended_chars, self.ended_limit = 0, min(2 * self.ended_limit, ENDED_CHARS)
        if mode == "ended":
            return
        self.unseen = 0
        sentences, text = results[-1], self.open.text
        count = len(sentences) if mode == "final" else self._settled_count(sentences)
        rest = sentences[count][0].start if count < len(sentences) else len(text)
        if mode == "cut" and count < len(sentences) and len(text) - rest > FLUSH_CHARS:
            long = self._settled_start(sentences[count])  # a sentence too long to wait for: hand on its start
            yield from self.open.hand_on(sentences[:count] + [long], count + 1, goes_on=True)
            rest = long[-1].end
        else:
            yield from self.open.hand_on(sentences, count)
        if mode == "final":
            self.open = Paragraph()
        elif mode == "cut":
            self.open = Paragraph(text[max(rest, self.open.handed_on):].lstrip(), self.open.newpar)
            self.since_cut = 0

    def _settled_count(self, sentences: list[list[Segment]]) -> int:
        """How many leading sentences are settled: the start of the sentence after each is."""
        settled = self.tokenizer.settled(len(self.open.text))
        count = 0
        while count + 1 < len(sentences) and sentences[count + 1][0].start < settled:
            count += 1
        return count

    def _settled_start(self, sentence: list[Segment]) -> list[Segment]:
        """The settled tokens of a sentence (at least one)."""
        settled = self.tokenizer.settled(len(self.open.text))
        keep = next((i for i, token in enumerate(sentence) if token.end >= settled), len(sentence))
        return sentence[:max(keep, 1)]


@dataclass
class Paragraph:
    """A paragraph's text (since its last cut) and how much of it was handed on."""

    text: str = ""
    newpar: bool = False  # its first sentence starts a marked paragraph (`# newpar`)
    handed_on: int = 0  # where in `text` the sentences not yet handed on begin

    def hand_on(self, sentences: list[list[Segment]], count: int,
                goes_on: bool = False) -> Iterator[tuple[Piece, list[Segment]]]:
        """The first `count` sentences that were not handed on before; with `goes_on` the last
        one is continued by what comes next."""
        new = [s for s in sentences[:count] if s[0].start >= self.handed_on]
        yield from _pieces(self.text, new, self.newpar, goes_on)
        if new:
            self.newpar = False
            self.handed_on = new[-1][-1].end


def _pieces(text: str, sentences: list[list[Segment]], newpar: bool,
            goes_on: bool = False) -> Iterator[tuple[Piece, list[Segment]]]:
    """Each sentence of `text` as a Piece with its tokens (offsets now into the piece's text);
    with `goes_on`, the last one is continued by the next piece."""
    for i, tokens in enumerate(sentences):
        start, end = tokens[0].start, tokens[-1].end
        continued = goes_on and i == len(sentences) - 1  # at the end of the text so far: a word may go on
        piece = Piece(text[start:end], continued, text[end].isspace() if end < len(text) else not continued,
                      newpar and i == 0)
        yield piece, [Segment(t.start - start, t.end - start, t.words) for t in tokens]
