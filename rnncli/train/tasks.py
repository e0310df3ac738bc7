"""The tasks a recurrent network is trained for, and all that differs between them.

A Task reads its data, checks it, builds the vocabularies and label sets, names its torch
model, turns examples into inputs, says how far a prediction is from the gold answer
(cross-entropy) and what counts as correct, and scores a saved model the way users run it
(numpy). The loop (loop.py) and `train()` (run.py) do the rest: adding a task is writing
one Task.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from rnncli.model.config import DEFAULT_TOKENIZER, ModelConfig, shown
from rnncli.data.common import Vocabularies, read_paragraphs
from rnncli.data.labelled import as_the_pipeline_reads, build_sentiment_vocab, header_like, read_labelled_run
from rnncli.data.tagged import TaggedSentence, build_tagger_vocab, read_tagged
from rnncli.model.encoding import Batch, encode
from rnncli.errors import RnnCliError
from rnncli.model.model_file import ModelFile
from rnncli.text.multiword import Expander
from rnncli.text.segmentation import LABELS, MULTIWORD_LABELS, Paragraph, has_multiword, segmentation_f1
from rnncli.model.tagsets import default_head, head_names
from rnncli.infer.tokenizer import (CATEGORY_ITEMS, CharEncoder, Tokenizer, char_key, open_tokenizer,
                                    recorded_tokenizer, tokenizer_file, tune_sentence_bias)
from rnncli.train.job import TrainJob
from rnncli.train.loop import accuracy, make_batches
from rnncli.train.model import SentimentModel, TaggerModel, TokenizerModel, batch_tensors
from rnncli.model.vocab import PAD, UNK, Vocab

Warn = Callable[[str], None]  # also the type of a status callback


def sources(specs: tuple[str, ...]) -> str | list[str]:
    """Data sources as a model file records them: one as itself, several as a list."""
    return specs[0] if len(specs) == 1 else list(specs)


@dataclass
class Splits:
    train: list
    dev: list
    test: list | None  # scored once at the end, never used for choices


class Task:
    """What the training loop needs to know of a task. Subclasses set `name` and `model_class`."""

    name = ""
    model_class: type[nn.Module]
    vocab: Vocabularies  # set by vocabularies()
    lower_is_better = False  # of the dev metric

    def read(self, job: TrainJob, warn: Warn) -> Splits:
        """Every split, read before any training: bad data fails now, not after an hour."""
        raise NotImplementedError

    def extra_inputs(self) -> list[tuple[str, str | None]]:
        """(option, path) of the files the task reads beside the data, which no output may overwrite."""
        return []

    def vocabularies(self, train: list, job: TrainJob, warn: Warn) -> Vocabularies:
        raise NotImplementedError

    def check(self, splits: Splits, job: TrainJob, warn: Warn = lambda message: None) -> None:
        """Refuse dev/test data the model could not be scored on; warn of data it could be scored
        on only poorly."""

    def prepare(self, model: nn.Module, train: list, job: TrainJob, status: Warn = lambda message: None) -> dict:
        """Anything done to a fresh model before training (saying what, through `status`, when it
        takes a while); returns what the model file records of it."""
        return {}

    @property
    def metric(self) -> str:
        """The dev score that picks the best epoch (an output name)."""
        return default_head(self.vocab.labels)

    def inputs(self, items: list, config: ModelConfig) -> Batch:
        return encode([x.words for x in items], self.vocab.words, self.vocab.chars if config.char else None,
                      config.max_word_chars)

    def tensors(self, items: list, config: ModelConfig) -> dict:
        """A batch as the keyword arguments of the model's forward(); `words` (B, T) among them."""
        return batch_tensors(self.inputs(items, config))

    def batches(self, train: list, batch_size: int, rng: random.Random) -> list[list[int]]:
        """An epoch's batches of item indices."""
        return make_batches(train, batch_size, rng)

    def dev_scores(self, model: nn.Module, items: list, device, dist=None) -> dict[str, float]:
        """The dev scores of the model being trained (torch), `metric` among them."""
        return accuracy(model, self, items, device=device, dist=dist)

    def loss(self, logits: dict[str, torch.Tensor], items: list, T: int, loss_fn) -> torch.Tensor:
        raise NotImplementedError

    def correct(self, logits: dict[str, torch.Tensor], items: list) -> tuple[dict[str, int], int]:
        """Per output, how many answers are right, and out of how many."""
        raise NotImplementedError

    def evaluate(self, model: ModelFile, items: list) -> dict[str, float]:
        """Accuracy per output of a saved model, through the numpy forward pass users run."""
        raise NotImplementedError

    def info(self, splits: Splits, parameters: int) -> dict:
        """What the progress display says at the start."""
        return {f"train_{self.unit}": len(splits.train), "vocabulary_words": len(self.vocab.words),
                "parameters": parameters}

    def warnings(self, model: ModelFile, dev: list) -> list[str]:
        """What is wrong with a saved model that its scores do not make plain."""
        return []

    def metadata(self) -> dict:
        """What the model file holds beside its config, vocabularies and labels (a tokenizer's
        multiword expansions)."""
        return {}

    def tune(self, model: ModelFile, dev: list) -> tuple[dict, dict]:
        """Settings of a saved model's decisions fitted on dev, for its file, and the record of
        how they were chosen, for its training history (a tokenizer's sentence bias)."""
        return {}, {}

    def describe_data(self, job: TrainJob, splits: Splits) -> dict:
        """What a model file records of its data."""
        return {"dev": sources(job.dev), "test": job.test, f"train_{self.unit}": len(splits.train)}

    unit = "examples"


