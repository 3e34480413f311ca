"""Elementwise operations: arithmetic, functions of one value, bounds and selection
(comparisons and logic are :mod:`.comparisons`).

Each is one primitive of the rule table recorded with PyTorch's grad_fn label and PyTorch's
result dtype (:func:`.dtypes.result_type`): ``int_tensor * 2.5`` is float32, ``f32 * f64-0d`` is
float32, float functions of integers give the default float type. Shapes that do not broadcast
raise PyTorch's ``RuntimeError``.
"""
from __future__ import annotations

import numpy as np

from ..rules import nn as nn_rules
from ..rules import nn_functional as nnf_rules
from ..rules import tensor_ops
from . import dtypes
from .dispatch import record, record_constant, relabel, wrap_value
from .tensor import Tensor


def _shape(value) -> tuple:
    data = getattr(value, "_data", value)
    return data.shape if isinstance(data, np.ndarray) else ()


def check_broadcast(a, b) -> None:
    """PyTorch's error for shapes that do not broadcast (numpy's would be a ValueError)."""
    sa, sb = _shape(a), _shape(b)
    if sa == sb or not sa or not sb:
        return
    for i in range(1, min(len(sa), len(sb)) + 1):
        m, n = sa[-i], sb[-i]
        if m != n and m != 1 and n != 1:
            raise RuntimeError(f"The size of tensor a ({m}) must match the size of tensor b ({n}) "
                               f"at non-singleton dimension {max(len(sa), len(sb)) - i}")


def binary(fn, a, b, name=None, float_out=False, edges=(0, 1)):
    """``fn(a, b)`` computed in the promoted dtype (float when ``float_out``), recorded."""
    check_broadcast(a, b)
    dtype = dtypes.result_type(a, b)
    if float_out:
        dtype = dtypes.float_result(dtype)
    return record(fn, (a, b), name=name, edges=edges, dtype=dtype, cast_args=(0, 1))


def _tensor(value) -> bool:
    return isinstance(value, Tensor)


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_)) or (_tensor(value) and value._data.dtype == np.bool_)


# -- arithmetic ---------------------------------------------------------------------------------

def add(input, other, *, alpha=1):
    if alpha != 1:
        other = mul(other, alpha)
    return binary(np.add, input, other, "AddBackward0")


def sub(input, other, *, alpha=1):
    if alpha != 1:
        other = mul(other, alpha)
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    return binary(np.subtract, input, other, "SubBackward0")


def rsub(input, other, *, alpha=1):
    """``other - input`` (``2 - x`` is PyTorch's ``RsubBackward1``)."""
    if alpha != 1:
        input = mul(input, alpha)
    name = "RsubBackward0" if _tensor(other) else "RsubBackward1"
    return binary(np.subtract, other, input, name, edges=(1, 0) if _tensor(other) else (1,))


def mul(input, other):
    return binary(np.multiply, input, other, "MulBackward0")


def div(input, other, *, rounding_mode=None):
    if rounding_mode is None:
        return binary(np.true_divide, input, other, "DivBackward0", float_out=True)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{rounding_mode}'")
    check_broadcast(input, other)
    dtype = dtypes.result_type(input, other)
    fn = np.floor_divide if rounding_mode == "floor" else _trunc_divide
    return record_constant(fn, (input, other), "DivBackward2",
                           edges=[i for i, v in enumerate((input, other)) if _tensor(v)],
                           dtype=dtype, cast_args=(0, 1))


def _trunc_divide(a, b):
    q = np.true_divide(a, b)
    return np.trunc(q).astype(np.result_type(a, b), copy=False)


def rdiv(input, other):
    """``other / input`` as PyTorch computes it: ``reciprocal(input) * other``."""
    if _tensor(other):
        return div(other, input)
    return mul(reciprocal(input), other)


def floor_divide(input, other):
    """``//``: recorded, but PyTorch has no derivative for it (backward raises)."""
    check_broadcast(input, other)
    edges = [i for i, v in enumerate((input, other)) if _tensor(v)]
    return record_constant(np.floor_divide, (input, other), "NotImplemented", edges=edges,
                           dtype=dtypes.result_type(input, other), cast_args=(0, 1),
                           operation="floor_divide")


