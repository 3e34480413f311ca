"""Attach the operations to :class:`Tensor` as methods, operators and in-place forms.

Kept apart from the class so that the modules import in one direction: ``tensor <- dispatch <-
views <- (arithmetic, reductions, shapes, products, ...) <- methods``. In-place forms (``add_``,
``mul_``, ...) write straight into memory when nothing is recorded (an optimizer's update under
``no_grad``), and are recorded as PyTorch records them otherwise (:mod:`.views`).
"""
from __future__ import annotations

import numbers

import numpy as np

from . import arithmetic as A
from . import comparisons as C
from . import conversions, creation, dispatch, legacy, products, reductions
from . import indexing as I
from . import shapes as S
from .random import default_generator
from .tensor import Tensor
from .views import check_cast, fast_inplace, inplace, setitem

_OPS = {
    # arithmetic
    "add": A.add, "sub": A.sub, "subtract": A.sub, "mul": A.mul, "multiply": A.mul,
    "div": A.div, "divide": A.div, "true_divide": A.div, "floor_divide": A.floor_divide,
    "remainder": A.remainder, "fmod": A.fmod, "pow": A.pow, "neg": A.neg, "negative": A.neg,
    "positive": A.positive, "abs": A.abs, "absolute": A.abs, "atan2": A.atan2,
    "arctan2": A.atan2, "hypot": A.hypot, "logaddexp": A.logaddexp, "maximum": A.maximum,
    "minimum": A.minimum, "fmax": A.fmax, "fmin": A.fmin, "lerp": A.lerp, "addcmul": A.addcmul,
    "addcdiv": A.addcdiv, "clamp": A.clamp, "clip": A.clamp, "clamp_min": A.clamp_min,
    "clamp_max": A.clamp_max, "masked_fill": A.masked_fill, "nan_to_num": A.nan_to_num,
    "where": lambda self, condition, other: A.where(condition, self, other),
    # functions of one value
    "exp": A.exp, "exp2": A.exp2, "expm1": A.expm1, "log": A.log, "log2": A.log2,
    "log10": A.log10, "log1p": A.log1p, "sin": A.sin, "cos": A.cos, "tan": A.tan, "asin": A.asin,
    "acos": A.acos, "atan": A.atan, "arcsin": A.asin, "arccos": A.acos, "arctan": A.atan,
    "sinh": A.sinh, "cosh": A.cosh, "tanh": A.tanh, "asinh": A.asinh, "acosh": A.acosh,
    "atanh": A.atanh, "sqrt": A.sqrt, "rsqrt": A.rsqrt, "reciprocal": A.reciprocal,
    "sigmoid": A.sigmoid, "relu": A.relu, "square": A.square, "sinc": A.sinc, "erf": A.erf,
    "sign": A.sign, "sgn": A.sgn, "floor": A.floor, "ceil": A.ceil, "trunc": A.trunc,
    "fix": A.trunc, "round": A.round, "frac": A.frac,
    # comparisons and logic
    "eq": C.eq, "ne": C.ne, "lt": C.lt, "le": C.le, "gt": C.gt, "ge": C.ge, "greater": C.gt,
    "greater_equal": C.ge, "less": C.lt, "less_equal": C.le, "not_equal": C.ne,
    "logical_and": C.logical_and, "logical_or": C.logical_or, "logical_xor": C.logical_xor,
    "logical_not": C.logical_not, "isnan": C.isnan, "isinf": C.isinf, "isfinite": C.isfinite,
    "signbit": C.signbit, "bitwise_and": C.bitwise_and, "bitwise_or": C.bitwise_or,
    "bitwise_xor": C.bitwise_xor, "bitwise_not": C.bitwise_not, "isclose": C.isclose,
    "allclose": C.allclose, "equal": C.equal,
    # products
    "matmul": products.matmul, "mm": products.mm, "mv": products.mv, "dot": products.dot,
    "inner": products.inner, "vdot": products.vdot, "bmm": products.bmm, "outer": products.outer, "ger": products.outer,
    "addmm": products.addmm, "kron": products.kron, "cross": products.cross,
    # reductions
    "sum": reductions.sum, "nansum": reductions.nansum, "mean": reductions.mean,
    "nanmean": reductions.nanmean, "prod": reductions.prod, "var": reductions.var,
    "std": reductions.std, "max": reductions.max, "min": reductions.min, "amax": reductions.amax,
    "amin": reductions.amin, "argmax": reductions.argmax, "argmin": reductions.argmin,
    "median": reductions.median, "logsumexp": reductions.logsumexp, "norm": reductions.norm,
    "dist": reductions.dist, "cumsum": reductions.cumsum, "cumprod": reductions.cumprod,
    "sort": reductions.sort, "argsort": reductions.argsort, "topk": reductions.topk,
    "all": reductions.all, "any": reductions.any, "count_nonzero": reductions.count_nonzero,
    "unique": reductions.unique, "sum_to_size": reductions.sum_to_size,
    # shapes and indexing
    "view": S.view, "reshape": S.reshape, "view_as": S.view_as, "reshape_as": S.reshape_as,
    "flatten": S.flatten, "ravel": S.ravel, "unflatten": S.unflatten, "squeeze": S.squeeze,
    "unsqueeze": S.unsqueeze, "t": S.t, "transpose": S.transpose, "swapaxes": S.transpose,
    "swapdims": S.transpose, "permute": S.permute, "movedim": S.movedim, "moveaxis": S.movedim,
    "expand": S.expand, "expand_as": S.expand_as, "broadcast_to": S.broadcast_to,
    "repeat": S.repeat, "tile": S.tile, "repeat_interleave": S.repeat_interleave,
    "flip": S.flip, "fliplr": S.fliplr, "flipud": S.flipud, "roll": S.roll, "tril": S.tril,
    "triu": S.triu, "diag": S.diag, "diagonal": S.diagonal, "trace": S.trace, "split": S.split,
    "chunk": S.chunk, "unbind": S.unbind, "narrow": S.narrow, "select": S.select,
    "gather": I.gather, "take_along_dim": I.take_along_dim, "scatter": I.scatter,
    "scatter_add": I.scatter_add, "index_select": I.index_select, "index_add": I.index_add,
    "take": I.take, "index_put": I.index_put, "masked_select": I.masked_select, "nonzero": I.nonzero,
    "argwhere": I.argwhere, "__getitem__": I.getitem,
    # copies, conversions, new tensors
    "to": conversions.to, "type": legacy.type_, "type_as": conversions.type_as,
    "clone": conversions.clone, "contiguous": conversions.contiguous, "cpu": conversions.cpu,
    "cuda": conversions.cuda, "new_tensor": creation.new_tensor,
    "new_zeros": creation.new_zeros, "new_ones": creation.new_ones,
    "new_empty": creation.new_empty, "new_full": creation.new_full,
    "bernoulli": creation.bernoulli,
    **conversions.CAST_METHODS,
}


