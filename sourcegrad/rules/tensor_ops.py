"""Rules of array primitives the Tensor facade adds: writes into regions, ``addmm``,
``logsumexp``, vector norms, ``rsqrt`` and ``lerp``.

Each is a plain numpy function (so compiled code may call it too) that PyTorch reports as one
graph node. Like :mod:`.nn`, they defer to an argument type's ``__sourcegrad_function__``, and
every adjoint is written with primitives that do too, so gradients of gradients work on Tensors.

``index_put`` is the one write: a copy of ``a`` with ``a[index]`` replaced by (or, with
``accumulate``, increased by) ``values``. The facade builds ``t[i] = v``, in-place changes of a
view (PyTorch's ``CopySlices``, with the view's elements as ``index``), ``scatter`` and
``scatter_add`` on it; reading a region back is :func:`.nn.getitem`.
"""
from __future__ import annotations

import numpy as np

from ..runtime import expand_to, unbroadcast
from ..runtime_linalg import _vector_norm_adjoint
from .nn import dispatching, getitem
from .table import defvjp

# -- writes ---------------------------------------------------------------------------------------


@dispatching
def index_put(a, index, values, accumulate=False):
    """A copy of ``a`` with ``a[index] = values`` (``+= values``, repeats adding up, when
    ``accumulate``); ``values`` broadcast to the indexed region."""
    out = np.array(a, copy=True)
    if accumulate:
        np.add.at(out, index, values)
    else:
        out[index] = values
    return out


def untouched(g, index, accumulate):
    """The adjoint of the array written into: all of ``g``, or ``g`` outside a replaced region."""
    return g if accumulate else index_put(g, index, 0.0)


@defvjp(index_put, notes="a repeated index in a replacing write gives each written value the "
                         "gradient of the position (as PyTorch's index_put)",
        static={"accumulate": "a flag"})
def index_put_rule(g, ans, a, index, values, accumulate=False):
    return untouched(g, index, accumulate), None, unbroadcast(getitem(g, index), values)


# -- products -------------------------------------------------------------------------------------


@dispatching
def addmm(c, a, b, beta=1, alpha=1):
    """``beta * c + alpha * (a @ b)`` for matrices ``a``, ``b`` (``c`` broadcasts)."""
    product = np.matmul(a, b)
    if alpha != 1:
        product = product * alpha
    return product + (c if beta == 1 else c * beta)


@defvjp(addmm, broadcast=True,
        static=dict.fromkeys(("beta", "alpha"), "a number option (PyTorch takes no gradient for it either)"))
def addmm_rule(g, ans, c, a, b, beta=1, alpha=1):
    return (g * beta, np.matmul(g, np.swapaxes(b, -1, -2)) * alpha,
            np.matmul(np.swapaxes(a, -1, -2), g) * alpha)


# -- reductions -----------------------------------------------------------------------------------


@dispatching
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed without overflow."""
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=axis)


@defvjp(logsumexp, notes="softmax of x over axis")
def logsumexp_rule(g, ans, x, axis=None, keepdims=False):
    return expand_to(g, x, axis, keepdims) * np.exp(x - expand_to(ans, x, axis, keepdims))


def _norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in ((axis,) if np.ndim(axis) == 0 else axis))


@dispatching
def vector_norm(x, ord=2, axis=None, keepdims=False):
    """The ``ord``-norm of ``x`` flattened over ``axis`` (all axes when None)."""
    return np.linalg.vector_norm(x, ord=ord, axis=axis, keepdims=keepdims)


@defvjp(vector_norm, notes="the adjoint of np.linalg.vector_norm, on arrays and Tensors alike: "
                           "0 at the zero vector; ties of the inf-norm share equally")
def vector_norm_rule(g, ans, x, ord=2, axis=None, keepdims=False):
    return _vector_norm_adjoint(expand_to(g, x, axis, keepdims), expand_to(ans, x, axis, keepdims),
                                x, ord, _norm_axes(axis, np.ndim(x)))


# -- elementwise ----------------------------------------------------------------------------------


@dispatching
def rsqrt(x):
    """``1 / sqrt(x)``."""
    return 1 / np.sqrt(x)


@defvjp(rsqrt, notes="undefined at x == 0")
def rsqrt_rule(g, ans, x):
    return -0.5 * g * ans * ans * ans


@dispatching
def lerp(start, end, weight):
    """``start + weight * (end - start)``."""
    return start + weight * (end - start)


@defvjp(lerp, broadcast=True)
def lerp_rule(g, ans, start, end, weight):
    return g * (1 - weight), g * weight, g * (end - start)


@dispatching
def clamp(x, min=None, max=None):
    """``x`` limited to ``[min, max]`` elementwise; the bounds may be arrays, or None."""
    out = x if min is None else np.maximum(x, min)
    return out if max is None else np.minimum(out, max)


def within(x, low, high):
    """Where ``x`` is passed through: on or inside the bounds (a missing bound is no bound)."""
    inside = True if low is None else x >= low
    return inside if high is None else inside & (x <= high)


def clamped_to(x, bound, other, below):
    """Where the result is ``bound``: ``x`` beyond it (and the bounds in order, for ``min``)."""
    if below:
        return (x < bound) if other is None else (x < bound) & (bound < other)
    return (x > bound) if other is None else (x > bound) | (bound < other)


@defvjp(clamp, broadcast=True, notes="x gets the gradient on the bounds too; a bound gets it "
                                     "where it is the result")
def clamp_rule(g, ans, x, min=None, max=None):
    return (g * within(x, min, max), g * clamped_to(x, min, max, True),
            g * clamped_to(x, max, min, False))
