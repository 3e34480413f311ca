"""The small runtime that generated gradients (and rules) call.

Everything here is a plain function on numpy values: generated code needs only this module and
numpy, never the compiler. Each helper has a fast path for the common case, because it runs on
every gradient call.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

_SCALAR_TYPES = (float, int, np.floating, np.integer)
# The helpers below run on every gradient call; ``type(x) is _ndarray`` reads one cached global
# where ``np.ndarray`` looks up a module attribute each time (a third of a small helper's cost).
_ndarray = np.ndarray


def reads_shape_of(*positions):
    """Declare that a helper reads its arguments at ``positions`` only for their type, shape
    and dtype: backward code then keeps a memoryless witness of them, not the arrays
    (``ir/callees.py``)."""
    def declare(fn):
        fn.shape_only = positions
        return fn
    return declare


def ratio(a, b):
    """``a / b``, with numpy's answer (inf or nan, and a RuntimeWarning) where ``b`` is a zero
    Python number -- where Python would raise ZeroDivisionError. Rules of ``math`` functions
    divide with it at their singular points (``math.sqrt`` at 0)."""
    try:
        return a / b
    except ZeroDivisionError:
        return np.true_divide(a, b)


def fpow(x, y):
    """``x ** y``, with numpy's answer (inf) for a zero Python float raised to a negative
    power, where Python raises ZeroDivisionError (the derivative of ``x ** 0.5`` at 0)."""
    try:
        return x ** y
    except ZeroDivisionError:
        return np.power(np.float64(x), y)


def power_slope(x, y):
    """``d(x ** y)/dx = y * x ** (y - 1)``, and exactly 0 where ``y == 0``: ``x ** 0`` is 1 for
    every ``x``, also at ``x = 0`` where the formula reads ``0 * inf``."""
    if y.__class__ is int or y.__class__ is float:
        if y != 0:
            return y * fpow(x, y - 1)
        return np.zeros_like(x, dtype=float_dtype(x)) if isinstance(x, _ndarray) else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = y * fpow(x, y - 1)
    slope = np.where(y == 0, 0.0, slope)
    return slope[()] if slope.ndim == 0 else slope


def with_item(value, index, item):
    """``value`` with ``value[index] = item``, leaving ``value`` itself unchanged (an in-place
    write the code generator could not prove unobservable becomes this copy)."""
    if isinstance(value, list):
        out = list(value)
    elif isinstance(value, dict):
        out = dict(value)
    else:
        out = np.array(value, copy=True)
    out[index] = item
    return out


@reads_shape_of(1)
def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x``: the adjoint of numpy's broadcasting of ``x``
    (only ``x``'s shape is read: a witness of it will do)."""
    kind = type(x)  # plain attribute reads for the common types: getattr costs more
    shape = x.shape if kind is _ndarray else getattr(x, "shape", None)
    if shape is None:
        shape = np.shape(x)
    g_shape = g.shape if type(g) is _ndarray else getattr(g, "shape", ())
    if g_shape == shape:
        return g
    if shape == ():
        return np.sum(g)
    extra = len(g_shape) - len(shape)
    if extra < 0:  # a scalar adjoint standing for a broadcast value: it broadcasts already
        return g
    # ndarray.sum skips numpy's function dispatch; other array types (a Tensor recording a
    # second derivative) go through np.sum
    total = _ndarray.sum if type(g) is _ndarray else np.sum
    if extra:  # leading axes numpy added
        g = total(g, axis=0 if extra == 1 else tuple(range(extra)))
    if 1 not in shape:  # the common case (a bias row): no axis of x was stretched
        return g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return total(g, axis=axes, keepdims=True) if axes else g


