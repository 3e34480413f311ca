"""Rules of reductions, products and shape functions.

A reduction's adjoint spreads ``g`` back over the reduced axes (``expand_to``); a shape
function's adjoint is the inverse reshuffle of ``g``.
"""
import numpy as np

from ..runtime import expand_to, matmul_lhs, matmul_rhs, reduced_count
from .table import defvjp
import gast

# -- reductions -------------------------------------------------------------------------------


@defvjp(np.sum)
def sum(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return expand_to(g, a, axis, keepdims)


@defvjp(np.mean)
def mean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return expand_to(g, a, axis, keepdims) / reduced_count(a, axis)


@defvjp(np.max, np.amax, notes="ties share the gradient equally")
def max(g, ans, a, axis=None, out=None, keepdims=False):
    hit = a == expand_to(ans, a, axis, keepdims)
    return expand_to(g, a, axis, keepdims) * hit / np.sum(hit, axis=axis, keepdims=True)


@defvjp(np.min, np.amin, notes="ties share the gradient equally")
def min(g, ans, a, axis=None, out=None, keepdims=False):
    hit = a == expand_to(ans, a, axis, keepdims)
    return expand_to(g, a, axis, keepdims) * hit / np.sum(hit, axis=axis, keepdims=True)


# -- products ---------------------------------------------------------------------------------


@defvjp(np.matmul, gast.MatMult)
def matmul(g, ans, x1, x2):
    return matmul_lhs(g, x1, x2), matmul_rhs(g, x1, x2)


@defvjp(np.dot, notes="scalars, vectors and matrices (N-D dot follows np.dot's sum-product)")
def dot(g, ans, a, b):
    return dot_lhs(g, a, b), dot_rhs(g, a, b)


@defvjp(np.outer)
def outer(g, ans, a, b):
    return np.reshape(g @ np.ravel(b), np.shape(a)), np.reshape(np.ravel(a) @ g, np.shape(b))


def dot_lhs(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.sum(g * b) if np.ndim(a) == 0 else g * b
    if np.ndim(b) == 1:
        return np.multiply.outer(g, b)
    return np.tensordot(g, b, axes=(range(np.ndim(a) - 1, np.ndim(g)),
                                    [i for i in range(np.ndim(b)) if i != np.ndim(b) - 2]))


def dot_rhs(g, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.sum(g * a) if np.ndim(b) == 0 else g * a
    if np.ndim(b) == 1:
        return np.tensordot(a, g, axes=(range(np.ndim(a) - 1), range(np.ndim(a) - 1)))
    moved = np.moveaxis(np.tensordot(a, g, axes=(range(np.ndim(a) - 1), range(np.ndim(a) - 1))),
                        0, -2)
    return moved


# -- shapes -----------------------------------------------------------------------------------


@defvjp(np.reshape)
def reshape(g, ans, a, newshape=None, order="C", shape=None):
    return np.reshape(g, np.shape(a))


@defvjp(np.ravel)
def ravel(g, ans, a, order="C"):
    return np.reshape(g, np.shape(a))


@defvjp(np.transpose)
def transpose(g, ans, a, axes=None):
    return np.transpose(g, None if axes is None else np.argsort(axes))


@defvjp(np.squeeze)
def squeeze(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


@defvjp(np.expand_dims)
def expand_dims(g, ans, a, axis):
    return np.reshape(g, np.shape(a))


@defvjp(np.asarray, np.array, notes="differentiates the value, not the copy or dtype change")
def asarray(g, ans, a, dtype=None, order=None, copy=None, like=None):
    return g
