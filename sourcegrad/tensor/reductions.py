"""Reductions, scans and orderings: sum, mean, max, norm, logsumexp, cumsum, sort, topk, ...

Integer sums and products are int64 (PyTorch's rule); ``mean`` of integers is an error. Where
PyTorch returns values *and* indices (``max(dim)``, ``sort``, ``topk``, ``median``) the values
are the input at the returned indices -- recorded with the rule of ``getitem`` -- so the
gradient goes to exactly the returned index, ties included, as in PyTorch. ``max()`` over all
elements, ``amax`` and norms share it among ties (their rules).
"""
from __future__ import annotations

import builtins

import numpy as np

from ..rules import tensor_ops
from ..rules.nn import getitem
from . import dtypes, return_types
from .dispatch import record, relabel, wrap_value
from .size import dim_error
from .tensor import Tensor


def normalize_dim(dim, ndim: int):
    """``dim`` (an int, or a list/tuple of ints, or None) with negative axes made positive."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        return tuple(normalize_dim(d, ndim) for d in dim)
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(dim_error(dim, ndim))
    return dim % n if ndim else None


def _int_sum_dtype(input, dtype):
    if dtype is not None:
        return dtypes.to_numpy(dtype)
    kind = input._data.dtype.kind
    return np.dtype(np.int64) if kind in "iub" else input._data.dtype


def along(indices: np.ndarray, dim: int, keepdim: bool = True) -> tuple:
    """An advanced index selecting, for each position of ``indices``, that entry along ``dim``."""
    if not keepdim:
        indices = np.expand_dims(indices, dim)
    grid = list(np.indices(indices.shape, sparse=True))
    grid[dim] = indices
    if not keepdim:
        grid = [np.squeeze(g, dim) for g in grid]
    return tuple(grid)


def select_along(input, indices, dim, keepdim, name):
    """``input`` at ``indices`` along ``dim`` (getitem's rule: the gradient goes there only)."""
    return record(getitem, (input, along(indices, dim, keepdim)), name=name, edges=(0,),
                  dtype=input._data.dtype)


# -- sums and means -----------------------------------------------------------------------------

def sum(input, dim=None, keepdim=False, *, dtype=None):
    target = _int_sum_dtype(input, dtype)
    kwargs = {"dtype": target}
    if dim is None or dim == () or dim == []:
        return record(np.sum, (input,), kwargs, name="SumBackward0", dtype=target)
    kwargs.update(axis=normalize_dim(dim, input.dim()), keepdims=keepdim)
    return record(np.sum, (input,), kwargs, name="SumBackward1", dtype=target)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    target = _int_sum_dtype(input, dtype)
    return record(np.nansum, (input,), {"axis": normalize_dim(dim, input.dim()),
                                        "keepdims": keepdim, "dtype": target},
                  name="NansumBackward0", dtype=target)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    target = dtypes.to_numpy(dtype) if dtype is not None else input._data.dtype
    if target.kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {input.dtype.tensor_type[:-6]}")
    kwargs = {"dtype": target}
    if dim is None:
        return record(np.mean, (input,), kwargs, name="MeanBackward0", dtype=target)
    kwargs.update(axis=normalize_dim(dim, input.dim()), keepdims=keepdim)
    return record(np.mean, (input,), kwargs, name="MeanBackward1", dtype=target)


def nanmean(input, dim=None, keepdim=False):
    """``nansum / count of non-NaN`` (as PyTorch computes it: ``DivBackward0``)."""
    count = (~np.isnan(input._data)).sum(axis=normalize_dim(dim, input.dim()), keepdims=keepdim)
    return nansum(input, dim, keepdim) / wrap_value(count, (), input._data.dtype)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    target = _int_sum_dtype(input, dtype)
    kwargs = {"dtype": target}
    if dim is None:
        return record(np.prod, (input,), kwargs, name="ProdBackward0", dtype=target)
    kwargs.update(axis=normalize_dim(dim, input.dim()), keepdims=keepdim)
    return record(np.prod, (input,), kwargs, name="ProdBackward1", dtype=target)


def _ddof(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased in (None, True) else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # var(unbiased) written positionally
        dim, unbiased = None, dim
    _check_float("var", input)
    return record(np.var, (input,), {"axis": normalize_dim(dim, input.dim()),
                                     "ddof": _ddof(unbiased, correction), "keepdims": keepdim},
                  name="VarBackward0", dtype=input._data.dtype)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _check_float("std", input)
    return record(np.std, (input,), {"axis": normalize_dim(dim, input.dim()),
                                     "ddof": _ddof(unbiased, correction), "keepdims": keepdim},
                  name="StdBackward0", dtype=input._data.dtype)


def _check_float(name, input):
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either "
                           "a floating point or complex dtype. Got: "
                           f"{input.dtype.tensor_type[:-6]}")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)``: both results carry PyTorch's one node name, ``VarMeanBackward0``."""
    return (relabel(var(input, dim, unbiased, keepdim, correction=correction),
                    "VarMeanBackward0"),
            relabel(mean(input, dim, keepdim), "VarMeanBackward0"))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)``: both results carry PyTorch's one node name, ``StdMeanBackward0``."""
    return (relabel(std(input, dim, unbiased, keepdim, correction=correction),
                    "StdMeanBackward0"),
            relabel(mean(input, dim, keepdim), "StdMeanBackward0"))


