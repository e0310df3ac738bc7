"""The character language model: its data layout, a tiny training run, and the numpy
forward pass against torch on the same weights."""

import math
import re

import numpy as np
import pytest
import torch

from conftest import LM_TEXT
from rnncli.errors import RnnCliError
from rnncli.model.lm_forward import CharLanguageModel
from rnncli.model.model_file import load_model
from rnncli.data.running import read_text
from rnncli.train import TrainJob, train
from rnncli.train.lm import BPTT, CharLM, LanguageModelTask, chunks



def test_a_range_takes_that_fraction_of_the_file(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("0123456789", encoding="utf-8")
    assert read_text(f"{path}@0-0.9") == "012345678" and read_text(f"{path}@0.9-1") == "9"
    with pytest.raises(RnnCliError, match="0 <= A < B <= 1"):
        read_text(f"{path}@0.5-0.2")
    for bad in ("@0.5", "@-0.1-0.5", "@0-"):  # a range it cannot read said `no such file`
        with pytest.raises(RnnCliError, match=f"^{re.escape(str(path) + bad)}: the range must be A-B with 0 <= A < B <= 1$"):
            read_text(f"{path}{bad}")
    (tmp_path / "notes@home.txt").write_text("at home", encoding="utf-8")  # a file whose name holds @ is a file,
    (tmp_path / "lit@0-0.5").write_text("literally", encoding="utf-8")  # even where it reads as FILE@A-B
    assert read_text(str(tmp_path / "notes@home.txt")) == "at home" and read_text(str(tmp_path / "lit@0-0.5")) == "literally"
    with pytest.raises(RnnCliError, match="t.txt@work.txt: no such file"):  # no range meant
        read_text(f"{path}@work.txt")
    with pytest.raises(RnnCliError, match="^@0-0.5: give the file whose range to read"):  # it said `: no such file`
        read_text("@0-0.5")


def test_training_text_left_out_of_the_streams_is_warned_of(tmp_path):
    """32 streams of whole 100-character chunks took 3,200 of 5,400 characters, silently."""
    path = tmp_path / "t.txt"
    said = []
    for size in (5_400, 100_000):
        path.write_text("".join(chr(97 + i % 26) for i in range(size)), encoding="utf-8")
        job = TrainJob.for_task("lm", train=path, dev=path, out=tmp_path / "m.safetensors")
        LanguageModelTask().read(job, said.append)
    assert said == ["3,200 of the 5,400 training characters are trained on: the text is cut into 32 streams of whole "
                    "100-character chunks; a smaller --batch-size leaves less out"]  # 100,000: 99,200 of them


@pytest.mark.parametrize("test_text", ["", "x"])
def test_a_test_text_too_short_to_score_is_refused_before_training(tmp_path, test_text):
    """An empty --test scored 0.000 bits per character, a perfect model, and the model file kept it."""
    path, short = tmp_path / "t.txt", tmp_path / "short.txt"
    path.write_text("".join(chr(97 + i % 26) for i in range(5_000)), encoding="utf-8")
    short.write_text(test_text, encoding="utf-8")
    task = LanguageModelTask()
    job = TrainJob.for_task("lm", train=path, dev=path, test=short, out=tmp_path / "m.safetensors", batch_size=2)
    with pytest.raises(RnnCliError, match=f"^{short}: a test text needs at least two characters$"):
        task.check(task.read(job, lambda message: None), job)


def test_each_batch_row_continues_where_it_stopped():
    text = "".join(chr(65 + i % 26) for i in range(4 * 3 * BPTT + 9))
    items = chunks(text, 4)
    batches = LanguageModelTask().batches(items, 4, None)
    assert len(batches) == 3 and all(len(b) == 4 for b in batches)
    for k in (1, 2):
        for r in range(4):
            before, after = items[batches[k - 1][r]], items[batches[k][r]]
            assert before.words[-1] == after.words[0] and after.label == k  # one character of overlap
            assert "".join(before.words[:-1] + after.words) in text


def test_a_tiny_model_learns_the_text(tiny_lm):
    history = [e["dev_bits_per_char"] for e in tiny_lm.history]
    assert history[-1] < 1.5 < math.log2(14)  # far below a uniform guess over the text's 14 characters
    assert tiny_lm.scores["dev"]["bits_per_char"] == pytest.approx(min(history), abs=0.05)
    model = load_model(tiny_lm.out, task="lm")
    assert model.meta["training"]["data"]["train_characters"] == int(len(LM_TEXT) * 0.8)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_numpy_forward_matches_torch(tiny_lm, cell, tmp_path):
    model = load_model(tiny_lm.out, task="lm")
    config = model.config if cell == "lstm" else type(model.config)(**{**model.config.to_dict(), "cell": cell})
    torch.manual_seed(0)
    net = CharLM(config).eval()
    if cell == "lstm":
        net.load_state_dict({k: torch.from_numpy(v) for k, v in model.weights.items()})
    model.config, model.weights = config, {k: v.detach().numpy() for k, v in net.state_dict().items()}
    lm = CharLanguageModel(model)
    ids = lm.ids("the cat sat on")
    with torch.no_grad():
        expected = torch.log_softmax(net(torch.from_numpy(ids[None].astype("int64")))["next"][0], -1).numpy()  # (T, V)
    state, got = lm.start(1), []
    for i in ids:
        logp, state = lm.step(np.array([i]), state)
        got.append(logp[0])
    np.testing.assert_allclose(np.array(got), expected, atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_a_prompt_read_a_layer_at_a_time_matches_torch_and_the_step_by_step_read(tiny_lm, cell, monkeypatch):
    model = load_model(tiny_lm.out, task="lm")
    model.config = type(model.config)(**{**model.config.to_dict(), "cell": cell, "layers": 2})
    torch.manual_seed(0)
    net = CharLM(model.config).eval()
    model.weights = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    lm = CharLanguageModel(model)
    text = "the cat sat on the mat; " * 8
    with torch.no_grad():
        expected = torch.log_softmax(net(torch.from_numpy(lm.ids(text)[None].astype("int64")))["next"][0, -1], -1).numpy()
    stepped_state = lm.start(1)
    for i in lm.ids(text):
        stepped, stepped_state = lm.step(np.array([i]), stepped_state)
    monkeypatch.setattr("rnncli.model.lm_forward.CHUNK", 7)  # chunks carry the state on
    read, state = lm.read(text)
    np.testing.assert_allclose(read, expected, atol=1e-5)
    np.testing.assert_allclose(read, stepped[0], atol=1e-5)
    assert len(state) == 2
    for (h, c), (h_stepped, c_stepped) in zip(state, stepped_state):
        np.testing.assert_allclose(h, h_stepped, atol=1e-5)
        assert (c is None) == (cell != "lstm")
        if c is not None:
            np.testing.assert_allclose(c, c_stepped, atol=1e-4)


def test_device_cuda_without_a_gpu_is_a_usage_error(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    (tmp_path / "t.txt").write_text("abc " * 200, encoding="utf-8")
    job = TrainJob.for_task("lm", train=tmp_path / "t.txt", dev=tmp_path / "t.txt", out=tmp_path / "m.safetensors",
                            batch_size=2, hidden=8, layers=1, epochs=1, device="cuda")
    with pytest.raises(RnnCliError, match="--device cuda: torch sees no CUDA GPU"):
        train(job, LanguageModelTask())
    with pytest.raises(RnnCliError, match="device must be auto, cpu or cuda"):
        TrainJob.for_task("lm", train="t", dev="t", out="m", device="tpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_training_on_cuda_gives_a_model_numpy_runs(tmp_path):
    (tmp_path / "t.txt").write_text("the cat sat on the mat. " * 100, encoding="utf-8")
    job = TrainJob.for_task("lm", train=tmp_path / "t.txt", dev=tmp_path / "t.txt", out=tmp_path / "m.safetensors",
                            batch_size=2, hidden=16, layers=1, epochs=3, device="cuda")
    result = train(job, LanguageModelTask())
    assert result.scores["dev"]["bits_per_char"] < 3.0


@pytest.mark.parametrize("spec", ["t.txt@1.2.3-1", "t.txt@.-1", "t.txt@0.5.-1"])
def test_a_malformed_fraction_is_no_internal_error(tmp_path, spec):
    """`FILE@1.2.3-1` reached float() and was an internal error (ValueError); then it was `no such
    file`, which FILE is not."""
    (tmp_path / "t.txt").write_text("abcdefghij", encoding="utf-8")
    with pytest.raises(RnnCliError, match="the range must be A-B with 0 <= A < B <= 1"):
        read_text(str(tmp_path / spec))
    assert read_text(f"{tmp_path}/t.txt@.5-1.") == "fghij"
