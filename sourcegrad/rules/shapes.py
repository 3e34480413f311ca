"""Rules of shape and indexing functions: each adjoint is the inverse reshuffle of ``g``.

Functions that only move elements (reshape, transpose, flip, roll, ...) send ``g`` back the same
way; functions that copy elements (tile, repeat, broadcast_to, pad, take) add the copies' ``g``
back up; ``sort`` sends ``g`` back through the (stable) sorting permutation. Subscripts
(``x[i]``, fancy and boolean indices, ``None``, ``...``) are the compiler's; their adjoint is
``runtime.subscript_adjoint``.
"""
import numpy as np

from ..runtime import cast_like, inverse_permutation, reshape_order, unbroadcast
from ..runtime_arrays import (
    diag_adjoint,
    diagonal_adjoint,
    geomspace_adjoint,
    linspace_adjoint,
    logspace_adjoint,
    pad_adjoint,
    pad_constant_adjoint,
    partition_adjoint,
    polyval_adjoint,
    repeat_adjoint,
    resize_adjoint,
    sort_adjoint,
    take_adjoint,
    take_along_axis_adjoint,
    tile_adjoint,
    trace_adjoint,
)
from ._compat import available
from .table import defvjp

# -- moving elements ----------------------------------------------------------------------------


@defvjp(np.reshape)
def reshape(g, ans, a, shape=None, order="C", newshape=None, copy=None):
    return np.reshape(g, np.shape(a), order=reshape_order(a, order))


@defvjp(np.ndarray.reshape, notes="the method: x.reshape(2, 3) or x.reshape((2, 3))")
def reshape_method(g, ans, a, *shape, order="C"):
    return np.reshape(g, np.shape(a), order=reshape_order(a, order))


@defvjp(np.ravel, np.ndarray.flatten, np.ndarray.ravel)
def ravel(g, ans, a, order="C"):
    return np.reshape(g, np.shape(a), order=reshape_order(a, order))


