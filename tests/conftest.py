"""Shared fixtures: paths to the fixture files and a tiny tagger trained in seconds with a fixed seed."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).parent
FIXTURES = HERE / "data"
SHARED_DATA = Path(os.environ.get("RNNCLI_DATA") or HERE.parent.parent / "shared" / "data")  # see DATA.md
os.environ.setdefault("NLTK_DATA", str(SHARED_DATA / "nltk_data"))  # nltk reads it once, when first imported
EWT = SHARED_DATA / "ud-ewt"
TINY_TRAIN = FIXTURES / "tiny-train.conllu"
TINY_SENTIMENT = FIXTURES / "tiny-sentiment.tsv"


TINY_TAGGER = {"embedding_dim": 16, "char_dim": 8, "char_hidden": 8, "hidden": 16, "layers": 1, "dropout": 0.0,
               "word_dropout": 0.0, "epochs": 25, "min_steps": 0, "batch_size": 4, "lr": 1e-2, "min_word_count": 1, "seed": 7,
               "dtype": "float32", "command": "pytest tiny"}


def tiny_tagger_job(out: Path, train: Path = TINY_TRAIN, dev: Path = TINY_TRAIN, **overrides):
    """A TrainJob for a tiny tagger: trains in seconds, seed 7."""
    from rnncli.train import TrainJob

    return TrainJob.for_task("tagger", train=train, dev=dev, out=out, **{**TINY_TAGGER, **overrides})


def train_tiny(out: Path, cell: str = "lstm", **overrides):
    from rnncli.train import TaggerTask, train

    return train(tiny_tagger_job(out, cell=cell, **overrides), TaggerTask())


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """An LSTM tagger trained for 25 short epochs on tests/data/tiny-train.conllu (seed 7)."""
    out = tmp_path_factory.mktemp("models") / "tiny-lstm.safetensors"
    train_tiny(out)
    return out


@pytest.fixture(scope="session")
def tiny_sentiment(tmp_path_factory) -> Path:
    """An LSTM sentiment model trained for 30 short epochs on tests/data/tiny-sentiment.tsv (seed 5)."""
    from rnncli.train import SentimentTask, TrainJob, train

    out = tmp_path_factory.mktemp("sentiment") / "tiny-sentiment.safetensors"
    job = TrainJob.for_task("sentiment", train=TINY_SENTIMENT, dev=TINY_SENTIMENT, out=out, cell="lstm",
                            embedding_dim=16, hidden=16, layers=1, char=False, dropout=0.0, word_dropout=0.0, epochs=30,
                            batch_size=4, lr=1e-2, seed=5, min_word_count=1, dtype="float32", command="pytest tiny")
    train(job, SentimentTask())
    return out


TINY_TOKENIZER_DATA = FIXTURES / "tiny-tokenizer.conllu"


@pytest.fixture(scope="session")
def tiny_tokenizer(tmp_path_factory) -> Path:
    """A character BiLSTM tokenizer trained for 40 short epochs on tests/data/tiny-tokenizer.conllu (seed 3)."""
    from rnncli.train import TokenizerTask, TrainJob, train

    out = tmp_path_factory.mktemp("tokenizer") / "tiny-tokenizer.safetensors"
    job = TrainJob.for_task("tokenizer", train=TINY_TOKENIZER_DATA, dev=TINY_TOKENIZER_DATA, out=out, hidden=16,
                            embedding_dim=8, layers=1, dropout=0.0, word_dropout=0.0, epochs=40, min_steps=0, batch_size=2,
                            lr=2e-2, seed=3, min_word_count=1, dtype="float32", command="pytest tiny")
    train(job, TokenizerTask())
    return out


# A tagger with hand-set weights, for tests of output formats: each word's tag distribution
# is written below, so the expected output is known exactly and no training or BLAS change
# can move it. A one-layer left-to-right vanilla RNN with the linear activation, W_xh = I,
# W_hh = 0 and b = 0 passes each word's embedding through (h_t = x_t); the embedding holds
# log-probabilities and the UPOS head is the identity, so softmax gives them back. The PTB
# head maps each UPOS tag to one PTB tag.
HAND_UPOS = ["ADP", "AUX", "DET", "NOUN", "PRON", "PUNCT", "VERB"]
HAND_PTB = {"ADP": "IN", "AUX": "MD", "DET": "DT", "NOUN": "NN", "PRON": "PRP", "PUNCT": ".", "VERB": "VBP"}
HAND_WORDS = {  # word -> its most probable tags; the rest of the mass is shared evenly by the other tags
    "<unk>": {"NOUN": 0.4, "VERB": 0.3}, "i": {"PRON": 0.8, "NOUN": 0.1}, "study": {"VERB": 0.6, "NOUN": 0.3},
    "at": {"ADP": 0.9}, "night": {"NOUN": 0.7, "VERB": 0.2}, ".": {"PUNCT": 0.99}, "the": {"DET": 0.95},
    "cat": {"NOUN": 0.85}, "they": {"PRON": 0.9}, "can": {"AUX": 0.5, "VERB": 0.3, "NOUN": 0.15},
    "fish": {"NOUN": 0.55, "VERB": 0.4}, "!": {"PUNCT": 0.9999999},
}


def hand_probs(word: str) -> dict[str, float]:
    given = HAND_WORDS.get(word.lower(), HAND_WORDS["<unk>"])
    rest = (1 - sum(given.values())) / (len(HAND_UPOS) - len(given))
    return {tag: given.get(tag, rest) for tag in HAND_UPOS}


LM_TEXT = "the cat sat on the mat. the dog sat on the log. " * 60


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory):
    """A character LSTM language model trained for 30 short epochs on LM_TEXT (seed 3): a TrainResult."""
    from rnncli.train import TrainJob, train
    from rnncli.train.lm import LanguageModelTask

    folder = tmp_path_factory.mktemp("lm")
    (folder / "text.txt").write_text(LM_TEXT, encoding="utf-8")
    job = TrainJob.for_task("lm", train=f"{folder}/text.txt@0-0.8", dev=f"{folder}/text.txt@0.8-1",
                            out=folder / "lm.safetensors", cell="lstm", layers=1, hidden=32, embedding_dim=16,
                            batch_size=2, epochs=30, lr=1e-2, seed=3, dtype="float32")
    return train(job, LanguageModelTask())


@pytest.fixture(scope="session")
def hand_tagger(tmp_path_factory) -> Path:
    import numpy as np

    from rnncli.model.config import ModelConfig
    from rnncli.model.model_file import expected_tensors, save_model

    words = ["<pad>", *HAND_WORDS]
    ptb = sorted(HAND_PTB.values())
    H = len(HAND_UPOS)
    config = ModelConfig(task="tagger", cell="rnn", activation="linear", words=len(words), chars=0, embedding_dim=H,
                         char=False, hidden=H, layers=1, bidirectional=False, dropout=0.0, word_dropout=0.0,
                         heads={"upos": H, "xpos": len(ptb)})
    tensors = {name: np.zeros(shape, np.float32) for name, shape in expected_tensors(config).items()}
    for i, word in enumerate(words[1:], start=1):
        tensors["word_emb.weight"][i] = np.log([hand_probs(word)[tag] for tag in HAND_UPOS])
    tensors["rnn.weight_ih_l0"] = np.eye(H, dtype=np.float32)
    tensors["heads.upos.weight"] = np.eye(H, dtype=np.float32)
    for j, tag in enumerate(HAND_UPOS):
        tensors["heads.xpos.weight"][ptb.index(HAND_PTB[tag]), j] = 1.0
    out = tmp_path_factory.mktemp("models") / "hand-tagger.safetensors"
    save_model(out, tensors, {"name": "hand-tagger", "task": "tagger", "config": config.to_dict(),
                              "vocab": {"words": words, "chars": []}, "labels": {"upos": HAND_UPOS, "xpos": ptb}})
    return out


def sigint_as_at_a_terminal() -> None:
    """`preexec_fn` for a child that a test sends SIGINT: a shell starts background jobs (a CI
    script's `pytest &`) with SIGINT ignored, and a child would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def ctrl_c_reaches_us():
    """Python's own Ctrl-C handler in this process for the test, whatever the shell that started
    pytest did with SIGINT (see sigint_as_at_a_terminal)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def pytest_collection_modifyitems(items):
    """Keep test ids short: pytest exports the running id as PYTEST_CURRENT_TEST, and an id over
    128 KB (a long parametrized string) makes every subprocess the test starts fail with E2BIG."""
    long_ids = [item.nodeid[:80] for item in items if len(item.nodeid) > 300]
    if long_ids:
        raise pytest.UsageError(f"test ids over 300 characters; give them ids=: {long_ids}")


@contextmanager
def fed_fifo(path: Path, chunks):
    """A FIFO at `path` that a thread fills with `chunks` (bytes, any number of them) until they
    end or the reader goes away; afterwards a writer still waiting for a reader is let go."""
    os.mkfifo(path)

    def write():
        try:
            with open(path, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield path
    finally:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))  # a reader, so that a waiting open() returns
        writer.join(10)
