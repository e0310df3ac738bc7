"""`rnncli train tagger|sentiment|tokenizer|lm`: train a model from data files. Each option is
declared once; each task's defaults come from train.job.DEFAULTS; the model file records the
command with every option spelled out."""

from __future__ import annotations

import shlex
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.checks import MAX_SEED
from rnncli.cli.options import (DEFAULT_TOKENIZER, MAX_LR, MAX_SIZE, MAX_THREADS, PLOT_FILE, Activation,
                                Cell, DataTokenizer, Dtype, LabelNames, Pooling, TrainDevice, at_most_cores, finite,
                                given, positive, split_label_names)
from rnncli.data.locations import one_line_quote, shell_word
from rnncli.errors import require
from rnncli.infer.tokenizer import CONTEXT, CORE
from rnncli.train.job import DEFAULTS, MIN_PIECE  # (no torch)

TAGGER, SENTIMENT, TOKENIZER, LM = DEFAULTS["tagger"], DEFAULTS["sentiment"], DEFAULTS["tokenizer"], DEFAULTS["lm"]

# options of every task
Out = Annotated[Path, typer.Option("--out", "-o", readable=False, metavar="FILE",
                                   help="Model file to write (.safetensors); its checkpoint is FILE.ckpt.")]
DevData = Annotated[list[Path], typer.Option(readable=False, metavar="DATA", help=(
    "Dev data, same formats: picks the best epoch; repeat to join (e.g. one set per domain)."))]
TestData = Annotated[Optional[Path], typer.Option(readable=False, metavar="DATA", help=(
    "Test data, same formats: scored once at the end, never used for choices."))]
CellOption = Annotated[Cell, typer.Option(help="Recurrent cell.")]
ActivationOption = Annotated[Activation, typer.Option(help="Nonlinearity of the vanilla rnn cell.")]
Layers = Annotated[int, typer.Option(min=1, max=8, metavar="N", help="Recurrent layers.")]
Hidden = Annotated[int, typer.Option(min=1, max=MAX_SIZE, metavar="N", help="Recurrent state size per direction.")]
LmHidden = Annotated[int, typer.Option("--hidden", min=1, max=MAX_SIZE, metavar="N",
                                       help="Recurrent state size (the model reads one way).")]
UpperHidden = Annotated[int, typer.Option(min=0, max=MAX_SIZE, metavar="N", help=(
    "One more recurrent layer of N per direction that reads only the characters where a token can end "
    "(about one in five in English; few in a script written without spaces, where the layers below decide), "
    "above --layers over every character; 0: none."))]
PieceChars = Annotated[int, typer.Option(min=MIN_PIECE, max=1_000_000, metavar="N", help=(
    "Training text is cut at whitespace into pieces of at most N characters, each read from a zero state "
    f"(the bundled tokenizers read windows of up to {CORE + 2 * CONTEXT} characters)."))]
EmbeddingDim = Annotated[int, typer.Option(min=1, max=MAX_SIZE, metavar="N", help="Word embedding size.")]
Char = Annotated[bool, typer.Option("--char/--no-char", help="Character-level recurrent features per word.")]
CharHidden = Annotated[int, typer.Option(min=1, max=MAX_SIZE, metavar="N",
                                         help="Character recurrent state size per direction.")]
Bidirectional = Annotated[bool, typer.Option("--bidirectional/--no-bidirectional", help="Read the text both ways.")]
Dropout = Annotated[float, typer.Option(min=0.0, max=0.9, callback=finite, metavar="P",
                                        help="Dropout on embeddings, between layers, before the output.")]
WordDropout = Annotated[float, typer.Option(min=0.0, max=0.9, callback=finite, metavar="P",
                                            help="Probability of replacing a word by <unk> in training.")]
Epochs = Annotated[int, typer.Option(min=1, metavar="N", help="Passes over the training data.")]
MinSteps = Annotated[int, typer.Option(min=0, metavar="N", help=(
    "At least this many updates (batches): on small data the epochs are raised to reach it; 0: none. "
    "Not applied when --epochs is given and --min-steps is not."))]
BatchSize = Annotated[int, typer.Option(min=1, max=65536, metavar="N", help="Sentences (texts) per step.")]
LearningRate = Annotated[float, typer.Option(max=MAX_LR, callback=positive, metavar="LR",
                                             help="Peak Adam learning rate (cosine decay), above 0.")]
MinWordCount = Annotated[int, typer.Option(min=1, metavar="N",
                                           help="Words seen fewer times get no embedding of their own.")]