def seed(ans):
    """The adjoint of ``grad``'s output, after checking that the output is a real scalar: 1.0,
    or ones of its shape for a one-element array (``(1,)`` stays ``(1,)``, so the adjoint of
    every value keeps that value's shape)."""
    kind = type(ans)
    if kind is float:
        return 1.0
    if kind is complex or getattr(getattr(ans, "dtype", None), "kind", "") == "c":
        raise TypeError("the function returned a complex value: sourcegrad differentiates "
                        "real-valued code (return a real scalar, e.g. np.abs(z) ** 2)")
    size = getattr(ans, "size", None)
    if size == 1:
        shape = getattr(ans, "shape", ())
        return 1.0 if shape == () else np.ones(shape, np.result_type(ans, np.float16))
    if size is None and isinstance(ans, numbers.Real):
        return 1.0
    shape = getattr(ans, "shape", type(ans).__name__)
    raise ValueError(
        f"grad needs a function that returns a scalar, but it returned a value of shape {shape}. "
        "Reduce it to a scalar first (e.g. np.sum(...)), or differentiate a weighted sum "
        "np.sum(w * f(x)) to get a vector-Jacobian product."
    )


@reads_shape_of(0)
def zeros_like(x):
    """The gradient of an argument the output does not depend on: zeros of its shape and type."""
    if isinstance(x, (float, int)):
        return 0.0
    return np.zeros_like(x, dtype=np.result_type(x, np.float16))


def as_gradient(dx, x):
    """Give the gradient the shape and float type of its argument, as a fresh array.

    Python numbers get a Python float; arrays get a writeable array of their own shape and float
    dtype that shares memory with nothing (a view or a broadcast adjoint is copied). The common
    case -- a fresh array of the right shape and dtype -- costs a few attribute reads.
    """
    if type(x) is _ndarray:
        if type(dx) is _ndarray and dx.base is None and dx is not x and \
                (dx.dtype is x.dtype or dx.dtype == x.dtype) and dx.shape == x.shape and \
                x.dtype.kind == "f":
            return dx  # (builtin dtypes are singletons: ``is`` answers first)
    elif type(x) is float or type(x) is int:
        return float(zeros_like(x) if dx is None else dx)
    if dx is None:
        return zeros_like(x)
    dtype = getattr(x, "dtype", None)
    if dtype is None:  # numbers.Real that is not float/int, or a list
        return float(dx) if isinstance(x, numbers.Real) else np.asarray(dx, dtype=float)
    if dtype.kind != "f" and dtype.kind != "c":
        dtype = np.dtype(float)
    if np.shape(dx) == np.shape(x):
        out = np.array(dx, dtype=dtype)
    else:
        out = np.array(np.broadcast_to(np.asarray(dx, dtype=dtype), np.shape(x)))
    if type(x) is _ndarray:
        return out
    return out[()] if out.ndim == 0 else out


def check_numeric(name, value):
    """Raise a TypeError naming the argument when a differentiated argument is not numeric."""
    kind = type(value)
    if kind is float or (kind is _ndarray and value.dtype.kind == "f"):
        return  # the common cases, first
    if kind is complex or getattr(value, "dtype", None) is not None and \
            getattr(value.dtype, "kind", "") == "c":
        raise TypeError(
            f"argument {name!r} is complex ({value!r:.60}): sourcegrad differentiates "
            "real-valued code. Pass the real and imaginary parts as separate real arrays.")
    if isinstance(value, _SCALAR_TYPES) and not isinstance(value, bool):
        return
    _refuse_subclass(name, value)
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype.kind in "fiu":
        return
    raise TypeError(
        f"argument {name!r} is differentiated but is {type(value).__name__} "
        f"({value!r:.60}); pass a float, an int or a numeric numpy array"
    )


def _refuse_subclass(name, value):
    """An ndarray subclass (a masked array, np.matrix) changes what numpy's functions compute
    (a masked mean, ``*`` as a matrix product): the rules, written for arrays, would be wrong
    for it without a sign."""
    if isinstance(value, _ndarray) and type(value) is not _ndarray:
        raise TypeError(
            f"argument {name!r} is a {type(value).__name__}, a subclass of ndarray whose "
            "operations mean something else than the rules assume (masks, matrix products); "
            f"pass np.asarray({name}) (for a masked array, fill or compress it first)")


