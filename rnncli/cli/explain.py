"""`rnncli explain-gradients`: how far back the gradient reaches, for one text, over the
sentences of a file (--input), or with random weights (--synthetic)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.checks import MAX_SEED
from rnncli.cli.options import (MAX_FORGET_BIAS, MAX_RADIUS, PLOT_FILE, Activation, ExplainFormat,
                                ExplainTask, check_plot, finite, name_list, output_format, positive, refuse_unused)
from rnncli.errors import EXIT_USAGE, RnnCliError, require
from rnncli.explain.budget import CORPUS_MAX_TOKENS

ExplainedText = Annotated[Optional[list[str]], typer.Argument(
    show_default="a long-dependency sentence", metavar="[TEXT]...",
    help="Text to explain; `-` or nothing reads stdin when it is piped (a pipe without words: the default "
         "sentence).")]
Task = Annotated[ExplainTask, typer.Option(help="sentiment: the label; tagger: the last token's tag.")]
Models = Annotated[list[str], typer.Option("--model", "-m", metavar="MODEL", show_default="rnn and lstm",
                                           help="Model to explain (name or file); repeat to compare.")]
Saliency = Annotated[bool, typer.Option(help="Add gradient x input per token: which words drove the prediction.")]
Corpus = Annotated[Optional[Path], typer.Option(
    "--input", "-i", readable=False, metavar="FILE", help="Statistics over many sentences of this file (CoNLL-U, "
                                          "label<TAB>text TSV, or one sentence per line; `-`: stdin) instead of one "
                                          "text.")]
MaxSentences = Annotated[int, typer.Option(min=1, max=100_000, metavar="N",
                                           help="With --input: the first N sentences (each read to its first "
                                                f"{CORPUS_MAX_TOKENS} tokens).")]
Synthetic = Annotated[bool, typer.Option(help="Random weights instead of a trained model.")]
Length = Annotated[int, typer.Option(min=2, max=10_000, metavar="T", help="Synthetic: sequence length.")]
Cells = Annotated[str, typer.Option("--cell", metavar="CELLS", help="Synthetic: cells to compare, "
                                                                    "comma-separated (rnn, lstm, gru).")]
Radius = Annotated[float, typer.Option(min=0.0, max=MAX_RADIUS, callback=finite, metavar="R", help=(
    "Synthetic: spectral radius of the recurrent matrix (<1 vanishes, >1 explodes)."))]
SyntheticActivation = Annotated[Activation, typer.Option(help="Synthetic: the rnn cell's nonlinearity (linear: compare "
                                                              "with W_hh^k).")]
Seed = Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="N", help="Synthetic: random seed.")]
Hidden = Annotated[int, typer.Option(min=1, max=1024, metavar="N", help="Synthetic: state size.")]
ForgetBias = Annotated[float, typer.Option(
    min=-MAX_FORGET_BIAS, max=MAX_FORGET_BIAS, callback=finite, metavar="B", help=(
        "Synthetic: bias of the gate that keeps the state, the LSTM's forget gate and the GRU's update gate (3: ~0.95 "
        "open; 0: half open)."))]
Clip = Annotated[Optional[float], typer.Option(callback=positive, metavar="NORM", help=(
    "Synthetic: show gradient-norm clipping at this threshold (above 0)."))]
Format = Annotated[ExplainFormat, typer.Option("--format", "-f", help=(
    "auto: a table on a terminal, tsv otherwise. tsv holds the norms (per token, per distance) only; json holds "
    "every figure: decay factors, reach, verdicts, predictions, clipping."))]
Plot = Annotated[Optional[Path], typer.Option(readable=False, metavar="FILE", help=(
    f"Also draw norm against distance (log scale) to this file ({PLOT_FILE})."))]


SYNTHETIC_ONLY = ("length", "cells", "radius", "activation", "seed", "hidden", "forget_bias", "clip")
MODEL_ONLY = ("task", "model", "saliency", "max_sentences")  # the options of a trained model's explanation


def explain_gradients(
    ctx: typer.Context, text: ExplainedText = None, task: Task = "sentiment", model: Models = [],  # noqa: B006
    saliency: Saliency = False, corpus: Corpus = None, max_sentences: MaxSentences = 500, synthetic: Synthetic = False,
    length: Length = 50,
    cells: Cells = "rnn,lstm", radius: Radius = 1.0, activation: SyntheticActivation = "tanh", seed: Seed = 0,
    hidden: Hidden = 32, forget_bias: ForgetBias = 3.0, clip: Clip = None, fmt: Format = "auto", plot: Plot = None,
) -> None:
    """How far back the gradient reaches: RNN against LSTM.

    Shows how the gradient reaching earlier tokens vanishes in a vanilla RNN (or
    explodes), and how an LSTM keeps it: per token, or over a corpus with --input, or
    with random weights (--synthetic).

    Decay factor: the factor the gradient norm is multiplied by per step back, on
    average over a text of T tokens, (|g_1| / |g_T|) ** (1 / (T - 1)). Reach: how many
    steps back the norm is still at least 1e-3 of its largest value. The verdict:
    vanishes below x0.952 (1/1.05) per step, explodes above x1.05, holds between; with
    --input, on the quartiles of the sentences' factors (vanishes when three quarters
    of them are below x0.952). With -f json, numbers have 4 significant digits.

    \b
    Examples:
      rnncli explain-gradients "The film starts slow but the ending is wonderful"
      rnncli explain-gradients --task tagger --input dev.conllu -f json
      rnncli explain-gradients --synthetic --radius 1.5 --activation linear
    """
    from rnncli.model.bundled import resolve_model

    fmt = output_format(fmt, "tsv")
    if synthetic and (text or corpus):
        raise RnnCliError("--synthetic uses random inputs; give no text or --input with it", EXIT_USAGE)
    if corpus is not None and text:
        raise RnnCliError("give either TEXT or --input FILE, not both", EXIT_USAGE)
    if synthetic:
        refuse_unused(ctx, MODEL_ONLY, "to a trained model, not with --synthetic")
    else:
        refuse_unused(ctx, SYNTHETIC_ONLY, "only with --synthetic")
    refuse_unused(ctx, ("max_sentences",) if corpus is None else ("saliency",),
                  "only with --input" if corpus is None else "to one text, not with --input")
    require("torch", "train")
    specs = model or ["rnn", "lstm"]
    if plot is not None:
        check_plot(plot, [("--model", resolve_model(spec, task.value)) for spec in specs] + [("--input", corpus)])
    if synthetic:
        series = explain_synthetic(fmt, cells, length, radius, activation.value, hidden, seed, clip, forget_bias)
    elif corpus is not None:
        series = explain_corpus_file(fmt, specs, task.value, corpus, max_sentences)
    else:
        series = explain_one_text(fmt, specs, task.value, text, saliency)
    if plot is not None:
        from rnncli.plot import plot_norms

        plot_norms(plot, series, title="gradient norm against distance to the output")


def explain_one_text(fmt: str, specs: list[str], task: str, text: Optional[list[str]],
                     saliency: bool) -> dict[str, list[float]]:
    """The models' gradient norms per token of the TEXT arguments, or of what is piped in
    (neither: the library's long-dependency sentence), shown; returns each model's norms for --plot."""
    from rnncli.cli.views import explain as view
    from rnncli.cli.views.console import print_warning
    from rnncli.explain.sentence import explain_models
    from rnncli.text.inputs import argument_text, piped_text

    if text == ["-"] or (not text and sys.stdin is not None and not sys.stdin.isatty()):
        piped = piped_text(print_warning)
        joined = piped if piped.strip() else None
    else:
        joined = argument_text(" ".join(text), print_warning) if text else None
    tokens, explanations = explain_models(specs, task, joined, saliency)
    view.show_text(tokens, explanations, fmt, task, saliency)
    return {e.name: e.grad_norms for e in explanations}


def explain_corpus_file(fmt: str, specs: list[str], task: str, corpus: Path,
                        max_sentences: int) -> dict[str, list[float]]:
    """The statistics over the first `max_sentences` sentences of `corpus`, shown; returns each
    model's median norms from the first token on for --plot."""
    from rnncli.cli.views import explain as view
    from rnncli.explain.corpus import CORPUS_NOTE, explain_corpus, read_corpus

    explanations = explain_corpus(specs, task, read_corpus(str(corpus), max_sentences), max_sentences)
    if explanations[0].cut:
        from rnncli.cli.views.console import print_warning

        cut = explanations[0].cut
        print_warning(f"{cut:,} of the sentences {'is' if cut == 1 else 'are'} longer than {CORPUS_MAX_TOKENS} tokens: "
                      f"{'it is' if cut == 1 else 'each is'} read to its first {CORPUS_MAX_TOKENS}")
    view.show_corpus(explanations, fmt, str(corpus), task, CORPUS_NOTE)
    return {e.name: [m for m in reversed(e.median) if m is not None] for e in explanations}


def explain_synthetic(fmt: str, cells: str, length: int, radius: float, activation: str, hidden: int, seed: int,
                      clip: Optional[float], forget_bias: float) -> dict[str, list[float]]:
    """Cells with random weights, shown; returns each cell's norms for --plot."""
    from rnncli.cli.views import explain as view
    from rnncli.explain.synthetic import synthetic_cells

    names = ",".join(name_list(cells, "--cell"))
    results = synthetic_cells(names, length, radius, activation, hidden, seed, clip, forget_bias)
    view.show_synthetic(results, fmt, length, radius, seed)
    return {r.cell: r.grad_norms for r in results}
