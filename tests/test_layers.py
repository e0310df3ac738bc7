"""The package's layers: imports go one way (text <- model <- infer <- data <- evaluate <-
train <- explain <- api, cli), read from the source; and, in fresh processes, torch only behind
the training and explaining boundary, typer only in the CLI (rnncli.cli and its modules) and
__main__, rich only in the CLI."""

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rnncli"
TORCH_SIDE = {"rnncli.explain.unroll", "rnncli.explain.sentence", "rnncli.explain.corpus", "rnncli.explain.synthetic",
              "rnncli.explain.experiment_common", "rnncli.explain.memory", "rnncli.explain.tanh",
              "rnncli.train.tasks", "rnncli.train.loop", "rnncli.train.model",
              "rnncli.train.checkpoints", "rnncli.train.distributed", "rnncli.train.run", "rnncli.train.lm"}


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


# The dependency direction (README, "How the code is laid out"): a module imports only modules of
# its own layer or of layers before it; api and cli never import each other. Imports under
# `if TYPE_CHECKING:` are annotations, not dependencies.
LAYERS = [("rnncli.errors", "rnncli.checks", "rnncli.files", "rnncli.plot", "rnncli.nltk_interface"), ("rnncli.text",),
          ("rnncli.model",), ("rnncli.infer",), ("rnncli.data",), ("rnncli.evaluate",), ("rnncli.train",),
          ("rnncli.explain",), ("rnncli.api",), ("rnncli.cli",), ("rnncli.__main__", "rnncli")]


def layer(module: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if any(module == n or module.startswith(n + ".") for n in names))


def imports(path: Path) -> set[str]:
    """The rnncli modules a file imports, wherever in the file (functions too), but not for typing."""
    import ast

    known = set(modules())
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(node) for n in ast.walk(tree) if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
                   for node in ast.walk(n)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rnncli"):
            found |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                      for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("rnncli")}
    return found


@pytest.mark.parametrize("module", [m for m in modules() if m != "rnncli"])  # rnncli: lazy names from api
def test_imports_go_one_way(module):
    folder = PACKAGE.parent / module.replace(".", "/")
    path = folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")
    upward = sorted(m for m in imports(path) if m != "rnncli" and layer(m) > layer(module))
    assert not upward, f"{module} (layer {layer(module)}) imports {upward} from later layers"
    assert not (layer(module) == layer("rnncli.api") and any(m.startswith("rnncli.cli") for m in imports(path)))


@pytest.mark.parametrize("package", sorted(p.parent for p in PACKAGE.rglob("__init__.py")
                                           if p.parent != PACKAGE and "__pycache__" not in p.parts),
                         ids=lambda p: p.name)
def test_each_package_index_names_all_its_modules(package):
    """A package's docstring is where a newcomer learns what lives in it: the language model's
    modules were missing from most of them."""
    import ast
    import re

    index = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    modules = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
    assert [m for m in modules if not re.search(rf"\b{m}\b", index)] == []
