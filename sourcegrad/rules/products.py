"""Rules of products: dot, matmul (``@``), inner, outer, tensordot, einsum, kron, cross.

Every rank numpy accepts is covered, including scalars in ``dot``, 1-D·1-D products and
broadcast batches in ``matmul``. ``einsum`` takes its operands as ``*operands``: its rule
returns one tuple for that parameter, one adjoint per operand (the convention is spelled out
in :mod:`sourcegrad.rules.sequences`).
"""
import gast
import numpy as np

from ..runtime import matmul_lhs, matmul_rhs, unbroadcast
from ..runtime_linalg import (
    cross_adjoint,
    dot_lhs,
    dot_rhs,
    einsum_adjoints,
    inner_adjoint,
    kron_adjoint,
    multi_dot_adjoint,
    tensordot_adjoint,
)
from ._compat import available
from .table import defvjp


@defvjp(np.matmul, gast.MatMult, *available(np, "linalg.matmul"),
        notes="vectors, matrices and broadcast batches")
def matmul(g, ans, x1, x2):
    return matmul_lhs(g, x1, x2), matmul_rhs(g, x1, x2)


@defvjp(np.dot, notes="every rank: scalars, 1-D·1-D, N-D·M-D sum-product")
def dot(g, ans, a, b):
    return dot_lhs(g, a, b), dot_rhs(g, a, b)


@defvjp(np.vdot, notes="flattened dot product")
def vdot(g, ans, a, b):
    return np.reshape(g * np.ravel(b), np.shape(a)), np.reshape(g * np.ravel(a), np.shape(b))


@defvjp(np.inner)
def inner(g, ans, a, b):
    return inner_adjoint(g, a, b, wrt=0), inner_adjoint(g, a, b, wrt=1)


@defvjp(np.outer, *available(np, "linalg.outer"), notes="inputs are flattened, as numpy does")
def outer(g, ans, a, b):
    return np.reshape(g @ np.ravel(b), np.shape(a)), np.reshape(np.ravel(a) @ g, np.shape(b))


@defvjp(np.tensordot, *available(np, "linalg.tensordot"))
def tensordot(g, ans, a, b, axes=2):
    return tensordot_adjoint(g, a, b, axes, wrt=0), tensordot_adjoint(g, a, b, axes, wrt=1)


@defvjp(np.einsum, notes="any subscripts string: ellipses, implicit output, traces, diagonals")
def einsum(g, ans, subscripts, *operands, out=None, optimize=False):
    return None, einsum_adjoints(g, subscripts, operands)


@defvjp(np.kron)
def kron(g, ans, a, b):
    return kron_adjoint(g, a, b, wrt=0), kron_adjoint(g, a, b, wrt=1)


@defvjp(np.cross, notes="3-vectors along the chosen axes, broadcast batches")
def cross(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return (cross_adjoint(g, a, b, axisa, axisb, axisc, axis, wrt=0),
            cross_adjoint(g, a, b, axisa, axisb, axisc, axis, wrt=1))


@defvjp(*available(np, "linalg.cross"), notes="3-vectors along axis, broadcast batches")
def linalg_cross(g, ans, x1, x2, axis=-1):
    return (cross_adjoint(g, x1, x2, axis=axis, wrt=0),
            cross_adjoint(g, x1, x2, axis=axis, wrt=1))


@defvjp(*available(np, "vecdot", "linalg.vecdot"), broadcast=True,
        notes="sum of x1 * x2 over axis, broadcast batches")
def vecdot(g, ans, x1, x2, axis=-1):
    return np.expand_dims(g, axis) * x2, np.expand_dims(g, axis) * x1


@defvjp(np.linalg.multi_dot, notes="a list of arrays: one adjoint per array")
def multi_dot(g, ans, arrays, out=None):
    return multi_dot_adjoint(g, arrays)


if hasattr(np, "matvec"):  # numpy >= 2.2

    @defvjp(np.matvec, notes="matrix (..., m, n) times vector (..., n), broadcast batches")
    def matvec(g, ans, x1, x2):
        return (unbroadcast(g[..., :, None] * x2[..., None, :], x1),
                unbroadcast(np.matvec(np.swapaxes(x1, -1, -2), g), x2))

    @defvjp(np.vecmat, notes="vector (..., m) times matrix (..., m, n), broadcast batches")
    def vecmat(g, ans, x1, x2):
        return (unbroadcast(np.matvec(x2, g), x1),
                unbroadcast(x1[..., :, None] * g[..., None, :], x2))