def _reflected(op):
    def method(self, other):
        return op(other, self)
    return method


def _operand(op):
    """An operator: NotImplemented for operands that are not numbers, arrays or tensors."""
    def method(self, other):
        if not isinstance(other, (Tensor, numbers.Number, np.ndarray, np.generic)):
            return NotImplemented
        return op(self, other)
    return method


_OPERATORS = {
    "__add__": A.add, "__radd__": A.add, "__sub__": A.sub, "__rsub__": A.rsub,
    "__mul__": A.mul, "__rmul__": A.mul, "__truediv__": A.div, "__rtruediv__": A.rdiv,
    "__floordiv__": A.floor_divide, "__rfloordiv__": _reflected(A.floor_divide),
    "__mod__": A.remainder, "__rmod__": A.rremainder, "__pow__": A.pow,
    "__rpow__": _reflected(A.pow), "__matmul__": products.matmul,
    "__rmatmul__": products.rmatmul, "__and__": C.bitwise_and, "__rand__": C.bitwise_and,
    "__or__": C.bitwise_or, "__ror__": C.bitwise_or, "__xor__": C.bitwise_xor,
    "__rxor__": C.bitwise_xor, "__eq__": C.eq, "__ne__": C.ne, "__lt__": C.lt, "__le__": C.le,
    "__gt__": C.gt, "__ge__": C.ge,
}