def tag_targets(sentences: list[TaggedSentence], labels: dict[str, list[str]], T: int) -> dict[str, torch.Tensor]:
    """Gold tag ids (B, T) per head; -100 marks padding and tags the model cannot predict."""
    out = {}
    for name, names in labels.items():
        index = {t: i for i, t in enumerate(names)}
        y = torch.full((len(sentences), T), -100, dtype=torch.long)
        for b, s in enumerate(sentences):
            y[b, : len(s.words)] = torch.tensor([index.get(t, -100) for t in s.tags[name]])
        out[name] = y
    return out


def unseen_tags(path: str, items: list, labels: dict[str, list[str]], share: float = 0.2) -> list[str]:
    """A warning per tag set of which at least `share` of the data's tags never occur in the
    training data (`labels`): another treebank's tag set, whose accuracy would choose the epoch
    by chance. A real dev set has few (UD English EWT's dev: none of its UPOS). "_" is a missing
    tag, not another tag set's: data whose tags of a set are all "_" is warned of as such."""
    out = []
    for name, display in head_names(labels).items():
        known = set(labels[name]) | {"_"}
        unseen = Counter(tag for s in items for tag in s.tags[name] if tag not in known)
        total = sum(len(s.tags[name]) for s in items)
        if total and all(tag == "_" for s in items for tag in s.tags[name]):
            out.append(f"{path}: has no {display} tags (all \"_\"), which the model predicts: its {display} "
                       "scores will read 0")
        elif total and sum(unseen.values()) >= share * total:
            kinds = ", ".join(shown(tag, 20) for tag, _ in unseen.most_common(5)) + (", ..." if len(unseen) > 5 else "")
            out.append(f"{path}: {sum(unseen.values()):,} of its {total:,} {display} tags "
                       f"({len(unseen):,} kinds: {kinds}) "
                       "never occur in the training data: another tag set? The scores, and the epoch they choose, "
                       "will mean little")
    return out


