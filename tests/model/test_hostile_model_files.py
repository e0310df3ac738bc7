"""Hostile model files: damaged metadata, tensors and containers are refused on load with one
line (`FILE: damaged model file (...)`, exit 1) by every command that reads a model, never a
traceback, and the file is left as it was."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import tiny_tagger_job
from rnncli.cli.app import app
from rnncli.model.config import ModelConfig
from rnncli.errors import RnnCliError
from rnncli.model.model_file import expected_tensors, read_tensors, save_model

runner = CliRunner()
DAMAGED = "damaged model file"


def write(path: Path, meta, tensors: dict[str, np.ndarray]) -> Path:
    from safetensors.numpy import save

    path.write_bytes(save(tensors, metadata={"rnncli": meta if isinstance(meta, str) else json.dumps(meta)}))
    return path


class Raw(str):
    """Metadata text to write as it is."""


def edit(base: Path, path: Path, change) -> Path:
    """A copy of the model at `base` with `change(meta, tensors)` applied in place; a Raw it
    returns is written as the metadata instead."""
    meta, tensors = read_tensors(base)
    meta, tensors = json.loads(json.dumps(meta)), {k: v.copy() for k, v in tensors.items()}
    raw = change(meta, tensors)
    return write(path, raw if isinstance(raw, Raw) else meta, tensors)


def config(meta: dict) -> dict:
    return meta["config"]


# name -> (change to a copy of the tiny tagger, what the message names)
METADATA_CASES = {
    "format_version a string": (lambda m, t: m.update(format_version="2"), "format_version"),
    "format_version missing": (lambda m, t: m.pop("format_version"), "format_version"),
    "format not rnncli": (lambda m, t: m.update(format="pytorch"), "format"),
    "metadata a list": (lambda m, t: Raw(json.dumps([m])), "JSON list"),
    "metadata not JSON": (lambda m, t: Raw(json.dumps(m)[:-1]), "not valid JSON"),
    "scores a string": (lambda m, t: m.update(scores="high"), "scores"),
    "score a string": (lambda m, t: m["scores"]["dev"].update(upos="95%"), "scores.dev"),
    "training null": (lambda m, t: m.update(training=None), "training"),
    "training.seed a string": (lambda m, t: m["training"].update(seed="7"), "training.seed"),
    "name a number": (lambda m, t: m.update(name=3), "name"),
    "no config": (lambda m, t: m.pop("config"), "no config"),
    "config a list": (lambda m, t: m.update(config=list(m["config"])), "config is a JSON list"),
    "config key missing": (lambda m, t: config(m).pop("hidden"), "config has no hidden"),
    "config key unknown": (lambda m, t: config(m).update(size=3), "unknown config keys: size"),
    "layers 0": (lambda m, t: config(m).update(layers=0), "config.layers"),
    "layers a string": (lambda m, t: config(m).update(layers="1"), "config.layers"),
    "layers huge": (lambda m, t: config(m).update(layers=10**12), "config.layers"),
    "hidden a float": (lambda m, t: config(m).update(hidden=16.0), "config.hidden"),
    "bidirectional 1": (lambda m, t: config(m).update(bidirectional=1), "config.bidirectional"),
    "dropout 1": (lambda m, t: config(m).update(dropout=1), "config.dropout"),
    "cell unknown": (lambda m, t: config(m).update(cell="transformer"), "config.cell"),
    "cell not the weights'": (lambda m, t: config(m).update(cell="gru"), "rnn.weight_ih_l0"),
    "cell rnn, weights lstm": (lambda m, t: config(m).update(cell="rnn"), "no tensor"),
    "task unknown": (lambda m, t: config(m).update(task="parser"), "config.task"),
    "upper layer on a tagger": (lambda m, t: config(m).update(upper_hidden=4), "upper_hidden is for tokenizers"),
    "upper_hidden negative": (lambda m, t: config(m).update(upper_hidden=-1), "config.upper_hidden"),
    "task disagrees": (lambda m, t: m.update(task="sentiment"), "task"),
    "heads empty": (lambda m, t: config(m).update(heads={}), "config.heads"),
    "heads disagree with labels": (lambda m, t: config(m)["heads"].update(upos=config(m)["heads"]["upos"] + 1),
                                   "labels.upos"),
    "heads name a path": (lambda m, t: config(m).update(heads={"a.b": 2}), "config.heads"),
    "label list empty": (lambda m, t: m["labels"].update(upos=[]), "labels.upos"),
    "label list missing": (lambda m, t: m["labels"].pop("xpos"), "labels are for"),
    "labels a list": (lambda m, t: m.update(labels=[["NOUN"]]), "labels"),
    "label duplicated": (lambda m, t: m["labels"]["upos"].__setitem__(1, m["labels"]["upos"][0]), "labels.upos"),
    "label empty": (lambda m, t: m["labels"]["upos"].__setitem__(0, ""), "labels.upos holds ''"),
    "label with a newline": (lambda m, t: m["labels"]["xpos"].__setitem__(0, "C\nD"), "labels.xpos holds 'C\\nD'"),
    "tag with a slash": (lambda m, t: m["labels"]["upos"].__setitem__(0, "A/B"), "without whitespace or a slash"),
    "tagger head unknown": (lambda m, t: (config(m)["heads"].update(foo=config(m)["heads"].pop("xpos")),
                                          m["labels"].update(foo=m["labels"].pop("xpos"))),
                            "a tagger's outputs are upos and/or xpos, not 'foo'"),
    "vocabulary empty": (lambda m, t: m["vocab"].update(words=[]), "vocab.words"),
    "vocab.words holds a number": (lambda m, t: m["vocab"]["words"].append(42), "vocab.words"),
    "vocab.words duplicated": (lambda m, t: m["vocab"]["words"].__setitem__(3, m["vocab"]["words"][2]), "vocab.words"),
    "vocab.words without specials": (lambda m, t: m["vocab"].update(words=m["vocab"]["words"][2:]), "<pad>"),
    "vocab.words longer than config.words": (lambda m, t: m["vocab"]["words"].append("zzz"), "vocab.words"),
    "vocab.chars null": (lambda m, t: m["vocab"].update(chars=None), "vocab.chars is a JSON null, not a list"),
    "vocab.words missing": (lambda m, t: m["vocab"].pop("words"), "no vocab.words in the metadata"),  # not "null"
    "vocab.chars missing": (lambda m, t: m["vocab"].pop("chars"), "no vocab.chars in the metadata"),
    "history of strings": (lambda m, t: m["training"].update(history=[{"epoch": "1"}]), "training.history"),
    "options a list": (lambda m, t: m["training"].update(options=[1]), "training.options"),
}

TENSOR_CASES = {
    "tensor missing": (lambda m, t: t.pop("rnn.weight_hh_l0_reverse"), "no tensor rnn.weight_hh_l0_reverse"),
    "head bias missing": (lambda m, t: t.pop("heads.xpos.bias"), "heads.xpos.bias"),
    "tensor of the wrong shape": (lambda m, t: t.update({"heads.upos.weight": t["heads.upos.weight"][1:]}),
                                  "heads.upos.weight"),
    "embedding transposed": (lambda m, t: t.update({"word_emb.weight": t["word_emb.weight"].T.copy()}),
                             "word_emb.weight"),
    "unexpected tensor": (lambda m, t: t.update({"rnn.weight_ih_l1": t["rnn.weight_ih_l0"]}), "unexpected tensor"),
    "integer weights": (lambda m, t: t.update({"word_emb.weight": t["word_emb.weight"].astype(np.int64)}), "I64"),
    "NaN weight": (lambda m, t: t["rnn.weight_hh_l0"].__setitem__((0, 0), np.nan), "NaN or infinite"),
    "inf weight": (lambda m, t: t["heads.upos.bias"].__setitem__(0, -np.inf), "NaN or infinite"),
}
WEIGHTS_ONLY = {"NaN weight", "inf weight"}  # found only by reading the weights, which info and models do not


def repack(tiny: bytes, change) -> bytes:
    """The file with `change(header)` applied to its safetensors header, the tensor bytes kept."""
    n = int.from_bytes(tiny[:8], "little")
    header = json.loads(tiny[8:8 + n])
    change(header)
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + tiny[8 + n:]


def container_cases(tiny: bytes) -> dict[str, tuple[bytes, str]]:
    header = 8 + int.from_bytes(tiny[:8], "little")
    return {
        "empty file": (b"", f"{DAMAGED} (empty)"),
        "seven bytes": (tiny[:7], f"{DAMAGED} (not a safetensors file"),
        "cut in the header": (tiny[:header // 2], f"{DAMAGED} (not a safetensors file, or cut short"),
        "cut in the weights": (tiny[:header + 100], f"{DAMAGED} (cut short"),
        "bytes appended": (tiny + b"\0" * 16, f"{DAMAGED} (16 bytes after the last tensor"),
        "random bytes": (np.random.default_rng(0).bytes(4096), f"{DAMAGED} (not a safetensors file"),
        "text of control characters": (b"\x01\x02 study at night\n", f"{DAMAGED} (not a safetensors file"),
        "header not JSON": (len(b"{nope}").to_bytes(8, "little") + b"{nope}", "the header is not JSON"),
        "nested JSON": ((10**5).to_bytes(8, "little") + b"[" * 10**5, "the header is not JSON"),
        "header a list": ((2).to_bytes(8, "little") + b"[]", "the safetensors header is a JSON list"),
        "tensor entry damaged": (repack(tiny, lambda h: h["word_emb.weight"].update(dtype=["F16"])),
                                 f"{DAMAGED} (tensor 'word_emb.weight': not a valid safetensors entry"),
        "tensor bytes misplaced": (repack(tiny, lambda h: h["word_emb.weight"].update(
            data_offsets=[o + 2 for o in h["word_emb.weight"]["data_offsets"]])), "do not match its shape and place"),
        "no rnncli metadata": (repack(tiny, lambda h: h.pop("__metadata__")), "a safetensors file, but not an rnncli model"),
    }


def commands(path: Path, describe: bool = True) -> list[list[str]]:
    """Every command that reads a model file; info and models (`describe`) check all but the weights' values."""
    loading = [["tag", "--model", str(path), "I study at night"], ["sentiment", "--model", str(path), "great film"]]
    return loading + ([["info", str(path)], ["models", str(path)]] if describe else [])


