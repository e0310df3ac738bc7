"""`rnncli models` and `rnncli info`: the bundled models and model files, with their scores,
and everything one model file says about itself."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from rnncli.cli.options import AsJson

ModelFiles = Annotated[Optional[list[Path]], typer.Argument(
    readable=False, metavar="[FILE]...", help="Model files to list as well as the bundled ones.")]
DescribedModel = Annotated[str, typer.Argument(metavar="MODEL", help="A bundled model (tagger-lstm, sentiment-rnn, "
                                                                     "...) or a model file.")]


def models(files: ModelFiles = None, as_json: AsJson = False) -> None:
    """List bundled models and model files, with scores.

    The name is what --model and rnncli info take (a file: its path); scores are the
    saved model's accuracy on the dev and test data it was trained with.

    \b
    Examples:
      rnncli models
      rnncli models my-tagger.safetensors --json
    """
    from rnncli.cli.views.models import show_models
    from rnncli.model.bundled import bundled_models, describe

    bundled = bundled_models()
    resolved = {p.resolve() for p in bundled}
    show_models([describe(p) for p in bundled + [f for f in files or [] if not _among(f, resolved)]], as_json)


def _among(path: Path, resolved: set[Path]) -> bool:
    """Whether `path` is one of the `resolved` paths however it is spelled (a bundled model given
    by its path is listed once); a path that cannot be resolved (a symlink loop) is not, and
    describing it says what is wrong."""
    try:
        return path.resolve() in resolved
    except (OSError, RuntimeError):
        return False


def info(model: DescribedModel, as_json: AsJson = False) -> None:
    """Everything a model file says about itself.

    Architecture and recurrence, labels, the training command, data, seed, options,
    every epoch's loss and dev scores, and the saved model's scores.

    \b
    Examples:
      rnncli info tagger-rnn
      rnncli info my-tagger.safetensors --json
    """
    from rnncli.cli.views.models import show_info
    from rnncli.data.locations import portable_command
    from rnncli.model.bundled import describe, resolve_model

    described = describe(resolve_model(model))
    if described["command"]:  # one recorded with absolute paths, as it pastes on another machine
        described["command"] = portable_command(described["command"])
    show_info(described, as_json)
