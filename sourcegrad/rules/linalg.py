"""Rules of ``np.linalg``: inverses, determinants, solves, factorizations and norms.

Every rule works on stacks of matrices (leading batch axes). Functions that return several
arrays (``slogdet``, ``qr``, ``eigh``, ``svd``, ``lstsq``) get a tuple ``g`` with one adjoint
per output, ``None`` where an output got none (see :mod:`sourcegrad.rules.sequences`).

Symmetric inputs: ``cholesky``, ``eigh`` and ``eigvalsh`` read only one triangle of ``a``; their
gradients are the symmetric ones, i.e. they assume perturbations of ``a`` keep it symmetric.
Repeated eigenvalues or singular values leave eigen-/singular vectors non-unique: a loss that
depends on those vectors has no gradient there (the result holds inf/NaN), while losses of the
values alone (``eigvalsh``, ``svd(compute_uv=False)``, ``norm(ord=2)``) stay well defined.
"""
import numpy as np

from ..runtime_linalg import (
    cholesky_adjoint,
    det_adjoint,
    eigh_adjoint,
    eigvalsh_adjoint,
    inv_adjoint,
    lstsq_adjoint,
    matrix_norm_adjoint,
    matrix_power_adjoint,
    norm_adjoint,
    pinv_adjoint,
    qr_adjoint,
    slogdet_adjoint,
    solve_adjoint,
    svd_adjoint,
    vector_norm_adjoint,
)
from ._compat import available
from .table import defvjp


@defvjp(np.linalg.inv, notes="d A = -A^-T g A^-T")
def inv(g, ans, a):
    return inv_adjoint(g, ans)


@defvjp(np.linalg.det, notes="d A = g det(A) A^-T; inf/NaN where A is singular")
def det(g, ans, a):
    return det_adjoint(g, ans, a)


@defvjp(np.linalg.slogdet, returns="sequence", notes="g = (g_sign, g_logabsdet); the sign has no gradient")
def slogdet(g, ans, a):
    return slogdet_adjoint(g, a)


@defvjp(np.linalg.solve, notes="d b = solve(A^T, g), d A = -d b x^T; batches broadcast")
def solve(g, ans, a, b):
    return solve_adjoint(g, ans, a, b, wrt=0), solve_adjoint(g, ans, a, b, wrt=1)


@defvjp(np.linalg.cholesky,
        notes="dA = sym(L^-T Phi(L^T g) L^-1), Phi: lower triangle with halved diagonal; "
              "symmetric gradient (A is read as symmetric)")
def cholesky(g, ans, a, upper=False):
    return cholesky_adjoint(g, ans, upper)


@defvjp(np.linalg.qr, returns=lambda known: "array" if known.get("mode") == "r" else
        "sequence" if "mode" in known else None,
        notes="dA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q; mode 'reduced' (or 'r', "
              "or 'complete' when square), rows >= columns")
def qr(g, ans, a, mode="reduced"):
    return qr_adjoint(g, ans, a, mode)


@defvjp(np.linalg.eigh, returns="sequence",
        notes="dA = sym(V (diag(gw) + F * (V^T gV)) V^T), F_ij = 1 / (w_j - w_i); eigenvector "
              "gradients undefined (inf/NaN) for repeated eigenvalues")
def eigh(g, ans, a, UPLO="L"):
    return eigh_adjoint(g, ans)


@defvjp(np.linalg.eigvalsh, notes="d A = V diag(g) V^T; well defined for repeated eigenvalues")
def eigvalsh(g, ans, a, UPLO="L"):
    return eigvalsh_adjoint(g, a, UPLO)


@defvjp(np.linalg.svd, returns=lambda known: None if "compute_uv" not in known else
        "sequence" if known["compute_uv"] else "array",
        notes="dA = U (diag(gS) + [F * (U^T gU - gU^T U)] S + S [F * (V^T gV - gV^T V)]) V^T "
              "+ projections of gU, gV off the spans of U, V; F_ij = 1 / (s_j^2 - s_i^2); "
              "full_matrices=True only for square input (or unused extra vectors); singular "
              "vector gradients undefined for repeated singular values")
def svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    return svd_adjoint(g, ans, a, full_matrices, compute_uv)


@defvjp(*available(np, "linalg.svdvals"), notes="d A = U diag(g) V^T")
def svdvals(g, ans, x):
    return svd_adjoint(g, ans, x, False, False)


@defvjp(np.linalg.pinv,
        notes="dA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A) with P = pinv(A) "
              "(Golub-Pereyra); valid where the rank is locally constant")
def pinv(g, ans, a, rcond=None, hermitian=False, rtol=None):
    return pinv_adjoint(g, ans, a)


@defvjp(np.linalg.lstsq, returns="sequence",
        notes="full-rank a; g = (g_x, g_residuals, g_rank, g_s); rank has no gradient")
def lstsq(g, ans, a, b, rcond=None):
    return lstsq_adjoint(g, ans, a, b, rcond, wrt=0), lstsq_adjoint(g, ans, a, b, rcond, wrt=1)


@defvjp(np.linalg.matrix_power, notes="integer n; negative n goes through inv")
def matrix_power(g, ans, a, n):
    return matrix_power_adjoint(g, a, n)


@defvjp(np.linalg.norm,
        notes="every ord and axis; 0 at the zero vector; ties of inf/1 norms share equally; "
              "ord=2 of a matrix needs a simple top singular value")
def norm(g, ans, x, ord=None, axis=None, keepdims=False):
    return norm_adjoint(g, ans, x, ord, axis, keepdims)


@defvjp(*available(np, "linalg.vector_norm"), notes="as norm, over any axes")
def vector_norm(g, ans, x, axis=None, keepdims=False, ord=2):
    return vector_norm_adjoint(g, ans, x, axis, keepdims, ord)


@defvjp(*available(np, "linalg.matrix_norm"), notes="as norm, over the last two axes")
def matrix_norm(g, ans, x, keepdims=False, ord="fro"):
    return matrix_norm_adjoint(g, ans, x, keepdims, ord)
