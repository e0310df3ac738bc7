"""`rnncli next`, `rnncli generate` and `rnncli eval lm`: what a character language model says."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.cli.options import (AsJson, ModelNames, SentimentFormat, TextArgs, finite, from_argv, output_format,
                                refuse_model_from_stdin)
from rnncli.errors import EXIT_USAGE, RnnCliError
from rnncli.model.config import DEFAULT_MODEL
from rnncli.checks import MAX_SEED
from rnncli.infer.sampling import MAX_LENGTH, MAX_TEMPERATURE, MAX_WORDS, MIN_TEMPERATURE

ModelOption = Annotated[str, typer.Option("--model", "-m", metavar="MODEL",
                                          help="A bundled language model (lstm, rnn) or the path of a model file.")]
NextFormatOption = Annotated[SentimentFormat, typer.Option("--format", "-f", help="auto: a table on a terminal, "
                                                                                 "tsv otherwise.")]


MAX_PROMPT_BYTES = 1 << 20  # a prompt is read whole: at most this much (the model runs it a character at a time)


def _too_long(source: str) -> RnnCliError:
    return RnnCliError(f"{source}: the text is longer than {MAX_PROMPT_BYTES:,} bytes; give its end only", EXIT_USAGE)


def _capped(text: str, source: str) -> str:
    """`text`, if it is at most MAX_PROMPT_BYTES of UTF-8; a usage error otherwise."""
    if len(text.encode("utf-8")) > MAX_PROMPT_BYTES:
        raise _too_long(source)
    return text


def piped_text(hint: str = "give a text, or pipe one in") -> str:
    """What is piped in, read whole: UTF-8 text of at most MAX_PROMPT_BYTES, decoded as tag
    decodes its input (binary and UTF-16 are errors, with tag's messages and exit code, even
    past the limit: /dev/zero is binary; other invalid bytes become U+FFFD with a warning); on a
    terminal, a usage error that says `hint`. A file that is stdout too (`rnncli next < f >> f`)
    is refused, as tag refuses it: the output would be appended to the input."""
    from rnncli.cli.views.console import print_warning
    from rnncli.files import is_stdout
    from rnncli.text.decoding import decode_lines

    if sys.stdin is None:
        raise RnnCliError("no input: stdin is closed", EXIT_USAGE)
    if sys.stdin.isatty():
        raise RnnCliError(hint, EXIT_USAGE)
    if is_stdout(0):
        raise RnnCliError("<stdin>: input file is output file")
    data = sys.stdin.buffer.read(MAX_PROMPT_BYTES + 1)
    lines = data.split(b"\n")  # decode_lines counts lines for its messages
    text = "".join(decode_lines([line + b"\n" for line in lines[:-1]] + lines[-1:], "<stdin>", print_warning))
    if len(data) > MAX_PROMPT_BYTES:
        raise _too_long("<stdin>")
    return text


def _prompt(words: Optional[list[str]]) -> str:
    """The arguments joined by spaces (bytes of argv that are not UTF-8 as U+FFFD, with a warning,
    as tag reads them), or what is piped in: at most MAX_PROMPT_BYTES either way. Trailing line
    ends are not part of it (`echo "I study at" | rnncli next`); an empty text (piped too: there is
    nothing to follow) is the usage error tag gives an empty TEXT."""
    from rnncli.cli.views.console import print_warning
    from rnncli.text.inputs import argument_text

    if words and words != ["-"]:
        text = _capped(argument_text(" ".join(words), print_warning), "<argument>")
    else:
        text = piped_text()
    text = text.rstrip("\r\n").replace("\r\n", "\n").replace("\r", " ")  # a CR line end is a line end, a CR alone
    # a space (as decode_lines warns); the model reads it in NFC (infer.lm)
    if not text.strip():
        raise RnnCliError("the text is empty; give some words to read", EXIT_USAGE)
    return text


def _warn_if_unseen(models: dict, text: str) -> None:
    """A warning for each model (name -> LanguageModel) that never saw most of the text's characters."""
    from rnncli.cli.views.console import print_warning
    from rnncli.infer.unfamiliar import prompt_message

    for name, lm in models.items():
        message = prompt_message(lm.model.words, name, text)
        if message:
            print_warning(message)