def refused(args: list[str], message: str, path: Path) -> None:
    before = path.read_bytes() if path.is_file() else None
    result = runner.invoke(app, args)
    assert result.exit_code == 1, (args, result.output)
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"rnncli: error: {path}: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr, (message, result.stderr)
    assert result.stdout == ""
    if before is not None:
        assert path.read_bytes() == before


@pytest.mark.parametrize("text", [b"I study at night\n", b"# sent_id = 1\n1\tI\t", "\ufeffÉté\tpositive\n".encode(),
                                  b"hi\n"])
def test_a_text_file_given_as_a_model_is_named_a_data_file(tmp_path, text):
    """A CoNLL-U file given as --tokenizer was called a damaged model file (exit 1): a mix-up of
    arguments, not damage."""
    path = tmp_path / "dev.conllu"
    path.write_bytes(text)
    for args in commands(path) + [["tag", "--tokenizer", str(path), "I study at night"]]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and result.stderr.startswith(
            f"rnncli: error: {path}: not a model file: it starts as text does (a data file?); give the path of a "
            ".safetensors file"), (args, result.stderr)


def test_random_bytes_are_damage_not_text():
    """Of random files, those whose first 8 bytes have no control character (a third of them) would
    read as text by those bytes alone: the first 256 must be UTF-8 text."""
    from rnncli.model.model_file import _looks_like_text

    rng = np.random.default_rng(1)
    assert not any(_looks_like_text(rng.bytes(256)) for _ in range(1000))
    assert _looks_like_text("Été é".encode()[:-1]) and not _looks_like_text(b"I study\x00")