def refuse_shared_update(value, error):
    """Stop before ``x += ...`` where another name still reads ``x``: harmless when ``x`` is
    an immutable number (Python rebinds it), seen through the other name when ``x`` is an
    array or a list -- sharing the gradient does not follow. ``error`` is the located
    TransformError the compiler made for that line."""
    if isinstance(value, _IMMUTABLE) and type(value) is not _ndarray:
        return
    raise type(error)(error.message, error.location, error.hint)


_IMMUTABLE = (numbers.Number, np.generic, tuple, str, bytes, type(None))


def refuse_sequence_arithmetic(value, error):
    """Stop before differentiating ``a + b`` or ``a * n`` as arithmetic when ``a`` turns out
    to be a list or tuple (which ``+`` joins, and whose items each get their own gradient):
    the compiler could not see its kind (a helper's result). ``error`` says where."""
    if type(value) is list or type(value) is tuple:
        raise type(error)(error.message, error.location, error.hint)


def check_pair(result, function):
    """With ``has_aux=True`` the function returns ``(value, aux)``: say so when it does not."""
    if type(result) not in (tuple, list) or len(result) != 2:
        raise TypeError(f"{function}() was differentiated with has_aux=True, so it must return "
                        f"a pair (value, aux), but it returned {type(result).__name__}"
                        f"{'' if type(result) not in (tuple, list) else f' of {len(result)}'}")


def check_real(name, value):
    """Raise a TypeError when an argument that meets a differentiated value is complex: the
    rules are real derivatives, and complex values would make them silently wrong."""
    kind = type(value)
    if kind is _ndarray:
        if value.dtype.kind != "c":
            return
    elif kind is float or kind is int or value is None:
        return
    elif kind in (list, tuple):
        for item in value:
            check_real(name, item)
        return
    elif kind is not complex and getattr(getattr(value, "dtype", None), "kind", "") != "c":
        _refuse_subclass(name, value)
        return
    raise TypeError(
        f"argument {name!r} is complex ({value!r:.60}) and meets a differentiated value: "
        "sourcegrad differentiates real-valued code. Pass the real and imaginary parts as "
        "separate real arrays.")


@reads_shape_of(1)
def expand_to(g, x, axis=None, keepdims=False):
    """Broadcast the adjoint of a reduction over ``axis`` back to the shape of ``x`` (the
    result is written nowhere: a read-only view, or for a small shape a new array, which
    costs a fifth of numpy's broadcast_to). A number stays a number."""
    shape = np.shape(x)
    if shape == () and np.ndim(g) == 0:
        return g
    if not keepdims and axis is not None:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        g = np.expand_dims(g, tuple(a % len(shape) for a in axes))
    if math.prod(shape) < _SMALL and (type(g) is _ndarray or type(g) in _NUMBER_TYPES):
        out = np.empty(shape, g.dtype if type(g) is _ndarray else np.result_type(g))
        out[...] = g
        return out
    return np.broadcast_to(g, shape)


_SMALL = 4096  # entries below which a new array is cheaper than a broadcast view
# (other types -- the facade's Tensors in a second derivative -- take numpy's dispatch)
_NUMBER_TYPES = frozenset((float, int, bool, np.float64, np.float32, np.int64, np.bool_))


@reads_shape_of(0)
def reduced_count(x, axis=None):
    """How many elements of ``x`` each output of a reduction over ``axis`` combines."""
    if axis is None and type(x) is _ndarray:
        return x.size
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return int(np.prod([shape[a] for a in axes]))


# The fast paths read ranks straight off plain arrays: np.ndim's dispatch costs more than the
# product of two small arrays. Each fast path returns a value of the operand's shape already.

