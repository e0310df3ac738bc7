"""The numpy forward pass used by `rnncli tag` equals the torch model it was trained as."""

import numpy as np
import pytest
import torch

from rnncli.config import ModelConfig
from rnncli.encoding import encode
from rnncli.forward import tagger_forward
from rnncli.model_file import load_model, pretrained_dir
from rnncli.train.model import TaggerModel, batch_tensors, numpy_state
from rnncli.vocab import Vocab

SENTENCES = [["The", "cat", "sat", "."], ["Unseen", "wordzz", "!"], ["a"], ["I", "study", "at", "night", "today", "."]]


def torch_probs(model: TaggerModel, batch) -> dict[str, np.ndarray]:
    model.eval()
    with torch.no_grad():
        return {k: v.softmax(-1).numpy() for k, v in model(**batch_tensors(batch)).items()}


def assert_same(a: dict, b: dict, lengths) -> None:
    for name in a:
        for i, n in enumerate(lengths):
            np.testing.assert_allclose(a[name][i, :n], b[name][i, :n], atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell, activation", [("rnn", "tanh"), ("rnn", "relu"), ("rnn", "linear"), ("lstm", "tanh"),
                                              ("gru", "tanh")])
@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("char", [True, False])
def test_numpy_matches_torch(cell, activation, bidirectional, char):
    torch.manual_seed(0)
    words = Vocab(["the", "cat", "sat", ".", "i", "study", "at", "night"], specials=True)
    chars = Vocab(sorted(set("TheCatsI.studyatnight")), specials=True)
    config = ModelConfig(task="tagger", cell=cell, activation=activation, words=len(words), chars=len(chars),
                         embedding_dim=12, char=char, char_dim=6, char_hidden=5, hidden=9, layers=2,
                         bidirectional=bidirectional, heads={"upos": 4, "xpos": 3})
    model = TaggerModel(config)
    batch = encode(SENTENCES, words, chars if char else None, config.max_word_chars)
    assert_same(tagger_forward(config, numpy_state(model), batch), torch_probs(model, batch), batch.lengths)


def test_long_sentences_run_in_windows_like_short_ones(tiny_model):
    from rnncli.tagger import MAX_TOKENS, Tagger

    tagger = Tagger(load_model(tiny_model))
    sentence = ["I", "study", "at", "night", "."] * (MAX_TOKENS // 5)
    (long,) = tagger.probabilities([sentence + ["The", "dog", "."]])
    (head,) = tagger.probabilities([sentence])
    np.testing.assert_allclose(long["upos"][:MAX_TOKENS], head["upos"], atol=1e-6)
    assert long["upos"].shape[0] == MAX_TOKENS + 3


@pytest.mark.parametrize("name", ["tagger-lstm", "tagger-rnn"])
def test_bundled_models_match_torch(name):
    path = pretrained_dir() / f"{name}.safetensors"
    if not path.exists():
        pytest.fail(f"bundled model {path} is missing")
    loaded = load_model(path)
    model = TaggerModel(loaded.config)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in loaded.weights.items()})
    batch = encode(SENTENCES, loaded.words, loaded.chars, loaded.config.max_word_chars)
    assert_same(tagger_forward(loaded.config, loaded.weights, batch), torch_probs(model, batch), batch.lengths)