class TaggerTask(Task):
    """Many-to-many: a softmax per token for each tag set (UPOS, PTB), cross-entropy summed
    over the heads; the best epoch has the best dev UPOS accuracy."""

    name, model_class, unit = "tagger", TaggerModel, "sentences"

    def read(self, job: TrainJob, warn: Warn) -> Splits:
        train = [s for spec in job.train for s in read_tagged(spec)]
        dev = [s for spec in job.dev for s in read_tagged(spec)]
        return Splits(train, dev, read_tagged(job.test) if job.test else None)

    def vocabularies(self, train: list, job: TrainJob, warn: Warn) -> Vocabularies:
        self.vocab = build_tagger_vocab(train, job.min_word_count, warn=warn)
        return self.vocab

    def check(self, splits: Splits, job: TrainJob, warn: Warn = lambda message: None) -> None:
        for path, items in ((", ".join(job.dev), splits.dev), (job.test, splits.test or [])):
            missing = [name for name in self.vocab.labels if not all(name in s.tags for s in items)]
            if missing:
                raise RnnCliError(f"{path}: has no {missing[0]} tags, but the training data has; "
                                  "give data with the same tag sets")
            for message in unseen_tags(path, items, self.vocab.labels):
                warn(message)

    def loss(self, logits: dict[str, torch.Tensor], items: list, T: int, loss_fn) -> torch.Tensor:
        targets = tag_targets(items, self.vocab.labels, T)
        return sum(loss_fn(logits[name].flatten(0, 1), targets[name].flatten().to(logits[name].device))
                   for name in logits)

    def correct(self, logits: dict[str, torch.Tensor], items: list) -> tuple[dict[str, int], int]:
        out = {}
        for name, names in self.vocab.labels.items():
            pred = logits[name].argmax(-1)
            out[name] = sum(names[p] == g for b, s in enumerate(items)
                            for p, g in zip(pred[b, : len(s.words)].tolist(), s.tags[name]))
        return out, sum(len(s.words) for s in items)

    def evaluate(self, model: ModelFile, items: list) -> dict[str, float]:
        from rnncli.evaluate.scores import evaluate_tagger

        return evaluate_tagger(model, items).accuracy

    def info(self, splits: Splits, parameters: int) -> dict:
        info = super().info(splits, parameters)
        return {f"train_{self.unit}": info.pop(f"train_{self.unit}"), "vocabulary_words": info.pop("vocabulary_words"),
                "vocabulary_characters": len(self.vocab.chars), **info,
                "head_names": head_names(self.vocab.labels)}

    def describe_data(self, job: TrainJob, splits: Splits) -> dict:
        return {"train": sources(job.train), "dev": sources(job.dev), "test": job.test,
                "train_sentences": len(splits.train), "train_tokens": sum(len(s.words) for s in splits.train)}