def matmul_lhs(g, a, b):
    """Adjoint of ``a`` in ``a @ b`` for every rank (vectors, matrices, broadcast batches)."""
    if type(a) is _ndarray and type(b) is _ndarray and type(g) is _ndarray and \
            a.ndim == 2:
        if b.ndim == 2:
            return g @ b.T
        if b.ndim == 1 and g.ndim == 1:
            return g[:, None] * b  # matrix @ vector: an outer product
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 2 and b_nd == 2:
        return g @ b.T
    if b_nd == 1:
        da = g * b if a_nd == 1 else g[..., None] * b
    elif a_nd == 1:
        da = (g[..., None, :] @ np.swapaxes(b, -1, -2))[..., 0, :]
    else:
        da = g @ np.swapaxes(b, -1, -2)
    return unbroadcast(da, a)


def matmul_rhs(g, a, b):
    """Adjoint of ``b`` in ``a @ b`` for every rank (vectors, matrices, broadcast batches)."""
    if type(a) is _ndarray and type(b) is _ndarray and type(g) is _ndarray:
        if a.ndim == 2:
            if b.ndim == 2:
                return a.T @ g
            if b.ndim == 1 and g.ndim == 1:
                return g @ a  # matrix @ vector
        elif a.ndim == 1 and b.ndim == 2 and g.ndim == 1:
            return a[:, None] * g  # vector @ matrix: an outer product
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 2 and b_nd == 2:
        return a.T @ g
    if a_nd == 1:
        if b_nd == 2 and np.ndim(g) == 1:
            return a[:, None] * g  # vector @ matrix: an outer product, already b's shape
        db = g * a if b_nd == 1 else a[:, None] * g[..., None, :]
    elif b_nd == 1:
        db = g @ a if a_nd == 2 else (np.swapaxes(a, -1, -2) @ g[..., None])[..., 0]
    else:
        db = np.swapaxes(a, -1, -2) @ g
    return unbroadcast(db, b)


# -- shared small pieces ------------------------------------------------------------------------

def _axes(axis, ndim):
    """``axis`` (None, an int or a tuple, negatives allowed) as a sorted tuple of axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        return (int(axis) % ndim,) if ndim else ()
    return tuple(sorted(int(a) % ndim for a in axis))


def _mT(a):
    return np.swapaxes(a, -1, -2)


def _zeros_for(x):
    """A writable float array of zeros shaped like ``x`` (the start of a scatter adjoint)."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or dtype.kind not in "fc":
        dtype = np.dtype(float)
    return np.zeros(np.shape(x), dtype=dtype)


