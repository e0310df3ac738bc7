"""`rnncli tag`: part-of-speech tags for running text, lines, tokens or CoNLL-U."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from rnncli.cli.options import (InputFile, InputFormat, Jobs, ModelName, TagFormat, Tagset, TextArgs,
                                TokenizerOption, finite, output_format, refuse_input_as_output, tokenizer_name,
                                workers)
from rnncli.model.config import DEFAULT_MODEL

TagInputFormat = Annotated[InputFormat, typer.Option("--input-format", "-I", help="What the input is (see above).")]
TagFormatOption = Annotated[TagFormat, typer.Option("--format", "-f", help="auto: a table on a terminal, tsv "
                                                                           "otherwise (see above).")]
TagsetOption = Annotated[Optional[Tagset], typer.Option("--tagset", "-t", show_default="upos if the model has it",
                                                        help="Universal POS tags (upos), the treebank's own tags (xpos), "
                                                             "or xpos where those are Penn Treebank tags (ptb).")]
Top = Annotated[Optional[int], typer.Option("--top", "-k", min=1, metavar="K",
                                            show_default="3 for table and jsonl, else 1",
                                            help="The K most probable tags per token (table, tsv, jsonl).")]
Threshold = Annotated[Optional[float], typer.Option(
    "--threshold", "-p", min=0.0, max=1.0, metavar="P", show_default=False, callback=finite,
    help="Also every tag with probability >= P x the best tag's (table, tsv, jsonl).")]


def tag(text: TextArgs = None, input_path: InputFile = None, input_format: TagInputFormat = "text",
        fmt: TagFormatOption = "auto", tagset: TagsetOption = None, model: ModelName = DEFAULT_MODEL,
        tokenizer: TokenizerOption = None, top: Top = None, threshold: Threshold = None, jobs: Jobs = None) -> None:
    """Part-of-speech tags, with each token's probability.

    Input (-I): text is running text, split into sentences and tokenized. From a pipe,
    a sentence is tagged once up to 650 characters after it have arrived (then nothing
    more can move its end), or at a blank line or the end of the input (at a terminal,
    each line is tagged as you type it; use -I lines for line-by-line answers from a
    pipe, e.g. after tail -f). lines: one sentence per line. tokens: one sentence per
    line, tokens separated by whitespace and kept as they are. conllu: CoNLL-U, every column and comment kept. With lines and
    tokens, each input line gives one record, a blank line an empty one, so that the
    output lines up with the input (paste).

    Output (-f): tsv: token, tag, prob (then tag, prob for each extra candidate) per
    line, a blank line after each sentence (a blank input line: just the blank line).
    tags: word/TAG, one sentence per line (an empty line for a blank one); the tag is
    what follows the last slash, as in and/or/CCONJ. jsonl: one object per sentence,
    with "line", the input line number, for lines and tokens (a blank line has no
    tokens). conllu: UPOS and XPOS filled; blank lines are left out, and sent_id is
    the input line number for lines and tokens. table: for people. A multiword token
    (don't = do n't, Italian dei = di i) keeps its form: a range row in conllu, a line
    "# multiword 3-4 = dei" before its words in tsv where they do not spell it, "multiword": {"id", "form"} on its
    words in jsonl, a row of its own in the table.

    \b
    Examples:
      rnncli tag "I study at night"
      rnncli tag -I lines -f tags --input notes.txt | paste notes.txt -
      rnncli tag -f jsonl --top 3 --tagset ptb "They can fish."
    """
    from rnncli.cli.views import tag as view
    from rnncli.cli.views.console import print_warning
    from rnncli.infer.tagger import tag_lines
    from rnncli.infer.tokenizer import open_tokenizer, tokenizer_file
    from rnncli.infer.unfamiliar import watched
    from rnncli.model.bundled import open_model, resolve_model
    from rnncli.model.tagsets import chosen_head
    from rnncli.text.inputs import open_input

    fmt, tokenizer = output_format(fmt, "tsv"), tokenizer_name(tokenizer)
    refuse_input_as_output(text, input_path, [resolve_model(model, "tagger"), tokenizer_file(tokenizer)])
    source = open_input(text, input_path, print_warning)
    tagger = open_model(model, "tagger")
    name, head = chosen_head(tagger.labels, tagset.value if tagset else None, tagger.path)
    cutter = open_tokenizer(tokenizer, input_format.value)
    lines = watched(source.lines, cutter.model.words, cutter.name, print_warning) if cutter else source.lines
    results = tag_lines(tagger, lines, input_format.value, source.source, per_line=source.interactive,
                        input_waiting=source.input_waiting, jobs=workers(jobs, source.interactive), tokenizer=cutter)
    view.show(results, fmt, name, tagger.labels[head], head, top, threshold)
