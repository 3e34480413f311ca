"""Shapes: views, reshapes, joins and splits (indexing is :mod:`.indexing`).

Operations PyTorch makes views of their input (``view``, ``t``, ``transpose``, ``permute``,
``squeeze``, ``unsqueeze``, ``expand``, basic indexing, ``narrow``, ``split``, ...) are numpy
views here too, marked with the step that made them (``record(..., view=True)``), so writing
into them reaches the base and is recorded (:mod:`.views`). ``view`` refuses a shape that would
need a copy, as PyTorch does; ``reshape`` copies then (``UnsafeViewBackward0``).
"""
from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from ..rules.nn import getitem as getitem_primitive
from . import dtypes
from .dispatch import record
from .reductions import normalize_dim
from .tensor import Tensor


def sizes(args) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f(torch.Size([2, 3]))`` alike."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(n) for n in args)


def _infer(shape, numel) -> tuple:
    """``shape`` with its ``-1`` worked out, or PyTorch's error."""
    known = math.prod(n for n in shape if n != -1)
    if list(shape).count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if n == -1 else n for n in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _viewable(data: np.ndarray, shape: tuple) -> bool:
    """Can ``data`` take ``shape`` without a copy (PyTorch's condition for ``view``)?"""
    try:
        np.reshape(data, shape, copy=False)
    except ValueError:
        return False
    except TypeError:  # numpy 2.0 has no copy argument: setting the shape of a view tells
        alias = data.view()
        try:
            alias.shape = shape
        except AttributeError:
            return False
    return True


def view(input, *shape):
    shape = _infer(sizes(shape), input._data.size)
    if not _viewable(input._data, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return record(np.reshape, (input, shape), name="ViewBackward0", view=True)


def reshape(input, *shape):
    shape = _infer(sizes(shape), input._data.size)
    if not _viewable(input._data, shape):  # PyTorch clones, then views the clone
        return record(np.reshape, (input, shape), name="UnsafeViewBackward0")
    return record(np.reshape, (input, shape), name="ViewBackward0", view=True)


def view_as(input, other):
    return view(input, tuple(other.shape))


def reshape_as(input, other):
    return reshape(input, tuple(other.shape))


def flatten(input, start_dim=0, end_dim=-1):
    shape = list(input.shape)
    if not shape:
        return reshape(input, 1)
    start, end = normalize_dim(start_dim, len(shape)), normalize_dim(end_dim, len(shape))
    if start == end:
        return input
    merged = math.prod(shape[start:end + 1])
    return reshape(input, shape[:start] + [merged] + shape[end + 1:])


ravel = flatten


def unflatten(input, dim, sizes_):
    dim = normalize_dim(dim, input.dim())
    shape = list(input.shape)
    inner = _infer(tuple(sizes_), shape[dim])
    return view(input, shape[:dim] + list(inner) + shape[dim + 1:])


def squeeze(input, dim=None):
    if dim is None:
        return record(np.squeeze, (input,), name="SqueezeBackward0", view=True)
    if isinstance(dim, (tuple, list)):
        axes = tuple(d for d in normalize_dim(tuple(dim), input.dim()) if input.shape[d] == 1)
        return record(np.squeeze, (input, axes), name="SqueezeBackward2", view=True)
    dim = normalize_dim(dim, input.dim())
    if dim is None or input.shape[dim] != 1:
        return record(np.reshape, (input, tuple(input.shape)), name="SqueezeBackward1",
                      view=True)
    return record(np.squeeze, (input, dim), name="SqueezeBackward1", view=True)


def unsqueeze(input, dim):
    dim = normalize_dim(dim, input.dim() + 1)
    return record(np.expand_dims, (input, dim), name="UnsqueezeBackward0", view=True)


def t(input):
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    return record(np.transpose, (input,), name="TBackward0", view=True)


def transpose(input, dim0, dim1):
    dim0, dim1 = normalize_dim(dim0, input.dim()), normalize_dim(dim1, input.dim())
    if dim0 is None:
        return record(np.reshape, (input, ()), name="TransposeBackward0", view=True)
    return record(np.swapaxes, (input, dim0, dim1), name="TransposeBackward0", view=True)


swapaxes = swapdims = transpose


def permute(input, *dims):
    dims = normalize_dim(sizes(dims), input.dim())
    if sorted(dims) != list(range(input.dim())):
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does "
                           "not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {input.dim()} is not equal to len(dims) = {len(dims)}")
    return record(np.transpose, (input, dims), name="PermuteBackward0", view=True)


def movedim(input, source, destination):
    source = normalize_dim(source, input.dim())
    destination = normalize_dim(destination, input.dim())
    return record(np.moveaxis, (input, source, destination), name="PermuteBackward0", view=True)


moveaxis = movedim


def matrix_transpose(input):
    """``x.mT``: the last two dimensions swapped."""
    return transpose(input, -2, -1)


def reversed_dims(input):
    """``x.T``: all dimensions reversed (PyTorch warns when there are not exactly two)."""
    if input.dim() != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or "
                      "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions "
                      "of a tensor.", UserWarning, stacklevel=3)
    return record(np.transpose, (input,), name="PermuteBackward0", view=True)


def expand(input, *sizes_):
    target = sizes(sizes_)
    if len(target) < input.dim():
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(input.shape)}}}, size={list(target)}): "
                           "the number of sizes provided must be greater or equal to the number of "
                           "dimensions in the tensor")
    own = (1,) * (len(target) - input.dim()) + tuple(input.shape)
    shape = tuple(o if s == -1 else s for s, o in zip(target, own))
    for s, o in zip(shape, own):
        if o != 1 and s != o:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({o}) at non-singleton dimension")
    return record(np.broadcast_to, (input, shape), name="ExpandBackward0", view=True)