def cast_like(g, x):
    """``g`` in the float dtype of ``x``: the adjoint of a dtype change (``x.astype(...)``)."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or getattr(g, "dtype", None) == dtype or dtype.kind not in "fc":
        return g
    return np.asarray(g, dtype=dtype)


def mask_mul(g, mask):
    """``g * mask`` (``where=`` of a reduction); the default ``True`` costs nothing."""
    return g if mask is True else g * mask


def reshape_order(a, order):
    """The order (C or F) in which ``reshape``/``ravel`` read ``a`` (resolves 'A' and 'K')."""
    if order in ("C", "F", None):
        return order or "C"
    flags = getattr(a, "flags", None)
    return "F" if flags is not None and flags.f_contiguous and not flags.c_contiguous else "C"


def inverse_permutation(axes):
    """The axes that undo ``transpose(x, axes)`` (``None``/empty: reverse, its own inverse)."""
    if axes is None or axes == ():
        return None
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = axes[0]  # x.transpose((1, 0)) passes one tuple
        if axes is None:
            return None
    return tuple(np.argsort(axes))


def log_or_zero(x):
    """``log(x)`` where ``x > 0``, else 0 (the ``d/dy`` factor of ``x ** y``); keeps the type
    of ``x``: a Python number stays a Python float."""
    if isinstance(x, (int, float)):
        return math.log(x) if x > 0 else 0.0
    return np.log(np.where(x > 0, x, 1.0))


def tie_share(g, x, y):
    """Share of ``g`` that ``x`` gets in ``maximum(x, y)``: all if larger, half on a tie."""
    return g * (x > y) + (g * (x == y)) * 0.5


def fill_none(g, like):
    """Replace ``None`` entries of a tuple adjoint by zeros shaped like the matching output."""
    if g is None:
        return zeros_like(like)
    return g


# -- reductions -------------------------------------------------------------------------------

def float_dtype(*values):
    """The float dtype a gradient of these values has (float64 for Python numbers)."""
    dtypes = [v.dtype for v in values if hasattr(v, "dtype")]
    return np.result_type(*dtypes, np.float16) if dtypes else np.dtype(float)


def extremum_adjoint(g, ans, a, axis=None, keepdims=False):
    """Adjoint of max/min over ``axis``: ties share the gradient equally. (The reduced values
    broadcast against ``a`` as they are, with the reduced axes put back: spreading them to
    ``a``'s shape first costs more than all the arithmetic on small arrays.)"""
    if type(a) is list or type(a) is tuple:  # (np.max of a list: compare entry by entry)
        a = np.asarray(a)
    hit = a == _with_reduced_axes(ans, axis, keepdims)
    count = np.sum(hit, axis=axis, keepdims=True, dtype=float_dtype(g, a))
    return _with_reduced_axes(g, axis, keepdims) * hit / count


def _with_reduced_axes(g, axis, keepdims):
    """``g``, the result of a reduction over ``axis``, with those axes back as length 1 (it
    then broadcasts against the reduced array)."""
    if keepdims or axis is None or np.ndim(g) == 0:  # (a number broadcasts as it is)
        return g
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    rank = np.ndim(g) + len(axes)
    return np.expand_dims(g, tuple(x % rank for x in axes))


def _lanes(a, axis):
    """Move the reduced axes of ``a`` last and flatten them: (kept..., n), plus the undo info."""
    a = np.asarray(a)
    axes = _axes(axis, a.ndim)
    kept = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, kept + list(axes))
    return moved.reshape(moved.shape[:len(kept)] + (-1,)), kept + list(axes), moved.shape


def _unlanes(flat, order, moved_shape):
    return np.transpose(flat.reshape(moved_shape), np.argsort(order))


