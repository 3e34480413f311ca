"""Runtime helpers for the adjoints of shape, indexing and sequence functions.

Plain numpy that generated gradients call, split off :mod:`sourcegrad.runtime` to keep modules
short. Tuple adjoints (``g`` of a function with several results) may hold ``None`` entries for
outputs that received no adjoint: ``fill_none`` turns them into zeros.
"""
from __future__ import annotations

import numpy as np

from .runtime import _zeros_for, cast_like, fill_none, float_dtype, unbroadcast


def take_adjoint(g, a, indices, axis=None, mode="raise"):
    """Adjoint of ``np.take``: repeated indices add up."""
    out = _zeros_for(a)
    if mode != "raise":
        n = out.size if axis is None else out.shape[axis]
        indices = np.mod(indices, n) if mode == "wrap" else np.clip(indices, 0, n - 1)
    if axis is None:
        np.add.at(out.reshape(-1), indices, g)
        return out
    index = (slice(None),) * (axis % out.ndim) + (indices,)
    np.add.at(out, index, g)
    return out


def take_along_axis_adjoint(g, arr, indices, axis=-1):
    """Adjoint of ``np.take_along_axis``: scatter-add ``g`` back along ``axis``."""
    out = _zeros_for(arr)
    if axis is None:
        np.add.at(out.reshape(-1), np.ravel(indices), np.ravel(g))
        return out
    axis %= out.ndim
    index = list(np.ix_(*[np.arange(n) for n in np.shape(indices)]))
    index = [np.broadcast_to(i, np.shape(indices)) for i in index]
    index[axis] = indices
    np.add.at(out, tuple(index), g)
    return out


def sort_adjoint(g, a, axis=-1):
    """Adjoint of ``np.sort``: ``g`` follows the (stable) sorting permutation back."""
    if axis is None:
        out = _zeros_for(np.ravel(a))
        out[np.argsort(np.ravel(a), kind="stable")] = g
        return out.reshape(np.shape(a))
    out = _zeros_for(a)
    np.put_along_axis(out, np.argsort(a, axis=axis, kind="stable"), g, axis=axis)
    return out


def partition_adjoint(g, a, kth, axis=-1):
    """Adjoint of ``np.partition``: ``g`` follows the partitioning permutation back (numpy's
    own ``argpartition`` gives the same arrangement as ``partition`` for the same input)."""
    if axis is None:
        out = _zeros_for(np.ravel(a))
        out[np.argpartition(np.ravel(a), kth)] = g
        return out.reshape(np.shape(a))
    out = _zeros_for(a)
    np.put_along_axis(out, np.argpartition(a, kth, axis=axis), g, axis=axis)
    return out


def resize_adjoint(g, a):
    """Adjoint of ``np.resize``: the result repeats ``a``'s elements cyclically, so each
    element gets the sum of ``g`` over its copies."""
    size = int(np.size(a))
    out = _zeros_for(a).reshape(-1)
    if size:
        np.add.at(out, np.arange(np.size(g)) % size, np.ravel(g))
    return out.reshape(np.shape(a))


def repeat_adjoint(g, a, repeats, axis=None):
    """Adjoint of ``np.repeat``: sum each run of copies."""
    shape = np.shape(a)
    if axis is None:
        g, axis, n = np.ravel(g), 0, int(np.prod(shape))
    else:
        axis %= len(shape)
        n = shape[axis]
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(np.ravel(repeats)[0]) if np.ndim(repeats) else int(repeats)
        g = np.moveaxis(g, axis, -1)
        summed = np.sum(g.reshape(g.shape[:-1] + (n, r)), axis=-1)
        return np.reshape(np.moveaxis(summed, -1, axis), shape)
    starts = np.concatenate([[0], np.cumsum(repeats)[:-1]])
    sums = np.add.reduceat(g, starts, axis=axis) if np.size(g) else np.zeros_like(g)
    sums = np.where(np.reshape(np.asarray(repeats) > 0, [-1 if i == axis else 1
                                                            for i in range(np.ndim(sums))]),
                    sums, 0)
    return np.reshape(sums.astype(g.dtype, copy=False), shape)


def tile_adjoint(g, a, reps):
    """Adjoint of ``np.tile``: sum the tiles."""
    shape = np.shape(a)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    ndim = max(len(shape), len(reps))
    full = (1,) * (ndim - len(shape)) + tuple(shape)
    reps = (1,) * (ndim - len(reps)) + reps
    split = g.reshape([n for pair in zip(reps, full) for n in pair])
    return np.sum(split, axis=tuple(range(0, 2 * ndim, 2))).reshape(shape)


