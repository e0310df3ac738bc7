"""`rnncli experiment memory|tanh|clue`: small networks trained from scratch to test the lecture's
claims, with a progress bar on stderr while they train; `clue` reads the language models."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.checks import MAX_SEED
from rnncli.cli.options import (PLOT_FILE, ExplainFormat, ModelNames, check_plot, int_list, name_list,
                                output_format)
from rnncli.errors import require

ExperimentFormat = Annotated[ExplainFormat, typer.Option("--format", "-f",
                                                         help="auto: a table on a terminal, tsv otherwise.")]
MemoryCells = Annotated[str, typer.Option("--cell", metavar="CELLS", help="Cells to compare, comma-separated.")]
Distances = Annotated[str, typer.Option(metavar="N,N,...", help="Distances between the label and the end, "
                                                                "comma-separated.")]
MemorySteps = Annotated[int, typer.Option(min=1, max=100_000, metavar="N",
                                          help="Training steps per cell and distance.")]
MemoryHidden = Annotated[int, typer.Option(min=1, max=1024, metavar="N", help="State size of every cell.")]
FirstSeed = Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="N", help="First random seed.")]
Seeds = Annotated[int, typer.Option(min=1, max=100, metavar="N", help="Seeds to average over (seed, seed+1, ...).")]
MemoryPlot = Annotated[Optional[Path], typer.Option(readable=False, metavar="FILE", help=(
    f"Also draw accuracy against distance to this file ({PLOT_FILE})."))]
Depths = Annotated[str, typer.Option(metavar="N,N,...", help="Numbers of stacked RNN layers, comma-separated.")]
BitTask = Annotated[str, typer.Option(metavar="<parity|xor>",
                                      help="parity: of all bits; xor: of the first and last bit.")]
Bits = Annotated[int, typer.Option(min=2, max=64, metavar="N", help="Bits per sequence.")]
TanhSteps = Annotated[int, typer.Option(min=1, max=100_000, metavar="N", help="Training steps per network.")]
TanhSeed = Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="N", help="Random seed.")]


def experiment_memory(cells: MemoryCells = "rnn,lstm,gru", distances: Distances = "5,10,20,50,100",
                      steps: MemorySteps = 600, hidden: MemoryHidden = 32, seed: FirstSeed = 0, seeds: Seeds = 1,
                      fmt: ExperimentFormat = "auto", plot: MemoryPlot = None) -> None:
    """Can an RNN, an LSTM and a GRU remember across N steps?

    Trains a vanilla RNN, an LSTM and a GRU of the same size to remember the first
    symbol of a sequence across N distractors, for several N; prints test accuracy and
    each trained network's gradient decay per step (Bengio et al. 1994; Hochreiter &
    Schmidhuber 1997).

    \b
    Examples:
      rnncli experiment memory
      rnncli experiment memory --distances 10,50 --seeds 3
      rnncli experiment memory -f json > memory.json
    """
    cells, distances = name_list(cells, "--cell"), int_list(distances, "--distances", 1000)
    fmt = before_training(fmt, plot)
    from rnncli.cli.views.experiment import show_memory
    from rnncli.cli.views.progress import StepProgress
    from rnncli.explain.memory import memory_experiment

    with StepProgress(len(cells) * len(distances) * steps * seeds) as progress:
        result = memory_experiment(cells=cells, distances=distances, steps=steps, hidden=hidden, seed=seed,
                                   seeds=seeds, progress=progress)
    show_memory(result, fmt)
    if plot is not None:
        from rnncli.plot import plot_memory

        plot_memory(plot, result)


def experiment_tanh(depths: Depths = "1,3", task: BitTask = "parity", length: Bits = 3, steps: TanhSteps = 500,
                    seed: TanhSeed = 0, fmt: ExperimentFormat = "auto") -> None:
    """Why tanh: stacked linear RNN layers collapse into one.

    Vanilla RNNs of 1 and 3 layers with the linear activation and with tanh, trained on
    a task no linear map can do. The linear stacks stay at chance at every depth: the
    probability they give the right answer stays at 0.5 and their loss at ln 2 = 0.693
    (the trained network is checked to be one affine map of its input); tanh learns.
    Their accuracy (the likelier answer, by a hair) lands anywhere: on parity a linear
    rule is right on 2 to 6 of every 8 patterns (25% to 75%).

    \b
    Examples:
      rnncli experiment tanh
      rnncli experiment tanh --task xor --depths 1,2,3
    """
    depths = int_list(depths, "--depths", 8)
    fmt = before_training(fmt, None)
    from rnncli.cli.views.experiment import show_tanh
    from rnncli.cli.views.progress import StepProgress
    from rnncli.explain.tanh import tanh_experiment

    with StepProgress(2 * len(depths) * steps) as progress:
        result = tanh_experiment(depths=depths, task=task, length=length, steps=steps, seed=seed, progress=progress)
    show_tanh(result, fmt)


ClueDistances = Annotated[str, typer.Option("--distances", metavar="N,N,...", help=(
    "Words of other text between the clue's sentence and the one that needs it, comma-separated."))]
Fillers = Annotated[int, typer.Option(min=2, max=1000, metavar="N", help=(
    "Runs of other text per distance and seed, each put after every country."))]
FillerFile = Annotated[Optional[Path], typer.Option("--filler", readable=False, metavar="FILE", help=(
    "Other text to draw from (UTF-8, or CoNLL-U): by default public-domain speeches that ship with rnncli."))]


def experiment_clue(model: ModelNames = ["lm-rnn", "lm-lstm"], distances: ClueDistances = "0,10,20,40",  # noqa: B006
                    fillers: Fillers = 40, seed: FirstSeed = 0, seeds: Seeds = 3, filler: FillerFile = None,
                    fmt: ExperimentFormat = "auto") -> None:
    """Does a language model remember a clue N words back?

    "I grew up in Korea. <N words of other text> I will study until English is as
    easy as": each language model scores 12 languages there, after each of 12 countries.
    Prints how often it picks the right one, its probability, and the gain: how much the
    clue raises the right language over that language's own prior (0: no trace of the
    clue), with 95% intervals over the runs of text and the countries. Reads the
    models; trains nothing.

    
    Examples:
      rnncli experiment clue
      rnncli experiment clue --distances 0,5,10 --seeds 3
      rnncli experiment clue -m lm-lstm -m my-lm.safetensors -f json
    """
    distances = int_list(distances, "--distances", 1000, minimum=0)
    fmt = output_format(fmt, "tsv")
    from rnncli.cli.views.experiment import show_clue
    from rnncli.explain.clue import clue_experiment
    from rnncli.infer.lm import LanguageModel
    from rnncli.model.bundled import open_model

    models = [(name, LanguageModel(open_model(name, "lm"))) for name in dict.fromkeys(model)]
    text = None
    if filler is not None:
        from rnncli.data.running import read_text

        text = read_text(str(filler))
    result = clue_experiment(models, distances, fillers=fillers, seed=seed, seeds=seeds, filler_text=text)
    show_clue(result, fmt)


def before_training(fmt: Enum, plot: Optional[Path]) -> str:
    """The output format, once torch (and for --plot, matplotlib and a writable file) are known
    to be there: fail before the work, not after."""
    fmt = output_format(fmt, "tsv")
    require("torch", "train")
    if plot is not None:
        check_plot(plot, [])
    return fmt
