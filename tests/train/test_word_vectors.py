"""The word vectors' SVD: right, and the same bits under any BLAS thread count or kernel."""

import json
import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from rnncli.data.embeddings import PpmiEmbeddings
from rnncli.data.reproducible_svd import fix_signs, jacobi_eigh, truncated_svd


def low_rank(n=300, m=200, rank=30, seed=0):
    rng = np.random.default_rng(seed)
    left, _ = np.linalg.qr(rng.standard_normal((n, rank)))
    right, _ = np.linalg.qr(rng.standard_normal((m, rank)))
    values = np.geomspace(100, 1, rank)
    return (left * values) @ right.T + 1e-3 * rng.standard_normal((n, m)), values


def test_the_largest_singular_values_and_their_subspace():
    matrix, _ = low_rank()
    values, vectors = truncated_svd(matrix, 10, seed=3)
    u, s, _ = np.linalg.svd(matrix)
    np.testing.assert_allclose(values, s[:10], rtol=1e-9)
    np.testing.assert_allclose(np.abs(vectors.T @ u[:, :10]), np.eye(10), atol=1e-7)


def test_signs_are_fixed_by_the_largest_entry():
    _, vectors = truncated_svd(low_rank()[0], 8, seed=1)
    biggest = np.argmax(np.abs(vectors), axis=0)
    assert (vectors[biggest, np.arange(8)] > 0).all()
    assert (fix_signs(-vectors) == vectors).all()


def test_jacobi_matches_lapack():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((12, 12))
    values, vectors = jacobi_eigh(a + a.T)
    np.testing.assert_allclose(values, np.linalg.eigvalsh(a + a.T)[::-1], atol=1e-10)
    np.testing.assert_allclose(vectors @ np.diag(values) @ vectors.T, a + a.T, atol=1e-10)


SCRIPT = """
import hashlib, sys
import numpy as np
from rnncli.data.embeddings import PpmiEmbeddings
words = ["<pad>", "<unk>"] + sys.argv[2].split(",")
vectors = PpmiEmbeddings([sys.argv[1]]).vectors(words, 6, seed=4)
print(hashlib.sha256(vectors.tobytes()).hexdigest())
"""
SETTINGS = [{"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
            {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"},
            {"OPENBLAS_NUM_THREADS": "4", "MKL_DYNAMIC": "FALSE"}]
if platform.machine() in ("x86_64", "AMD64"):
    SETTINGS.append({"OPENBLAS_CORETYPE": "Prescott", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"})  # the oldest kernels

GOOD, BAD = ["good", "great", "fine", "nice"], ["bad", "awful", "poor", "dull"]
NOUNS = ["film", "movie", "plot", "cast", "story", "ending", "script", "score"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(3000):
        pool = GOOD if rng.random() < 0.5 else BAD
        noun = NOUNS[rng.integers(len(NOUNS))]
        opener = "loved" if pool is GOOD else "hated"
        lines.append(f"I {opener} it , the {noun} was {pool[rng.integers(4)]} and {pool[rng.integers(4)]} .")
    path = tmp_path_factory.mktemp("text") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_same_vectors_under_every_blas_setting(corpus):
    words = ",".join(GOOD + BAD + NOUNS + ["I", "loved", "hated", "it", "the", "was", "and"])
    digests = set()
    for setting in SETTINGS:
        env = {**os.environ, **setting}
        run = subprocess.run([sys.executable, "-c", SCRIPT, str(corpus), words], env=env, capture_output=True,
                             text=True, check=True)
        digests.add(run.stdout.strip())
    assert len(digests) == 1, json.dumps(SETTINGS)


def test_the_vectors_put_near_synonyms_together(corpus):
    words = ["<pad>", "<unk>"] + GOOD + BAD + NOUNS
    vectors = PpmiEmbeddings([str(corpus)]).vectors(words, 6, seed=4)

    def cosine(a, b):
        x, y = vectors[words.index(a)], vectors[words.index(b)]
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert cosine("good", "great") > 0.6  # 0.70 measured
    assert cosine("bad", "awful") > 0.6  # 0.96
    assert cosine("good", "great") > cosine("good", "awful") + 0.3  # 0.22
    assert cosine("good", "great") > cosine("good", "film") + 0.3  # 0.22


CONTROL = """
import hashlib
import numpy as np
a = np.random.default_rng(0).standard_normal((400, 400))
print(hashlib.sha256(np.linalg.eigh(a + a.T)[1].tobytes()).hexdigest())
"""


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="OPENBLAS_CORETYPE=Prescott is x86")
def test_the_settings_do_change_a_blas_solver():
    """The control: LAPACK's eigh, through OpenBLAS, gives other bits under these settings (so
    the test above would see a solver that depends on them)."""
    from rnncli.train.environment import numpy_blas

    if "openblas" not in numpy_blas().lower():
        pytest.skip("numpy is not built on OpenBLAS here")
    digests = {subprocess.run([sys.executable, "-c", CONTROL], env={**os.environ, **setting}, capture_output=True,
                              text=True, check=True).stdout for setting in SETTINGS}
    assert len(digests) > 1


def test_a_source_without_text_is_an_error_not_silently_the_training_texts(tmp_path):
    from rnncli.errors import RnnCliError

    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    (tmp_path / "text.txt").write_text("the cat sat on the mat . the dog sat on the log .\n", encoding="utf-8")
    words = ["<pad>", "<unk>", "the", "cat", "sat", "on", "mat", "dog", "log", "."]
    extra = [["the", "cat", "sat"]] * 3
    with pytest.raises(RnnCliError, match=r"--embeddings-from .*empty.txt: no text in it"):
        PpmiEmbeddings([str(tmp_path / "text.txt"), str(tmp_path / "empty.txt")]).vectors(words, 4, extra)
    assert PpmiEmbeddings([str(tmp_path / "text.txt")]).vectors(words, 4, extra).shape == (10, 4)
