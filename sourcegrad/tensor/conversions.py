"""Copies and conversions: ``to``, ``double()``/``float()``/..., ``clone``, ``contiguous``.

``to`` really converts: ``x.to(torch.float64)``, ``x.to("cpu", torch.float64)`` and
``x.double()`` give float64 tensors whose gradient flows back in ``x``'s dtype
(``ToCopyBackward0``); conversions to integers carry no gradient. Asking for CUDA raises
PyTorch's error for a CPU-only build.
"""
from __future__ import annotations

import numpy as np

from . import dtypes
from .device import check, device
from .dispatch import record, wrap_value
from .grad_mode import no_grad
from .tensor import Tensor


def _parse(args, kwargs):
    """(device, dtype, copy) from any of ``to``'s signatures."""
    where, dtype = kwargs.get("device"), kwargs.get("dtype")
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, (str, device)):
            where = a
        elif a is not None:
            dtype = a
    return where, dtype, kwargs.get("copy", False)


def to(input, *args, **kwargs):
    where, dtype, copy = _parse(args, kwargs)
    check(where)
    target = dtypes.to_numpy(dtype) if dtype is not None else input._data.dtype
    if target == input._data.dtype and not copy:
        return input
    return cast(input, target)


def cast(input, target: np.dtype):
    """A copy of ``input`` in ``target``: recorded for float targets, constant otherwise."""
    if target.kind not in "fc":
        with no_grad():
            return wrap_value(input._data.astype(target), (), target)
    return record(np.asarray, (input,), {"dtype": target}, name="ToCopyBackward0", dtype=target)


def _caster(d: dtypes.dtype, name: str):
    def method(self, memory_format=None):
        return self if self._data.dtype == d.np else cast(self, d.np)
    method.__name__ = name
    method.__doc__ = f"This tensor as {d!r} (itself if it already is)."
    return method


CASTS = {"float": dtypes.float32, "double": dtypes.float64, "half": dtypes.float16,
         "long": dtypes.int64, "int": dtypes.int32, "short": dtypes.int16, "char": dtypes.int8,
         "byte": dtypes.uint8, "bool": dtypes.bool_}
CAST_METHODS = {name: _caster(d, name) for name, d in CASTS.items()}


def type_as(input, other):
    return to(input, other.dtype)


def clone(input, *, memory_format=None):
    return record(np.array, (input,), name="CloneBackward0")


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return record(np.ascontiguousarray, (input,), name="CloneBackward0")


def cpu(input, memory_format=None):
    return input


def cuda(input, device=None, non_blocking=False, memory_format=None):
    check("cuda")