def next_word(
    text: TextArgs = None, model: ModelNames = [DEFAULT_MODEL],  # noqa: B006
    k: Annotated[int, typer.Option("-k", min=1, max=MAX_WORDS, help="How many words.")] = 5,
    fmt: NextFormatOption = "auto",
) -> None:
    """The k most probable next words after TEXT.

    Their probabilities are the next word's distribution. A word's probability is the product of its characters' (and of the space or
    punctuation that ends it), found by a beam search over characters. The next word is never the rest of the text's
    last word: after "I study at" come the words after "at", not "tached".

    Output (-f): tsv: model, rank, word, prob. jsonl: {"model", "text", "words"}.
    table: the models side by side.

    \b
    Examples:
      rnncli next "I study at"
      rnncli next -m lstm -m rnn -k 10 "The president said that"
    """
    from rnncli.cli.views.lm import show_next
    from rnncli.infer.lm import LanguageModel
    from rnncli.model.bundled import open_model, resolve_model

    refuse_model_from_stdin([resolve_model(name, "lm") for name in model], not text or text == ["-"], "arguments")
    prefix = _prompt(text)
    models = {name: LanguageModel(open_model(name, "lm")) for name in dict.fromkeys(model)}
    _warn_if_unseen(models, prefix)
    found = {name: lm.next_words(prefix, k) for name, lm in models.items()}  # a model given twice is run once
    show_next(prefix, [(name, found[name]) for name in model], output_format(fmt, "tsv"))


def generate(
    prime: Annotated[str, typer.Option(callback=from_argv, show_default=r'"\n", a line break: the start of a text',
                                       help="Text to start from (the sample follows it); `-`: what is piped "
                                            "in, without the line breaks at its end.")] = "\n",
    length: Annotated[int, typer.Option(min=1, max=MAX_LENGTH, metavar="N", help="Characters to sample.")] = 300,
    temperature: Annotated[float, typer.Option(min=MIN_TEMPERATURE, max=MAX_TEMPERATURE, metavar="T", callback=finite,
                                               help="Below 1: safer text; above 1: wilder.")] = 0.8,
    top_k: Annotated[Optional[int], typer.Option(min=1, metavar="K", help="Sample among the K most probable "
                                                                           "characters only.")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="S", help="Same seed, same text.")] = 0,
    model: ModelOption = DEFAULT_MODEL,
) -> None:
    """Sample text from a character language model.

    The text is written as it is sampled.

    \b
    Examples:
      rnncli generate --prime "The " --length 200 --seed 1
      rnncli generate -m rnn --temperature 0.5
      echo "ROMEO:" | rnncli generate --prime -
    """
    from rnncli.cli.views.lm import stream
    from rnncli.infer.lm import LanguageModel
    from rnncli.model.bundled import open_model, resolve_model

    refuse_model_from_stdin([resolve_model(model, "lm")], prime == "-", "--prime TEXT")
    if prime == "-":
        prime = piped_text("--prime -: pipe the prime in, or give it as --prime TEXT").rstrip("\r\n") or "\n"
    prime = _capped(prime, "--prime")
    lm = LanguageModel(open_model(model, "lm"))
    _warn_if_unseen({model: lm}, prime)
    stream(lm.generate(prime, length, temperature, top_k, seed))


def eval_lm(data: Annotated[Path, typer.Option("--data", "-d", readable=False, metavar="TEXT", help=(
        "Running text: a UTF-8 file, a CoNLL-U file's raw text, or FILE@A-B for a fraction of one."))],
            model: ModelNames = [DEFAULT_MODEL], as_json: AsJson = False) -> None:  # noqa: B006
    """Bits per character and perplexity per word on running text.

    Language models side by side on the same text. Perplexity per word is 2 ** (bits per character x the text's
    characters / its words), words being whitespace-separated; bits per character are measured on the characters
    scored (all but a few at the ends of the streams the text is read in).

    \b
    Examples:
      rnncli eval lm --data en_ewt-ud-test.conllu -m lstm -m rnn
      rnncli eval lm --data input.txt@0.9-1 -m shakespeare.safetensors
    """
    from rnncli.cli.views.lm import show_eval
    from rnncli.data.running import read_text, text_file
    from rnncli.files import is_stdout
    from rnncli.infer.lm import LanguageModel
    from rnncli.model.bundled import open_model

    if is_stdout(text_file(str(data))):  # `eval lm -d f >> f` would append the scores to the text
        raise RnnCliError(f"{data}: input file is output file")
    text = read_text(str(data))
    if len(text) < 2:  # a data problem, named (infer.lm says it as the library's usage error)
        raise RnnCliError(f"{data}: {'empty' if not text else 'one character'}; a text to score needs at least two")
    files = {name: open_model(name, "lm") for name in dict.fromkeys(model)}
    scores = {name: LanguageModel(f).scores(text) for name, f in files.items()}
    documents = [{"model": str(files[name].path), "data": str(data), **scores[name]} for name in model]
    show_eval(model, scores, documents, data, as_json)
