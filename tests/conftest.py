"""Shared fixtures: paths to the fixture files and a tiny tagger trained in seconds with a fixed seed."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
FIXTURES = HERE / "data"
SHARED_DATA = HERE.parent.parent / "shared" / "data"
EWT = SHARED_DATA / "ud-ewt"
TINY_TRAIN = FIXTURES / "tiny-train.conllu"
TINY_SENTIMENT = FIXTURES / "tiny-sentiment.tsv"


TINY_TAGGER = {"embedding_dim": 16, "char_dim": 8, "char_hidden": 8, "hidden": 16, "layers": 1, "dropout": 0.0,
               "word_dropout": 0.0, "epochs": 25, "batch_size": 4, "lr": 1e-2, "min_word_count": 1, "seed": 7,
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