@pytest.mark.parametrize("case", list(METADATA_CASES) + list(TENSOR_CASES))
def test_damaged_model_is_refused(tmp_path, tiny_model, case):
    change, names = {**METADATA_CASES, **TENSOR_CASES}[case]
    path = edit(tiny_model, tmp_path / "damaged.safetensors", change)
    for args in commands(path, describe=case not in WEIGHTS_ONLY):
        refused(args, DAMAGED, path)
        assert names in runner.invoke(app, args).stderr


def test_damaged_container_is_refused(tmp_path, tiny_model):
    for case, (data, message) in container_cases(tiny_model.read_bytes()).items():
        path = tmp_path / f"{case.replace(' ', '-')}.safetensors"
        path.write_bytes(data)
        for args in commands(path):
            refused(args, message, path)


def test_unchanged_copy_loads(tmp_path, tiny_model):
    path = edit(tiny_model, tmp_path / "copy.safetensors", lambda m, t: None)
    result = runner.invoke(app, ["tag", "--model", str(path), "-f", "tags", "I study at night"])
    assert result.exit_code == 0 and result.stdout.count("/") == 4
    assert runner.invoke(app, ["info", str(path)]).exit_code == 0


def test_nan_weights_refused_by_explain_gradients(tmp_path, tiny_model):
    path = edit(tiny_model, tmp_path / "nan.safetensors", TENSOR_CASES["NaN weight"][0])
    refused(["explain-gradients", "-m", str(path), "--task", "tagger", "I study at night"], DAMAGED, path)
    path = edit(tiny_model, tmp_path / "missing.safetensors", TENSOR_CASES["tensor missing"][0])
    refused(["explain-gradients", "-m", str(path), "--task", "tagger", "I study at night"], DAMAGED, path)


