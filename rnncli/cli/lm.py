"""`rnncli next`, `rnncli generate` and `rnncli eval lm`: what a character language model says."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.cli.options import (AsJson, ModelNames, SentimentFormat, TextArgs, finite, from_argv, output_format,
                                refuse_model_from_stdin)
from rnncli.errors import RnnCliError
from rnncli.model.config import DEFAULT_MODEL
from rnncli.checks import MAX_SEED
from rnncli.infer.sampling import MAX_LENGTH, MAX_TEMPERATURE, MAX_WORDS, MIN_TEMPERATURE
from rnncli.text.inputs import capped_prompt, piped_text, prompt_line_ends, prompt_text

ModelOption = Annotated[str, typer.Option("--model", "-m", metavar="MODEL",
                                          help="A bundled language model (lstm, rnn) or the path of a model file.")]
NextFormatOption = Annotated[SentimentFormat, typer.Option("--format", "-f", help="auto: a table on a terminal, "
                                                                                 "tsv otherwise.")]


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
    k: Annotated[int, typer.Option("-k", min=1, max=MAX_WORDS, metavar="N", help="How many words.")] = 5,
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
    from rnncli.cli.views.console import print_warning
    from rnncli.cli.views.lm import show_next
    from rnncli.infer.lm import LanguageModel
    from rnncli.model.bundled import open_model, resolve_model

    refuse_model_from_stdin([resolve_model(name, "lm") for name in model], not text or text == ["-"], "arguments")
    prefix = prompt_text(text, print_warning)
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
    from rnncli.cli.views.console import print_warning
    from rnncli.cli.views.lm import stream
    from rnncli.infer.lm import LanguageModel
    from rnncli.model.bundled import open_model, resolve_model

    refuse_model_from_stdin([resolve_model(model, "lm")], prime == "-", "--prime TEXT")
    if prime == "-":
        prime = prompt_line_ends(piped_text(print_warning, "--prime -: pipe the prime in, or give it as --prime TEXT"))
    prime = capped_prompt(prime or "\n", "--prime")
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
