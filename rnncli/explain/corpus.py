"""Gradient decay over a corpus (torch): many sentences, summarised by distance.

`explain_corpus` reads the first sentences of a file (`read_corpus`), measures |g_t| per
step of each (`corpus_grad_norms`, sentences of one length unrolled together) and
summarises them per model (`corpus_statistics`): by distance from the predicting step, the
median and quartiles across sentences of |g_t| relative to the last step's, and per
sentence its decay factor and reach (`stats.decay_summary`), with the verdict on their
quartiles (`stats.verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

import torch

from rnncli.errors import RnnCliError
from rnncli.explain.budget import CORPUS_MAX_TOKENS
from rnncli.explain.sentence import open_models, prediction_logp
from rnncli.explain.stats import KEEP_RATIO, VERDICT_RULE, decay_summary, paired_factors, quartiles, verdict
from rnncli.explain.unroll import unroll
from rnncli.model.encoding import encode
from rnncli.model.model_file import ModelFile
from rnncli.train.model import batch_tensors, model_from_file

CORPUS_SENTENCES = 500  # default number of sentences (the first ones, in file order)
CORPUS_BATCH = 64  # sentences of one length unrolled together
SPANS = ((0, 1), (1, 5), (5, 10), (10, 20), (20, 40))  # distance ranges of `CorpusExplanation.span_factor`
CORPUS_NOTE = ("|g_t| at distance k = the norm of the gradient that reaches the first layer's left-to-right state "
               "k steps before the predicting (last) step, through the recurrence, divided by its norm at distance 0 "
               "in the same sentence (so sentences are comparable; distance 0 is 1 by construction); median and "
               "quartiles across the sentences at least k + 1 tokens long")


@dataclass
class CorpusExplanation:
    """Gradient decay of one model over many sentences. Per distance k from the predicting
    step (k = 0: the last token): the median and quartiles, across sentences, of
    |g_(T-k)| / |g_T| (each sentence normalised by its own norm at distance 0), and how many
    sentences are long enough to have a step k back. Per sentence: its decay factor and reach
    (see `decay_summary`), summarised by median and quartiles; `verdict` by `verdict` on the
    decay factors' quartiles."""

    name: str
    cell: str
    task: str
    lengths: list[int]  # tokens of each sentence explained (after the cut at max_tokens)
    decay_factors: list[float | None]  # per sentence; None for one-token sentences
    reaches: list[int]  # per sentence
    median: list[float]  # index k: distance k from the predicting step
    q1: list[float]
    q3: list[float]
    counts: list[int]  # sentences with a step k back
    skipped: int = 0  # sentences whose gradient at distance 0 is zero (no normalisation possible)
    cut: int = 0  # sentences cut to max_tokens
    labels: dict = field(default_factory=dict)  # predicted label -> sentences (all, skipped ones too)
    norms: list[list[float]] = field(default_factory=list, repr=False)  # per sentence, normalised; not in JSON
    kept: list[int] = field(default_factory=list, repr=False)  # each sentence's place among all those read

    @property
    def sentences(self) -> int:
        return len(self.lengths)

    def decay_factor(self) -> dict:
        return quartiles(self.decay_factors)

    def reach(self) -> dict:
        out = quartiles(self.reaches)
        out["censored"] = sum(r == n - 1 for r, n in zip(self.reaches, self.lengths) if n > 1)
        return out

    def verdict(self) -> str | None:
        d = self.decay_factor()
        return verdict(d["q1"], d["q3"])

    def span_factor(self, near: int, far: int) -> dict:
        """The per-step factor between distances near < far, (|g at far| / |g at near|) **
        (1 / (far - near)), per sentence long enough to have both, as quartiles (with `near`
        and `far`): where along the distance the gradient decays fastest, on the same sentences."""
        values = [(n[-1 - far] / n[-1 - near]) ** (1 / (far - near)) for n in self.norms
                  if len(n) > far and n[-1 - near] > 0]
        return {"near": near, "far": far, **quartiles(values)}

    def median_reach(self) -> dict:
        """`distance`: the largest distance at which the median normalised |g| is still at least
        KEEP_RATIO (1e-3); `censored`: it is the longest distance any sentence has."""
        above = [k for k, m in enumerate(self.median) if m is not None and m >= KEEP_RATIO]
        k = max(above, default=0)
        return {"distance": k, "censored": k == len(self.median) - 1}

    def summary_text(self) -> str:
        """One line: the verdict with the statistics it rests on."""
        d, r = self.decay_factor(), self.reach()
        if d["n"] == 0:
            return f"no decay factor (no sentence of 2 or more tokens among {self.sentences})"
        text = (f"{self.verdict()}: per step back x{d['median']:.3f} (median; quartiles x{d['q1']:.3f} to "
                f"x{d['q3']:.3f}) over {d['n']} sentences; reach median {r['median']:g} steps (quartiles "
                f"{r['q1']:g} to {r['q3']:g}), {r['censored']} of them still above 1e-3 at their first token")
        if self.skipped:
            text += f"; {self.skipped} sentences left out (no gradient at the last step)"
        return text

    def against(self, other: CorpusExplanation) -> dict:
        """This model's decay factors paired with `other`'s on the same sentences
        (stats.paired_factors, `higher`: this model's factor is higher), with both names."""
        mine, theirs = (dict(zip(e.kept, e.decay_factors)) for e in (self, other))
        both = sorted(mine.keys() & theirs.keys())  # a sentence one of them left out is no pair
        return {"model": self.name, "against": other.name,
                **paired_factors([theirs[i] for i in both], [mine[i] for i in both])}

    def paired_text(self, other: CorpusExplanation) -> str:
        """One line: how often this model's gradient falls more slowly than `other`'s, sentence by sentence."""
        p = self.against(other)
        if not p["n"]:
            return f"{self.name} against {other.name}: no sentence with a decay factor in both"
        return (f"{self.name} against {other.name}, sentence by sentence: its gradient falls more slowly in "
                f"{p['higher']} and faster in {p['lower']} of {p['n']} sentences (sign test p = "
                f"{p['p_sign_test']:.2g}); median ratio of the factors x{p['median_ratio']:.3f}")

    def to_dict(self) -> dict:
        return {"model": self.name, "cell": self.cell, "task": self.task, "sentences": self.sentences,
                "skipped": self.skipped, "cut": self.cut, "predictions": self.labels,
                "distance": list(range(len(self.median))), "median": self.median, "q1": self.q1, "q3": self.q3,
                "counts": self.counts, "decay_factor": self.decay_factor(), "reach": self.reach(),
                "median_reach": self.median_reach(),
                "span_factors": [f for f in (self.span_factor(a, b) for a, b in SPANS) if f["n"]],
                "verdict": self.verdict(), "verdict_rule": VERDICT_RULE, "summary": self.summary_text(),
                "note": CORPUS_NOTE, "lengths": self.lengths, "decay_factors": self.decay_factors,
                "reaches": self.reaches}