def test_folder_is_a_folder(tmp_path):
    for args in commands(tmp_path):
        refused(args, "is a folder", tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission")
def test_unreadable_model_says_permission_denied(tmp_path, tiny_model):
    path = tmp_path / "locked.safetensors"
    path.write_bytes(tiny_model.read_bytes())
    path.chmod(0)
    try:
        for args in commands(path):
            result = runner.invoke(app, args)
            assert result.exit_code == 1 and "Traceback" not in result.output
            assert "permission denied" in result.stderr and "no such file" not in result.stderr.lower()
    finally:
        path.chmod(0o644)


@pytest.fixture(scope="module")
def training_checkpoint(tmp_path_factory) -> Path:
    """The checkpoint of a tiny run interrupted after its first epoch."""
    from rnncli.train import TaggerTask, train
    from rnncli.train.callbacks import Callbacks

    class CtrlC(Callbacks):
        def on_epoch_end(self, epoch, metrics):
            raise KeyboardInterrupt

    job = tiny_tagger_job(tmp_path_factory.mktemp("ckpt") / "m.safetensors", epochs=2)
    with pytest.raises(RnnCliError, match="interrupted"):
        train(job, TaggerTask(), CtrlC())
    return Path(job.checkpoint)


def test_checkpoint_is_not_a_model(training_checkpoint):
    for args in commands(training_checkpoint):
        refused(args, "a training checkpoint, not a model file", training_checkpoint)
        assert f"--resume {training_checkpoint}" in runner.invoke(app, args).stderr


@pytest.mark.parametrize("case", ["NaN in the optimizer state", "progress missing", "a model file",
                                  "a negative step count", "a negative mean of squares"])
def test_damaged_checkpoint_is_refused_on_resume(tmp_path, training_checkpoint, tiny_model, case):
    """(A step count of -1 was a ZeroDivisionError after the run had resumed; a negative mean of
    squares trained to the end and then blamed the output file for its NaN.)"""
    from rnncli.train import TaggerTask, train

    if case == "a model file":
        path, message = tiny_model, "not a training checkpoint"
    else:
        def change(meta, tensors):
            if case == "progress missing":
                meta["checkpoint"].pop("progress")
            elif case == "NaN in the optimizer state":
                tensors[next(k for k in tensors if k.startswith("optim."))][...] = np.nan
            else:
                name = "step" if "step" in case else "exp_avg_sq"
                tensors[next(k for k in tensors if k.startswith("optim.") and k.endswith(f".{name}"))][...] = -1
        path = edit(training_checkpoint, tmp_path / "damaged.ckpt", change)
        message = "damaged training checkpoint"
    with pytest.raises(RnnCliError, match=message):
        train(tiny_tagger_job(tmp_path / "out.safetensors", epochs=2, resume=path), TaggerTask())


def sentiment_model(path: Path, **changes) -> Path:
    """A small random sentiment model: gru, one direction, characters, attention pooling."""
    c = ModelConfig(task="sentiment", cell="gru", words=5, chars=6, embedding_dim=4, char_dim=3, char_hidden=2,
                    hidden=3, layers=2, bidirectional=False, dropout=0, word_dropout=0.0, pooling="attention",
                    heads={"label": 2})
    rng = np.random.default_rng(0)
    tensors = {name: rng.normal(size=shape).astype(np.float32) for name, shape in expected_tensors(c).items()}
    meta = {"name": "tiny-sentiment", "task": "sentiment", "config": c.to_dict(),
            "vocab": {"words": ["<pad>", "<unk>", "great", "film", "dull"], "chars": ["<pad>", "<unk>", *"gref"]},
            "labels": {"label": ["negative", "positive"]}, **changes}
    return save_model(path, tensors, meta)


def test_sentiment_model(tmp_path):
    good = sentiment_model(tmp_path / "good.safetensors")
    assert runner.invoke(app, ["sentiment", "--model", str(good), "great film"]).exit_code == 0
    assert runner.invoke(app, ["info", str(good)]).exit_code == 0
    cases = {"no attention weights": (lambda m, t: t.pop("attn.weight"), "no tensor attn.weight"),
             "pooling max, attention weights": (lambda m, t: config(m).update(pooling="max"), "unexpected tensor 'attn.weight'"),
             "pooling missing": (lambda m, t: config(m).pop("pooling"), "unexpected tensor 'attn.weight'"),
             "one label": (lambda m, t: m["labels"].update(label=["positive"]), "labels.label"),
             "two heads": (lambda m, t: (config(m)["heads"].update(other=2), m["labels"].update(other=["a", "b"])),
                           "one output, label"),
             "chars duplicated": (lambda m, t: m["vocab"]["chars"].__setitem__(4, "r"), "vocab.chars")}
    for case, (change, names) in cases.items():
        path = edit(good, tmp_path / "damaged.safetensors", change)
        for args in commands(path):
            refused(args, DAMAGED, path)
            assert names in runner.invoke(app, args).stderr, case


@pytest.mark.parametrize("task", ["tagger", "sentiment"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional,char,pooling", [(True, True, "attention"), (False, False, "max")])
def test_expected_tensors_are_the_torch_models(task, cell, bidirectional, char, pooling):
    from rnncli.train.model import MODELS

    c = ModelConfig(task=task, cell=cell, words=7, chars=5, embedding_dim=4, char=char, char_dim=3, char_hidden=2,
                    hidden=3, layers=2, bidirectional=bidirectional, pooling=pooling, heads={"upos": 4, "xpos": 6})
    assert expected_tensors(c) == {k: tuple(v.shape) for k, v in MODELS[task](c).state_dict().items()}


def test_config_accepts_what_rnncli_writes_and_nothing_else():
    config = tiny_tagger_job("m.safetensors").config("tagger", 10, 8, {"upos": 17})
    stored = {**config.to_dict(), "dropout": 0}
    assert ModelConfig.from_dict(json.loads(json.dumps(stored))).dropout == 0
    for key, value in [("layers", "2"), ("layers", True), ("bidirectional", 1), ("dropout", float("nan")),
                       ("word_dropout", -0.1), ("hidden", 0), ("pooling", None), ("heads", {"upos": 0})]:
        with pytest.raises(ValueError, match=f"config.{key}"):
            ModelConfig.from_dict({**stored, key: value})


# --- a model read from a pipe -------------------------------------------------------------

PIPE_LIMIT_MB = 64  # what reading a tiny model from a pipe may add to the peak memory of reading it from a file


def measured(args: list) -> tuple[float, int, str]:
    """Peak memory (MB), exit code and stderr of `rnncli ARGS` run in a fresh process."""
    import subprocess
    import sys

    code = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], capture_output=True, stdin=subprocess.DEVNULL)\n"
            "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
            "sys.stdout.write('%d %d\\n' % (r.returncode, peak) + r.stderr.decode())\n")
    out = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "rnncli", *map(str, args)],
                         capture_output=True, text=True, timeout=120)
    first, _, stderr = out.stdout.partition("\n")
    rc, kb = map(int, first.split())
    assert "Traceback" not in stderr
    return kb / 1024, rc, stderr


