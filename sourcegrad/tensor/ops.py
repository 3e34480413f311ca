"""PyTorch's tensor operations, each one primitive from the rule table (or a few, as PyTorch
composes them), recorded with PyTorch's grad_fn label.

These functions are both ``sourcegrad.add(x, y)`` and the methods ``x.add(y)`` / ``x + y``
(:mod:`.methods` attaches them). No derivative is written here: every backward is the rule of
the numpy primitive named in the ``record`` call.
"""
from __future__ import annotations

import builtins
import collections

import numpy as np

from ..rules import nn as nn_rules
from . import dtypes, graph
from .dispatch import record, wrap_value
from .grad_mode import no_grad
from .tensor import Tensor, is_recording


def _sizes(args) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(n) for n in args)


def _axis(dim):
    return tuple(dim) if isinstance(dim, (list, tuple)) else dim


# -- arithmetic ---------------------------------------------------------------------------------

def add(input, other, *, alpha=1):
    if alpha != 1:
        other = mul(other, alpha)
    return record(np.add, (input, other), edges=(0, 1))


def sub(input, other, *, alpha=1):
    if alpha != 1:
        other = mul(other, alpha)
    return record(np.subtract, (input, other), edges=(0, 1))


def rsub(input, other):
    """``other - input`` for a number ``other`` (PyTorch's ``RsubBackward1``)."""
    return record(np.subtract, (other, input), name="RsubBackward1", edges=(1,))


def mul(input, other):
    return record(np.multiply, (input, other), edges=(0, 1))


def div(input, other):
    return record(np.true_divide, (input, other), edges=(0, 1))


def rdiv(input, other):
    """``other / input`` as PyTorch computes it: ``reciprocal(input) * other``."""
    return mul(reciprocal(input), other)


def pow(input, exponent):
    if isinstance(input, Tensor) and isinstance(exponent, Tensor):
        return record(np.power, (input, exponent), name="PowBackward1", edges=(0, 1))
    if isinstance(input, Tensor):
        return record(np.power, (input, exponent), name="PowBackward0", edges=(0,))
    return record(np.power, (input, exponent), name="PowBackward2", edges=(1,))


def neg(input):
    return record(np.negative, (input,))


def matmul(input, other):
    """``@`` with PyTorch's cases: mm, mv, dot, and vector @ matrix as unsqueeze-mm-squeeze."""
    a, b = input.dim(), other.dim()
    if a == 2 and b == 2:
        return record(np.matmul, (input, other), name="MmBackward0")
    if a == 2 and b == 1:
        return record(np.matmul, (input, other), name="MvBackward0")
    if a == 1 and b == 1:
        return record(np.matmul, (input, other), name="DotBackward0")
    if a == 1 and b == 2:
        product = record(np.matmul, (unsqueeze(input, 0), other), name="MmBackward0")
        return record(np.squeeze, (product, 0), name="SqueezeBackward4")
    return record(np.matmul, (input, other), name="UnsafeViewBackward0")


def mm(input, mat2):
    return record(np.matmul, (input, mat2), name="MmBackward0")


def mv(input, vec):
    return record(np.matmul, (input, vec), name="MvBackward0")


def dot(input, other):
    return record(np.matmul, (input, other), name="DotBackward0")


# -- elementwise functions ------------------------------------------------------------------------

def _unary(primitive, name=None):
    def op(input):
        return record(primitive, (input,), name=name)
    op.__name__ = getattr(primitive, "__name__", "op")
    op.__doc__ = f"Elementwise {op.__name__} (recorded with the rule of the numpy primitive)."
    return op


exp, log, sin, cos, tan, tanh = (_unary(f) for f in (np.exp, np.log, np.sin, np.cos, np.tan,
                                                     np.tanh))
sqrt, abs, log1p, expm1, reciprocal = (_unary(f) for f in (np.sqrt, np.absolute, np.log1p,
                                                           np.expm1, np.reciprocal))
sinh, cosh, asin, acos, atan = (_unary(f) for f in (np.sinh, np.cosh, np.arcsin, np.arccos,
                                                    np.arctan))
sigmoid = _unary(nn_rules.sigmoid, "SigmoidBackward0")
relu = _unary(nn_rules.relu, "ReluBackward0")


def square(input):
    return record(np.power, (input, 2), name="PowBackward0", edges=(0,))


