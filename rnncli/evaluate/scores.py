"""Scoring models against gold labels: accuracy, per-tag (per-label) precision/recall/F1,
confusions, and models side by side; and the whole pipeline from raw text, scored on
characters (raw.py)."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field

from rnncli.text.conllu import Sentence
from rnncli.data.tagged import TaggedSentence
from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.model.model_file import ModelFile
from rnncli.evaluate.raw import METRICS, RawScores, score as score_segmentation, segmentation
from rnncli.text.segmentation import raw_text
from rnncli.infer.tagger import Tagger, tag_lines
from rnncli.model.tagsets import display, head_names
from rnncli.text.sentences import read_sentences
from rnncli.infer.tokenizer import Tokenizer


@dataclass
class TagSetReport:
    accuracy: float
    tokens: int
    per_tag: dict[str, dict[str, float]] = field(default_factory=dict)  # tag -> precision, recall, f1, support
    confusions: list[tuple[str, str, int]] = field(default_factory=list)  # (gold, predicted, count), most frequent first


@dataclass
class TaggerReport:
    tagsets: dict[str, TagSetReport]
    gold_from: dict[str, str] = field(default_factory=dict)  # scored tag set -> how rnncli made gold tags the
    # data lacks (TaggedSentence.made: upos from PTB tags, data.tagged.UPOS_FROM_PTB)
    names: dict[str, str] = field(default_factory=dict)  # tag set -> its name in reports (tagsets.head_names)
    unknown: dict[str, dict[str, int]] = field(default_factory=dict)  # tag set -> gold tags the model never
    # predicts (not among its labels), with their counts: each one an error, whatever the model does

    @property
    def accuracy(self) -> dict[str, float]:
        return {name: r.accuracy for name, r in self.tagsets.items()}

    def to_dict(self) -> dict:
        """Per tag set its scores, and `NAME_from` for gold tags that rnncli made (gold_from)."""
        return {**{name: {"accuracy": r.accuracy, "tokens": r.tokens, "per_tag": r.per_tag,
                          "confusions": [list(c) for c in r.confusions]} for name, r in self.tagsets.items()},
                **{f"{name}_from": how for name, how in self.gold_from.items()},
                **{f"{name}_unknown_gold": tags for name, tags in self.unknown.items()}}


def score(gold: list[str], predicted: list[str], confusions: int = 10) -> TagSetReport:
    pairs = Counter(zip(gold, predicted))
    correct = sum(n for (g, p), n in pairs.items() if g == p)
    gold_n, pred_n = Counter(gold), Counter(predicted)
    per_tag = {}
    for tag in sorted(set(gold_n) | set(pred_n)):
        tp = pairs[(tag, tag)]
        precision = tp / pred_n[tag] if pred_n[tag] else 0.0
        recall = tp / gold_n[tag] if gold_n[tag] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_tag[tag] = {"precision": precision, "recall": recall, "f1": f1, "support": gold_n[tag]}
    errors = sorted(((g, p, n) for (g, p), n in pairs.items() if g != p), key=lambda e: (-e[2], e[0], e[1]))
    return TagSetReport(correct / max(len(gold), 1), len(gold), per_tag, errors[:confusions])


def evaluate_tagger(model: ModelFile, sentences: list[TaggedSentence], confusions: int = 10) -> TaggerReport:
    tagger = Tagger(model)
    words = [s.words for s in sentences]
    reports, unknown = {}, {}
    probs = tagger.probabilities(words)
    for name, labels in model.labels.items():
        if not all(name in s.tags and "_" not in s.tags[name] for s in sentences):
            continue
        gold = [t for s in sentences for t in s.tags[name]]
        predicted = [labels[j] for p in probs for j in p[name].argmax(-1)]
        reports[name] = score(gold, predicted, confusions)
        known = set(labels)
        found = Counter(t for t in gold if t not in known)
        if found:
            unknown[name] = dict(found.most_common())
    if not reports:  # scoring nothing printed "0 tokens" and exited 0
        raise RnnCliError(f"the data has none of the tag sets {model.name} predicts ({', '.join(model.labels)}) on "
                          "every token: nothing to score; give data tagged with one of them")
    made = {name: how for s in sentences for name, how in s.made.items() if name in reports}
    return TaggerReport(reports, made, head_names(model.labels), unknown)


def evaluate_raw(gold: list[Sentence], model: ModelFile | None = None, tokenizer: Tokenizer | None = None,
                 mismatches: int = 10, source: str = "<gold>") -> RawScores:
    """The gold sentences' raw text (segmentation.raw_text) cut by `tokenizer` (None: Punkt and the
    Treebank rules) and tagged by `model`
    as `rnncli tag -I text` does (without a model: cut only), scored against them on characters
    as the CoNLL 2018 shared task does, with the `mismatches` most frequent tokenization
    mismatches."""
    lines = io.StringIO(raw_text(gold, source))  # lines end at "\n" only, as in a file
    if model is None:
        system = read_sentences(lines, "text", tokenizer=tokenizer)
    else:
        system = (result.sentence for result in tag_lines(model, lines, "text", tokenizer=tokenizer))
    return score_segmentation(segmentation(gold, source), segmentation(system, "system"), mismatches)


@dataclass
class SentimentReport:
    report: TagSetReport  # accuracy, per-label precision/recall/F1
    labels: list[str]
    matrix: list[list[int]]  # matrix[gold][predicted], in `labels` order

    @property
    def accuracy(self) -> dict[str, float]:
        return {"label": self.report.accuracy}

    def to_dict(self) -> dict:
        return {"accuracy": self.report.accuracy, "texts": self.report.tokens, "per_label": self.report.per_tag,
                "labels": self.labels, "confusion_matrix": self.matrix}


def check_label_names(model: ModelFile, names: list[str] | None) -> None:
    """--label-names (None: not given) must name labels of the model: a usage error before the
    data is read, not "the data has labels the model does not know"."""
    unknown = [name for name in names or () if name not in model.labels["label"]]
    if unknown:
        raise RnnCliError(f"--label-names: {model.name} has no label {', '.join(map(repr, unknown))}; its labels "
                          f"are {', '.join(model.labels['label'])}", EXIT_USAGE)


def label_reading(model: ModelFile, data: str) -> tuple[str, tuple[str, ...] | None]:
    """How `model` reads the integer labels of `data` (no --label-names given), hashable: by the
    names it was trained with ("trained": `train sentiment --label-names`, which its file
    records; not for NLTK's corpora, whose labels are names), as written where its labels are
    integers ("written": trained on 0/1/2, so that a test file holding only 0 and 1 is not read
    as negative and positive), else by the data's own rule ("default": 0/1 as
    negative/positive). Labels that are names stay as written in every case (data.labelled.named_as)."""
    training = model.meta.get("training")
    recorded = training.get("data") if isinstance(training, dict) else None
    trained = recorded.get("label_names") if isinstance(recorded, dict) else None
    if isinstance(trained, list) and trained and all(isinstance(n, str) for n in trained) \
            and not data.startswith("nltk:"):
        return "trained", tuple(trained)
    return ("written" if all(label.isdecimal() for label in model.labels["label"]) else "default"), None


def evaluate_sentiment(model: ModelFile, examples: list) -> SentimentReport:
    """Scores against gold labels, which must be labels of the model: a label it does not know
    is a misnamed label (0/1 against negative/positive), never a 0% score."""
    from rnncli.infer.sentiment import Classifier

    labels = model.labels["label"]
    unknown = sorted({e.label for e in examples} - set(labels))
    if unknown:
        hint = ("name integer labels with --label-names, in the order 0,1,..."
                if all(label.isdecimal() for label in unknown) else "relabel the data with the model's labels")
        if {"0", "1"} & set(unknown):
            hint += " (0 and 1 are read as negative and positive only where they are the data's only labels)"
        raise RnnCliError(f"the data has labels that {model.name} does not know: {', '.join(unknown)}; its labels are "
                          f"{', '.join(labels)}; {hint}")
    probs = Classifier(model).probabilities([e.words for e in examples])
    predicted = [labels[j] for j in probs.argmax(-1)]
    gold = [e.label for e in examples]
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        matrix[index[g]][index[p]] += 1
    return SentimentReport(score(gold, predicted), labels, matrix)


def compare_sentiment(reports: list[SentimentReport]) -> dict[str, list[float]]:
    """Rows of a side-by-side table: accuracy, then each label's F1, one value per model."""
    rows = {"accuracy": [r.report.accuracy for r in reports]}
    for label in reports[0].labels:
        rows[f"{label} F1"] = [r.report.per_tag.get(label, {}).get("f1", 0.0) for r in reports]
    return rows