# -- in-place forms -------------------------------------------------------------------------------

def _inplace_form(op, name):
    def method(self, *args, **kwargs):
        others = [a for a in args if isinstance(a, Tensor)]
        return inplace(self, lambda s: op(s, *args, **kwargs), *others)
    method.__name__ = name
    method.__doc__ = f"In-place ``{op.__name__}``: writes the result into this tensor."
    return method


def _fast_binary(ufunc, op, name, float_out=False):
    """``add_``/``sub_``/``mul_``/``div_``: one numpy call into memory when nothing is recorded."""
    def method(self, other, *, alpha=1):
        if not float_out or self._data.dtype.kind == "f":
            if fast_inplace(self, ufunc, other, scale=alpha) is not None:
                return self
        if alpha != 1:
            return inplace(self, lambda s: op(s, other, alpha=alpha), other)
        return inplace(self, lambda s: op(s, other), other)
    method.__name__ = name
    return method


def _raw(value):
    return value._data if isinstance(value, Tensor) else value


def addcmul_(self, tensor1, tensor2, *, value=1):
    if fast_inplace(self, np.add, value * _raw(tensor1) * _raw(tensor2) if value != 1
                    else _raw(tensor1) * _raw(tensor2), tensor1, tensor2) is None:
        inplace(self, lambda s: A.addcmul(s, tensor1, tensor2, value=value), tensor1, tensor2)
    return self


def addcdiv_(self, tensor1, tensor2, *, value=1):
    if fast_inplace(self, np.add, value * (_raw(tensor1) / _raw(tensor2)), tensor1,
                    tensor2) is None:
        inplace(self, lambda s: A.addcdiv(s, tensor1, tensor2, value=value), tensor1, tensor2)
    return self


def lerp_(self, end, weight):
    if fast_inplace(self, np.add, _raw(weight) * (_raw(end) - self._data), end, weight) is None:
        inplace(self, lambda s: A.lerp(s, end, weight), end, weight)
    return self


def zero_(self):
    return inplace(self, lambda s: dispatch.record_constant(np.zeros_like, (s,), "ZeroBackward0"))


def fill_(self, value):
    if isinstance(value, Tensor):
        return inplace(self, lambda s: dispatch.record(
            np.where, (True, value, s), name="FillBackward3", edges=(2, 1),
            dtype=s._data.dtype, cast_args=(1,)), value)
    return inplace(self, lambda s: dispatch.record_constant(
        lambda a: np.full_like(a, value), (s,), "FillBackward2"))


def copy_(self, src, non_blocking=False):
    src = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    return inplace(self, lambda s: dispatch.record(
        np.where, (True, src, s), name="CopyBackwards", edges=(2, 1), dtype=s._data.dtype,
        cast_args=(1,)), src)


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    values = (generator or default_generator).uniform_range(self.numel(), self._data.dtype, a, b)
    return _fill_random(self, values)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    values = (generator or default_generator).normal(self.numel(), self._data.dtype, mean, std)
    return _fill_random(self, values)


def _fill_random(self, values):
    return inplace(self, lambda s: dispatch.record_constant(
        lambda a: values.reshape(a.shape), (s,), "NormalBackward0"))


