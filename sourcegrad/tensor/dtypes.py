"""Tensor element types with PyTorch's names, and PyTorch's type promotion.

``float32`` is the default float type, as in PyTorch. :func:`result_type` is PyTorch's promotion
(documented in ``torch.result_type``): operands fall in three groups -- tensors with dimensions,
zero-dimensional tensors, and Python numbers -- and a later group decides the result only when it
is of a higher *category* (bool < integer < floating) than every earlier one. So
``float32 * float64-scalar-tensor`` stays float32 and ``int64 * 2.5`` is the default float type.
"""
from __future__ import annotations

import numbers

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

    @property
    def kind(self) -> str:
        """numpy's kind letter ('f', 'i', 'u', 'b'): runtime helpers read it off ``x.dtype``."""
        return self.np.kind

    @property
    def is_signed(self) -> bool:
        return self.np.kind in "if"

    @property
    def itemsize(self) -> int:
        return self.np.itemsize

    def to_real(self) -> dtype:
        return self

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

ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
           "short": int16, "bool": bool_}
_BY_NUMPY = {d.np: d for d in ALL}
_BY_TENSOR_TYPE = {d.tensor_type: d for d in ALL}

_default = [float32]


def get_default_dtype() -> dtype:
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or d not in (float32, float64, float16):
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"sourcegrad tensors do not support the numpy dtype {np_dtype}") from None


def from_tensor_type(name: str) -> dtype:
    """``'torch.DoubleTensor'`` (or ``'DoubleTensor'``) as its dtype."""
    short = name.rsplit(".", 1)[-1]
    if short not in _BY_TENSOR_TYPE:
        raise ValueError(f"invalid type: '{name}'")
    return _BY_TENSOR_TYPE[short]


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


# -- promotion ----------------------------------------------------------------------------------

def category(np_dtype: np.dtype) -> int:
    """0 bool, 1 integer, 2 floating (the order in which categories win promotion)."""
    kind = np_dtype.kind
    return 0 if kind == "b" else 2 if kind in "fc" else 1


def promote_types(a: np.dtype | None, b: np.dtype | None) -> np.dtype | None:
    """PyTorch's ``promote_types``: a float beats any integer whatever its width."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """A lower-priority group changes the result only if it is of a higher category."""
    if higher is None:
        return lower
    if lower is None or category(higher) >= category(lower):
        return higher
    return promote_types(higher, lower) if category(higher) == 0 else lower


def scalar_dtype(value) -> np.dtype:
    """The dtype a Python (or numpy) number takes as an operand: floats take the default."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, numbers.Integral):
        return np.dtype(np.int64)
    if isinstance(value, numbers.Real):
        return get_default_dtype().np
    raise TypeError(f"unsupported operand type {type(value).__name__}")


def result_type(*operands) -> np.dtype:
    """The dtype of an elementwise operation on these operands, as PyTorch computes it.

    Operands are Tensors (anything with ``_data``), numpy arrays, or numbers; ``None`` is skipped.
    """
    dims = zeros = numbers_ = None
    for op in operands:
        if op is None:
            continue
        data = getattr(op, "_data", op)
        if isinstance(data, np.ndarray):
            if data.ndim:
                dims = promote_types(dims, data.dtype)
            else:
                zeros = promote_types(zeros, data.dtype)
        else:
            numbers_ = promote_types(numbers_, scalar_dtype(data))
    return _combine(dims, _combine(zeros, numbers_))


def float_result(np_dtype: np.dtype) -> np.dtype:
    """The dtype of a float-valued function (``exp``, ``/``) of values of this dtype."""
    return np_dtype if np_dtype.kind in "fc" else get_default_dtype().np