def compare_raw(reports: list[RawScores]) -> dict[str, list[float | None]]:
    """Rows of a side-by-side table: each metric's F1, one value per model (None: not scored,
    the model has no such tags)."""
    return {f"{name} F1": [r.scores[name].f1 if name in r.scores else None for r in reports]
            for name in METRICS if any(name in r.scores for r in reports)}


def _name(reports: list[TaggerReport], tagset: str) -> str:
    """The tag set's name in the first report that names it (PTB, STTS), else the generic one."""
    return next((r.names[tagset] for r in reports if tagset in r.names), display(tagset))


def compare_taggers(reports: list[TaggerReport], head: str) -> dict[str, list[float | None]]:
    """Rows of a side-by-side table: accuracy per tag set, then each tag's F1 in `head`, one
    value per model (None: not scored, the model has no such tags)."""
    rows = {f"{_name(reports, name)} accuracy": [r.tagsets[name].accuracy if name in r.tagsets else None
                                                  for r in reports]
            for name in ("upos", "xpos") if any(name in r.tagsets for r in reports)}
    for tag in sorted({t for r in reports if head in r.tagsets for t in r.tagsets[head].per_tag}):
        rows[f"{tag} F1"] = [r.tagsets[head].per_tag.get(tag, {}).get("f1", 0.0) if head in r.tagsets else None
                             for r in reports]
    return rows
