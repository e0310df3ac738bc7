"""The character language model's task: `rnncli train lm`.

The training text is cut into `batch_size` contiguous streams, one per batch row, and each
stream into chunks of `BPTT` characters: batch k holds chunk k of every stream, so the state
a row ends one batch with is where the same row starts the next (carried, detached:
truncated backpropagation through time). The dev score is bits per character over the dev
text; lower is better.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

import torch
from torch import nn

from rnncli.data.common import Vocabularies
from rnncli.data.running import read_text
from rnncli.errors import RnnCliError
from rnncli.model.config import ModelConfig
from rnncli.model.lm_forward import CharLanguageModel, stream_rows
from rnncli.model.model_file import ModelFile
from rnncli.model.vocab import UNK_ID, Vocab
from rnncli.train.job import TrainJob
from rnncli.train.tasks import Splits, Task, Warn, sources

BPTT = 100  # characters per chunk: how far back the gradient reaches
@dataclass
class LmChunk:
    """Characters `start` .. `start` + BPTT of one stream, and the one after (the last target)."""

    words: list[str]  # BPTT + 1 characters
    label: int  # the chunk's place in its stream (0: the stream starts here, with a fresh state)


class CharLM(nn.Module):
    """Characters in, the next character's logits out: embedding, a unidirectional recurrent
    stack, a linear layer. Keeps the state of the last batch for the next (`carry`)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.word_emb = nn.Embedding(config.words, config.embedding_dim)
        self.rnn = _stack(config)
        self.drop = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.hidden, config.words)
        self.state = None

    def forward(self, words: torch.Tensor, carry: bool = False, **_) -> dict[str, torch.Tensor]:
        """words (B, T) -> {"next": logits (B, T, V)}; with `carry`, from the state the last call left."""
        x = self.drop(self.word_emb(words))  # (B, T, E)
        state = self.state if carry and self.state is not None and _batch(self.state) == words.shape[0] else None
        y, state = self.rnn(x, state)  # (B, T, H)
        self.state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        return {"next": self.out(self.drop(y))}


def _batch(state) -> int:
    return (state[0] if isinstance(state, tuple) else state).shape[1]


class ElmanStack(nn.Module):
    """The vanilla stack, h_t = tanh(W_xh x_t + W_hh h_{t-1} + b), with one bias per layer
    (the lecture's), run by torch's fused kernel from a given state."""

    def __init__(self, inputs: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        self.layers, self.dropout, bound = layers, dropout, hidden ** -0.5
        for k in range(layers):
            size = inputs if k == 0 else hidden
            self.register_parameter(f"weight_ih_l{k}", nn.Parameter(torch.empty(hidden, size).uniform_(-bound, bound)))
            self.register_parameter(f"weight_hh_l{k}", nn.Parameter(torch.empty(hidden, hidden).uniform_(-bound, bound)))
            self.register_parameter(f"bias_l{k}", nn.Parameter(torch.zeros(hidden)))
        self.hidden = hidden

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None):
        """x (B, T, I), h0 (layers, B, H) or None -> y (B, T, H), h_T (layers, B, H)."""
        if h0 is None:
            h0 = x.new_zeros(self.layers, x.shape[0], self.hidden)
        params = []
        for k in range(self.layers):
            b = getattr(self, f"bias_l{k}")
            params += [getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}"), b, torch.zeros_like(b)]
        y, h = torch.rnn_tanh(x, h0, params, True, self.layers, self.dropout, self.training, False, True)
        return y, h


def _stack(c: ModelConfig) -> nn.Module:
    dropout = c.dropout if c.layers > 1 else 0.0
    if c.cell == "rnn":
        return ElmanStack(c.embedding_dim, c.hidden, c.layers, dropout)
    kind = nn.LSTM if c.cell == "lstm" else nn.GRU
    return kind(c.embedding_dim, c.hidden, c.layers, batch_first=True, dropout=dropout)


