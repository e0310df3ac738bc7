"""`rnncli eval sentiment|tagger|tokenizer`: score models (or a tokenizer) on gold-labelled
data; several --model side by side; --json and --report for the full reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.cli.options import (AsJson, EvalTokenizer, LabelNames, Mismatches, ModelNames,
                                ReportFile, Tagset, TokenizerOption, split_label_names, tokenizer_name)
from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.model.config import DEFAULT_MODEL

CONFUSIONS = 10  # listed by default

SentimentData = Annotated[Path, typer.Option("--data", "-d", readable=False, metavar="DATA", help=(
    "Gold label<TAB>text TSV file, or nltk:movie_reviews, nltk:movie_review_sentences, nltk:pros_cons, "
    "nltk:product_reviews or nltk:opinion_lexicon, each with an optional :train, :dev or :test."))]
TaggedData = Annotated[Path, typer.Option("--data", "-d", readable=False, metavar="DATA", help=(
    "Gold tagged data (CoNLL-U, token<TAB>tag, word/TAG or nltk:NAME); its tokenization is used unless --raw."))]
RawData = Annotated[Path, typer.Option("--data", "-d", readable=False, help=(
    "Gold CoNLL-U whose raw text (# text, SpaceAfter, # newpar) is cut and scored."))]
ReportTagset = Annotated[Optional[Tagset], typer.Option("--tagset", "-t", show_default="upos if the data has it",
                                                        help="Tag set of the per-tag table.")]
Confusions = Annotated[Optional[int], typer.Option(min=0, metavar="N", show_default=str(CONFUSIONS),
                                                  help="How many of the most frequent confusions to list.")]
Raw = Annotated[bool, typer.Option("--raw", help=(
    "Start from the raw text instead (rebuilt from the gold CoNLL-U's # text, SpaceAfter and # newpar): cut and "
    "tag it as `rnncli tag -I text` does, and score on characters as the CoNLL 2018 shared task does: Tokens, "
    "Sentences, Words, UPOS and XPOS F1, and the tokenization mismatches."))]


def check_report(report_path: Optional[Path], data: Path, models: list[str], task: str,
                 tokenizers: tuple[str, ...] = ()) -> None:
    """Before any scoring: the report can be written and is neither the data nor a model
    file (nor a tokenizer's, named in `tokenizers`)."""
    from rnncli.files import check_outputs, is_stdout
    from rnncli.infer.tokenizer import tokenizer_file
    from rnncli.model.bundled import resolve_model

    if is_stdout(data):  # `eval ... -d f >> f` would append the report to the data
        raise RnnCliError(f"{data}: input file is output file")
    check_outputs([("--report", report_path)], [("--data", data)] + [("--model", resolve_model(m, task)) for m in models]
                  + [("--tokenizer", tokenizer_file(t)) for t in tokenizers if t != "none"])


def eval_sentiment(data: SentimentData, model: ModelNames = [DEFAULT_MODEL], label_names: LabelNames = None,  # noqa: B006
                   tokenizer: EvalTokenizer = None, as_json: AsJson = False,
                   report_path: ReportFile = None) -> None:
    """Accuracy, per-label precision/recall/F1, confusion matrix.

    With several --model, the models side by side on the same data.

    \b
    Examples:
      rnncli eval sentiment --model lstm --data test.tsv
      rnncli eval sentiment -m lstm -m rnn -d test.tsv --report scores.json
      rnncli eval sentiment -m my.safetensors -d nltk:movie_reviews:test --json
    """
    from rnncli.cli.views.eval import show_sentiment
    from rnncli.data.labelled import as_the_pipeline_reads, named_as, read_labelled
    from rnncli.evaluate.scores import check_label_names, evaluate_sentiment, label_reading
    from rnncli.infer.tokenizer import tokenizer_for, trained_tokenizer
    from rnncli.model.bundled import open_model

    check_report(report_path, data, model, "sentiment", () if tokenizer is None else (tokenizer,))
    classifiers = [open_model(m, "sentiment") for m in model]
    tokenizers = [tokenizer or trained_tokenizer(c) for c in classifiers]  # each model's own unless one is named
    cutters = {t: None if t == "none" else tokenizer_for(c, tokenizer, "lines", ("treebank", "none"))
               for c, t in zip(classifiers, tokenizers)}
    names = split_label_names(label_names)
    for c in classifiers:
        check_label_names(c, names)
    if names is not None:  # every model reads them so
        kinds = [("given", tuple(names))] * len(classifiers)
        examples = {kinds[0]: read_labelled(data, names)}
    else:  # each model reads the labels its way, from one reading of the data (a pipe is read once)
        kinds = [label_reading(c, str(data)) for c in classifiers]
        written = read_labelled(data, as_written=True)
        examples = {kind: written if kind[0] == "written" else named_as(written, kind[1] and list(kind[1]), str(data))
                    for kind in set(kinds)}
    read = {(t, kind): examples[kind] if t == "none" else as_the_pipeline_reads(examples[kind], cutters[t])
            for t, kind in set(zip(tokenizers, kinds))}
    reports = [evaluate_sentiment(c, read[t, kind]) for c, t, kind in zip(classifiers, tokenizers, kinds)]
    documents = [{"model": str(c.path), "data": str(data), "tokenizer": t, **r.to_dict()}
                 for c, r, t in zip(classifiers, reports, tokenizers)]
    show_sentiment([c.name for c in classifiers], reports, documents, data, as_json, report_path)


def eval_tagger(data: TaggedData, model: ModelNames = [DEFAULT_MODEL], tagset: ReportTagset = None,  # noqa: B006
                confusions: Confusions = None, raw: Raw = False, tokenizer: TokenizerOption = None,
                mismatches: Mismatches = None, as_json: AsJson = False, report_path: ReportFile = None) -> None:
    """UPOS and XPOS accuracy, per-tag precision/recall/F1, confusions.

    The gold data's own tokenization is used, so the numbers are tagging accuracy
    alone. With several --model, the models side by side on the same data. With
    --raw, the whole pipeline from raw text: Tokens, Sentences, Words, UPOS, XPOS F1.

    \b
    Examples:
      rnncli eval tagger --model lstm --data en_ewt-ud-test.conllu
      rnncli eval tagger -m lstm -m rnn -d dev.conllu --tagset ptb --confusions 20
      rnncli eval tagger --raw -m lstm -d en_ewt-ud-test.conllu --report raw.json
    """
    from rnncli.cli.views.eval import show_tagger
    from rnncli.data.tagged import read_tagged
    from rnncli.evaluate.scores import evaluate_tagger
    from rnncli.model.bundled import open_model

    if not raw and (tokenizer is not None or mismatches is not None):
        raise RnnCliError("--tokenizer and --mismatches are for raw text: add --raw", EXIT_USAGE)
    if raw and (tagset is not None or confusions is not None):
        raise RnnCliError("--tagset and --confusions are for the gold tokens' scores: leave out --raw (which scores "
                          "UPOS and XPOS F1 from raw text, with no per-tag table)", EXIT_USAGE)
    check_report(report_path, data, model, "tagger", (tokenizer_name(tokenizer),) if raw else ())
    taggers = [open_model(m, "tagger") for m in model]
    if raw:
        eval_raw(data, taggers, tokenizer, mismatches, as_json, report_path)
        return
    sentences = read_tagged(data)
    reports = [evaluate_tagger(t, sentences, CONFUSIONS if confusions is None else confusions) for t in taggers]
    documents = [{"model": str(t.path), "data": str(data), **r.to_dict()} for t, r in zip(taggers, reports)]
    show_tagger([t.name for t in taggers], reports, documents, data, tagset.value if tagset else None, as_json,
                report_path)


def eval_tokenizer(data: RawData, tokenizer: TokenizerOption = None, mismatches: Mismatches = None,
                   as_json: AsJson = False, report_path: ReportFile = None) -> None:
    """Score sentence splitting and tokenization of raw text.

    Tokens, Sentences and Words F1 (aligned on characters, as the CoNLL 2018
    shared task does), the most frequent tokenization mismatches, and the
    sentence ends missed and made up.

    \b
    Examples:
      rnncli eval tokenizer --data en_ewt-ud-test.conllu --mismatches 20
      rnncli eval tokenizer --tokenizer treebank --data en_ewt-ud-dev.conllu
    """
    check_report(report_path, data, [], "tokenizer", (tokenizer_name(tokenizer),))
    eval_raw(data, [None], tokenizer, mismatches, as_json, report_path)


def eval_raw(data: Path, taggers: list, tokenizer: Optional[str], mismatches: Optional[int], as_json: bool,
             report_path: Optional[Path]) -> None:
    """Both raw-text evaluations: `taggers` are tagger models, or [None] to score the tokenizer alone."""
    from rnncli.cli.views.eval import show_raw
    from rnncli.data.common import read_conllu_file
    from rnncli.evaluate.scores import evaluate_raw
    from rnncli.infer.tokenizer import open_tokenizer

    tokenizer, mismatches = tokenizer_name(tokenizer), 10 if mismatches is None else mismatches
    cutter = open_tokenizer(tokenizer)
    gold = read_conllu_file(data)
    reports = [evaluate_raw(gold, t, cutter, mismatches, str(data)) for t in taggers]
    documents = [{**({"model": str(t.path)} if t else {}), "data": str(data), "input": "raw text",
                  "tokenizer": tokenizer, **r.to_dict()} for t, r in zip(taggers, reports)]
    show_raw([t.name if t else None for t in taggers], reports, documents, data, tokenizer, as_json, report_path)
