"""The numpy forward pass used by `rnncli tag` equals the torch model it was trained as."""

import numpy as np
import pytest
import torch

from rnncli.model.config import ModelConfig
from rnncli.model.encoding import encode
from rnncli.model.forward import Packed, _run_packed, tagger_forward
from rnncli.model.bundled import pretrained_dir
from rnncli.model.model_file import load_model
from rnncli.train.model import TaggerModel, batch_tensors, numpy_state
from rnncli.model.vocab import Vocab

SENTENCES = [["The", "cat", "sat", "."], ["Unseen", "wordzz", "!"], ["a"], ["I", "study", "at", "night", "today", "."],
             ["the", "The", "cat", "the", "wordzz", "Wordzz", "."]]  # the first layer's input part is computed once
# per distinct (form, word id): the same form again, another form of the same word id, two unknown forms


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
    from rnncli.infer.tagger import MAX_TOKENS, Tagger

    tagger = Tagger(load_model(tiny_model))
    sentence = ["I", "study", "at", "night", "."] * (MAX_TOKENS // 5)
    (long,) = tagger.probabilities([sentence + ["The", "dog", "."]])
    (head,) = tagger.probabilities([sentence])
    np.testing.assert_allclose(long["upos"][:MAX_TOKENS], head["upos"], atol=1e-6)
    assert long["upos"].shape[0] == MAX_TOKENS + 3


@pytest.mark.parametrize("name", ["tagger-lstm", "tagger-rnn", "tokenizer-lstm", "tokenizer-rnn", "tokenizer-rnn-small"])
def test_bundled_models_match_torch(name):
    path = pretrained_dir() / f"{name}.safetensors"
    if not path.exists():
        pytest.fail(f"bundled model {path} is missing")
    loaded = load_model(path)
    model = TaggerModel(loaded.config)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in loaded.weights.items()})
    batch = encode(SENTENCES, loaded.words, loaded.chars, loaded.config.max_word_chars)
    assert_same(tagger_forward(loaded.config, loaded.weights, batch), torch_probs(model, batch), batch.lengths)


def run_recurrent(w, prefix: str, config: ModelConfig, layers: int, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(B, T, I) -> (B, T, D*H) through the packed loop, the numpy twin of `model.run_recurrent`;
    rows past a sequence's length are zeros."""
    packed = Packed(lengths, x.shape[1])
    return packed.pad(_run_packed(w, prefix, config, layers, x[packed.rows, packed.steps], packed), *x.shape[:2])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_padding_and_batch_order_do_not_matter(cell):
    """Only each sequence's own steps are computed: garbage in the padding, and the other
    sequences of the batch in any order, leave its states unchanged; rows past its length are 0."""
    torch.manual_seed(0)
    config = ModelConfig(task="tagger", cell=cell, words=10, embedding_dim=6, char=False, hidden=5, layers=2,
                         heads={"upos": 3})
    w = numpy_state(TaggerModel(config))
    rng = np.random.default_rng(0)
    lengths = np.array([3, 7, 1, 7, 5])
    x = rng.standard_normal((5, 7, 6)).astype(np.float32)
    alone = [run_recurrent(w, "rnn", config, 2, x[b:b + 1, :n], lengths[b:b + 1])[0] for b, n in enumerate(lengths)]
    garbage = np.where(np.arange(7)[None, :, None] < lengths[:, None, None], x, 1e6).astype(np.float32)
    order = [3, 0, 4, 2, 1]
    together = run_recurrent(w, "rnn", config, 2, garbage[order], lengths[order])
    for row, b in enumerate(order):
        np.testing.assert_allclose(together[row, :lengths[b]], alone[b], atol=1e-6, rtol=0)
        assert not together[row, lengths[b]:].any()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_reverse_direction_reads_each_row_backwards_from_its_own_end(cell):
    torch.manual_seed(0)
    config = ModelConfig(task="tagger", cell=cell, words=10, embedding_dim=6, char=False, hidden=5, layers=1,
                         heads={"upos": 3})
    w = numpy_state(TaggerModel(config))
    w_reversed = dict(w, **{k.replace("_reverse", ""): v for k, v in w.items() if k.endswith("_reverse")})
    x = np.random.default_rng(1).standard_normal((2, 4, 6)).astype(np.float32)
    lengths = np.array([4, 3])
    backwards = run_recurrent(w, "rnn", config, 1, x, lengths)[..., 5:]  # (B, T, H): the reverse half
    for b, n in enumerate(lengths):
        forwards = run_recurrent(w_reversed, "rnn", config, 1, x[b:b + 1, :n][:, ::-1], lengths[b:b + 1])[0, :, :5]
        np.testing.assert_allclose(backwards[b, :n], forwards[::-1], atol=1e-6, rtol=0)


def test_the_word_embedding_is_kept_as_stored_and_read_as_float32_rows():
    """Loading cast 4 M float16 numbers of a sentiment model's embedding (50 ms of a 0.2 s cold
    start); now the rows read are cast, and the results are the same bits as with all cast."""
    from rnncli.infer.sentiment import Classifier

    model = load_model(pretrained_dir() / "sentiment-lstm-small.safetensors")
    assert model.weights["word_emb.weight"].dtype == np.float16
    assert all(w.dtype == np.float32 for name, w in model.weights.items() if name != "word_emb.weight")
    texts = [["What", "a", "great", "film"], ["Dull", "."], ["unseenwordxyz"]]
    stored = Classifier(model).probabilities(texts)
    model.weights["word_emb.weight"] = model.weights["word_emb.weight"].astype(np.float32)
    assert np.array_equal(Classifier(model).probabilities(texts), stored)
