"""Attach the operations of :mod:`.ops` to :class:`Tensor` as methods and operators.

Kept apart from the class so that ``tensor`` (state) and ``ops`` (math) import in one direction:
``tensor <- dispatch <- ops <- methods``.
"""
from __future__ import annotations

import numpy as np

from . import dispatch, ops
from .tensor import Tensor, is_recording


def _reflected(op):
    def method(self, other):
        return op(other, self)
    return method


def _compare(ufunc):
    def method(self, other):
        return dispatch.record(ufunc, (self, other))
    return method


_METHODS = {
    "add": ops.add, "sub": ops.sub, "subtract": ops.sub, "mul": ops.mul, "multiply": ops.mul,
    "div": ops.div, "divide": ops.div, "true_divide": ops.div, "pow": ops.pow, "neg": ops.neg,
    "negative": ops.neg, "matmul": ops.matmul, "mm": ops.mm, "mv": ops.mv, "dot": ops.dot,
    "exp": ops.exp, "log": ops.log, "sin": ops.sin, "cos": ops.cos, "tan": ops.tan,
    "tanh": ops.tanh, "sqrt": ops.sqrt, "abs": ops.abs, "log1p": ops.log1p, "expm1": ops.expm1,
    "reciprocal": ops.reciprocal, "sinh": ops.sinh, "cosh": ops.cosh, "asin": ops.asin,
    "acos": ops.acos, "atan": ops.atan, "sigmoid": ops.sigmoid, "relu": ops.relu,
    "square": ops.square, "clamp": ops.clamp, "clip": ops.clamp, "maximum": ops.maximum,
    "minimum": ops.minimum, "sum": ops.sum, "mean": ops.mean, "prod": ops.prod, "var": ops.var,
    "std": ops.std, "max": ops.max, "min": ops.min, "argmax": ops.argmax, "argmin": ops.argmin,
    "norm": ops.norm, "reshape": ops.reshape, "view": ops.view, "flatten": ops.flatten,
    "squeeze": ops.squeeze, "unsqueeze": ops.unsqueeze, "t": ops.t, "transpose": ops.transpose,
    "permute": ops.permute, "expand": ops.expand, "expand_as": ops.expand_as,
    "clone": ops.clone, "to": ops.to, "zero_": ops.zero_, "fill_": ops.fill_, "copy_": ops.copy_,
    "__getitem__": ops.getitem, "all": ops.all, "any": ops.any, "allclose": ops.allclose,
    "isclose": ops.isclose, "equal": ops.equal,
    "__add__": ops.add, "__radd__": ops.add, "__sub__": ops.sub, "__rsub__": ops.rsub,
    "__mul__": ops.mul, "__rmul__": ops.mul, "__truediv__": ops.div, "__rtruediv__": ops.rdiv,
    "__pow__": ops.pow, "__rpow__": _reflected(ops.pow), "__matmul__": ops.matmul,
    "__rmatmul__": _reflected(ops.matmul), "__neg__": ops.neg, "__abs__": ops.abs,
    "__eq__": _compare(np.equal), "__ne__": _compare(np.not_equal),
    "__lt__": _compare(np.less), "__le__": _compare(np.less_equal),
    "__gt__": _compare(np.greater), "__ge__": _compare(np.greater_equal),
}

for _name in ("add", "sub", "mul", "div", "pow", "exp", "log", "sin", "cos", "tanh", "sigmoid",
              "relu", "sqrt", "abs", "neg", "clamp", "square", "reciprocal"):
    _METHODS[_name + "_"] = ops._inplace_form(_METHODS[_name])
for _name, _op in (("__iadd__", "add_"), ("__isub__", "sub_"), ("__imul__", "mul_"),
                   ("__itruediv__", "div_")):
    _METHODS[_name] = _METHODS[_op]

_CASTS = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
          "int": "int32", "bool": "bool"}


def _cast(np_name):
    def method(self):
        return ops.to(self, np.dtype(np_name))
    return method


def _install() -> None:
    for name, fn in _METHODS.items():
        setattr(Tensor, name, fn)
    for name, np_name in _CASTS.items():
        setattr(Tensor, name, _cast(np_name))
    Tensor.T = property(lambda self: dispatch.record(np.transpose, (self,), name="PermuteBackward0"))
    Tensor.mT = property(lambda self: ops.transpose(self, -2, -1))
    Tensor.contiguous = lambda self: self
    Tensor.cpu = lambda self: self
    Tensor.type_as = lambda self, other: ops.to(self, other.dtype)
    Tensor.__array_ufunc__ = dispatch.array_ufunc
    Tensor.__array_function__ = dispatch.array_function
    Tensor.__sourcegrad_function__ = staticmethod(
        lambda fn, args, kwargs: dispatch.record(fn, args, kwargs))
    Tensor.__setitem__ = _setitem


def _setitem(self, index, value) -> None:
    """``t[index] = value`` (recorded only when no gradient is involved; see ops.inplace)."""
    index = ops._index_arrays(index)
    data = value._data if isinstance(value, Tensor) else value

    def compute(s):
        out = s._data.copy()
        out[index] = data
        return Tensor._wrap(out)

    if is_recording(self, value):
        raise RuntimeError("sourcegrad does not record item assignment on tensors that require "
                           "grad; build the result out of place (e.g. with torch.where)")
    ops.inplace(self, compute)


_install()