def remainder(input, other):
    """``%`` with the sign of the divisor (Python's and PyTorch's)."""
    name = "RemainderBackward1" if _tensor(other) and _tensor(input) else "RemainderBackward0"
    return binary(np.remainder, input, other, name)


def rremainder(input, other):
    """``number % tensor``: recorded, but PyTorch has no derivative for it."""
    if _tensor(other):
        return remainder(other, input)
    return record_constant(np.remainder, (other, input), "NotImplemented", edges=(1,),
                           dtype=dtypes.result_type(other, input), cast_args=(0, 1),
                           operation="remainder")


def fmod(input, other):
    """Remainder with the sign of the dividend (C's ``fmod``)."""
    name = "FmodBackward1" if _tensor(other) else "FmodBackward0"
    return binary(np.fmod, input, other, name)


def pow(input, exponent):
    if _tensor(input) and input._data.dtype.kind in "iu" and not _tensor(exponent) and \
            isinstance(exponent, int) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if _tensor(input) and _tensor(exponent):
        return binary(np.power, input, exponent, "PowBackward1")
    if _tensor(input):
        return binary(np.power, input, exponent, "PowBackward0", edges=(0,))
    return binary(np.power, input, exponent, "PowBackward2", edges=(1,))


def neg(input):
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return record(np.negative, (input,), name="NegBackward0")


def positive(input):
    return input


def atan2(input, other):
    return binary(np.arctan2, input, other, "Atan2Backward0", float_out=True)


arctan2 = atan2


def hypot(input, other):
    return binary(np.hypot, input, other, "HypotBackward0", float_out=True)


def logaddexp(input, other):
    return binary(np.logaddexp, input, other, "LogaddexpBackward0", float_out=True)


def fmax(input, other):
    return binary(np.fmax, input, other, "FmaxBackward0")


def fmin(input, other):
    return binary(np.fmin, input, other, "FminBackward0")


def maximum(input, other):
    return binary(np.maximum, input, other, "MaximumBackward0")


def minimum(input, other):
    return binary(np.minimum, input, other, "MinimumBackward0")


def lerp(input, end, weight):
    name = "LerpBackward1" if _tensor(weight) else "LerpBackward0"
    edges = (0, 1, 2) if _tensor(weight) else (0, 1)
    dtype = dtypes.result_type(input, end)
    return record(tensor_ops.lerp, (input, end, weight), name=name, edges=edges, dtype=dtype,
                  cast_args=(0, 1))


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2``."""
    product = mul(tensor1, tensor2)
    return relabel(add(input, product if value == 1 else mul(product, value)), "AddcmulBackward0")


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2``."""
    quotient = div(tensor1, tensor2)
    return relabel(add(input, quotient if value == 1 else mul(quotient, value)),
                   "AddcdivBackward0")


# -- functions of one value ---------------------------------------------------------------------

def _unary(primitive, name, float_out=True):
    def op(input):
        dtype = input._data.dtype
        if float_out:
            dtype = dtypes.float_result(dtype)
        return record(primitive, (input,), name=name, dtype=dtype, cast_args=(0,))
    op.__name__ = name[:name.index("Backward")].lower()
    op.__doc__ = f"Elementwise ``{op.__name__}`` (recorded with the rule of ``{primitive.__name__}``)."
    return op


exp, exp2, expm1 = (_unary(np.exp, "ExpBackward0"), _unary(np.exp2, "Exp2Backward0"),
                    _unary(np.expm1, "Expm1Backward0"))
log, log2, log10, log1p = (_unary(np.log, "LogBackward0"), _unary(np.log2, "Log2Backward0"),
                           _unary(np.log10, "Log10Backward0"), _unary(np.log1p, "Log1PBackward0"))
sin, cos, tan = (_unary(np.sin, "SinBackward0"), _unary(np.cos, "CosBackward0"),
                 _unary(np.tan, "TanBackward0"))
asin, acos, atan = (_unary(np.arcsin, "AsinBackward0"), _unary(np.arccos, "AcosBackward0"),
                    _unary(np.arctan, "AtanBackward0"))
sinh, cosh, tanh = (_unary(np.sinh, "SinhBackward0"), _unary(np.cosh, "CoshBackward0"),
                    _unary(np.tanh, "TanhBackward0"))