def prod_adjoint(g, ans, a, axis=None, keepdims=False):
    """Adjoint of ``prod``: the product of the other factors, exact when ``a`` has zeros."""
    g = expand_to(g, a, axis, keepdims)
    if np.all(a != 0):
        return g * expand_to(ans, a, axis, keepdims) / a
    lanes, order, moved_shape = _lanes(a, axis)
    ones = np.ones_like(lanes[..., :1])
    left = np.cumprod(np.concatenate([ones, lanes[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, lanes[..., :0:-1]], -1), -1)[..., ::-1]
    return g * _unlanes(left * right, order, moved_shape)


def var_adjoint(g, a, axis=None, ddof=0, keepdims=False):
    """Adjoint of ``var``: ``2 (a - mean) / (N - ddof)`` times the spread ``g``."""
    centered = a - np.mean(a, axis=axis, keepdims=True)
    out = expand_to(g, a, axis, keepdims) * centered * (2.0 / (reduced_count(a, axis) - ddof))
    return cast_like(out, a)


def cumsum_adjoint(g, a, axis=None):
    """Adjoint of ``cumsum``: a reversed cumulative sum (over the flat array when axis is None)."""
    if axis is None:
        return np.reshape(np.cumsum(np.ravel(g)[::-1])[::-1], np.shape(a))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def cumprod_adjoint(g, ans, a, axis=None):
    """Adjoint of ``cumprod``, exact when ``a`` holds zeros (only the first zero of a lane counts)."""
    shape = np.shape(a)
    if axis is None:
        g, ans, a, axis = np.ravel(g), np.ravel(ans), np.ravel(a), 0
    a = np.asarray(a)
    if np.all(a != 0):
        return np.reshape(cumsum_adjoint(g * ans, a, axis) / a, shape)
    g, ans, x = (np.moveaxis(np.asarray(v), axis, -1) for v in (g, ans, a))
    zero = x == 0
    first = np.argmax(zero, axis=-1)[..., None]
    position = np.arange(x.shape[-1])
    before = position < first
    safe = np.where(before, x, 1.0)
    out = np.where(before, np.flip(np.cumsum(np.flip(g * ans, -1), -1), -1) / safe, 0.0)
    skip = np.where(position == first, 1.0, x)  # the product with the first zero left out
    at_zero = np.flip(np.cumsum(np.flip(g * np.cumprod(skip, -1) * (position >= first), -1), -1), -1)
    out = out + np.where((position == first) & zero, at_zero, 0.0)
    return np.reshape(np.moveaxis(out.astype(np.result_type(g, x), copy=False), -1, axis), shape)


def cumulative_adjoint(g, ans, a, axis=None, include_initial=False, prod=False):
    """Adjoint of ``np.cumulative_sum``/``cumulative_prod`` (the array-API spellings)."""
    if include_initial:
        ax = 0 if axis is None else axis
        g = np.take(g, np.arange(1, np.shape(g)[ax]), axis=ax)
        ans = np.take(ans, np.arange(1, np.shape(ans)[ax]), axis=ax)
    if axis is None:
        axis = 0
    return cumprod_adjoint(g, ans, a, axis) if prod else cumsum_adjoint(g, a, axis)


def diff_adjoint(g, a, n=1, axis=-1, prepend=None, append=None, parts=False):
    """Adjoint of ``np.diff``: ``n`` backward differences, then the part that is ``a``; with
    ``parts``, the parts that are ``prepend``, ``a`` and ``append`` (None where absent)."""
    axis %= np.ndim(a)
    for _ in range(n):
        pad = [(0, 0)] * np.ndim(g)
        pad[axis] = (1, 1)
        padded = np.pad(g, pad)
        g = np.take(padded, np.arange(g.shape[axis] + 1), axis) - \
            np.take(padded, np.arange(1, g.shape[axis] + 2), axis)
    start = 0 if prepend is None else (np.shape(prepend)[axis] if np.ndim(prepend) else 1)
    stop = start + np.shape(a)[axis]
    da = cast_like(np.take(g, np.arange(start, stop), axis), a)
    if not parts:
        return da
    before = None if prepend is None else unbroadcast(np.take(g, np.arange(start), axis),
                                                      prepend)
    after = None if append is None else unbroadcast(
        np.take(g, np.arange(stop, g.shape[axis]), axis), append)
    return before, da, after


def trapezoid_adjoint(g, y, x=None, dx=1.0, axis=-1):
    """Adjoint of ``np.trapezoid`` in ``y``: the trapezoid weights of each sample."""
    n = np.shape(y)[axis]
    if n < 2:  # one sample or none: no interval, the integral is 0 whatever y is
        return np.zeros(np.shape(y), float_dtype(g, y))
    if x is None:
        w = np.full(n, dx, dtype=float_dtype(g, y))
        w[[0, -1]] *= 0.5 if n > 1 else 0.0
    else:
        d = np.diff(x, axis=-1 if np.ndim(x) == 1 else axis)
        zero = np.zeros_like(np.take(d, [0], axis=-1 if np.ndim(x) == 1 else axis))
        ax = -1 if np.ndim(x) == 1 else axis
        w = 0.5 * (np.concatenate([zero, d], ax) + np.concatenate([d, zero], ax))
    if np.ndim(w) == 1:
        shape = [1] * np.ndim(y)
        shape[axis] = n
        w = w.reshape(shape)
    return np.expand_dims(g, axis) * w


def trapezoid_points_adjoint(g, y, x, axis=-1):
    """Adjoint of ``np.trapezoid`` in the sample points ``x``: interval ``i`` adds
    ``(x[i+1] - x[i]) * (y[i] + y[i+1]) / 2``, so ``x[i]`` gets ``(y[i-1] + y[i]) / 2`` from the
    interval on its left and ``-(y[i] + y[i+1]) / 2`` from the one on its right."""
    y = np.asarray(y)
    axis %= y.ndim
    n = y.shape[axis]
    if n < 2:
        return cast_like(np.zeros(np.shape(x)), x)
    mean = 0.5 * (np.take(y, np.arange(n - 1), axis) + np.take(y, np.arange(1, n), axis))
    mean = mean * np.expand_dims(g, axis)
    zero = np.zeros_like(np.take(mean, [0], axis))
    out = np.concatenate([zero, mean], axis) - np.concatenate([mean, zero], axis)
    if np.ndim(x) == 1 and y.ndim > 1:
        out = np.sum(np.moveaxis(out, axis, -1).reshape(-1, n), axis=0)
    return cast_like(out, x)


def trapezoid_spacing_adjoint(g, y, x, dx=1.0, axis=-1):
    """Adjoint of ``np.trapezoid`` in the spacing ``dx`` (zero when points ``x`` are given)."""
    if x is not None:
        return cast_like(np.zeros(np.shape(dx)), dx)
    y = np.asarray(y)
    n = y.shape[axis]
    halves = 0.5 * (np.take(y, np.arange(n - 1), axis) + np.take(y, np.arange(1, n), axis))
    return unbroadcast(np.expand_dims(g, axis) * halves, dx)


def nan_mask(g, a, axis=None, keepdims=False, mean=False):
    """Adjoint of ``nansum``/``nanmean``: NaN entries get no gradient."""
    ok = ~np.isnan(a)
    out = expand_to(g, a, axis, keepdims) * ok
    if mean:
        out = out / np.sum(ok, axis=axis, keepdims=True, dtype=float_dtype(g, a))
    return out


def average_adjoint(g, ans, a, axis=None, weights=None, returned=False, keepdims=False, wrt=0):
    """Adjoint of ``np.average`` with respect to ``a`` (wrt=0) or ``weights`` (wrt=2)."""
    if returned:
        raise NotImplementedError("np.average(returned=True) has no gradient rule; compute "
                                  "the sum of weights separately")
    a = np.asarray(a)
    g = expand_to(g, a, axis, keepdims)
    if weights is None:
        return g / reduced_count(a, axis)
    w = np.asarray(weights)
    if w.shape != a.shape:  # 1-D weights along one axis
        shape = [1] * a.ndim
        shape[_axes(axis, a.ndim)[0]] = w.size
        w = w.reshape(shape)
    total = np.sum(np.broadcast_to(w, a.shape), axis=axis, keepdims=True)
    if wrt == 0:
        return g * w / total
    centered = a - expand_to(ans, a, axis, keepdims)
    return unbroadcast(g * centered / total, w).reshape(np.shape(weights))


# -- shapes and indexing ------------------------------------------------------------------------

@reads_shape_of(1)
def subscript_adjoint(g, x, index):
    """Adjoint of ``x[index]``: ``g`` scattered into zeros shaped like ``x``.

    Basic indices (ints, slices, None, Ellipsis) write a view; fancy and boolean indices
    accumulate with ``np.add.at`` so repeated indices add up.
    """
    out = _zeros_for(x)
    if basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def basic_index(index) -> bool:
    """Whether ``index`` is numpy basic indexing (ints, slices, None, Ellipsis): it selects
    each entry at most once, so ``a[index] += v`` adds ``v`` once per entry."""
    parts = index if type(index) is tuple else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))
               for p in parts)