def corpus_grad_norms(model: ModelFile, sentences: list[list[str]], batch_size: int = CORPUS_BATCH,
                      net: torch.nn.Module | None = None) -> tuple[list[list[float]], list[str]]:
    """|g_t| per step of each sentence (what `explain` gives as grad_norms) and the predicted
    label, computed for sentences of equal length together (batches of `batch_size`): the
    sentences do not interact, so each one's gradient is its own."""
    config = model.config
    if net is None:
        net = model_from_file(model).requires_grad_(False)  # gradients wrt the states only
    norms: list[list[float]] = [[] for _ in sentences]
    labels: list[str] = [""] * len(sentences)
    by_length: dict[int, list[int]] = {}
    for i, s in enumerate(sentences):
        by_length.setdefault(len(s), []).append(i)
    for T, members in sorted(by_length.items()):
        for start in range(0, len(members), batch_size):
            chunk = members[start:start + batch_size]
            batch = batch_tensors(encode([sentences[i] for i in chunk], model.words, model.chars,
                                         config.max_word_chars))
            with torch.no_grad():
                x = net.word_features(batch["words"], batch["chars"], batch["char_lengths"], batch["char_index"])
            x.requires_grad_(True)  # (B, T, F)
            u = unroll(net.rnn, config.cell, config.activation, config.layers, config.bidirectional,
                       config.hidden, x)
            logp, names = prediction_logp(net, model, u, batch["lengths"])  # (B, C)
            best = logp.max(-1)
            g_T, = torch.autograd.grad(best.values.sum(), [u.h[-1]], retain_graph=True)  # (B, H), row by row
            through = torch.autograd.grad(u.h[-1], u.h, grad_outputs=g_T, allow_unused=True)
            columns = torch.stack([torch.zeros(len(chunk), dtype=x.dtype) if g is None else g.norm(dim=-1)
                                   for g in through], dim=1)  # (B, T)
            for row, i in enumerate(chunk):
                norms[i] = [float(v) for v in columns[row]]
                labels[i] = names[int(best.indices[row])]
    return norms, labels


