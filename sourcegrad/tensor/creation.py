"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``eye``, ``arange``, ``rand``, ``randn``, ...

Types follow PyTorch: Python floats give the default dtype (float32), ints give int64, bools
give bool; numpy arrays keep their dtype. Every result is a leaf.
"""
from __future__ import annotations

import builtins

import numpy as np

from . import dtypes
from .random import default_generator
from .tensor import Tensor


def _sizes(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(builtins.int(n) for n in size)


def _leaf(array, requires_grad) -> Tensor:
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer(data) -> np.ndarray:
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, (list, tuple)):
        data = [d._data if isinstance(d, Tensor) else d for d in data]
    array = np.array(data)
    if array.dtype == np.float64 and not isinstance(data, np.generic):
        array = array.astype(dtypes.get_default_dtype().np)
    return array


def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (nested lists, numbers or an array)."""
    array = _infer(data)
    if dtype is not None:
        array = array.astype(dtypes.to_numpy(dtype))
    return _leaf(array, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor) and dtype is None:
        return data
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    return Tensor._wrap(array)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def _float_dtype(dtype):
    return dtypes.to_numpy(dtype) if dtype is not None else dtypes.get_default_dtype().np


def zeros(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _leaf(np.zeros(_sizes(size), _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _leaf(np.ones(_sizes(size), _float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None and isinstance(fill_value, builtins.bool):
        dtype = dtypes.bool_
    elif dtype is None and isinstance(fill_value, builtins.int):
        dtype = dtypes.int64
    return _leaf(np.full(_sizes((size,)), fill_value, _float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _leaf(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (builtins.int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if ints else dtypes.get_default_dtype()
    np_dtype = dtypes.to_numpy(dtype)
    return _leaf(np.arange(start, end, step, dtype=np.float64).astype(np_dtype), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _leaf(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


def _like(fill):
    def make(input, dtype=None, device=None, requires_grad=False) -> Tensor:
        np_dtype = dtypes.to_numpy(dtype) if dtype is not None else input._data.dtype
        return _leaf(fill(input._data.shape, np_dtype), requires_grad)
    make.__name__ = fill.__name__ + "_like"
    return make


zeros_like = _like(np.zeros)
ones_like = _like(np.ones)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    np_dtype = dtypes.to_numpy(dtype) if dtype is not None else input._data.dtype
    return _leaf(np.full(input._data.shape, fill_value, np_dtype), requires_grad)


# -- random -----------------------------------------------------------------------------------

def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform numbers in [0, 1), the same numbers PyTorch draws after the same ``manual_seed``."""
    shape = _sizes(size)
    gen = generator or default_generator
    values = gen.uniform(builtins.int(np.prod(shape, dtype=np.int64)), _float_dtype(dtype))
    return _leaf(values.reshape(shape), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal numbers, the same numbers PyTorch draws after the same ``manual_seed``."""
    shape = _sizes(size)
    gen = generator or default_generator
    values = gen.normal(builtins.int(np.prod(shape, dtype=np.int64)), _float_dtype(dtype))
    return _leaf(values.reshape(shape), requires_grad)


def rand_like(input, dtype=None, requires_grad=False) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, dtype=None, requires_grad=False) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Integers in [low, high); not PyTorch's stream (its integer sampling is not reproduced)."""
    if high is None:
        low, high = 0, low
    gen = generator or default_generator
    n = builtins.int(np.prod(size, dtype=np.int64))
    values = low + (gen._u32(n) % np.uint64(high - low)).astype(np.int64)
    return _leaf(values.reshape(tuple(size)).astype(dtypes.to_numpy(dtype or dtypes.int64)),
                 requires_grad)
