"""benchmarks/treebanks.py refuses bad arguments and paths at once (exit 2), before it trains
anything: the real script, run as a user runs it."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "treebanks.py"


def bench(*args, timeout=120):
    result = subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture
def data(tmp_path):
    """A --data folder whose French-Sequoia has its dev and test files (empty: nothing is read
    before the checks)."""
    folder = tmp_path / "ud" / "French-Sequoia"
    folder.mkdir(parents=True)
    for split in ("dev", "test"):
        (folder / f"fr_sequoia-ud-{split}.conllu").touch()
    return tmp_path / "ud"


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
def test_max_time_must_be_seconds_above_zero(data, tmp_path, value):
    result = bench("--data", data, "--only", "French-Sequoia", "--out", tmp_path / "out", "--max-time", value)
    assert result.returncode == 2 and "--max-time" in result.stderr and result.stdout == ""


def test_only_needs_a_name(data, tmp_path):
    result = bench("--data", data, "--out", tmp_path / "out", "--only")
    assert result.returncode == 2 and "--only: expected at least one argument" in result.stderr


@pytest.mark.parametrize("case", ["out is a file", "no test file", "no validator", "validator python"])
def test_bad_paths_are_refused_before_training(data, tmp_path, case):
    out, validator = tmp_path / "out", tmp_path / "validate.py"
    validator.touch()
    args = ["--data", data, "--only", "French-Sequoia", "--out", out]
    if case == "out is a file":
        out.touch()
        expected = f"--out {out}: "
    elif case == "no test file":
        (data / "French-Sequoia" / "fr_sequoia-ud-test.conllu").unlink()
        expected = "no French-Sequoia/fr_sequoia-ud-test.conllu"
    elif case == "no validator":
        args += ["--validator", tmp_path / "nope.py"]
        expected = f"--validator {tmp_path / 'nope.py'}: no such file"
    else:
        args += ["--validator", validator, "--validator-python", tmp_path / "no-python"]
        expected = f"--validator-python {tmp_path / 'no-python'}: "
    result = bench(*args)
    assert result.returncode == 2 and expected in result.stderr and result.stdout == "", result.stderr
    assert not list(tmp_path.rglob("*.safetensors"))  # nothing trained


@pytest.mark.skipif(importlib.util.find_spec("udapi") is not None, reason="needs a Python without udapi")
def test_a_python_without_udapi_is_named(data, tmp_path):
    validator = tmp_path / "validate.py"
    validator.touch()
    result = bench("--data", data, "--only", "French-Sequoia", "--out", tmp_path / "out", "--validator", validator)
    assert result.returncode == 2 and result.stdout == ""
    assert f"--validator-python {sys.executable}: cannot import udapi and regex (ModuleNotFoundError" in result.stderr
