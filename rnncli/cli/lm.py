"""`rnncli next`, `rnncli generate` and `rnncli eval lm`: what a character language model says."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.cli.options import AsJson, ModelNames, SentimentFormat, TextArgs, output_format
from rnncli.errors import EXIT_USAGE, RnnCliError

ModelOption = Annotated[str, typer.Option("--model", "-m", metavar="MODEL",
                                          help="A bundled language model (lstm, rnn) or the path of a model file.")]
NextFormatOption = Annotated[SentimentFormat, typer.Option("--format", "-f", help="auto: a table on a terminal, "
                                                                                 "tsv otherwise.")]


MAX_PIPED_BYTES = 1 << 20  # a piped text is read whole: at most this much (the model runs it a character at a time)


def _text(words: Optional[list[str]]) -> str:
    """The arguments joined, or what is piped in: UTF-8 text of at most MAX_PIPED_BYTES."""
    if words and words != ["-"]:
        return " ".join(words)
    if sys.stdin is None:
        raise RnnCliError("no input: stdin is closed", EXIT_USAGE)
    if sys.stdin.isatty():
        raise RnnCliError("give a text, or pipe one in", EXIT_USAGE)
    data = sys.stdin.buffer.read(MAX_PIPED_BYTES + 1)
    if len(data) > MAX_PIPED_BYTES:
        raise RnnCliError(f"the piped text is longer than {MAX_PIPED_BYTES:,} bytes; give its end only", EXIT_USAGE)
    if b"\0" in data:
        raise RnnCliError("input looks binary (NUL byte); expected UTF-8 text", EXIT_USAGE)
    try:
        return data.decode("utf-8").rstrip("\n")
    except UnicodeDecodeError as exc:
        raise RnnCliError(f"the piped text is not UTF-8 ({exc})", EXIT_USAGE) from None


def next_word(
    text: TextArgs = None, model: ModelNames = ["lstm"],  # noqa: B006
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many words.")] = 5,
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
    from rnncli.model.bundled import open_model

    prefix = _text(text)
    ranked = {name: LanguageModel(open_model(name, "lm")).next_words(prefix, k) for name in model}
    show_next(prefix, ranked, output_format(fmt, "tsv"))


def generate(
    prime: Annotated[str, typer.Option(help="Text to start from (the sample follows it).")] = "\n",
    length: Annotated[int, typer.Option(min=1, max=1_000_000, metavar="N", help="Characters to sample.")] = 300,
    temperature: Annotated[float, typer.Option(min=0.01, max=100.0, metavar="T",
                                               help="Below 1: safer text; above 1: wilder.")] = 0.8,
    top_k: Annotated[Optional[int], typer.Option(min=1, metavar="K", help="Sample among the K most probable "
                                                                           "characters only.")] = None,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, metavar="S", help="Same seed, same text.")] = 0,
    model: ModelOption = "lstm",
) -> None:
    """Sample text from a character language model.

    The text is written as it is sampled.

    \b
    Examples:
      rnncli generate --prime "The " --length 200 --seed 1
      rnncli generate -m rnn --temperature 0.5
    """
    from rnncli.cli.views.lm import stream
    from rnncli.infer.lm import LanguageModel
    from rnncli.model.bundled import open_model

    lm = LanguageModel(open_model(model, "lm"))
    stream(lm.generate(prime, length, temperature, top_k, seed))


def eval_lm(data: Annotated[Path, typer.Option("--data", "-d", metavar="TEXT", help=(
        "Running text: a UTF-8 file, a CoNLL-U file's raw text, or FILE@A-B for a fraction of one."))],
            model: ModelNames = ["lstm"], as_json: AsJson = False) -> None:  # noqa: B006
    """Bits per character and perplexity per word on running text.

    Language models side by side on the same text. Perplexity per word is 2 ** (bits per character x characters / words), words
    being whitespace-separated.

    \b
    Examples:
      rnncli eval lm --data en_ewt-ud-test.conllu -m lstm -m rnn
      rnncli eval lm --data input.txt@0.9-1 -m shakespeare.safetensors
    """
    from rnncli.cli.views.lm import show_eval
    from rnncli.data.running import read_text
    from rnncli.infer.lm import LanguageModel
    from rnncli.model.bundled import open_model

    text = read_text(str(data))
    scores = {name: LanguageModel(open_model(name, "lm")).scores(text) for name in model}
    show_eval(scores, as_json)