Seed = Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="N",
                                   help="Random seed: same seed and data, same weights under the conditions "
                                        "of --threads (the files differ only in the timings and environment "
                                        "they record).")]
DtypeOption = Annotated[Dtype, typer.Option(help="Storage type of the saved weights.")]
Patience = Annotated[Optional[int], typer.Option(min=1, metavar="N",
                                                 help="Stop after N epochs without a better dev score.")]
MaxTime = Annotated[Optional[float], typer.Option(min=0.0, callback=finite, metavar="SECONDS", help=(
    "Stop once the run has taken this long, checked after every batch: the epoch under way ends there and is "
    "scored on dev like the others; the best epoch is saved. The learning rate comes down over this time as it "
    "does over the epochs, by whichever ends first."))]
Threads = Annotated[int, typer.Option(min=1, max=MAX_THREADS, metavar="N", help=(
    "Torch CPU threads, at most one per CPU this process may use (more only wait for each other). With 1, the "
    "same seed and data give identical weights wherever the library versions and torch's CPU capability are the "
    "same (rnncli info shows both); elsewhere the scores agree, not the last digits. 2 trained about 15% faster "
    "on 2 cores, but the weights then depend on the thread count."))]
Device = Annotated[TrainDevice, typer.Option(help="Where to train: auto is a CUDA GPU when torch sees one, "
                                                 "else the CPU.")]
Resume = Annotated[Optional[Path], typer.Option("--resume", readable=False, metavar="CKPT", help=(
    "Continue an interrupted run from its checkpoint (the --out file's name + .ckpt)."))]
MetricsLog = Annotated[Optional[Path], typer.Option("--metrics-log", readable=False, metavar="FILE",
                                                    help="Append one JSON line per epoch to this file.")]
Plot = Annotated[Optional[Path], typer.Option("--plot", readable=False, metavar="FILE", help=(
    f"Draw learning curves (training loss, and the dev scores by epoch) to this file ({PLOT_FILE})."))]


# options of one task
TaggedTrainData = Annotated[Path, typer.Option(readable=False, metavar="DATA", help=(
    "Training data: CoNLL-U (UPOS and XPOS), token<TAB>tag lines, word/TAG lines, or nltk:treebank or "
    "nltk:conll2000[:FILE]."))]
LabelledTrainData = Annotated[list[Path], typer.Option(readable=False, metavar="DATA", help=(
    "Training data: label<TAB>text TSV, or nltk:movie_reviews, nltk:movie_review_sentences, nltk:pros_cons, "
    "nltk:product_reviews or nltk:opinion_lexicon, each with an optional :train, :dev or :test; repeat to join."))]
RawTrainData = Annotated[list[Path], typer.Option(readable=False, metavar="DATA", help=(
    "Training data: CoNLL-U whose # text, SpaceAfter=No and # newpar spell out the raw text; repeat to join."))]
EmbeddingsFrom = Annotated[list[str], typer.Option(metavar="TEXT", help=(
    "Pretrain word vectors (PPMI + SVD) on unlabelled text: a text file, or nltk:movie_reviews with NLTK_DATA "
    "set; repeatable."))]
PoolingOption = Annotated[Pooling, typer.Option(help="How the states over time become one vector.")]
CharEmbeddingDim = Annotated[int, typer.Option(min=1, max=MAX_SIZE, metavar="N", help="Character embedding size.")]
CharDropout = Annotated[float, typer.Option("--char-dropout", min=0.0, max=0.9, callback=finite, metavar="P",
                                            help="Probability of replacing a character by <unk> in training.")]
TextTrainData = Annotated[list[Path], typer.Option(readable=False, metavar="TEXT", help=(
    "Training text: UTF-8 files of running text, the raw text of CoNLL-U files, or FILE@A-B for the fraction A to B "
    "of one (input.txt@0-0.9); repeat to join."))]
Streams = Annotated[int, typer.Option("--batch-size", min=1, max=65536, metavar="N",
                                      help="Contiguous streams of the text side by side, one per batch row.")]
RareChars = Annotated[int, typer.Option("--min-char-count", min=1, metavar="N",
                                        help="Characters seen fewer times read as <unk>.")]
MinCharCount = Annotated[int, typer.Option("--min-char-count", min=1, metavar="N",
                                           help="Characters seen fewer times read as their Unicode category.")]