asinh, acosh, atanh = (_unary(np.arcsinh, "AsinhBackward0"), _unary(np.arccosh, "AcoshBackward0"),
                       _unary(np.arctanh, "AtanhBackward0"))
sqrt, rsqrt = _unary(np.sqrt, "SqrtBackward0"), _unary(tensor_ops.rsqrt, "RsqrtBackward0")
reciprocal = _unary(np.reciprocal, "ReciprocalBackward0")
sigmoid = _unary(nn_rules.sigmoid, "SigmoidBackward0")
sinc = _unary(np.sinc, "SincBackward0")
abs = _unary(np.absolute, "AbsBackward0", float_out=False)
relu = _unary(nn_rules.relu, "ReluBackward0", float_out=False)
arcsin, arccos, arctan, absolute = asin, acos, atan, abs
erf = _unary(nnf_rules.erf, "ErfBackward0")


def square(input):
    return pow(input, 2)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return record(np.nan_to_num, (input,), {"nan": nan, "posinf": posinf, "neginf": neginf},
                  name="NanToNumBackward0")


def _piecewise_constant(primitive, name):
    def op(input):
        if input._data.dtype.kind in "iub" and primitive is not np.sign:
            return wrap_value(input._data.copy(), (input,))
        return record_constant(primitive, (input,), name)
    op.__name__ = name[:name.index("Backward")].lower()
    op.__doc__ = f"Elementwise ``{op.__name__}``: recorded, with a zero gradient (as PyTorch)."
    return op


sign = _piecewise_constant(np.sign, "SignBackward0")
sgn = _piecewise_constant(np.sign, "SgnBackward0")
floor = _piecewise_constant(np.floor, "FloorBackward0")
ceil = _piecewise_constant(np.ceil, "CeilBackward0")
trunc = _piecewise_constant(np.trunc, "TruncBackward0")
fix = trunc


def round(input, *, decimals=0):
    """Round half to even (as PyTorch and numpy); ``decimals`` digits after the point."""
    if decimals == 0:
        return _piecewise_constant(np.round, "RoundBackward0")(input)
    return record_constant(lambda x: np.round(x, decimals), (input,), "RoundBackward1")


def frac(input):
    """``input - trunc(input)``: the gradient passes unchanged (PyTorch's ``FracBackward0``)."""
    return record(np.subtract, (input, np.trunc(input._data)), name="FracBackward0", edges=(0,))


# -- bounds and selection -----------------------------------------------------------------------

def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if _tensor(min) or _tensor(max):
        dtype = dtypes.result_type(input, min, max)
        return record(tensor_ops.clamp, (input, min, max), name="ClampBackward0",
                      dtype=dtype, cast_args=(0,) + tuple(i for i, v in ((1, min), (2, max))
                                                          if v is not None))
    dtype = dtypes.result_type(input, min, max)
    return record(np.clip, (input, min, max), name="ClampBackward1", edges=(0,), dtype=dtype,
                  cast_args=(0,))


clip = clamp


def clamp_min(input, min):
    if _tensor(min):
        return clamp(input, min=min)
    return record(np.clip, (input, min, None), name="ClampMinBackward0", edges=(0,),
                  dtype=dtypes.result_type(input, min), cast_args=(0,))


def clamp_max(input, max):
    if _tensor(max):
        return clamp(input, max=max)
    return record(np.clip, (input, None, max), name="ClampMaxBackward0", edges=(0,),
                  dtype=dtypes.result_type(input, max), cast_args=(0,))


def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(wrap_value(i.astype(np.int64), ()) for i in np.nonzero(condition._data))
    check_broadcast(input, other)
    check_broadcast(condition, input)
    dtype = dtypes.result_type(input, other)
    return record(np.where, (condition, input, other), name="WhereBackward0", edges=(1, 2),
                  dtype=dtype, cast_args=(1, 2))


def masked_fill(input, mask, value):
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name}")
    if _tensor(value) and value.dim() != 0:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.dim()} dimension(s).")
    check_broadcast(input, mask)
    name = "MaskedFillBackward1" if _tensor(value) else "MaskedFillBackward0"
    dtype = input._data.dtype
    return record(np.where, (mask, value, input), name=name, edges=(2, 1) if _tensor(value)
                  else (2,), dtype=dtype, cast_args=(1, 2))


subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