def zeros(megabytes: int):
    """Zero bytes, a megabyte at a time: more than a reader that stops early will take."""
    chunk = bytes(1 << 20)
    return (chunk for _ in range(megabytes))


@pytest.mark.parametrize("case", ["huge declared size", "endless bytes after the weights"])
def test_a_model_from_a_pipe_is_read_in_bounded_memory(tmp_path, tiny_model, case):
    from conftest import fed_fifo

    tiny = tiny_model.read_bytes()
    header_end = 8 + int.from_bytes(tiny[:8], "little")
    if case == "huge declared size":  # a tensor of 8 GiB after the others
        def huge(header):
            end = max(entry["data_offsets"][1] for name, entry in header.items() if name != "__metadata__")
            header["zz.huge"] = {"dtype": "F32", "shape": [1 << 21, 1 << 10], "data_offsets": [end, end + (8 << 30)]}
        data = repack(tiny, huge)
        header_end = 8 + int.from_bytes(data[:8], "little")
        data, message = data[:header_end], "the header declares 8,5"
    else:
        data, message = tiny, f"{DAMAGED} (more bytes after the last tensor)"
    args = ["tag", "-m", None, "-f", "tags", "I study at night"]
    normal, rc, _ = measured([*args[:2], tiny_model, *args[3:]])
    assert rc == 0
    with fed_fifo(tmp_path / "model.fifo", [data, *zeros(400)]) as fifo:
        started = time.monotonic()
        peak, rc, stderr = measured([*args[:2], fifo, *args[3:]])
    assert time.monotonic() - started < 30
    assert rc == 1 and stderr.startswith(f"rnncli: error: {fifo}: ") and stderr.count("\n") == 1, stderr
    assert message in stderr, stderr
    assert peak - normal < PIPE_LIMIT_MB, f"{peak:.0f} MB from a pipe, {normal:.0f} MB from a file"