def pad_adjoint(g, array, pad_width, mode="constant", reflect_type="even"):
    """Adjoint of ``np.pad`` for the modes that copy elements (constant, edge, reflect, ...).

    The padded array is a gather of ``array``'s elements; padding an array of flat indices the
    same way names the source of every output element, and the adjoint adds ``g`` back there.
    """
    shape = np.shape(array)
    if reflect_type != "even":
        raise NotImplementedError("np.pad(reflect_type='odd') has no gradient rule")
    if mode == "constant":
        pw = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))
        inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(pw, shape))
        return np.asarray(g)[inner]
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise NotImplementedError(f"np.pad(mode={mode!r}) has no gradient rule; "
                                  "use mode 'constant', 'edge', 'reflect', 'symmetric' or 'wrap'")
    source = np.pad(np.arange(int(np.prod(shape))).reshape(shape), pad_width, mode=mode)
    out = _zeros_for(array)
    np.add.at(out.reshape(-1), source.ravel(), np.ravel(g))
    return out


def pad_constant_adjoint(g, array, pad_width, constant_values=0):
    """Adjoint of ``np.pad(mode="constant")`` in ``constant_values``: each padded element came
    from one constant. numpy pads axis by axis, so a corner takes the value of the last axis
    that padded it: element ``e`` belongs to the last axis where it lies outside the original."""
    shape = np.shape(array)
    ndim = len(shape)
    pw = np.broadcast_to(np.asarray(pad_width, dtype=int), (ndim, 2))
    g = np.asarray(g)
    owner = np.full(g.shape, -1)  # 2 * axis + side of the constant that filled each element
    for axis in range(ndim):
        index = np.arange(g.shape[axis])
        side = np.where(index < pw[axis][0], 0, np.where(index >= pw[axis][0] + shape[axis],
                                                         1, -1))
        side = side.reshape([-1 if a == axis else 1 for a in range(ndim)])
        owner = np.where(side >= 0, 2 * axis + side, owner)
    sums = np.array([np.sum(g[owner == k]) for k in range(2 * ndim)], dtype=g.dtype)
    values = np.asarray(constant_values)
    if values.ndim == 0:
        return cast_like(np.sum(sums), constant_values)
    full = np.broadcast_to(values, (ndim, 2))
    by_axis = sums.reshape(ndim, 2)
    return cast_like(unbroadcast(by_axis, values) if full.shape != values.shape else by_axis,
                     constant_values)


def diagonal_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal``: ``g`` written on the diagonal of zeros shaped like ``a``."""
    out = _zeros_for(a)
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a writable view of out
    n, m = moved.shape[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset))
    moved[..., rows, rows + offset] = g
    return out


def trace_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.trace``: ``g`` on every element of the chosen diagonal."""
    if np.ndim(a) == 2 and np.ndim(g) == 0:
        return g * np.eye(*np.shape(a), k=offset, dtype=float_dtype(g, a))
    size = np.shape(np.diagonal(a, offset, axis1, axis2))[-1]
    return diagonal_adjoint(np.repeat(np.expand_dims(g, -1), size, -1), a, offset, axis1, axis2)


def diag_adjoint(g, v, k=0):
    """Adjoint of ``np.diag``: read the diagonal back (1-D ``v``) or place it (2-D ``v``)."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k)
    return diagonal_adjoint(g, v, k)


def concatenate_adjoint(g, arrays, axis=0):
    """Adjoint of ``np.concatenate``: one slice of ``g`` per array (a list, like the input)."""
    if axis is None:
        sizes = [np.size(x) for x in arrays]
        parts = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
        return [np.reshape(p, np.shape(x)) for p, x in zip(parts, arrays)]
    sizes = [np.shape(x)[axis] for x in arrays]
    return np.split(g, np.cumsum(sizes)[:-1], axis=axis)


def joined_adjoint(g, arrays, how):
    """Adjoint of hstack/vstack/dstack/column_stack: split ``g`` and restore each shape."""
    if how == "h":
        axis = 0 if np.ndim(np.atleast_1d(arrays[0])) == 1 else 1
        pieces = [np.atleast_1d(x) for x in arrays]
    elif how == "v":
        axis, pieces = 0, [np.atleast_2d(x) for x in arrays]
    elif how == "d":
        axis, pieces = 2, [np.atleast_3d(x) for x in arrays]
    else:  # column_stack: 1-D arrays become columns
        axis = 1
        pieces = [np.reshape(x, (-1, 1)) if np.ndim(x) < 2 else x for x in arrays]
    parts = concatenate_adjoint(g, pieces, axis)
    return [np.reshape(p, np.shape(x)) for p, x in zip(parts, arrays)]


def stack_adjoint(g, arrays, axis=0):
    """Adjoint of ``np.stack``: unstack ``g`` along the new axis (a list, like the input)."""
    return list(np.moveaxis(g, axis, 0))


def unsplit(g, ans, axis=0):
    """Adjoint of split/array_split/hsplit/...: concatenate the pieces' adjoints.

    ``g`` is a tuple with one adjoint per returned piece (``None`` for pieces that got none).
    """
    return np.concatenate([fill_none(gi, piece) for gi, piece in zip(g, ans)], axis=axis)


def unstack_adjoint(g, ans, axis=0):
    """Adjoint of ``np.unstack``: stack the pieces' adjoints (``None`` entries become zeros)."""
    return np.stack([fill_none(gi, piece) for gi, piece in zip(g, ans)], axis=axis)


