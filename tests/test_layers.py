"""The package's layers, checked in fresh processes: torch only behind the training and
explaining boundary, typer only in the CLI (rnncli.cli and its modules) and __main__, rich only
in the CLI."""

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rnncli"
TORCH_SIDE = {"rnncli.explain.unroll", "rnncli.explain.sentence", "rnncli.explain.corpus", "rnncli.explain.synthetic",
              "rnncli.explain.experiment_common", "rnncli.explain.memory", "rnncli.explain.tanh",
              "rnncli.train.tasks", "rnncli.train.loop", "rnncli.train.model",
              "rnncli.train.checkpoints", "rnncli.train.distributed", "rnncli.train.run"}


def modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def imported_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_every_module_is_classified():
    assert TORCH_SIDE < set(modules())


@pytest.mark.parametrize("module", [m for m in modules() if m not in TORCH_SIDE])
def test_inference_side_never_imports_torch(module):
    loaded = imported_after(f"import {module}")
    assert "torch" not in loaded
    cli = module == "rnncli.cli" or module.startswith("rnncli.cli.")
    if not cli and module != "rnncli.__main__":
        assert "typer" not in loaded
    if not cli:
        assert "rich" not in loaded


def test_tagging_and_classifying_never_import_torch():
    loaded = imported_after("import rnncli.infer.tagger, rnncli.infer.sentiment\n"
                            "from rnncli.model.bundled import open_model\n"
                            "from rnncli.infer.tagger import tag_lines\n"
                            "from rnncli.infer.sentiment import classify_lines\n"
                            "list(tag_lines(open_model('lstm', 'tagger'), ['I study at night.']))\n"
                            "list(classify_lines(open_model('rnn', 'sentiment'), ['What a film']))")
    assert "torch" not in loaded and "nltk" not in loaded


@pytest.mark.parametrize("module", sorted(TORCH_SIDE))
def test_the_torch_side_does(module):
    assert "torch" in imported_after(f"import {module}")
