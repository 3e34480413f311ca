"""Indexing: ``t[index]``, gathers and scatters, ``index_select``, ``take``, ``nonzero``.

Basic indices (ints, slices, None, ...) give views, named as PyTorch names the last select,
slice or unsqueeze it applies; advanced indices give copies (``IndexBackward0``). Reads use the
rule of :func:`sourcegrad.rules.nn.getitem` (the gradient goes to exactly the indexed elements,
repeats adding up), writes the rule of :func:`sourcegrad.rules.tensor_ops.index_put`.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..rules.nn import getitem as getitem_primitive
from ..rules.tensor_ops import index_put as index_put_primitive
from .dispatch import record, wrap_value
from .reductions import along, normalize_dim
from .tensor import Tensor
from .views import index_arrays, is_basic


def _index_name(parts) -> str:
    """The node PyTorch's indexing ends with: the last select/slice/unsqueeze it applied
    (full slices inside a tuple are skipped), or IndexBackward0 for advanced indices."""
    if builtins.any(isinstance(p, (np.ndarray, list, bool, np.bool_)) for p in parts):
        return "IndexBackward0"
    if len(parts) == 1 and isinstance(parts[0], slice):
        return "SliceBackward0"
    name = "AliasBackward0"
    for p in parts:
        if p is None:
            name = "UnsqueezeBackward0"
        elif isinstance(p, (int, np.integer)):
            name = "SelectBackward0"
        elif isinstance(p, slice) and p != slice(None):
            name = "SliceBackward0"
    return name


def as_view_index(index):
    """An index that makes numpy return a (0-d) view even when every part is an integer."""
    parts = index if isinstance(index, tuple) else (index,)
    if all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in parts):
        return parts + (Ellipsis,)
    return index


def getitem(input, index):
    index = index_arrays(index)
    parts = index if isinstance(index, tuple) else (index,)
    _check_bounds(input, parts)
    basic = is_basic(index)
    return record(getitem_primitive, (input, as_view_index(index) if basic else index),
                  name=_index_name(parts), edges=(0,), view=basic)


def _check_bounds(input, parts) -> None:
    """PyTorch says "dimension" where numpy says "axis" (both raise IndexError)."""
    axis = 0
    for k, p in enumerate(parts):
        if p is Ellipsis:
            axis = input.dim() - builtins.sum(_dims_used(q) for q in parts[k + 1:])
            continue
        if isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)) \
                and axis < input.dim():
            n = input.shape[axis]
            if not -n <= p < n:
                raise IndexError(f"index {p} is out of bounds for dimension {axis} with size {n}")
        axis += _dims_used(p)


def _dims_used(part) -> int:
    """How many dimensions of the indexed tensor an index part consumes."""
    if part is None or part is Ellipsis:
        return 0
    if isinstance(part, np.ndarray) and part.dtype == np.bool_:
        return part.ndim
    return 1


def _int_index(index, name) -> np.ndarray:
    data = index._data if isinstance(index, Tensor) else np.asarray(index)
    if data.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    return data


def gather(input, dim, index):
    dim = normalize_dim(dim, input.dim())
    return record(getitem_primitive, (input, along(_int_index(index, "gather"), dim)),
                  name="GatherBackward0", edges=(0,))


def take_along_dim(input, indices, dim):
    return gather(input, dim, indices)


def _scatter_values(src, index):
    """The part of ``src`` a scatter reads: its leading block of ``index``'s shape."""
    if not isinstance(src, Tensor) or tuple(src.shape) == tuple(index.shape):
        return src
    return getitem(src, tuple(slice(0, n) for n in index.shape))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    if reduce is not None:
        raise NotImplementedError("scatter(reduce=...) is not supported; use scatter_add or "
                                  "scatter_reduce-free code")
    src = value if src is None else src
    dim = normalize_dim(dim, input.dim())
    positions = along(_int_index(index, "scatter"), dim)
    values = _scatter_values(src, index)
    name = "ScatterBackward0" if isinstance(src, Tensor) else "ScatterBackward1"
    return record(index_put_primitive, (input, positions, values, False), name=name, edges=(0, 2),
                  dtype=input._data.dtype, cast_args=(2,) if isinstance(src, Tensor) else ())


def scatter_add(input, dim, index, src):
    dim = normalize_dim(dim, input.dim())
    positions = along(_int_index(index, "scatter_add"), dim)
    return record(index_put_primitive, (input, positions, _scatter_values(src, index), True),
                  name="ScatterAddBackward0", edges=(0, 2), dtype=input._data.dtype,
                  cast_args=(2,))


def index_select(input, dim, index):
    dim = normalize_dim(dim, input.dim())
    positions = (slice(None),) * dim + (_int_index(index, "index_select"),)
    return record(getitem_primitive, (input, positions), name="IndexSelectBackward0", edges=(0,))


def index_add(input, dim, index, source, *, alpha=1):
    dim = normalize_dim(dim, input.dim())
    positions = (slice(None),) * dim + (_int_index(index, "index_add"),)
    if alpha != 1:
        source = source * alpha
    return record(index_put_primitive, (input, positions, source, True), name="IndexAddBackward0",
                  edges=(0, 2), dtype=input._data.dtype, cast_args=(2,))


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``input[indices] = values`` (``+=`` when ``accumulate``)."""
    if isinstance(values, Tensor) and values._data.dtype != input._data.dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got "
                           f"{input.dtype.tensor_type[:-6]} for the destination and "
                           f"{values.dtype.tensor_type[:-6]} for the source.")
    positions = tuple(_int_index(i, "index_put") if not (isinstance(i, Tensor) and
                                                         i._data.dtype == np.bool_)
                      else i._data for i in indices)
    return record(index_put_primitive, (input, positions, values, accumulate),
                  name="IndexPutBackward0", edges=(0, 2), dtype=input._data.dtype,
                  cast_args=(2,) if isinstance(values, Tensor) else ())


def take(input, index):
    positions = np.unravel_index(_int_index(index, "take") % builtins.max(input.numel(), 1),
                                 input._data.shape)
    return record(getitem_primitive, (input, positions), name="TakeBackward0", edges=(0,))


def masked_select(input, mask):
    mask = np.broadcast_to(mask._data, input._data.shape)
    return record(getitem_primitive, (input, mask), name="MaskedSelectBackward0", edges=(0,))


def nonzero(input, *, as_tuple=False):
    found = np.nonzero(input._data)
    if as_tuple:
        return tuple(wrap_value(i.astype(np.int64), ()) for i in found)
    return wrap_value(np.stack(found, axis=-1).astype(np.int64).reshape(-1, input.dim()), ())


def argwhere(input):
    return nonzero(input)