class SentimentTask(Task):
    """Many-to-one: the text's states pooled into one vector, one softmax over the labels;
    the best epoch has the best dev accuracy. `label_names` name integer labels 0, 1, ...
    (the same way in every file of the run); `embeddings_from` pretrains the word vectors
    (PPMI + SVD) on unlabelled text; `tokenizer` cuts every text (train, dev and test) as
    `rnncli sentiment` cuts raw text (data.labelled.as_the_pipeline_reads), "none" keeps the
    data's own tokens."""

    name, model_class, unit = "sentiment", SentimentModel, "texts"

    def __init__(self, label_names: list[str] | None = None, embeddings_from: list[str] | tuple[str, ...] = (),
                 tokenizer: str = DEFAULT_TOKENIZER):
        self.label_names = label_names
        self.embeddings_from = list(embeddings_from)
        self.tokenizer = tokenizer

    def extra_inputs(self) -> list[tuple[str, str | None]]:
        tokenizer = None if self.tokenizer == "none" else tokenizer_file(self.tokenizer)
        return [("--embeddings-from", p) for p in self.embeddings_from] + [("--tokenizer", tokenizer and str(tokenizer))]

    def read(self, job: TrainJob, warn: Warn) -> Splits:
        specs = [*job.train, *job.dev, job.test]
        sets = read_labelled_run(specs, self.label_names)
        for spec, examples in zip(job.train, sets):  # a phantom label trains; in dev or test it is refused
            lone = None if str(spec).startswith("nltk:") else header_like(examples)
            if lone:
                warn(f"{spec}: {lone}")
        if self.tokenizer != "none":  # every split, so that dev and test are scored as users run the model
            tokenizer = open_tokenizer(self.tokenizer, "lines", ("treebank", "none"))
            sets = [s and as_the_pipeline_reads(s, tokenizer) for s in sets]
        trains, devs, test = sets[:len(job.train)], sets[len(job.train):-1], sets[-1]
        return Splits([e for examples in trains for e in examples], [e for examples in devs for e in examples], test)

    def vocabularies(self, train: list, job: TrainJob, warn: Warn) -> Vocabularies:
        self.vocab = build_sentiment_vocab(train, job.min_word_count)
        self.index = {label: i for i, label in enumerate(self.vocab.labels["label"])}
        return self.vocab

    def check(self, splits: Splits, job: TrainJob, warn: Warn = lambda message: None) -> None:
        labels = self.vocab.labels["label"]
        if len(labels) < 2:
            raise RnnCliError(f"{', '.join(job.train)}: every training text has the label {labels[0]!r}; "
                              "a classifier needs examples of at least two labels")
        for path, items in ((", ".join(job.dev), splits.dev), (job.test, splits.test or [])):
            unknown = sorted({e.label for e in items} - set(labels))
            if unknown:
                raise RnnCliError(f"{path}: label(s) {', '.join(unknown)} never occur in the training data, whose "
                                  f"labels are {', '.join(labels)}")

    def prepare(self, model: nn.Module, train: list, job: TrainJob, status: Warn = lambda message: None) -> dict:
        if not self.embeddings_from:
            return {}
        from rnncli.data.embeddings import PpmiEmbeddings

        embeddings = PpmiEmbeddings(self.embeddings_from)
        vectors = embeddings.vectors(self.vocab.words.items, model.config.embedding_dim, [e.words for e in train],
                                     job.seed, status)
        with torch.no_grad():
            model.word_emb.weight[2:] = torch.from_numpy(vectors[2:])
        return {"embeddings": embeddings.describe()}

    def loss(self, logits: dict[str, torch.Tensor], items: list, T: int, loss_fn) -> torch.Tensor:
        gold = torch.tensor([self.index[e.label] for e in items], device=logits["label"].device)
        return loss_fn(logits["label"], gold)

    def correct(self, logits: dict[str, torch.Tensor], items: list) -> tuple[dict[str, int], int]:
        pred = logits["label"].argmax(-1).tolist()
        return {"label": sum(p == self.index[e.label] for p, e in zip(pred, items))}, len(items)

    def evaluate(self, model: ModelFile, items: list) -> dict[str, float]:
        from rnncli.evaluate.scores import evaluate_sentiment

        return evaluate_sentiment(model, items).accuracy

    def describe_data(self, job: TrainJob, splits: Splits) -> dict:
        return {"train": list(job.train), "dev": sources(job.dev), "test": job.test, "train_texts": len(splits.train),
                "tokenizer": recorded_tokenizer(self.tokenizer), "label_names": self.label_names}


@dataclass
class CharSequence:
    """A stretch of raw text with a segmentation label per character (see segmentation.py)."""

    words: list[str]  # its characters: the loop batches items by len(words)
    tags: dict[str, list[str]]  # {"boundary": one label name per character}
    paragraph: Paragraph | None = None  # dev and test: the whole gold paragraph, for scoring


