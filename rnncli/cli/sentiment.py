"""`rnncli sentiment`: a label and its probability for each line, sentence or text."""

from __future__ import annotations

from typing import Annotated

import typer

from rnncli.cli.options import (InputFile, Jobs, ModelName, SentimentFormat, SentimentInput, TextArgs,
                                SentimentTokenizer, output_format, refuse_input_as_output, workers)
from rnncli.model.config import DEFAULT_MODEL

SentimentInputFormat = Annotated[SentimentInput, typer.Option("--input-format", "-I",
                                                              help="What the input is (see above).")]
SentimentFormatOption = Annotated[SentimentFormat, typer.Option("--format", "-f", help="auto: a table on a terminal, "
                                                                                       "tsv otherwise (see above).")]


def sentiment(
    text: TextArgs = None,
    input_path: InputFile = None,
    input_format: SentimentInputFormat = "lines",
    fmt: SentimentFormatOption = "auto",
    model: ModelName = DEFAULT_MODEL,
    tokenizer: SentimentTokenizer = None,
    jobs: Jobs = None,
) -> None:
    """Sentiment of each text: a label and its probability.

    Input (-I): lines: each line is one text (several arguments are one text). text:
    running text, one answer per sentence; from a pipe a sentence is answered once up to
    650 characters after it have arrived, or at a blank line or the end of the input.
    tokens: like lines, tokens separated by whitespace and kept. With lines and tokens
    each input line gives one record, a blank line an empty one, so that the output
    lines up with the input (paste).

    Output (-f): tsv: label, prob, text (an empty line for a blank line). jsonl:
    {"text", "label", "prob", "probs"}, and "line", the input line number, for lines
    and tokens (a blank line: label and prob null). table: for people. A text over
    1,000,000 characters is echoed cut, marked at its end (jsonl: "cut", the characters
    left out); its label reads it all.

    \b
    Examples:
      rnncli sentiment "What a great film"
      rnncli sentiment --input reviews.txt -f jsonl > labelled.jsonl
      rnncli sentiment --model rnn -I text --input review.txt
    """
    from rnncli.cli.views import sentiment as view
    from rnncli.cli.views.console import print_warning
    from rnncli.infer.sentiment import classify_lines
    from rnncli.infer.tokenizer import tokenizer_file, tokenizer_for
    from rnncli.infer.unfamiliar import watched
    from rnncli.model.bundled import open_model, resolve_model
    from rnncli.text.inputs import open_input

    fmt = output_format(fmt, "tsv")
    refuse_input_as_output(text, input_path, [resolve_model(model, "sentiment"), tokenizer and tokenizer_file(tokenizer)])
    classifier = open_model(model, "sentiment")
    cutter = tokenizer_for(classifier, tokenizer, input_format.value)  # by default the one its training texts had
    refuse_input_as_output(text, input_path, [cutter and cutter.model.path])
    source = open_input(text, input_path, print_warning)
    lines = watched(source.lines, cutter.model.words, cutter.name, print_warning) if cutter else source.lines
    results = classify_lines(classifier, lines, input_format.value, source.source, input_waiting=source.input_waiting,
                             jobs=workers(jobs, source.interactive), tokenizer=cutter)
    view.show(results, fmt)
