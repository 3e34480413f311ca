"""PyTorch's older spellings that tutorials still use: ``torch.FloatTensor(...)``,
``x.type()``, ``x.type(torch.DoubleTensor)``, ``autograd.Variable(x, requires_grad=True)``.

The legacy tensor types make tensors of their dtype and answer ``isinstance`` by dtype, as
PyTorch's do; ``Variable`` returns a tensor (sharing the data) with ``requires_grad`` set.
"""
from __future__ import annotations

import numpy as np

from . import dtypes
from .tensor import Tensor


class tensortype(type):
    """The type of ``torch.FloatTensor`` and friends: ``isinstance`` checks the dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.np

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy(d: dtypes.dtype) -> type:
    def __new__(cls, *args):
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = args[0]._data if isinstance(args[0], Tensor) else args[0]
            array = np.array(data, dtype=d.np)
        else:
            array = np.zeros(tuple(int(n) for n in args), dtype=d.np)
        return Tensor._wrap(array)

    doc = f"``torch.{d.tensor_type}(data)`` or ``(*sizes)``: a {d.name} tensor (legacy spelling)."
    return tensortype(d.tensor_type, (), {"__new__": __new__, "dtype": d, "__doc__": doc})


FloatTensor = _legacy(dtypes.float32)
DoubleTensor = _legacy(dtypes.float64)
HalfTensor = _legacy(dtypes.float16)
LongTensor = _legacy(dtypes.int64)
IntTensor = _legacy(dtypes.int32)
ShortTensor = _legacy(dtypes.int16)
CharTensor = _legacy(dtypes.int8)
ByteTensor = _legacy(dtypes.uint8)
BoolTensor = _legacy(dtypes.bool_)

TYPES = (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor,
         ByteTensor, BoolTensor)


def type_(self, dtype=None, non_blocking=False, **kwargs):
    """``x.type()`` names the legacy type (``'torch.FloatTensor'``); ``x.type(t)`` converts."""
    if dtype is None:
        return f"torch.{self.dtype.tensor_type}"
    if isinstance(dtype, str):
        dtype = dtypes.from_tensor_type(dtype)
    elif isinstance(dtype, tensortype):
        dtype = dtype.dtype
    return self.to(dtype)


def Variable(data, requires_grad=False, volatile=False):
    """The pre-0.4 wrapper: now a tensor sharing ``data``, requiring grad when asked."""
    out = data.detach()
    if requires_grad:
        out.requires_grad_(True)
    return out