def clamp(input, min=None, max=None):
    return record(np.clip, (input, min, max), name="ClampBackward1", edges=(0,))


clip = clamp


def maximum(input, other):
    return record(np.maximum, (input, other), edges=(0, 1))


def minimum(input, other):
    return record(np.minimum, (input, other), edges=(0, 1))


def where(condition, input, other):
    return record(np.where, (condition, input, other), edges=(1, 2))


# -- reductions -----------------------------------------------------------------------------------

def sum(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return record(np.sum, (input,), name="SumBackward0")
    return record(np.sum, (input,), {"axis": _axis(dim), "keepdims": keepdim}, name="SumBackward1")


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.is_floating_point is False:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {input.dtype.tensor_type[:-6]}")
    if dim is None:
        return record(np.mean, (input,), name="MeanBackward0")
    return record(np.mean, (input,), {"axis": _axis(dim), "keepdims": keepdim},
                  name="MeanBackward1")


def prod(input, dim=None, keepdim=False):
    if dim is None:
        return record(np.prod, (input,), name="ProdBackward0")
    return record(np.prod, (input,), {"axis": dim, "keepdims": keepdim}, name="ProdBackward1")


def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    ddof = (1 if unbiased else 0) if correction is None else correction
    return record(np.var, (input,), {"axis": _axis(dim), "ddof": ddof, "keepdims": keepdim},
                  name="VarBackward0")


def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    ddof = (1 if unbiased else 0) if correction is None else correction
    return record(np.std, (input,), {"axis": _axis(dim), "ddof": ddof, "keepdims": keepdim},
                  name="StdBackward0")


_values_indices = {name: collections.namedtuple(name, ["values", "indices"])
                   for name in ("max", "min")}


def _extremum(name, primitive, arg, input, dim, keepdim, other):
    if isinstance(dim, Tensor) or other is not None:
        return (maximum if name == "max" else minimum)(input, dim if other is None else other)
    if dim is None:
        return record(primitive, (input,), name=f"{name.capitalize()}Backward1")
    values = record(primitive, (input,), {"axis": dim, "keepdims": keepdim},
                    name=f"{name.capitalize()}Backward0")
    indices = arg(input._data, axis=dim)
    if keepdim:
        indices = np.expand_dims(indices, dim)
    return _values_indices[name](values, Tensor._wrap(indices.astype(np.int64)))


def max(input, dim=None, keepdim=False, *, other=None):
    return _extremum("max", np.max, np.argmax, input, dim, keepdim, other)


def min(input, dim=None, keepdim=False, *, other=None):
    return _extremum("min", np.min, np.argmin, input, dim, keepdim, other)


def argmax(input, dim=None, keepdim=False):
    return wrap_value(np.argmax(input._data, axis=dim, keepdims=keepdim), (input,))


def argmin(input, dim=None, keepdim=False):
    return wrap_value(np.argmin(input._data, axis=dim, keepdims=keepdim), (input,))


def norm(input, p="fro", dim=None, keepdim=False):
    ord_ = None if p in ("fro", 2) else p
    return record(np.linalg.norm, (input,), {"ord": ord_, "axis": _axis(dim),
                                              "keepdims": keepdim},
                  name="LinalgVectorNormBackward0")


# -- shapes -------------------------------------------------------------------------------------

def reshape(input, *shape):
    return record(np.reshape, (input, _sizes(shape)), name="ViewBackward0")


view = reshape


def flatten(input, start_dim=0, end_dim=-1):
    shape = list(input.shape)
    if not shape:
        return reshape(input, 1)
    end = end_dim % len(shape)
    start = start_dim % len(shape)
    if start == end:
        return input
    merged = int(np.prod(shape[start:end + 1]))
    return reshape(input, shape[:start] + [merged] + shape[end + 1:])


def squeeze(input, dim=None):
    if dim is None:
        return record(np.squeeze, (input,), name="SqueezeBackward0")
    if input.dim() == 0 or input.shape[dim] != 1:
        return record(np.reshape, (input, tuple(input.shape)), name="SqueezeBackward1")
    return record(np.squeeze, (input, dim), name="SqueezeBackward1")


def unsqueeze(input, dim):
    if dim < 0:
        dim += input.dim() + 1
    return record(np.expand_dims, (input, dim), name="UnsqueezeBackward0")


def t(input):
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    return record(np.transpose, (input,), name="TBackward0")


def transpose(input, dim0, dim1):
    return record(np.swapaxes, (input, dim0, dim1), name="TransposeBackward0")


def permute(input, *dims):
    return record(np.transpose, (input, _sizes(dims)), name="PermuteBackward0")


def expand(input, *sizes):
    sizes = _sizes(sizes)
    own = (1,) * (len(sizes) - input.dim()) + tuple(input.shape)
    shape = tuple(o if s == -1 else s for s, o in zip(sizes, own))
    return record(np.broadcast_to, (input, shape), name="ExpandBackward0")


def expand_as(input, other):
    return expand(input, tuple(other.shape))


def _index_arrays(index):
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    if isinstance(index, list):
        return np.asarray([_index_arrays(i) for i in index])
    return index


def getitem(input, index):
    index = _index_arrays(index)
    parts = index if isinstance(index, tuple) else (index,)
    if builtins.any(isinstance(p, (np.ndarray, list, bool)) for p in parts):
        name = "IndexBackward0"
    elif builtins.any(isinstance(p, (int, np.integer)) for p in parts):
        name = "SelectBackward0"
    elif builtins.any(isinstance(p, slice) for p in parts):
        name = "SliceBackward0"
    else:
        name = "AliasBackward0"
    return record(nn_rules.getitem, (input, index), name=name, edges=(0,))


def cat(tensors, dim=0):
    return record(np.concatenate, (list(tensors),), {"axis": dim}, name="CatBackward0")


concat = cat


def stack(tensors, dim=0):
    return record(np.stack, (list(tensors),), {"axis": dim}, name="StackBackward0")


# -- copies and types ---------------------------------------------------------------------------

def clone(input):
    return record(np.array, (input,), name="CloneBackward0")


def to(input, dtype=None, *args, **kwargs):
    if isinstance(dtype, str) or dtype is None:  # a device: everything is on the CPU
        dtype = kwargs.get("dtype", args[0] if args else None)
        if dtype is None:
            return input
    target = dtypes.to_numpy(dtype)
    if target == input._data.dtype:
        return input
    if target.kind not in "fc":  # integer results carry no gradient
        with no_grad():
            return record(np.asarray, (input,), {"dtype": target})
    return record(np.asarray, (input,), {"dtype": target}, name="ToCopyBackward0")


# -- in-place forms -------------------------------------------------------------------------------

def inplace(self, compute, *others):
    """Run ``compute(self)`` and write the result into ``self``, recording it as PyTorch does."""
    if not is_recording(self, *others):
        with no_grad():
            result = compute(self)
        np.copyto(self._data, result._data, casting="same_kind")
        self._vc[0] += 1
        return self
    if self.grad_fn is None and self._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    if self._base is not None:
        raise RuntimeError("sourcegrad does not record in-place operations on views of tensors; "
                           "use the out-of-place form (y = y + x) or clone() the view first")
    before = Tensor._wrap(self._data.copy())
    before.grad_fn = self.grad_fn
    result = compute(before)
    np.copyto(self._data, result._data, casting="same_kind")
    self._vc[0] += 1
    node = result.grad_fn
    self.grad_fn = node
    if node is not None and isinstance(node._ans, graph.SavedTensor):
        node._ans = graph.SavedTensor(self, node.name())
    return self


def _inplace_form(op):
    def method(self, *args, **kwargs):
        others = [a for a in args if isinstance(a, Tensor)]
        return inplace(self, lambda s: op(s, *args, **kwargs), *others)
    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In-place ``{op.__name__}``: writes the result into this tensor."
    return method


def zero_(self):
    return inplace(self, lambda s: record(np.multiply, (s, 0), name="ZeroBackward0", edges=(0,)))


def fill_(self, value):
    return inplace(self, lambda s: add(mul(s, 0), value))


def copy_(self, src):
    return inplace(self, lambda s: add(mul(s, 0), src), src)


# -- tests on values (no gradient) ----------------------------------------------------------------

def all(input, dim=None, keepdim=False):
    return wrap_value(np.all(input._data, axis=dim, keepdims=keepdim), (input,))


def any(input, dim=None, keepdim=False):
    return wrap_value(np.any(input._data, axis=dim, keepdims=keepdim), (input,))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return wrap_value(np.isclose(input._data, other._data, rtol=rtol, atol=atol,
                                 equal_nan=equal_nan), (input, other))


def equal(input, other) -> bool:
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))
