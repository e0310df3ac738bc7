"""A tokenizer's upper layer, which reads only the characters where a token can end: where
they are, and the numpy forward pass against torch's on random weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncli.infer.tokenizer import CharEncoder
from rnncli.model.config import ModelConfig
from rnncli.model.forward import tagger_forward
from rnncli.model.model_file import expected_tensors
from rnncli.model.vocab import Vocab
from rnncli.text.segmentation import boundary_candidates
from rnncli.train.model import TokenizerModel, batch_tensors, numpy_state


def marks(text: str) -> str:
    return "".join("^" if c else "." for c in boundary_candidates(text))


def test_where_a_token_can_end():
    assert marks("I don't know, 3.5km.  Ok") == "^...^^^....^^.^^^.^^...^"
    assert marks("") == "" and marks("   ") == "..."
    assert marks("東京に行った。") == ".....^^"  # no spaces: only around the punctuation
    assert marks("a\u00a0b\tc") == "^.^.^"  # any whitespace


def config(cell: str, bidirectional: bool, chars: int) -> ModelConfig:
    return ModelConfig(task="tokenizer", cell=cell, words=chars, chars=0, embedding_dim=6, char=False, hidden=5,
                       layers=1, bidirectional=bidirectional, dropout=0.0, heads={"boundary": 4}, upper_hidden=3)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_numpy_matches_torch(cell, bidirectional):
    torch.manual_seed(0)
    encoder = CharEncoder(Vocab(list("abcdefghijklmnopqrstuvwxyz .,'"), specials=True))
    model = TokenizerModel(config(cell, bidirectional, len(encoder.vocab))).eval()
    texts = ["we didn't go. ok", "   ", "x", "no, it's 3 a.m.", "abcdefghij"]  # one without candidates
    batch = encoder.batch(texts, candidates=True)
    with torch.no_grad():
        expected = model(**batch_tensors(batch))["boundary"].softmax(-1).numpy()
    got = tagger_forward(model.config, numpy_state(model), batch)["boundary"]
    for b, text in enumerate(texts):
        np.testing.assert_allclose(got[b, :len(text)], expected[b, :len(text)], atol=1e-6)
    lower = {k: v for k, v in numpy_state(model).items() if not k.startswith("upper")}
    lower_only = tagger_forward(ModelConfig(**{**model.config.to_dict(), "upper_hidden": 0}), lower, batch)["boundary"]
    chosen = batch.candidates
    assert np.allclose(got[~chosen], lower_only[~chosen]) and not np.allclose(got[chosen], lower_only[chosen])


def test_the_upper_layer_is_in_the_file_and_only_for_tokenizers():
    shapes = expected_tensors(config("lstm", True, 10))
    assert shapes["upper.weight_ih_l0"] == (12, 10) and shapes["upper_heads.boundary.weight"] == (4, 6)
    stored = config("lstm", True, 10).to_dict()
    assert stored["upper_hidden"] == 3 and ModelConfig.from_dict(stored) == config("lstm", True, 10)
    plain = {**stored, "upper_hidden": 0}
    assert "upper_hidden" not in ModelConfig(**plain).to_dict()  # files without one stay as they were
    del plain["upper_hidden"]
    assert ModelConfig.from_dict(plain).upper_hidden == 0
    with pytest.raises(ValueError, match="upper_hidden is for tokenizers"):
        ModelConfig(task="tagger", upper_hidden=8)
    with pytest.raises(ValueError, match="upper_hidden must be an integer >= 0"):
        ModelConfig.from_dict({**stored, "upper_hidden": -1})
