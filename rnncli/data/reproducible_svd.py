"""A truncated SVD whose result does not depend on BLAS threads or kernels.

ARPACK and LAPACK reach their answers through BLAS, whose sums run in an order that depends
on the thread count and on the kernel picked for the processor (OPENBLAS_NUM_THREADS,
OPENBLAS_CORETYPE, MKL_*): the word vectors then differ in their last digits from machine to
machine, and so do the weights trained from them. Here, in float64:

- every matrix product is a scipy sparse product (plain loops in a fixed order, one thread,
  no BLAS), dense factors included;
- a fixed-seed randomized range finder with subspace iteration (Halko, Martinsson & Tropp
  2011), each block orthonormalized twice through its small Gram matrix;
- the small symmetric eigenproblems are solved by Jacobi rotations (round-robin order, n/2
  at a time): elementwise arithmetic and square roots only, which IEEE 754 rounds the same
  everywhere, and sums through math.fsum, exactly rounded;
- each singular vector's sign is fixed: its largest-magnitude entry is positive.
"""

from __future__ import annotations

import math

import numpy as np

OVERSAMPLE = 20  # extra columns of the range finder
ITERATIONS = 6  # subspace iterations (A then A^T each)
JACOBI_SWEEPS = 30  # at most; each sweep rotates every pair once


def product(left: np.ndarray, right: np.ndarray):
    """left @ right through scipy's sparse kernel: the same sums in the same order everywhere."""
    from scipy import sparse

    return np.asarray(sparse.csr_matrix(left) @ right)


def jacobi_eigh(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors (columns) of a small symmetric matrix, by
    Jacobi sweeps in round-robin order: each step rotates n/2 disjoint pairs at once."""
    n = matrix.shape[0]
    size = n + n % 2  # even: one zero row and column added, which no rotation touches
    a = np.zeros((size, size))
    a[:n, :n] = matrix
    vectors = np.eye(size)
    scale = math.fsum((a * a).ravel().tolist())
    for _ in range(JACOBI_SWEEPS):
        off = math.fsum((a * a).ravel().tolist()) - math.fsum((np.diagonal(a) ** 2).tolist())
        if off <= 1e-30 * scale:
            break
        for p, q in _round_robin(size):
            _rotate(a, vectors, p, q)
    values = np.diagonal(a)[:n].copy()
    order = np.argsort(-values, kind="stable")
    return values[order], vectors[:n, :n][:, order]


def _round_robin(size: int):
    """Pairs (p, q) for each step of a sweep: every index meets every other once."""
    others = list(range(1, size))
    for _ in range(size - 1):
        order = [0] + others
        yield np.array(order[:size // 2]), np.array(order[size // 2:][::-1])
        others = others[-1:] + others[:-1]


def _rotate(a: np.ndarray, vectors: np.ndarray, p: np.ndarray, q: np.ndarray) -> None:
    """a <- J^T a J and vectors <- vectors J for the rotations J zeroing a[p, q] (disjoint pairs)."""
    apq = a[p, q]
    zero = apq == 0.0
    tau = (a[q, q] - a[p, p]) / np.where(zero, 1.0, 2.0 * apq)
    t = np.where(tau >= 0, 1.0, -1.0) / (np.abs(tau) + np.sqrt(1.0 + tau * tau))
    t = np.where(zero, 0.0, t)
    c = 1.0 / np.sqrt(1.0 + t * t)
    s = t * c
    row_p, row_q = a[p, :], a[q, :]  # copies (fancy indexing)
    a[p, :], a[q, :] = c[:, None] * row_p - s[:, None] * row_q, s[:, None] * row_p + c[:, None] * row_q
    col_p, col_q = a[:, p], a[:, q]
    a[:, p], a[:, q] = c * col_p - s * col_q, s * col_p + c * col_q
    vec_p, vec_q = vectors[:, p], vectors[:, q]
    vectors[:, p], vectors[:, q] = c * vec_p - s * vec_q, s * vec_p + c * vec_q


def orthonormalize(block: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the columns of `block` (twice through the Gram matrix, for
    accuracy); directions with no length left are dropped."""
    for _ in range(2):
        values, vectors = jacobi_eigh(product(block.T, block))
        keep = values > values[0] * 1e-24
        block = product(block, vectors[:, keep] / np.sqrt(values[keep]))
    return block


def fix_signs(vectors: np.ndarray) -> np.ndarray:
    """Each column with its largest-magnitude entry (the first, on ties) positive."""
    biggest = np.argmax(np.abs(vectors), axis=0)
    signs = np.where(vectors[biggest, np.arange(vectors.shape[1])] < 0, -1.0, 1.0)
    return vectors * signs


def truncated_svd(matrix, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The k largest singular values (descending) of a sparse or dense matrix, with their left
    singular vectors (columns), in float64; the same bits under any BLAS setting."""
    from scipy import sparse

    a = sparse.csr_matrix(matrix, dtype=np.float64)
    at = a.T.tocsr()
    width = min(k + OVERSAMPLE, *a.shape)
    basis = orthonormalize(np.random.default_rng(seed).standard_normal((a.shape[0], width)))
    for _ in range(ITERATIONS):
        basis = orthonormalize(np.asarray(a @ orthonormalize(np.asarray(at @ basis))))
    small = np.asarray(at @ basis)  # B^T, B = Q^T A: A's action within the basis
    values, vectors = jacobi_eigh(product(small.T, small))  # B B^T = U_B S^2 U_B^T
    values = np.sqrt(np.maximum(values[:k], 0.0))
    return values, fix_signs(product(basis, vectors[:, :k]))