def logsumexp(input, dim, keepdim=False):
    dtype = dtypes.float_result(input._data.dtype)
    return record(tensor_ops.logsumexp, (input,), {"axis": normalize_dim(dim, input.dim()),
                                                   "keepdims": keepdim},
                  name="LogsumexpBackward0", dtype=dtype, cast_args=(0,))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector ``p``-norm over ``dim`` (all elements by default; 'fro' is the 2-norm)."""
    if p == "nuc":
        from .linalg import matrix_norm
        return matrix_norm(input, "nuc", dim or (-2, -1), keepdim)
    if dtype is not None:
        input = input.to(dtype)
    ord_ = 2 if p in ("fro", None) else p
    if input._data.dtype.kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {input.dtype.tensor_type[:-6]}")
    return record(tensor_ops.vector_norm, (input,), {"ord": float(ord_),
                                                      "axis": normalize_dim(dim, input.dim()),
                                                      "keepdims": keepdim},
                  name="LinalgVectorNormBackward0", dtype=input._data.dtype)


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other`` (PyTorch's ``DistBackward0``)."""
    from .arithmetic import sub
    return relabel(norm(sub(input, other), p), "DistBackward0")


# -- extremes -----------------------------------------------------------------------------------

def _extremum(kind, input, dim, keepdim, other):
    from .arithmetic import maximum, minimum
    if isinstance(dim, Tensor) or other is not None:
        return (maximum if kind == "max" else minimum)(input, dim if other is None else other)
    if input._data.size == 0:
        raise RuntimeError(f"{kind}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")
    primitive, arg = (np.max, np.argmax) if kind == "max" else (np.min, np.argmin)
    if dim is None:
        return record(primitive, (input,), name=f"{kind.capitalize()}Backward1",
                      dtype=input._data.dtype)
    dim = normalize_dim(dim, input.dim())
    if input.dim() == 0:
        return return_types.make(kind, input.clone(), wrap_value(np.array(0), (), np.int64))
    indices = arg(input._data, axis=dim, keepdims=keepdim)
    values = select_along(input, indices, dim, keepdim, f"{kind.capitalize()}Backward0")
    return return_types.make(kind, values, wrap_value(indices.astype(np.int64), ()))


def max(input, dim=None, keepdim=False, *, other=None):
    return _extremum("max", input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, *, other=None):
    return _extremum("min", input, dim, keepdim, other)


def amax(input, dim=(), keepdim=False):
    axis = None if dim in ((), []) else normalize_dim(dim, input.dim())
    return record(np.max, (input,), {"axis": axis, "keepdims": keepdim}, name="AmaxBackward0",
                  dtype=input._data.dtype)


def amin(input, dim=(), keepdim=False):
    axis = None if dim in ((), []) else normalize_dim(dim, input.dim())
    return record(np.min, (input,), {"axis": axis, "keepdims": keepdim}, name="AminBackward0",
                  dtype=input._data.dtype)


def argmax(input, dim=None, keepdim=False):
    axis = normalize_dim(dim, input.dim())
    out = np.argmax(input._data, axis=axis, keepdims=keepdim and axis is not None)
    return wrap_value(np.asarray(out, dtype=np.int64), ())


def argmin(input, dim=None, keepdim=False):
    axis = normalize_dim(dim, input.dim())
    out = np.argmin(input._data, axis=axis, keepdims=keepdim and axis is not None)
    return wrap_value(np.asarray(out, dtype=np.int64), ())