@defvjp(np.squeeze)
def squeeze(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


@defvjp(np.expand_dims)
def expand_dims(g, ans, a, axis):
    return np.reshape(g, np.shape(a))


@defvjp(np.transpose, *available(np, "permute_dims"))
def transpose(g, ans, a, axes=None):
    return np.transpose(g, inverse_permutation(axes))


@defvjp(np.ndarray.transpose, notes="the method: x.transpose(1, 0, 2) or x.transpose((1, 0, 2))")
def transpose_method(g, ans, a, *axes):
    return np.transpose(g, inverse_permutation(axes))


@defvjp(*available(np, "matrix_transpose", "linalg.matrix_transpose"))
def matrix_transpose(g, ans, x):
    return np.swapaxes(g, -1, -2)


@defvjp(np.swapaxes)
def swapaxes(g, ans, a, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@defvjp(np.moveaxis)
def moveaxis(g, ans, a, source, destination):
    return np.moveaxis(g, destination, source)


@defvjp(np.flip)
def flip(g, ans, m, axis=None):
    return np.flip(g, axis)


@defvjp(np.fliplr)
def fliplr(g, ans, m):
    return np.fliplr(g)


@defvjp(np.flipud)
def flipud(g, ans, m):
    return np.flipud(g)


@defvjp(np.rot90)
def rot90(g, ans, m, k=1, axes=(0, 1)):
    return np.rot90(g, -k, axes)


@defvjp(np.roll)
def roll(g, ans, a, shift, axis=None):
    return np.roll(g, np.negative(shift), axis)


@defvjp(np.sort, notes="g follows the stable sorting permutation; ties keep their order")
def sort(g, ans, a, axis=-1, kind=None, order=None, stable=None):
    return sort_adjoint(g, a, axis)


@defvjp(np.partition, notes="g follows the partitioning permutation",
        static={"kth": "element positions"})
def partition(g, ans, a, kth, axis=-1, kind="introselect", order=None):
    return partition_adjoint(g, a, kth, axis)


@defvjp(np.resize, notes="each element gets the sum of g over its cyclic copies")
def resize(g, ans, a, new_shape):
    return resize_adjoint(g, a)


# -- copying elements -----------------------------------------------------------------------------


@defvjp(np.broadcast_to)
def broadcast_to(g, ans, array, shape, subok=False):
    return unbroadcast(g, array)


@defvjp(np.tile)
def tile(g, ans, A, reps):
    return tile_adjoint(g, A, reps)


@defvjp(np.repeat)
def repeat(g, ans, a, repeats, axis=None):
    return repeat_adjoint(g, a, repeats, axis)


@defvjp(np.pad, notes="modes that copy elements: constant, edge, reflect, symmetric, wrap; "
        "and the constant values")
def pad(g, ans, array, pad_width, mode="constant", constant_values=0, reflect_type="even"):
    return (pad_adjoint(g, array, pad_width, mode, reflect_type), None, None,
            pad_constant_adjoint(g, array, pad_width, constant_values))


@defvjp(np.take, notes="repeated indices add up")
def take(g, ans, a, indices, axis=None, out=None, mode="raise"):
    return take_adjoint(g, a, indices, axis, mode)


@defvjp(np.take_along_axis, notes="repeated indices add up")
def take_along_axis(g, ans, arr, indices, axis=-1):
    return take_along_axis_adjoint(g, arr, indices, axis)


# -- triangles and diagonals ----------------------------------------------------------------------


@defvjp(np.triu)
def triu(g, ans, m, k=0):
    return np.triu(g, k)


@defvjp(np.tril)
def tril(g, ans, m, k=0):
    return np.tril(g, k)


@defvjp(np.diag, notes="both directions: vector to matrix and matrix to diagonal")
def diag(g, ans, v, k=0):
    return diag_adjoint(g, v, k)


@defvjp(np.diagflat)
def diagflat(g, ans, v, k=0):
    return np.reshape(np.diagonal(g, k), np.shape(v))


@defvjp(np.diagonal)
def diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    return diagonal_adjoint(g, a, offset, axis1, axis2)


@defvjp(*available(np, "linalg.diagonal"), notes="over the last two axes")
def linalg_diagonal(g, ans, x, offset=0):
    return diagonal_adjoint(g, x, offset, -2, -1)


@defvjp(np.trace)
def trace(g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return trace_adjoint(g, a, offset, axis1, axis2)


@defvjp(*available(np, "linalg.trace"), notes="over the last two axes")
def linalg_trace(g, ans, x, offset=0, dtype=None):
    return trace_adjoint(g, x, offset, -2, -1)


# -- miscellaneous ------------------------------------------------------------------------------


@defvjp(np.fft.fftshift)
def fftshift(g, ans, x, axes=None):
    return np.fft.ifftshift(g, axes)


@defvjp(np.fft.ifftshift)
def ifftshift(g, ans, x, axes=None):
    return np.fft.fftshift(g, axes)


@defvjp(np.bincount, notes="gradient in the weights only",
        static={"x": "integer bin indices"})
def bincount(g, ans, x, weights=None, minlength=0):
    return None, cast_like(np.take(g, x), weights)


@defvjp(np.polyval, notes="both the coefficients and the points")
def polyval(g, ans, p, x):
    return polyval_adjoint(g, p, x, wrt=0), polyval_adjoint(g, p, x, wrt=1)


# -- constructors whose values come from their arguments -------------------------------------


@defvjp(np.full, broadcast=True, notes="the fill value gets the sum of g")
def full(g, ans, shape, fill_value, dtype=None, order="C", like=None, device=None):
    return None, g


@defvjp(np.full_like, broadcast=True, zero={"a": "only its shape and dtype are used"},
        notes="the fill value gets the sum of g")
def full_like(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None,
              device=None):
    return None, g


@defvjp(np.linspace, notes="start and stop; retstep's step too",
        returns=lambda known: "sequence" if known.get("retstep") else "array",
        static={"endpoint": "a flag", "retstep": "a flag", "device": "a device"})
def linspace(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0,
             device=None):
    return (linspace_adjoint(g, start, stop, num, endpoint, retstep, axis, wrt=0),
            linspace_adjoint(g, start, stop, num, endpoint, retstep, axis, wrt=1))


@defvjp(np.logspace, notes="start, stop and base", static={"endpoint": "a flag"})
def logspace(g, ans, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    return (logspace_adjoint(g, ans, start, stop, num, endpoint, base, axis, wrt=0),
            logspace_adjoint(g, ans, start, stop, num, endpoint, base, axis, wrt=1), None,
            None, logspace_adjoint(g, ans, start, stop, num, endpoint, base, axis, wrt=2))


@defvjp(np.geomspace, notes="start and stop", static={"endpoint": "a flag"})
def geomspace(g, ans, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return (geomspace_adjoint(g, ans, start, stop, num, endpoint, axis, wrt=0),
            geomspace_adjoint(g, ans, start, stop, num, endpoint, axis, wrt=1))