def broadcast_arrays_adjoint(g, ans, args):
    """Adjoint of ``np.broadcast_arrays``: each output's adjoint summed back to its input."""
    return tuple(unbroadcast(fill_none(gi, y), x) for gi, y, x in zip(g, ans, args))


def atleast_adjoint(g, ans, arys):
    """Adjoint of ``np.atleast_1d/2d/3d``: one reshaped adjoint per argument (a tuple)."""
    if len(arys) == 1:
        return (np.reshape(g, np.shape(arys[0])),)
    return tuple(np.reshape(fill_none(gi, y), np.shape(x)) for gi, y, x in zip(g, ans, arys))


def meshgrid_adjoint(g, ans, xi, indexing="xy"):
    """Adjoint of ``np.meshgrid``: each grid's adjoint summed over the axes it was spread on."""
    n = len(xi)
    out = []
    for k, x in enumerate(xi):
        axis = {0: 1, 1: 0}.get(k, k) if indexing == "xy" and n > 1 else k
        gk = fill_none(g[k], ans[k])
        others = tuple(i for i in range(np.ndim(gk)) if i != axis)
        out.append(np.reshape(np.sum(gk, axis=others), np.shape(x)))
    return tuple(out)


def polyval_adjoint(g, p, x, wrt=0):
    """Adjoint of ``np.polyval(p, x)`` in the coefficients (wrt=0) or in ``x`` (wrt=1)."""
    p = np.asarray(p)
    if wrt == 1:
        slope = np.polyval(np.polyder(p), x) if p.size > 1 else np.zeros_like(x)
        return cast_like(g * slope, x)
    powers = np.asarray(x)[..., None] ** np.arange(p.size - 1, -1, -1)
    return cast_like(np.tensordot(g, powers, axes=np.ndim(x)), p)


def _linspace_fraction(num, endpoint, axis, ndim_start):
    """``t`` with ``linspace(start, stop) == start + t * (stop - start)``, shaped to broadcast
    against the samples (the sample axis at ``axis``)."""
    div = (num - 1) if endpoint else num
    t = np.arange(num, dtype=float) / div if div > 0 else np.zeros(num)
    if endpoint and num > 1:
        t[-1] = 1.0
    ndim = ndim_start + 1
    shape = [1] * ndim
    shape[axis % ndim] = num
    return t.reshape(shape)


def linspace_adjoint(g, start, stop, num=50, endpoint=True, retstep=False, axis=0, wrt=0):
    """Adjoint of ``np.linspace`` in ``start`` (``wrt=0``) or ``stop`` (``wrt=1``)."""
    step_g = None
    if retstep:
        g, step_g = g
    ndim = np.ndim(np.broadcast_arrays(start, stop)[0])
    t = _linspace_fraction(num, endpoint, axis, ndim)
    weights = (1.0 - t) if wrt == 0 else t
    out = np.sum(np.asarray(g) * weights, axis=axis % (ndim + 1))
    if step_g is not None:
        div = (num - 1) if endpoint else num
        out = out + (-step_g if wrt == 0 else step_g) / div
    return cast_like(unbroadcast(out, start if wrt == 0 else stop), start if wrt == 0 else stop)


def logspace_adjoint(g, ans, start, stop, num=50, endpoint=True, base=10.0, axis=0, wrt=0):
    """Adjoint of ``np.logspace`` (``base ** linspace(start, stop)``) in start, stop or base."""
    if wrt == 2:
        ndim = np.ndim(np.broadcast_arrays(start, stop)[0])
        exponent = np.log(ans) / np.log(base)
        return cast_like(unbroadcast(np.asarray(g) * exponent * ans / base, base), base)
    return linspace_adjoint(np.asarray(g) * ans * np.log(base), start, stop, num, endpoint,
                            False, axis, wrt)


def geomspace_adjoint(g, ans, start, stop, num=50, endpoint=True, axis=0, wrt=0):
    """Adjoint of ``np.geomspace``: ``start * (stop / start) ** t``, so the sample is
    ``exp((1 - t) log start + t log stop)`` up to a common sign."""
    ndim = np.ndim(np.broadcast_arrays(start, stop)[0])
    t = _linspace_fraction(num, endpoint, axis, ndim)
    value = start if wrt == 0 else stop
    weights = ((1.0 - t) if wrt == 0 else t) * ans / np.expand_dims(value, axis % (ndim + 1))
    out = np.sum(np.asarray(g) * weights, axis=axis % (ndim + 1))
    return cast_like(unbroadcast(out, value), value)