_INPLACE = {
    "add_": _fast_binary(np.add, A.add, "add_"), "sub_": _fast_binary(np.subtract, A.sub, "sub_"),
    "mul_": _fast_binary(np.multiply, A.mul, "mul_"),
    "div_": _fast_binary(np.true_divide, A.div, "div_", float_out=True),
    "addcmul_": addcmul_, "addcdiv_": addcdiv_, "lerp_": lerp_, "zero_": zero_,
    "fill_": fill_, "copy_": copy_, "uniform_": uniform_, "normal_": normal_,
}
for _name in ("pow", "exp", "log", "log1p", "expm1", "sin", "cos", "tanh", "sigmoid", "relu",
              "sqrt", "rsqrt", "abs", "neg", "clamp", "clamp_min", "clamp_max", "clip",
              "reciprocal", "square", "floor", "ceil", "round", "trunc", "sign", "frac",
              "fmod", "remainder", "masked_fill", "scatter", "scatter_add", "index_add",
              "index_put",
              "floor_divide", "true_divide", "nan_to_num", "exp2", "log2", "log10", "atan2"):
    _INPLACE[_name + "_"] = _inplace_form(_OPS[_name], _name + "_")
_INPLACE.update({"__iadd__": _INPLACE["add_"], "__isub__": _INPLACE["sub_"],
                 "__imul__": _INPLACE["mul_"], "__itruediv__": _INPLACE["div_"],
                 "__ifloordiv__": _INPLACE["floor_divide_"], "__imod__": _INPLACE["remainder_"],
                 "__ipow__": _INPLACE["pow_"]})


def _bitwise_inplace(op):
    def method(self, other):
        result = op(self, other)
        check_cast(result._data.dtype, self)
        self._data[...] = result._data
        self._vc[0] += 1
        return self
    return method


#: ufunc -> facade op, so numpy calls on Tensors (``np.exp(t)``, ``np.float64(1) + t``) get
#: PyTorch's promotion and node names
UFUNC_OPS = {np.add: A.add, np.subtract: A.sub, np.multiply: A.mul, np.true_divide: A.div,
             np.power: A.pow, np.negative: A.neg, np.exp: A.exp, np.log: A.log, np.sin: A.sin,
             np.cos: A.cos, np.tanh: A.tanh, np.sqrt: A.sqrt, np.absolute: A.abs,
             np.maximum: A.maximum, np.minimum: A.minimum, np.equal: C.eq, np.not_equal: C.ne,
             np.less: C.lt, np.less_equal: C.le, np.greater: C.gt, np.greater_equal: C.ge,
             np.matmul: products.matmul, np.remainder: A.remainder,
             np.floor_divide: A.floor_divide}


def _iterate(self):
    """Iterating a tensor unbinds its first dimension (``UnbindBackward0``), as PyTorch."""
    if self._data.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(S.unbind(self, 0))


def _install() -> None:
    for name, fn in _OPS.items():
        setattr(Tensor, name, fn)
    for name, fn in _OPERATORS.items():
        setattr(Tensor, name, _operand(fn))
    for name, fn in _INPLACE.items():
        setattr(Tensor, name, fn)
    for name in ("__iand__", "__ior__", "__ixor__"):
        setattr(Tensor, name, _bitwise_inplace(_OPERATORS[name.replace("__i", "__")]))
    Tensor.__neg__ = A.neg
    Tensor.__pos__ = A.positive
    Tensor.__abs__ = A.abs
    Tensor.__invert__ = lambda self: (C.logical_not(self) if self._data.dtype == np.bool_
                                      else C.bitwise_not(self))
    Tensor.T = property(S.reversed_dims)
    Tensor.mT = Tensor.mH = Tensor.H = property(S.matrix_transpose)
    Tensor.real = property(lambda self: self)
    Tensor.__setitem__ = setitem
    Tensor.__iter__ = _iterate
    Tensor.__array_ufunc__ = dispatch.array_ufunc
    Tensor.__array_function__ = dispatch.array_function
    Tensor.__sourcegrad_function__ = staticmethod(
        lambda fn, args, kwargs: dispatch.record(fn, args, kwargs))
    dispatch.UFUNC_OPS.update(UFUNC_OPS)


_install()