def test_a_model_from_a_pipe_loads(tmp_path, tiny_model):
    from conftest import fed_fifo

    with fed_fifo(tmp_path / "model.fifo", [tiny_model.read_bytes()]) as fifo:
        result = runner.invoke(app, ["tag", "-m", str(fifo), "-f", "tags", "I study at night"])
    assert result.exit_code == 0 and result.stdout.count("/") == 4, result.output


@pytest.mark.parametrize("entry", ["ab", ""])
def test_a_language_models_vocabulary_is_single_characters(tmp_path, tiny_lm, entry):
    """An entry of vocab.words that is not one character was an internal TypeError from next,
    generate and eval lm, and passed info and models."""
    path = edit(Path(tiny_lm.out), tmp_path / "lm.safetensors", lambda m, t: m["vocab"]["words"].__setitem__(2, entry))
    text = tmp_path / "text.txt"
    text.write_text("the cat sat on the mat\n", encoding="utf-8")
    for args in (["next", "-m", str(path), "the"], ["generate", "-m", str(path), "--length", "5"],
                 ["eval", "lm", "-m", str(path), "--data", str(text)], ["info", str(path)], ["models", str(path)]):
        refused(args, "a language model's vocabulary is single characters", path)


def test_generate_writes_no_control_character_but_tab_and_line_feed(tmp_path, tiny_lm):
    """A language model's characters are whatever its training text held: ESC and BEL were written
    to the terminal as they came (a crafted model could drive it); they come as U+FFFD now."""
    def change(meta, tensors):
        words = meta["vocab"]["words"]
        words[2], words[3], words[4] = "\x1b", "\x07", "\ud800"  # its three most frequent characters
    path = edit(Path(tiny_lm.out), tmp_path / "lm.safetensors", change)
    result = runner.invoke(app, ["generate", "-m", str(path), "--length", "80", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\ufffd" in result.stdout
    assert "\\ud800" not in result.stdout and "\ud800" not in result.stdout  # a lone surrogate was written as \ud800
    assert result.stdout.endswith("\n")
