"""Shared fixtures: paths to the fixture files and a tiny tagger trained in seconds with a fixed seed."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
FIXTURES = HERE / "data"
SHARED_DATA = HERE.parent.parent / "shared" / "data"
EWT = SHARED_DATA / "ud-ewt"
TINY_TRAIN = FIXTURES / "tiny-train.conllu"


def tiny_tagger_settings(cell: str = "lstm"):
    from rnncli.config import ModelConfig
    from rnncli.training import TrainOptions

    config = ModelConfig(cell=cell, embedding_dim=16, char_dim=8, char_hidden=8, hidden=16, layers=1,
                         dropout=0.0, word_dropout=0.0)
    options = TrainOptions(epochs=25, batch_size=4, lr=1e-2, min_word_count=1, seed=7, dtype="float32", threads=1)
    return config, options


def train_tiny(out: Path, cell: str = "lstm") -> dict:
    from rnncli.training import train_tagger

    config, options = tiny_tagger_settings(cell)
    return train_tagger(str(TINY_TRAIN), str(TINY_TRAIN), str(out), config, options, command="pytest tiny")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """An LSTM tagger trained for 25 short epochs on tests/data/tiny-train.conllu (seed 7)."""
    out = tmp_path_factory.mktemp("models") / "tiny-lstm.safetensors"
    train_tiny(out)
    return out