def corpus_statistics(name: str, cell: str, task: str, norms: list[list[float]], labels: list[str] | None = None,
                      cut: int = 0) -> CorpusExplanation:
    """Median and quartiles by distance, and per-sentence decay factor and reach, of the
    per-step gradient norms of many sentences (each list left to right, last = distance 0)."""
    places = [i for i, n in enumerate(norms) if len(n) and n[-1] > 0]
    kept = [norms[i] for i in places]
    longest = max((len(n) for n in kept), default=0)
    median, q1, q3, counts = [], [], [], []
    for k in range(longest):
        q = quartiles([n[-1 - k] / n[-1] for n in kept if len(n) > k])
        median.append(q["median"])
        q1.append(q["q1"])
        q3.append(q["q3"])
        counts.append(q["n"])
    summaries = [decay_summary(n) for n in kept]
    predicted: dict[str, int] = {}
    for label in labels or []:
        predicted[label] = predicted.get(label, 0) + 1
    return CorpusExplanation(name, cell, task, [len(n) for n in kept], [s["decay_factor"] for s in summaries],
                             [s["reach"] for s in summaries], median, q1, q3, counts,
                             skipped=len(norms) - len(kept), cut=cut, labels=predicted,
                             norms=[[v / n[-1] for v in n] for n in kept], kept=places)


def read_corpus(path: str, limit: int | None = None) -> list[list[str]]:
    """Tokenized sentences of a file (`-`: stdin), read once: CoNLL-U (its words), a label<TAB>text
    TSV (its texts, split on whitespace), or plain text, one sentence per line (tokenized like
    other input, and only up to the first `limit` sentences that have tokens)."""
    from rnncli.data.common import read_lines, read_stdin_lines
    from rnncli.data.labelled import read_tsv
    from rnncli.data.tagged import looks_like_conllu, read_tagged_conllu
    from rnncli.text.hygiene import clean
    from rnncli.text.rules import tokenize

    lines = read_stdin_lines() if path == "-" else read_lines(path)
    path = "<stdin>" if path == "-" else path
    if looks_like_conllu(lines):
        return [s.words for s in read_tagged_conllu(path, lines)]
    first = next((line for line in lines if line.strip()), "")
    if len(first.rstrip("\r\n").split("\t")) == 2:
        return [e.words for e in read_tsv(path, lines)]
    tokenized = (tokenize(" ".join(clean(line).split()))[0] for line in lines if line.strip())
    sentences = list(islice((tokens for tokens in tokenized if tokens), limit))
    if not sentences:
        raise RnnCliError(f"{path}: no sentences to explain; give a file with some text")
    return sentences


def explain_corpus(specs: list[str], task: str, sentences: list[list[str]], max_sentences: int = CORPUS_SENTENCES,
                   max_tokens: int = CORPUS_MAX_TOKENS) -> list[CorpusExplanation]:
    """Gradient decay over a corpus, per model (bundled name or path) of `task`: the first
    `max_sentences` non-empty sentences (tokenized), each cut to its first `max_tokens`
    tokens; see CorpusExplanation. Sentences of equal length are unrolled together."""
    chosen = [list(s) for s in sentences if len(s)][:max_sentences]
    if not chosen:
        raise RnnCliError("no sentences to explain; give a file with some text")
    cut = sum(len(s) > max_tokens for s in chosen)
    chosen = [s[:max_tokens] for s in chosen]
    out = []
    for model in open_models(specs, task):
        norms, labels = corpus_grad_norms(model, chosen)
        out.append(corpus_statistics(model.name, model.config.cell, model.config.task, norms, labels, cut))
    return out
