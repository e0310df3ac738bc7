"""What a model file's metadata must hold for its task, beyond the fields every model has
(model_file checks those): labels every output format can hold, a sentiment model's one
output, a tokenizer's segmentation labels, multiword table and sentence bias, a language
model's vocabulary of single characters. Each problem is a ValueError that model_file
reports as a damaged file."""

from __future__ import annotations

from rnncli.model.config import ModelConfig, shown
from rnncli.model.tagsets import HEADS
from rnncli.model.vocab import Vocab
from rnncli.text.segmentation import LABELS as SEGMENT_LABELS, MULTIWORD_LABELS, check_sentence_bias


def check_task(meta: dict, config: ModelConfig, words: Vocab, labels: dict[str, list[str]]) -> None:
    """Everything the task asks of the metadata (see the module's docstring)."""
    _check_labels(config.task, labels)
    if (config.task == "lm") == bool(config.heads):
        raise ValueError("a language model has no labelled outputs; every other model has one or more")
    if config.task == "sentiment" and (list(labels) != ["label"] or len(labels["label"]) < 2):
        raise ValueError("a sentiment model has one output, label, with two labels or more")
    if config.task == "tokenizer":
        _check_tokenizer(meta, labels, config)
    if config.task == "lm":
        bad = next((item for item in words.items[2:] if len(item) != 1), None)  # after <pad> and <unk>
        if bad is not None:
            raise ValueError(f"vocab.words holds {shown(bad)}: a language model's vocabulary is single characters")


def _check_tokenizer(meta: dict, labels: dict[str, list[str]], config: ModelConfig) -> None:
    """One output, boundary, with the segmentation labels (and `multiword` with a table of
    expansions: lower-cased token -> its words), and no character features."""
    if labels not in ({"boundary": list(SEGMENT_LABELS)}, {"boundary": list(MULTIWORD_LABELS)}) or config.char:
        raise ValueError(f"a tokenizer has one output, boundary, with the labels {', '.join(SEGMENT_LABELS)} "
                         "(and multiword), and no character features")
    table = meta.get("multiword", {})
    if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and v and all(isinstance(w, str) and w for w in v)
            for k, v in table.items()):
        raise ValueError(f"multiword is {shown(table)}, not an object of token -> list of words")
    training = meta.get("training", {})  # not an object: model_file says so
    check_sentence_bias(meta.get("sentence_bias", 0.0), training.get("sentence_bias_dev")
                        if isinstance(training, dict) else None)


def _check_labels(task: str, labels: dict[str, list[str]]) -> None:
    """Labels that every output format can hold: printable and not empty (a newline or tab would
    break TSV and CoNLL-U); a tagger's are tags, without whitespace or a slash (`-f tags` writes
    word/TAG), of the outputs upos and xpos."""
    heads = sorted(set(HEADS.values()))  # the outputs, each once (ptb is another name of xpos)
    if task == "tagger" and set(labels) - set(heads):
        raise ValueError(f"a tagger's outputs are {' and/or '.join(heads)}, not "
                         f"{', '.join(map(shown, sorted(set(labels) - set(heads))))}")
    for name, items in labels.items():
        bad = next((label for label in items if not label or not label.isprintable()
                    or (task == "tagger" and ("/" in label or any(c.isspace() for c in label)))), None)
        if bad is not None:
            rule = "a tag is printable, without whitespace or a slash" if task == "tagger" else "printable, not empty"
            raise ValueError(f"labels.{name} holds {shown(bad)} ({rule})")
