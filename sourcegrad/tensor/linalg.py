"""``torch.linalg``: norms, inverses, determinants, solves and factorizations.

Each is the numpy function of the same name with its rule from the table; functions with
several results return PyTorch's named tuples (``torch.return_types.linalg_eigh``) whose members
share one node.
"""
from __future__ import annotations

import numpy as np

from . import reductions, return_types
from .dispatch import record, record_multi
from .reductions import normalize_dim

__all__ = ["cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm",
           "matrix_power", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "svd",
           "svdvals", "vector_norm"]


def _check_square(a, name) -> None:
    if a.dim() < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2] if a.dim() > 1 else a.shape[-1]} by {a.shape[-1]} "
                           "matrices")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    return reductions.norm(x, ord, dim, keepdim, dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False):
    if ord == "fro":
        return vector_norm(A, 2, dim, keepdim)
    axis = normalize_dim(tuple(dim), A.dim())
    return record(np.linalg.norm, (A,), {"ord": ord, "axis": axis, "keepdims": keepdim},
                  name="LinalgMatrixNormBackward0", dtype=A._data.dtype)


def norm(A, ord=None, dim=None, keepdim=False):
    """A vector norm (1-D, or ``dim`` an int) or matrix norm (2-D, or ``dim`` a pair)."""
    if isinstance(dim, int) or (dim is None and (A.dim() == 1 or ord is None)):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim)
    return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim,
                       keepdim)


def inv(A):
    _check_square(A, "inv")
    return record(np.linalg.inv, (A,), name="LinalgInvExBackward0")


def det(A):
    _check_square(A, "det")
    return record(np.linalg.det, (A,), name="LinalgDetBackward0", dtype=A._data.dtype)


def slogdet(A):
    _check_square(A, "slogdet")
    return return_types.make("linalg_slogdet", *record_multi(np.linalg.slogdet, (A,), name="LinalgSlogdetBackward0"))


def solve(A, B, *, left=True):
    return record(np.linalg.solve, (A, B), name="LinalgSolveExBackward0")


def cholesky(A, *, upper=False):
    out = record(np.linalg.cholesky, (A,), name="LinalgCholeskyExBackward0")
    return out.mT if upper else out


def eigh(A, UPLO="L"):
    return return_types.make("linalg_eigh", *record_multi(np.linalg.eigh, (A, UPLO), name="LinalgEighBackward0",
                               edges=(0,)))


def eigvalsh(A, UPLO="L"):
    return record(np.linalg.eigvalsh, (A, UPLO), name="LinalgEighBackward0", edges=(0,))


def svd(A, full_matrices=True):
    return return_types.make("linalg_svd", *record_multi(np.linalg.svd, (A, full_matrices), name="LinalgSvdBackward0",
                               edges=(0,)))


def svdvals(A):
    return record(np.linalg.svd, (A, False, False), name="LinalgSvdBackward0", edges=(0,))


def qr(A, mode="reduced"):
    return return_types.make("linalg_qr", *record_multi(np.linalg.qr, (A, mode), name="LinalgQrBackward0", edges=(0,)))


def pinv(A, *, hermitian=False):
    return record(np.linalg.pinv, (A,), name="LinalgPinvBackward0")


def matrix_power(A, n):
    return record(np.linalg.matrix_power, (A, n), name="LinalgMatrixPowerBackward0", edges=(0,))


def multi_dot(tensors):
    return record(np.linalg.multi_dot, (list(tensors),), name="LinalgMultiDotBackward0")


def matmul(input, other):
    from .products import matmul as product
    return product(input, other)


def cross(input, other, *, dim=-1):
    from .products import cross as product
    return product(input, other, dim)
