"""Word vectors pretrained on unlabelled text, to start a sentiment model's embeddings from.

Count-based, so it takes seconds on a CPU: co-occurrence counts in a +-5 word window,
positive pointwise mutual information (with context smoothing 0.75), then a truncated SVD
(Levy, Goldberg & Dagan 2015), in float64 and the same bits under any BLAS setting
(data/reproducible_svd.py; logarithms and sums through Python's math, not numpy's
processor-specific loops). Sources: plain text files, and `nltk:movie_reviews` (Pang &
Lee's 2,000 IMDb reviews) read with NLTK's own corpus reader from NLTK_DATA, never downloaded.
"""

from __future__ import annotations

import math
import time
from typing import Callable, Iterator

import numpy as np

from rnncli.data.common import NLTK_READ_ERRORS, nltk_missing, nltk_unreadable
from rnncli.errors import RnnCliError
from rnncli.model.vocab import word_key

NLTK_CORPORA = ("movie_reviews",)
STATUS_EVERY = 20_000  # sentences between two progress messages
LEAKY = {"sentence_polarity": "it holds the Rotten Tomatoes sentences of SST, test set included"}


def corpus_sentences(source: str) -> Iterator[list[str]]:
    """Tokenized sentences of one source: `nltk:NAME` or the path of a UTF-8 text file of any
    kind, read as it arrives (invalid UTF-8 replaced; binary data and UTF-16 are errors)."""
    if source.startswith("nltk:"):
        name = source[5:]
        if name in LEAKY:
            raise RnnCliError(f"{source}: refused: {LEAKY[name]}")
        if name not in NLTK_CORPORA:
            raise RnnCliError(f"{source}: unknown corpus; supported: {', '.join('nltk:' + n for n in NLTK_CORPORA)}")
        import nltk

        try:
            reader = getattr(nltk.corpus, name)
            yield from reader.sents()
        except LookupError:
            raise nltk_missing(source, name) from None
        except NLTK_READ_ERRORS as e:
            raise nltk_unreadable(source, name, e) from None
        return
    from rnncli.text.decoding import decode_lines
    from rnncli.text.inputs import file_lines, open_file
    from rnncli.text.rules import split_sentences, tokenize

    lines, _ = file_lines(open_file(source), source)  # any file: regular, a FIFO, `<(...)`, /dev/stdin
    for line in decode_lines(lines, source, lambda message: None):
        for sentence in split_sentences(line.strip()):
            yield tokenize(sentence)[0]


class PpmiEmbeddings:
    """Pretrains vectors for a given vocabulary on `sources` plus any extra texts."""

    def __init__(self, sources: list[str], window: int = 5, smoothing: float = 0.75):
        self.sources, self.window, self.smoothing = list(sources), window, smoothing

    def describe(self) -> dict:
        return {"method": "PPMI + truncated SVD", "sources": self.sources, "window": self.window,
                "context_smoothing": self.smoothing}

    def vectors(self, words: list[str], dim: int, extra: list[list[str]] = (), seed: int = 0,
                status: Callable[[str], None] = lambda message: None) -> np.ndarray:
        """(len(words), dim) vectors, rows in `words` order, scaled like torch's N(0, 1) embedding
        init; words never seen in the corpus keep random N(0, 1) rows. `status` hears what is
        being done, every STATUS_EVERY sentences while counting."""
        from scipy import sparse

        from rnncli.data.reproducible_svd import truncated_svd

        started = time.monotonic()
        index = {w: i for i, w in enumerate(words)}
        V = len(words)
        rows, cols = [], []
        status(f"word vectors (PPMI + SVD): counting co-occurrences in {', '.join(self.sources)}")
        sentences = (s for source in self.sources for s in _not_empty(corpus_sentences(source), source))
        number = 0
        for number, sentence in enumerate(_chain(sentences, extra), start=1):
            if number % STATUS_EVERY == 0:
                status(f"word vectors: {number:,} sentences counted ({time.monotonic() - started:.0f} s)")
            ids = np.array([index.get(word_key(w), -1) for w in sentence], dtype=np.int64)
            for d in range(1, self.window + 1):
                a, b = ids[:-d], ids[d:]
                keep = (a >= 2) & (b >= 2)
                rows += [a[keep], b[keep]]
                cols += [b[keep], a[keep]]
        r, c = (np.concatenate(rows), np.concatenate(cols)) if rows else (np.zeros(0, np.int64),) * 2
        if r.size == 0:
            raise RnnCliError("--embeddings-from: no two vocabulary words occur near each other in the embedding "
                              "sources; give more text")
        counts = sparse.coo_matrix((np.ones(len(r), np.float64), (r, c)), shape=(V, V)).tocsr()
        counts.sum_duplicates()  # whole numbers: every sum below is exact
        total = counts.sum()
        row_sum = np.asarray(counts.sum(axis=1)).ravel()
        ctx = np.array([math.pow(x, self.smoothing) for x in np.asarray(counts.sum(axis=0)).ravel().tolist()])
        ctx /= math.fsum(ctx.tolist())
        coo = counts.tocoo()
        ratio = coo.data / (row_sum[coo.row] / total) / ctx[coo.col] / total
        pmi = np.fromiter(map(math.log, ratio.tolist()), np.float64, count=len(ratio))
        keep = pmi > 0
        ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=(V, V))
        k = min(dim, V - 2)
        status(f"word vectors: {number:,} sentences counted; truncated SVD of {V:,} words to {k} dimensions")
        if k < 1 or ppmi.nnz == 0:
            raise RnnCliError("--embeddings-from: too little text to learn word vectors from; give more text")
        s, u = truncated_svd(ppmi, k, seed=seed)
        vectors = u * np.sqrt(s)  # (V, k)
        rng = np.random.default_rng(seed)
        out = rng.standard_normal((V, dim)).astype(np.float32)
        seen = row_sum > 0
        scaled = vectors / (_std(vectors[seen]) + 1e-8)
        out[seen, :scaled.shape[1]] = scaled[seen]  # fewer columns when the text spans fewer dimensions
        status(f"word vectors ready for {int(seen.sum()):,} of {V:,} words ({time.monotonic() - started:.0f} s)")
        return out


def _not_empty(sentences: Iterator[list[str]], source: str) -> Iterator[list[str]]:
    """The sentences of one --embeddings-from source; one without any is an error (the vectors
    would come from the training texts alone, silently)."""
    found = False
    for sentence in sentences:
        found = found or bool(sentence)
        yield sentence
    if not found:
        raise RnnCliError(f"--embeddings-from {source}: no text in it; give a file or corpus with sentences")


def _std(values: np.ndarray) -> float:
    """The standard deviation of all entries, summed exactly (the same bits on every processor)."""
    flat = values.ravel().tolist()
    mean = math.fsum(flat) / len(flat)
    return math.sqrt(math.fsum((x - mean) ** 2 for x in flat) / len(flat))


def _chain(first, second):
    yield from first
    yield from second
