"""Same seed, same weights: two trainings in fresh processes, the second from the command the
first recorded, pasted into another folder with the data elsewhere (issue 23)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rnncli.model.model_file import read_tensors

pytest.importorskip("torch")
HERE = Path(__file__).resolve().parent
RNNCLI = [sys.executable, "-m", "rnncli"]


def rnncli(*args, cwd, data):
    env = {**os.environ, "RNNCLI_DATA": str(data), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([*RNNCLI, *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """A tiny sentiment model trained with its data under a data folder."""
    root = tmp_path_factory.mktemp("first")
    data = root / "data"
    (data / "tiny").mkdir(parents=True)
    (root / "runs").mkdir()
    shutil.copy(HERE.parent / "data" / "tiny-sentiment.tsv", data / "tiny" / "train.tsv")
    (data / "corpus.txt").write_text("a great film and a wonderful story .\na dull film and a boring story .\n" * 20)
    rnncli("train", "sentiment", "--train", str(data / "tiny" / "train.tsv"), "--dev", str(data / "tiny" / "train.tsv"),
           "--embeddings-from", str(data / "corpus.txt"), "--epochs", "2", "--hidden", "6", "--embedding-dim", "5",
           "--tokenizer", "treebank", "--out", str(root / "runs" / "m.safetensors"), cwd=root, data=data)
    return root, data


def info(path, cwd, data) -> dict:
    return json.loads(rnncli("info", str(path), "--json", cwd=cwd, data=data).stdout)


def test_the_recorded_command_is_relative(first):
    root, data = first
    command = info(root / "runs" / "m.safetensors", root, data)["command"]
    assert '--train "$RNNCLI_DATA"/tiny/train.tsv' in command
    assert '--embeddings-from "$RNNCLI_DATA"/corpus.txt' in command
    assert "--out m.safetensors" in command
    assert str(root) not in command


def test_the_command_pasted_elsewhere_gives_the_same_weights(first, tmp_path):
    root, data = first
    moved = shutil.copytree(data, tmp_path / "elsewhere" / "data")  # the data in another place
    command = info(root / "runs" / "m.safetensors", root, data)["command"]
    run = tmp_path / "run"
    run.mkdir()
    env = {**os.environ, "RNNCLI_DATA": str(moved), "OPENBLAS_NUM_THREADS": "2"}
    shell = command.replace("rnncli ", f"{sys.executable} -m rnncli ", 1)
    subprocess.run(["bash", "-c", shell], cwd=run, env=env, capture_output=True, text=True, check=True)
    _, before = read_tensors(root / "runs" / "m.safetensors")
    _, after = read_tensors(run / "m.safetensors")
    assert before.keys() == after.keys()
    for name in before:
        assert before[name].tobytes() == after[name].tobytes(), name


def test_the_environment_is_recorded_and_shown(first):
    root, data = first
    environment = info(root / "runs" / "m.safetensors", root, data)["training"]["environment"]
    import torch

    assert environment["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert environment["threads"] == 1 and environment["deterministic"] is True
    assert environment["torch"] == torch.__version__
    text = rnncli("info", str(root / "runs" / "m.safetensors"), cwd=root, data=data).stdout
    assert f"cpu capability {torch.backends.cpu.get_cpu_capability()}" in text
    assert '--train "$RNNCLI_DATA"/tiny/train.tsv' in text  # the table keeps it open to the shell


def test_a_command_recorded_with_absolute_paths_is_made_portable(tmp_path, monkeypatch):
    from rnncli.data.locations import portable_command

    monkeypatch.setenv("RNNCLI_DATA", str(tmp_path))
    recorded = (f"rnncli train sentiment --train {tmp_path}/sst2/train.tsv --train nltk:pros_cons:train "
                f"--dev /elsewhere/dev.tsv --embeddings-from {tmp_path}/my\\ text.txt --out /work/runs/m.safetensors "
                "--seed 1")
    portable = portable_command(recorded)
    assert portable == ('rnncli train sentiment --train "$RNNCLI_DATA"/sst2/train.tsv --train nltk:pros_cons:train '
                        "--dev /elsewhere/dev.tsv --embeddings-from \"$RNNCLI_DATA\"/'my text.txt' "
                        "--out m.safetensors --seed 1")
    assert portable_command(portable) == portable  # already portable: unchanged