def pieces(paragraph: Paragraph, size: int) -> list[CharSequence]:
    """A paragraph as training items of at most `size` characters, cut after whitespace."""
    text, labels = paragraph.text, [MULTIWORD_LABELS[k] for k in paragraph.labels()]
    out, start = [], 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            space = max(text.rfind(" ", start + size // 2, end), text.rfind("\u00a0", start + size // 2, end))
            end = space + 1 if space >= 0 else end
        out.append(CharSequence(list(text[start:end]), {"boundary": labels[start:end]}))
        start = end
    return out


class TokenizerTask(TaggerTask):
    """Many-to-many one level down: a label per character (inside, token end, sentence end,
    word end inside a multiword token), from the raw text a CoNLL-U treebank spells out. Trains
    on pieces of paragraphs; the best epoch has the best dev accuracy per character; saved
    models are scored on whole dev/test paragraphs as users run them (tokens, sentences, words F1)."""

    name, model_class, unit = "tokenizer", TokenizerModel, "pieces"

    def read(self, job: TrainJob, warn: Warn) -> Splits:
        def whole(path):
            return [CharSequence(list(p.text), {"boundary": [MULTIWORD_LABELS[k] for k in p.labels()]}, p)
                    for p in read_paragraphs(path)]

        paragraphs = [p for spec in job.train for p in read_paragraphs(spec)]
        self.multiword = has_multiword(paragraphs)
        self.expander = Expander.learn(paragraphs)
        train = [item for p in paragraphs for item in pieces(p, job.piece_chars)]
        return Splits(train, [item for spec in job.dev for item in whole(spec)], whole(job.test) if job.test else None)

    def vocabularies(self, train: list, job: TrainJob, warn: Warn) -> Vocabularies:
        counts = Counter(char_key(ch) for item in train for ch in item.words)
        chars = Vocab.build(counts, job.min_word_count)
        chars = Vocab(chars.items + [c for c in CATEGORY_ITEMS if c not in chars], specials=True)
        labels = MULTIWORD_LABELS if self.multiword else LABELS
        self.vocab = Vocabularies(chars, Vocab([PAD, UNK], specials=True), {"boundary": list(labels)})
        self.encoder = CharEncoder(chars)
        return self.vocab

    def check(self, splits: Splits, job: TrainJob, warn: Warn = lambda message: None) -> None:
        if not splits.train:
            raise RnnCliError(f"{', '.join(job.train)}: no sentences with text to learn from")

    def inputs(self, items: list, config: ModelConfig) -> Batch:
        return self.encoder.batch(["".join(x.words) for x in items], config.upper_hidden > 0)

    def evaluate(self, model: ModelFile, items: list) -> dict[str, float]:
        gold = [x.paragraph for x in items]
        return segmentation_f1(gold, Tokenizer(model).segment([p.text for p in gold]))

    def metadata(self) -> dict:
        return {"multiword": self.expander.table} if self.multiword else {}

    def tune(self, model: ModelFile, dev: list) -> tuple[dict, dict]:
        bias, curve = tune_sentence_bias(Tokenizer(model), [x.paragraph for x in dev])
        return {"sentence_bias": bias}, {"sentence_bias_dev": {f"{b:g}": round(f1, 6) for b, f1 in curve.items()}}

    def warnings(self, model: ModelFile, dev: list) -> list[str]:
        """A tokenizer that ends no sentence on dev but where each paragraph ends, while dev has more."""
        gold = [x.paragraph for x in dev]
        system = Tokenizer(model).segment([p.text for p in gold])
        if sum(len(s) for s in system) <= len(gold) < sum(len(p.sentences) for p in gold):
            return [f"{model.path}: the tokenizer ends no sentence on dev but at paragraph ends, where dev has "
                    f"{sum(len(p.sentences) for p in gold)} sentences in {len(gold)} paragraphs; train longer "
                    "(--min-steps, --epochs)"]
        return []

    def info(self, splits: Splits, parameters: int) -> dict:
        return {"parameters": parameters, "train_pieces": len(splits.train), "characters": len(self.vocab.words)}

    def describe_data(self, job: TrainJob, splits: Splits) -> dict:
        return {"train": list(job.train), "dev": sources(job.dev), "test": job.test, "train_pieces": len(splits.train),
                "train_characters": sum(len(x.words) for x in splits.train)}


TASKS = {"tagger": TaggerTask, "sentiment": SentimentTask, "tokenizer": TokenizerTask}
