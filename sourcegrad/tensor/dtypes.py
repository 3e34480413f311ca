"""Tensor element types with PyTorch's names (``float32`` is the default, as in PyTorch)."""
from __future__ import annotations

import numpy as np


class dtype:
    """An element type: PyTorch's name and printed form over a numpy dtype."""

    __slots__ = ("is_floating_point", "name", "np", "tensor_type")

    def __init__(self, name: str, np_dtype, tensor_type: str) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.tensor_type = tensor_type  # "FloatTensor": how PyTorch's messages name it

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    @property
    def dtype(self) -> np.dtype:
        """numpy reads any object with a ``dtype`` attribute as that dtype (``np.zeros(2, float32)``)."""
        return self.np

    def __reduce__(self):
        return (from_numpy_dtype, (self.np,))


float32 = dtype("float32", np.float32, "FloatTensor")
float64 = dtype("float64", np.float64, "DoubleTensor")
float16 = dtype("float16", np.float16, "HalfTensor")
int64 = dtype("int64", np.int64, "LongTensor")
int32 = dtype("int32", np.int32, "IntTensor")
int16 = dtype("int16", np.int16, "ShortTensor")
int8 = dtype("int8", np.int8, "CharTensor")
uint8 = dtype("uint8", np.uint8, "ByteTensor")
bool_ = dtype("bool", np.bool_, "BoolTensor")

ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
           "short": int16, "bool": bool_}
_BY_NUMPY = {d.np: d for d in (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)}

_default = [float32]


def get_default_dtype() -> dtype:
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"sourcegrad tensors do not support the numpy dtype {np_dtype}") from None


def to_numpy(d) -> np.dtype:
    """A ``dtype`` (or a Python type / numpy dtype, as PyTorch also accepts) as a numpy dtype."""
    if isinstance(d, dtype):
        return d.np
    if d is float:
        return get_default_dtype().np
    if d is int:
        return np.dtype(np.int64)
    if d is bool:
        return np.dtype(np.bool_)
    return from_numpy_dtype(d).np
