"""torchrun: two processes train one model (gloo on CPU); only rank 0 writes files."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import TINY_TRAIN
from rnncli.model.model_file import load_model
from rnncli.infer.tagger import Tagger

REPO = Path(__file__).resolve().parents[2]


def test_two_processes_match_the_single_process_metrics(tmp_path, tiny_model):
    out = tmp_path / "ddp.safetensors"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
               "-m", "rnncli", "train", "tagger", "--train", str(TINY_TRAIN), "--dev", str(TINY_TRAIN), "--out", str(out),
               "--hidden", "16", "--embedding-dim", "16", "--char-hidden", "8", "--layers", "1", "--dropout", "0",
               "--word-dropout", "0", "--epochs", "25", "--batch-size", "2", "--lr", "0.01", "--min-word-count", "1",
               "--seed", "7", "--threads", "1", "--dtype", "float32", "--metrics-log", str(tmp_path / "m.jsonl")]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ddp.safetensors", "m.jsonl"]  # rank 0 only, no .ckpt left
    assert len((tmp_path / "m.jsonl").read_text().splitlines()) == 25  # one line per epoch, not per rank
    ddp, single = load_model(out), load_model(tiny_model)
    assert ddp.meta["training"]["processes"] == 2
    assert ddp.meta["scores"]["dev"]["upos"] == single.meta["scores"]["dev"]["upos"] == 1.0
    sentence = [["I", "study", "at", "night", "."]]
    assert Tagger(ddp).best(sentence) == Tagger(single).best(sentence) == [["PRON", "VERB", "ADP", "NOUN", "PUNCT"]]


def test_a_single_process_sums_and_decides_without_a_process_group(monkeypatch):
    """The docstring promised a no-op at world 1, but `sum` called all_reduce, which fails without
    torchrun's process group: only its callers' own guards kept training from calling it."""
    from rnncli.train.distributed import Distributed

    monkeypatch.delenv("WORLD_SIZE", raising=False)
    dist = Distributed("cpu")
    assert dist.world == 1 and dist.sum([1.0, 2.5]) == [1.0, 2.5] and dist.decide(3) == 3 and dist.rank0(0.5) == 0.5