def expand_as(input, other):
    return expand(input, tuple(other.shape))


def broadcast_to(input, shape):
    return expand(input, tuple(shape))


def repeat(input, *repeats):
    repeats = sizes(repeats)
    if len(repeats) < input.dim():
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    return record(np.tile, (input, repeats), name="RepeatBackward0")


def tile(input, dims):
    return record(np.tile, (input, tuple(dims)), name="RepeatBackward0")


def repeat_interleave(input, repeats, dim=None):
    repeats = repeats._data if isinstance(repeats, Tensor) else repeats
    axis = normalize_dim(dim, input.dim()) if dim is not None else None
    return record(np.repeat, (input, repeats, axis), name="ViewBackward0", edges=(0,))


def flip(input, dims):
    dims = normalize_dim(tuple(dims) if isinstance(dims, (list, tuple)) else (dims,), input.dim())
    return record(np.flip, (input, dims), name="FlipBackward0")


def fliplr(input):
    return flip(input, (1,))


def flipud(input):
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    if dims is not None:
        dims = normalize_dim(dims, input.dim())
    return record(np.roll, (input, shifts, dims), name="RollBackward0")


def tril(input, diagonal=0):
    return record(np.tril, (input, diagonal), name="TrilBackward0")


def triu(input, diagonal=0):
    return record(np.triu, (input, diagonal), name="TriuBackward0")


def diag(input, diagonal=0):
    name = "DiagEmbedBackward0" if input.dim() == 1 else "DiagonalBackward0_copy"
    return record(np.diag, (input, diagonal), name=name)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal (a copy here: numpy's diagonal views are read-only)."""
    return record(np.diagonal, (input, offset, normalize_dim(dim1, input.dim()),
                                normalize_dim(dim2, input.dim())), name="DiagonalBackward0")


def trace(input):
    return record(np.trace, (input,), name="TraceBackward0")


# -- joining and splitting ----------------------------------------------------------------------

def _same_dtype(tensors):
    dtype = dtypes.result_type(*[t for t in tensors if t.dim()] or tensors)
    return [t if t._data.dtype == dtype else t.to(dtype) for t in tensors]


def cat(tensors, dim=0):
    tensors = [t for t in tensors if not (t.dim() == 1 and t.shape[0] == 0)] or list(tensors)
    dim = normalize_dim(dim, tensors[0].dim())
    first = tensors[0].shape
    for k, t in enumerate(tensors[1:], 1):
        if t.dim() != len(first):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(first)} "
                               f"and {t.dim()}")
        for axis, (m, n) in enumerate(zip(first, t.shape)):
            if axis != dim and m != n:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. "
                                   f"Expected size {m} but got size {n} for tensor number {k} "
                                   "in the list.")
    return record(np.concatenate, (_same_dtype(tensors),), {"axis": dim}, name="CatBackward0")


concat = concatenate = cat


def stack(tensors, dim=0):
    dim = normalize_dim(dim, tensors[0].dim() + 1)
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError("stack expects each tensor to be equal size, but got "
                           f"{list(tensors[0].shape)} at entry 0 and "
                           f"{list(next(t for t in tensors if tuple(t.shape) != tuple(tensors[0].shape)).shape)}"
                           " at entry 1")
    return record(np.stack, (_same_dtype(tensors),), {"axis": dim}, name="StackBackward0")


def hstack(tensors):
    return cat(tensors, 0 if tensors[0].dim() == 1 else 1)


def vstack(tensors):
    return cat([t.unsqueeze(0) if t.dim() == 1 else t for t in tensors], 0)


row_stack = vstack


def _slices(input, dim, bounds, name):
    out = []
    for start, stop in bounds:
        index = (slice(None),) * dim + (slice(start, stop),)
        out.append(record(getitem_primitive, (input, index), name=name, edges=(0,), view=True))
    return tuple(out)


def split(input, split_size_or_sections, dim=0):
    dim = normalize_dim(dim, input.dim())
    n = input.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        starts = range(0, builtins.max(n, 1), size) if n else [0]
        return _slices(input, dim, [(s, builtins.min(s + size, n)) for s in starts],
                       "SplitBackward0")
    sections = list(split_size_or_sections)
    if sum(sections) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {dim}), but got split_sizes={sections}")
    ends = np.cumsum(sections).tolist()
    return _slices(input, dim, list(zip([0] + ends[:-1], ends)), "SplitWithSizesBackward0")


def chunk(input, chunks, dim=0):
    dim = normalize_dim(dim, input.dim())
    size = -(-input.shape[dim] // chunks)
    return split(input, builtins.max(size, 1), dim)


def unbind(input, dim=0):
    dim = normalize_dim(dim, input.dim())
    return tuple(record(getitem_primitive, (input, (slice(None),) * dim + (i, Ellipsis)),
                        name="UnbindBackward0", edges=(0,), view=True)
                 for i in range(input.shape[dim]))


def narrow(input, dim, start, length):
    dim = normalize_dim(dim, input.dim())
    index = (slice(None),) * dim + (slice(start, start + length),)
    return record(getitem_primitive, (input, index), name="SliceBackward0", edges=(0,), view=True)


def select(input, dim, index):
    dim = normalize_dim(dim, input.dim())
    return record(getitem_primitive, (input, (slice(None),) * dim + (index, Ellipsis)),
                  name="SelectBackward0", edges=(0,), view=True)