def median(input, dim=None, keepdim=False):
    """The lower median (of all elements, or along ``dim`` with its index)."""
    if dim is None:
        flat = input.reshape(-1)
        order = np.argsort(flat._data, kind="stable")
        index = order[(flat._data.size - 1) // 2]
        return record(getitem, (flat, index), name="MedianBackward0", edges=(0,))
    dim = normalize_dim(dim, input.dim())
    order = np.argsort(input._data, axis=dim, kind="stable")
    indices = np.take(order, (input._data.shape[dim] - 1) // 2, axis=dim)
    if keepdim:
        indices = np.expand_dims(indices, dim)
    values = select_along(input, indices, dim, keepdim, "MedianBackward1")
    return return_types.make("median", values, wrap_value(indices.astype(np.int64), ()))


# -- scans and orderings ------------------------------------------------------------------------

def cumsum(input, dim, *, dtype=None):
    kwargs = {"axis": normalize_dim(dim, input.dim())}
    target = _int_sum_dtype(input, dtype)
    return record(np.cumsum, (input,), kwargs, name="CumsumBackward0", dtype=target,
                  cast_args=(0,))


def cumprod(input, dim, *, dtype=None):
    kwargs = {"axis": normalize_dim(dim, input.dim())}
    target = _int_sum_dtype(input, dtype)
    return record(np.cumprod, (input,), kwargs, name="CumprodBackward0", dtype=target,
                  cast_args=(0,))


def _order(data, dim, descending):
    """Stable sorting indices along ``dim`` (descending: first occurrences first, as PyTorch)."""
    if data.ndim == 0:
        return np.zeros((), np.int64)
    if descending:
        flipped = np.flip(data, dim)
        order = np.flip(np.argsort(flipped, axis=dim, kind="stable"), dim)
        return data.shape[dim] - 1 - order
    return np.argsort(data, axis=dim, kind="stable")


def sort(input, dim=-1, descending=False, stable=False):
    dim = normalize_dim(dim, input.dim()) if input.dim() else 0
    indices = _order(input._data, dim, descending)
    if input.dim() == 0:
        return return_types.make("sort", input.clone(), wrap_value(indices, ()))
    values = select_along(input, indices, dim, True, "SortBackward0")
    return return_types.make("sort", values, wrap_value(indices.astype(np.int64), ()))


def argsort(input, dim=-1, descending=False, stable=False):
    dim = normalize_dim(dim, input.dim()) if input.dim() else 0
    return wrap_value(_order(input._data, dim, descending).astype(np.int64), ())


def topk(input, k, dim=-1, largest=True, sorted=True):
    dim = normalize_dim(dim, input.dim())
    if k > input._data.shape[dim]:
        raise RuntimeError("selected index k out of range")
    indices = np.take(_order(input._data, dim, largest), np.arange(k), axis=dim)
    values = select_along(input, indices, dim, True, "TopkBackward0")
    return return_types.make("topk", values, wrap_value(indices.astype(np.int64), ()))


# -- tests on values (no gradient) ----------------------------------------------------------------

def all(input, dim=None, keepdim=False):
    return wrap_value(np.all(input._data, axis=normalize_dim(dim, input.dim()),
                             keepdims=keepdim), ())


def any(input, dim=None, keepdim=False):
    return wrap_value(np.any(input._data, axis=normalize_dim(dim, input.dim()),
                             keepdims=keepdim), ())


def count_nonzero(input, dim=None):
    return wrap_value(np.asarray(np.count_nonzero(input._data, axis=normalize_dim(
        dim, input.dim())), dtype=np.int64), ())


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    values, inverse, counts = np.unique(input._data, return_inverse=True, return_counts=True,
                                        axis=dim)
    out = [wrap_value(values, (), input._data.dtype)]
    if return_inverse:
        out.append(wrap_value(inverse.reshape(input._data.shape).astype(np.int64), ()))
    if return_counts:
        out.append(wrap_value(counts.astype(np.int64), ()))
    return out[0] if len(out) == 1 else tuple(out)


def sum_to_size(input, *size):
    """``input`` summed down to ``size`` (the shape it was broadcast from)."""
    from .shapes import sizes
    shape = sizes(size)
    lead = input.dim() - len(shape)
    out = sum(input, tuple(range(lead))) if lead else input
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and out.shape[i] != 1)
    return sum(out, axes, keepdim=True) if axes else out
