"""Comparisons, logic and bit operations: results without gradient (bool, or integer bits).

Comparisons compute in the dtype PyTorch promotes the operands to (so ``int_tensor < 2.5``
compares as floats) and raise PyTorch's error for shapes that do not broadcast; bit operations
refuse floats with PyTorch's ``NotImplementedError``.
"""
from __future__ import annotations

import numpy as np

from . import dtypes
from .arithmetic import check_broadcast
from .dispatch import cast, wrap_value


def _compare(ufunc, name):
    def op(input, other):
        check_broadcast(input, other)
        dtype = dtypes.result_type(input, other)
        raw = [getattr(v, "_data", v) for v in (input, other)]
        return wrap_value(ufunc(cast(raw[0], dtype), cast(raw[1], dtype)), ())
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}`` (a bool tensor)."
    return op


eq, ne = _compare(np.equal, "eq"), _compare(np.not_equal, "ne")
lt, le = _compare(np.less, "lt"), _compare(np.less_equal, "le")
gt, ge = _compare(np.greater, "gt"), _compare(np.greater_equal, "ge")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(ufunc, name):
    def op(input, other=None):
        values = [getattr(v, "_data", v) for v in (input, other) if v is not None]
        return wrap_value(ufunc(*values), ())
    op.__name__ = name
    return op


logical_and, logical_or = _logical(np.logical_and, "logical_and"), _logical(np.logical_or,
                                                                              "logical_or")
logical_xor, logical_not = _logical(np.logical_xor, "logical_xor"), _logical(np.logical_not,
                                                                               "logical_not")
isnan, isinf = _logical(np.isnan, "isnan"), _logical(np.isinf, "isinf")
isfinite = _logical(np.isfinite, "isfinite")
signbit = _logical(np.signbit, "signbit")


def _bitwise(ufunc, name):
    def op(input, other=None):
        operands = (input,) if other is None else (input, other)
        dtype = dtypes.result_type(*operands)
        if dtype.kind == "f":
            kind = "Float" if dtype == np.float32 else "Double"
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{kind}'")
        values = [getattr(v, "_data", v) for v in operands]
        return wrap_value(ufunc(*values), (), dtype)
    op.__name__ = name
    return op


bitwise_and, bitwise_or = _bitwise(np.bitwise_and, "bitwise_and"), _bitwise(np.bitwise_or,
                                                                            "bitwise_or")
bitwise_xor, bitwise_not = _bitwise(np.bitwise_xor, "bitwise_xor"), _bitwise(np.invert,
                                                                             "bitwise_not")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return wrap_value(np.isclose(input._data, getattr(other, "_data", other), rtol=rtol,
                                 atol=atol, equal_nan=equal_nan), ())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(input._data, getattr(other, "_data", other), rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def equal(input, other) -> bool:
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))
