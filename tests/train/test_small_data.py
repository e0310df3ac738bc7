"""Training that fits small data: --min-steps raises the epochs; a dev score that does not move
and a tokenizer that ends no sentence are warned about through the callbacks."""

from __future__ import annotations

from conftest import TINY_TOKENIZER_DATA, TINY_TRAIN, tiny_tagger_job
from rnncli.model.model_file import load_model, read_tensors, save_model
from rnncli.text.conllu import read_conllu
from rnncli.train import TaggerTask, TokenizerTask, TrainJob, train
from rnncli.train.callbacks import Callbacks


class Heard(Callbacks):
    def __init__(self):
        self.status, self.warnings, self.epochs = [], [], 0

    def on_status(self, message: str) -> None:
        self.status.append(message)

    def on_warning(self, message: str) -> None:
        self.warnings.append(message)

    def on_epoch_end(self, epoch: int, metrics: dict) -> None:
        self.epochs = epoch


def test_min_steps_raises_the_epochs_and_says_so(tmp_path):
    heard = Heard()
    job = tiny_tagger_job(tmp_path / "m.safetensors", epochs=1, min_steps=12, batch_size=4)
    result = train(job, TaggerTask(), heard)
    with open(TINY_TRAIN, encoding="utf-8") as f:
        steps = -(-len(list(read_conllu(f))) // 4)  # batches per epoch
    assert heard.epochs == len(result.history) > 1
    assert any("fewer than --min-steps 12" in s for s in heard.status)
    assert steps * (heard.epochs - 1) < 12 <= steps * heard.epochs


def test_a_dev_score_that_does_not_move_is_warned_about(tmp_path):
    heard = Heard()
    job = tiny_tagger_job(tmp_path / "m.safetensors", epochs=6, lr=1e-9)
    train(job, TaggerTask(), heard)
    assert len([w for w in heard.warnings if "has stayed at" in w and "for 5 epochs" in w]) == 1


def test_a_resumed_run_does_not_warn_again(tmp_path):
    """The not-learning warning came again after a resume (the run had said it before Ctrl-C)."""
    import pytest

    from rnncli.errors import RnnCliError

    class StopAt7(Heard):
        def on_epoch_end(self, epoch: int, metrics: dict) -> None:
            if epoch == 7:
                raise KeyboardInterrupt

    first, again = StopAt7(), Heard()
    job = lambda **k: tiny_tagger_job(tmp_path / "m.safetensors", epochs=9, lr=1e-9, **k)  # noqa: E731
    with pytest.raises(RnnCliError, match="interrupted"):
        train(job(), TaggerTask(), first)
    train(job(resume=tmp_path / "m.safetensors.ckpt"), TaggerTask(), again)
    assert len([w for w in first.warnings if "has stayed at" in w]) == 1
    assert [w for w in again.warnings if "training texts too" not in w] == []  # (dev is the training file)
    assert again.epochs == 9  # it did train on, and stayed put (lr 1e-9)


def test_a_dev_score_that_stays_at_100_percent_is_not_warned_about(tmp_path):
    """Five epochs at 100% dev UPOS drew "the model is not learning": that is the top, not stuck."""
    heard = Heard()
    result = train(tiny_tagger_job(tmp_path / "m.safetensors", epochs=40), TaggerTask(), heard)
    upos = [m["dev_upos"] for m in result.history]
    assert any(upos[i:i + 5] == [1.0] * 5 for i in range(len(upos)))  # the case: 100% for 5 epochs
    assert not [w for w in heard.warnings if "has stayed at" in w]


def test_a_tokenizer_that_ends_no_sentence_is_warned_about(tiny_tokenizer, tmp_path):
    task = TokenizerTask()
    dev = task.read(TrainJob.for_task("tokenizer", train=TINY_TOKENIZER_DATA, dev=TINY_TOKENIZER_DATA,
                                      out=tmp_path / "x.safetensors"), print).dev
    assert task.warnings(load_model(tiny_tokenizer), dev) == []
    meta, tensors = read_tensors(tiny_tokenizer)
    tensors["heads.boundary.weight"][:] = 0  # every character: inside
    tensors["heads.boundary.bias"][:] = [1, 0, 0, 0]
    deaf = save_model(tmp_path / "deaf.safetensors", tensors, meta, dtype="float32")
    (warning,) = task.warnings(load_model(deaf), dev)
    assert "ends no sentence on dev" in warning and "--min-steps" in warning


def test_piece_chars_cuts_the_training_text_and_is_only_for_tokenizers(tmp_path):
    import pytest

    from rnncli.errors import RnnCliError

    def job(**values):
        return TrainJob.for_task("tokenizer", train=TINY_TOKENIZER_DATA, dev=TINY_TOKENIZER_DATA,
                                 out=tmp_path / "x.safetensors", **values)

    default, short = (TokenizerTask().read(j, print).train for j in (job(), job(piece_chars=20)))
    assert job().piece_chars == 250 and max(len(item.words) for item in short) <= 20
    assert "".join(c for item in short for c in item.words) == "".join(c for item in default for c in item.words)
    assert len(short) > len(default)
    assert job(piece_chars=40).options()["piece_chars"] == 40
    assert "piece_chars" not in tiny_tagger_job(tmp_path / "t.safetensors").options()
    with pytest.raises(RnnCliError, match="piece_chars must be a whole number of at least 20"):
        job(piece_chars=19)
    with pytest.raises(RnnCliError, match="piece_chars is for tokenizers"):
        tiny_tagger_job(tmp_path / "t.safetensors", piece_chars=300)


def test_epochs_given_to_the_library_alone_mean_that_many_epochs(tmp_path):
    """TrainJob.for_task(epochs=1) kept the tagger's 1000-step minimum and ran 8 epochs; the CLI's
    --epochs alone already meant that many."""
    job = TrainJob.for_task("tagger", train=TINY_TRAIN, dev=TINY_TRAIN, out=tmp_path / "m.safetensors", epochs=1)
    assert job.min_steps == 0
    assert TrainJob.for_task("tagger", train=TINY_TRAIN, dev=TINY_TRAIN, out=tmp_path / "m.safetensors").min_steps == 1000
    assert TrainJob.for_task("tagger", train=TINY_TRAIN, dev=TINY_TRAIN, out=tmp_path / "m.safetensors", epochs=1,
                             min_steps=50).min_steps == 50