class LanguageModelTask(Task):
    """Character-level language modelling: contiguous streams, truncated BPTT with the state
    carried across chunks, the best epoch with the fewest dev bits per character."""

    name, model_class, unit = "lm", CharLM, "chunks"
    metric = "bits_per_char"
    lower_is_better = True

    def read(self, job: TrainJob, warn: Warn) -> Splits:
        train = "\n".join(read_text(spec) for spec in job.train)
        self.text = train
        dev = "\n".join(read_text(spec) for spec in job.dev)
        test = read_text(job.test) if job.test else None
        streams = chunks(train, job.batch_size)
        used = len(streams) * BPTT
        if streams and used < 0.9 * len(train):  # each stream ends at its last whole chunk
            warn(f"{used:,} of the {len(train):,} training characters are trained on: the text is cut into "
                 f"{job.batch_size} streams of whole {BPTT}-character chunks; a smaller --batch-size leaves less out")
        return Splits(streams, [LmChunk(list(dev), 0)], None if test is None else [LmChunk(list(test), 0)])

    def check(self, splits: Splits, job: TrainJob, warn: Warn = lambda message: None) -> None:
        if not splits.train:
            smaller = " or a smaller --batch-size" if job.batch_size > 1 else ""
            raise RnnCliError(f"{', '.join(job.train)}: too little text for {job.batch_size} stream"
                              f"{'s' * (job.batch_size > 1)} of {BPTT + 1} characters; give more text{smaller}")
        if len(splits.dev[0].words) < 2:
            raise RnnCliError(f"{', '.join(job.dev)}: a dev text needs at least two characters")
        if splits.test is not None and len(splits.test[0].words) < 2:  # it would score 0 bits: a perfect model
            raise RnnCliError(f"{job.test}: a test text needs at least two characters")

    def vocabularies(self, train: list, job: TrainJob, warn: Warn) -> Vocabularies:
        counts = Counter(self.text)
        chars = Vocab.build(counts, job.min_word_count)
        kept = sum(counts[ch] for ch in chars.items if ch in counts)
        if kept < len(self.text) / 2:  # a model of <unk>: its bits/char would say nothing
            raise RnnCliError(f"with --min-char-count {job.min_word_count}, {len(self.text) - kept:,} of the "
                              f"{len(self.text):,} training characters would be <unk> (rarer characters); lower it")
        self.vocab = Vocabularies(chars, Vocab([], specials=True), {})
        self.index = self.vocab.words.index
        return self.vocab

    def batches(self, train: list, batch_size: int, rng: random.Random) -> list[list[int]]:
        """Batch k: chunk k of every stream, in order (the items are laid out that way)."""
        return [list(range(i, i + batch_size)) for i in range(0, len(train), batch_size)]

    def tensors(self, items: list, config: ModelConfig) -> dict:
        ids = torch.tensor([[self.index.get(ch, UNK_ID) for ch in x.words[:-1]] for x in items])  # (B, BPTT)
        return {"words": ids, "carry": items[0].label > 0}

    def loss(self, logits: dict[str, torch.Tensor], items: list, T: int, loss_fn) -> torch.Tensor:
        gold = torch.tensor([[self.index.get(ch, UNK_ID) for ch in x.words[1:]] for x in items])  # (B, BPTT)
        return loss_fn(logits["next"].flatten(0, 1), gold.flatten().to(logits["next"].device))

    @torch.no_grad()
    def dev_scores(self, model: nn.Module, items: list, device: torch.device | None, dist=None) -> dict[str, float]:
        """Bits per character of the dev text, read as contiguous streams in chunks of BPTT."""
        model.eval()
        pieces, rows = dev_chunks("".join(items[0].words))
        total, count = 0.0, 0
        for start in range(0, len(pieces), rows):
            group = pieces[start:start + rows]
            inputs = self.tensors(group, model.config)
            logits = model(inputs["words"].to(device), carry=inputs["carry"])["next"]
            gold = torch.tensor([[self.index.get(ch, UNK_ID) for ch in x.words[1:]] for x in group],
                                device=logits.device)
            total += nn.functional.cross_entropy(logits.flatten(0, 1), gold.flatten(), reduction="sum").item()
            count += gold.numel()
        model.state = None
        return {"bits_per_char": total / max(count, 1) / math.log(2)}

    def evaluate(self, model: ModelFile, items: list) -> dict[str, float]:
        nats, count = CharLanguageModel(model).nats("".join(items[0].words))
        return {"bits_per_char": nats / max(count, 1) / math.log(2)}

    def info(self, splits: Splits, parameters: int) -> dict:
        return {"train_characters_in_streams": len(splits.train) * BPTT,  # of the text's train_characters (its data)
                "vocabulary_characters": len(self.vocab.words), "parameters": parameters}

    def describe_data(self, job: TrainJob, splits: Splits) -> dict:
        return {"train": sources(job.train), "dev": sources(job.dev), "test": job.test,
                "train_characters": len(self.text)}


def chunks(text: str, rows: int, size: int = BPTT) -> list[LmChunk]:
    """`text` as `rows` contiguous streams cut into chunks of `size` (+1) characters, laid out
    chunk 0 of every stream, then chunk 1 of every stream, ..."""
    length = (len(text) - 1) // rows
    count = length // size
    return [LmChunk(list(text[r * length + k * size: r * length + (k + 1) * size + 1]), k)
            for k in range(count) for r in range(rows)]


def dev_chunks(text: str) -> tuple[list[LmChunk], int]:
    """A dev text as the streams that the numpy model scores it in (lm_forward.stream_rows), in
    chunks of at most BPTT characters (fewer than rows x BPTT at the end left out); and the rows."""
    rows = stream_rows(len(text))
    return chunks(text, rows, min(BPTT, (len(text) - 1) // rows)), rows
