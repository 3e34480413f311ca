"""Making tensors: ``tensor``, ``as_tensor``, ``zeros``, ``ones``, ``eye``, ``arange``,
``linspace``, ``rand``, ``randn``, the ``*_like`` family, ...

Types follow PyTorch: Python floats give the default dtype (float32), ints give int64, bools
give bool; numpy arrays keep their dtype. ``as_tensor``/``from_numpy`` share a numpy array's
memory, ``tensor`` copies. Every result is a leaf. ``device`` arguments are checked (the CPU, or
PyTorch's CUDA error) and otherwise ignored.
"""
from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from . import dtypes
from .device import default_device_check
from .random import default_generator
from .tensor import Tensor

COPY_WARNING = ("To copy construct from a tensor, it is recommended to use "
                "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                "requires_grad_(True), rather than torch.tensor(sourceTensor).")


def _sizes(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(builtins.int(n) for n in size)


def _leaf(array, requires_grad, device=None) -> Tensor:
    default_device_check(device)
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _nested(data):
    """Nested lists/tuples of numbers and Tensors as one numpy array (Tensors unwrapped)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_nested(d) for d in data]
    return data


def infer(data) -> np.ndarray:
    """``data`` as an array of PyTorch's dtype: Python floats give the default float type."""
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, np.generic):
        return np.asarray(data)
    array = np.array(_nested(data))
    if array.dtype == np.float64 and not _has_float64_arrays(data):
        array = array.astype(dtypes.get_default_dtype().np)
    elif array.dtype.kind in "iu" and array.dtype != np.uint8:
        array = array.astype(np.int64)
    elif array.dtype.kind not in "biuf":
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    return array


def _has_float64_arrays(data) -> bool:
    if isinstance(data, (list, tuple)):
        return builtins.any(_has_float64_arrays(d) for d in data)
    return getattr(getattr(data, "_data", data), "dtype", None) == np.float64 and \
        not isinstance(data, float)


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (nested lists, numbers or an array)."""
    if isinstance(data, Tensor):
        warnings.warn(COPY_WARNING, UserWarning, stacklevel=2)
    array = np.array(infer(data), copy=True)
    if dtype is not None:
        array = array.astype(dtypes.to_numpy(dtype))
    return _leaf(array, requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with a numpy array (or Tensor) of the same dtype."""
    default_device_check(device)
    target = dtypes.to_numpy(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        return data if target is None or target == data._data.dtype else data.to(dtype)
    array = infer(data)
    if target is not None and array.dtype != target:
        array = array.astype(target)
    return Tensor._wrap(array)


asarray = as_tensor


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._wrap(array)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def numel(input) -> int:
    return input.numel()


def _float_dtype(dtype):
    return dtypes.to_numpy(dtype) if dtype is not None else dtypes.get_default_dtype().np


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _leaf(np.zeros(_sizes(size), _float_dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _leaf(np.ones(_sizes(size), _float_dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Zero-filled here (PyTorch leaves the memory uninitialised)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        fill = getattr(fill_value, "_data", fill_value)
        dtype = dtypes.from_numpy_dtype(dtypes.scalar_dtype(fill.item() if isinstance(
            fill, np.ndarray) else fill))
    fill_value = getattr(fill_value, "_data", fill_value)
    return _leaf(np.full(_sizes((size,)), fill_value, _float_dtype(dtype)), requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _leaf(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    start, end, step = (getattr(v, "_data", v) for v in (start, end, step))
    start, end, step = (v.item() if isinstance(v, np.ndarray) else v for v in (start, end, step))
    if dtype is None:
        ints = builtins.all(isinstance(v, (builtins.int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if ints else dtypes.get_default_dtype()
    count = builtins.max(0, math.ceil((end - start) / step))
    values = start + step * np.arange(count, dtype=np.float64)
    return _leaf(values.astype(dtypes.to_numpy(dtype)), requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` points from ``start`` to ``end``, bit for bit as PyTorch's CPU kernel: the
    first half counted up from ``start``, the second down from ``end``, each point one fused
    multiply-add of the step (rounded once, from extended precision)."""
    target = _float_dtype(dtype)
    work = target if target.kind == "f" else np.dtype(np.float64)
    if steps == 1:
        return _leaf(np.full(1, start, target), requires_grad, device)
    begin, stop = work.type(start), work.type(end)
    step = (stop - begin) / work.type(steps - 1)
    i = np.arange(steps)
    wide = np.longdouble
    values = np.where(i < steps // 2, wide(begin) + wide(step) * i,
                      wide(stop) - wide(step) * (steps - 1 - i))
    return _leaf(values.astype(work).astype(target), requires_grad, device)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    exponents = linspace(start, end, steps, dtype=dtypes.float64)._data
    return _leaf((base ** exponents).astype(_float_dtype(dtype)), requires_grad, device)


def _like(fill, name):
    def make(input, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
        np_dtype = dtypes.to_numpy(dtype) if dtype is not None else input._data.dtype
        return _leaf(fill(input._data.shape, np_dtype), requires_grad, device)
    make.__name__ = name
    make.__doc__ = f"A new tensor shaped like ``input`` ({name[:-5]}), of its dtype unless given."
    return make


zeros_like = _like(np.zeros, "zeros_like")
ones_like = _like(np.ones, "ones_like")
empty_like = _like(np.zeros, "empty_like")


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    np_dtype = dtypes.to_numpy(dtype) if dtype is not None else input._data.dtype
    return _leaf(np.full(input._data.shape, fill_value, np_dtype), requires_grad, device)


# -- new_* methods: a tensor of the same dtype (and device) unless told otherwise -----------------

def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
    if isinstance(data, Tensor):
        warnings.warn(COPY_WARNING, UserWarning, stacklevel=2)
    return tensor(getattr(data, "_data", data), dtype=dtype or self.dtype, device=device,
                  requires_grad=requires_grad)


def _new(fill):
    def make(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return fill(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)
    make.__name__ = "new_" + fill.__name__
    return make


new_zeros, new_ones, new_empty = _new(zeros), _new(ones), _new(empty)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    return full(size, fill_value, dtype=dtype or self.dtype, device=device,
                requires_grad=requires_grad)


# -- random -----------------------------------------------------------------------------------

def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform numbers in [0, 1), the same numbers PyTorch draws after the same ``manual_seed``."""
    shape = _sizes(size)
    gen = generator or default_generator
    values = gen.uniform(math.prod(shape), _float_dtype(dtype))
    return _leaf(values.reshape(shape), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal numbers, the same numbers PyTorch draws after the same ``manual_seed``."""
    shape = _sizes(size)
    gen = generator or default_generator
    values = gen.normal(math.prod(shape), _float_dtype(dtype))
    return _leaf(values.reshape(shape), requires_grad, device)


def rand_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers in [low, high); not PyTorch's stream (its integer sampling is not reproduced)."""
    if high is None:
        low, high = 0, low
    gen = generator or default_generator
    n = math.prod(size)
    values = low + (gen._u32(n) % np.uint64(high - low)).astype(np.int64)
    return _leaf(values.reshape(tuple(size)).astype(dtypes.to_numpy(dtype or dtypes.int64)),
                 requires_grad, device)


def randint_like(input, low, high=None, dtype=None) -> Tensor:
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of ``range(n)`` (not PyTorch's stream)."""
    gen = generator or default_generator
    order = np.argsort(gen._u32(n), kind="stable")
    return _leaf(order.astype(dtypes.to_numpy(dtype or dtypes.int64)), requires_grad, device)


def normal(mean, std=1.0, size=None, generator=None, dtype=None) -> Tensor:
    """Normal numbers of the given mean(s) and std(s)."""
    mean_, std_ = getattr(mean, "_data", mean), getattr(std, "_data", std)
    shape = tuple(size) if size is not None else np.broadcast_shapes(np.shape(mean_),
                                                                      np.shape(std_))
    values = randn(*shape, generator=generator, dtype=dtype)._data
    return _leaf((values * std_ + mean_).astype(values.dtype), False)


def bernoulli(input, p=None, generator=None) -> Tensor:
    """1 with probability ``input`` (or ``p``), else 0 (not PyTorch's stream)."""
    probability = input._data if p is None else p
    draws = (generator or default_generator).uniform(input.numel(), np.float64)
    return _leaf((draws.reshape(input._data.shape) < probability).astype(input._data.dtype),
                 False)


def multinomial(input, num_samples, replacement=False, generator=None) -> Tensor:
    """Indices drawn with the (unnormalised) probabilities in each row of ``input``."""
    gen = generator or default_generator
    rows = np.atleast_2d(input._data.astype(np.float64))
    out = np.empty((rows.shape[0], num_samples), np.int64)
    for r, weights in enumerate(rows):
        w = weights.copy()
        for k in range(num_samples):
            u = gen.uniform(1, np.float64)[0] * w.sum()
            choice = builtins.min(int(np.searchsorted(np.cumsum(w), u, side="right")),
                                  len(w) - 1)
            out[r, k] = choice
            if not replacement:
                w[choice] = 0.0
    return _leaf(out if input.dim() == 2 else out[0], False)