def command_line(ctx: typer.Context, *words: str, portable: bool = True) -> str:
    """The command with every option spelled out, defaults included: what a model file records
    (without --resume, so that it runs the whole training again). Data paths read
    `"$RNNCLI_DATA"/...` and outputs are bare file names, so it pastes on another machine
    (data/locations.py); not `portable`, every path as given, to go on with a run here."""
    parts = [shlex.quote(word) for word in ("rnncli", *words)]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or not param.opts or param.name == "resume":
            continue
        value = value.value if isinstance(value, Enum) else value
        if getattr(param, "is_flag", False):
            if param.secondary_opts:
                parts.append(param.opts[0] if value else param.secondary_opts[0])
            elif value:
                parts.append(param.opts[0])
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:  # a repeatable option, or one value
            parts += [param.opts[0], shell_word(param.opts[0], item) if portable else one_line_quote(str(item))]
    return " ".join(parts)


def run_training(ctx: typer.Context, task: str, **task_options) -> None:
    """Both train commands: a TrainJob from the command's options, the task, the progress display."""
    require("torch", "train")
    if task_options.get("embeddings_from"):
        require("scipy", "train")
    from rnncli.cli.views.progress import TrainingProgress
    from rnncli.train import TASKS, TrainJob, train
    from rnncli.train.distributed import end_process

    ctx.params["threads"] = at_most_cores(ctx.params["threads"], "--threads", "training with")  # what the run uses,
    # and what the model file records
    if "min_steps" in ctx.params and given(ctx, "epochs") and not given(ctx, "min_steps"):
        ctx.params["min_steps"] = 0  # --epochs N alone means N epochs (and the model file records so)
    values = {name: value.value if isinstance(value, Enum) else value for name, value in ctx.params.items()
              if name not in task_options}
    job = TrainJob.for_task(task, command=command_line(ctx, "train", task),
                            here_command=command_line(ctx, "train", task, portable=False), **values)
    with TrainingProgress() as progress:
        train(job, TASKS[task](**task_options), progress)
    end_process()  # under torchrun, now: see its docstring


def train_tagger(
    ctx: typer.Context, train: TaggedTrainData, dev: DevData, out: Out, test: TestData = None,
    cell: CellOption = "lstm", activation: ActivationOption = "tanh", layers: Layers = TAGGER["layers"],
    hidden: Hidden = TAGGER["hidden"], embedding_dim: EmbeddingDim = TAGGER["embedding_dim"],
    char: Char = TAGGER["char"], char_hidden: CharHidden = TAGGER["char_hidden"], bidirectional: Bidirectional = True,
    dropout: Dropout = TAGGER["dropout"], word_dropout: WordDropout = TAGGER["word_dropout"],
    epochs: Epochs = TAGGER["epochs"], min_steps: MinSteps = TAGGER["min_steps"],
    batch_size: BatchSize = TAGGER["batch_size"], lr: LearningRate = TAGGER["lr"],
    min_word_count: MinWordCount = TAGGER["min_word_count"], seed: Seed = 1, dtype: DtypeOption = "float16",
    patience: Patience = None, max_time: MaxTime = None, threads: Threads = 1, device: Device = "auto", resume: Resume = None,
    metrics_log: MetricsLog = None, plot: Plot = None,
) -> None:
    """Train a POS tagger (UPOS and XPOS heads).

    A checkpoint is written after every epoch; Ctrl-C stops after the current batch and
    prints the command that continues the run (--resume) to the same weights.

    \b
    Examples:
      rnncli train tagger --train train.conllu --dev dev.conllu -o m.safetensors
      rnncli train tagger --train nltk:treebank --dev dev.conllu --cell rnn \\
          --epochs 10 --max-time 600 --out rnn.safetensors
    """
    run_training(ctx, "tagger")


def train_sentiment(
    ctx: typer.Context, train: LabelledTrainData, dev: DevData, out: Out, test: TestData = None,
    label_names: LabelNames = None, embeddings_from: EmbeddingsFrom = [],  # noqa: B006
    tokenizer: DataTokenizer = DEFAULT_TOKENIZER,
    cell: CellOption = "lstm", activation: ActivationOption = "tanh", pooling: PoolingOption = SENTIMENT["pooling"],
    layers: Layers = SENTIMENT["layers"], hidden: Hidden = SENTIMENT["hidden"],
    embedding_dim: EmbeddingDim = SENTIMENT["embedding_dim"], char: Char = SENTIMENT["char"],
    char_hidden: CharHidden = SENTIMENT["char_hidden"], bidirectional: Bidirectional = True,
    dropout: Dropout = SENTIMENT["dropout"], word_dropout: WordDropout = SENTIMENT["word_dropout"],
    epochs: Epochs = SENTIMENT["epochs"], min_steps: MinSteps = SENTIMENT["min_steps"],
    batch_size: BatchSize = SENTIMENT["batch_size"],
    lr: LearningRate = SENTIMENT["lr"], min_word_count: MinWordCount = SENTIMENT["min_word_count"], seed: Seed = 1,
    dtype: DtypeOption = "float16", patience: Patience = None, max_time: MaxTime = None, threads: Threads = 1,
    device: Device = "auto", resume: Resume = None, metrics_log: MetricsLog = None, plot: Plot = None,
) -> None:
    """Train a sentiment classifier (many-to-one).

    Data: label<TAB>text lines (header optional); 0/1 labels are named negative and
    positive unless --label-names says otherwise. Checkpoints and Ctrl-C as for
    rnncli train tagger.

    \b
    Examples:
      rnncli train sentiment --train train.tsv --dev dev.tsv --out m.safetensors
      rnncli train sentiment --train nltk:movie_reviews:train \\
          --dev nltk:movie_reviews:dev --max-time 1800 --out reviews.safetensors
    """
    run_training(ctx, "sentiment", label_names=split_label_names(label_names), embeddings_from=embeddings_from,
                 tokenizer=tokenizer)


def train_tokenizer(
    ctx: typer.Context, train: RawTrainData, dev: DevData, out: Out, test: TestData = None,
    cell: CellOption = "lstm", activation: ActivationOption = "tanh", layers: Layers = TOKENIZER["layers"],
    hidden: Hidden = TOKENIZER["hidden"], upper_hidden: UpperHidden = TOKENIZER["upper_hidden"],
    embedding_dim: CharEmbeddingDim = TOKENIZER["embedding_dim"], piece_chars: PieceChars = TOKENIZER["piece_chars"],
    bidirectional: Bidirectional = True, dropout: Dropout = TOKENIZER["dropout"],
    word_dropout: CharDropout = TOKENIZER["word_dropout"], epochs: Epochs = TOKENIZER["epochs"],
    min_steps: MinSteps = TOKENIZER["min_steps"],
    batch_size: BatchSize = TOKENIZER["batch_size"], lr: LearningRate = TOKENIZER["lr"],
    min_word_count: MinCharCount = TOKENIZER["min_word_count"], seed: Seed = 1, dtype: DtypeOption = "float16",
    patience: Patience = None, max_time: MaxTime = None, threads: Threads = 1, device: Device = "auto", resume: Resume = None,
    metrics_log: MetricsLog = None, plot: Plot = None,
) -> None:
    """Train a tokenizer and sentence splitter on raw text.

    A character-level recurrent network labels each character: inside, token end,
    sentence end, or word end inside a multiword token (do|n't). The raw text and
    the labels come from the CoNLL-U files themselves. Once the epoch is chosen, a
    bias on the sentence end label is fitted on dev (the best Sentences F1).

    \b
    Examples:
      rnncli train tokenizer --train en_ewt-ud-train.conllu \\
          --dev en_ewt-ud-dev.conllu -o tok.safetensors
      rnncli tag --tokenizer tok.safetensors "I don't know."
    """
    run_training(ctx, "tokenizer")


def train_lm(
    ctx: typer.Context, train: TextTrainData, dev: DevData, out: Out, test: TestData = None,
    cell: CellOption = "lstm", layers: Layers = LM["layers"], hidden: LmHidden = LM["hidden"],
    embedding_dim: CharEmbeddingDim = LM["embedding_dim"], dropout: Dropout = LM["dropout"],
    epochs: Epochs = LM["epochs"], batch_size: Streams = LM["batch_size"], lr: LearningRate = LM["lr"],
    min_word_count: RareChars = LM["min_word_count"], seed: Seed = 1, dtype: DtypeOption = "float16",
    patience: Patience = None, max_time: MaxTime = None, threads: Threads = 1, device: Device = "auto", resume: Resume = None,
    metrics_log: MetricsLog = None, plot: Plot = None,
) -> None:
    """Train a character-level language model on running text.

    The text is read as --batch-size contiguous streams, in chunks of 100 characters;
    the state is carried from chunk to chunk (truncated backpropagation through time).
    The best epoch has the fewest dev bits per character. Checkpoints and Ctrl-C as for
    rnncli train tagger (a run resumed within an epoch starts that batch from a fresh state).

    \b
    Examples:
      rnncli train lm --train input.txt@0-0.9 --dev input.txt@0.9-1 \\
          --cell lstm --max-time 300 -o shakespeare.safetensors
      rnncli next -m shakespeare.safetensors "To be or not to"
    """
    run_training(ctx, "lm")
