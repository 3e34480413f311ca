"""Products: ``@`` (mm, mv, dot, batched), ``bmm``, ``addmm``, ``outer``, ``einsum``.

The operands of a product must share a dtype, and its shapes must fit, as PyTorch checks
(with PyTorch's messages). ``matmul`` records PyTorch's node for each case of ranks.
"""
from __future__ import annotations

import numpy as np

from ..rules import tensor_ops
from . import dtypes
from .dispatch import record, relabel
from .tensor import Tensor


def _dtype_name(t) -> str:
    return t.dtype.tensor_type[:-6]


def _same_dtype(a, b, message) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(message.format(a=_dtype_name(a), b=_dtype_name(b)))


def _as_tensor(value):
    return value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value))


def mm(input, mat2):
    if input.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied "
                           f"({input.shape[0]}x{input.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype(input, mat2, "expected m1 and m2 to have the same dtype, but got: {a} != {b}")
    return record(np.matmul, (input, mat2), name="MmBackward0")


def mv(input, vec):
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    _same_dtype(input, vec, "addmv input tensors must have the same dtype, but got {b}, {a}, "
                            "and {b}")
    return record(np.matmul, (input, vec), name="MvBackward0")


def dot(input, other):
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D "
                           "tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    _same_dtype(input, other, "dot : expected both vectors to have same dtype, but found {a} "
                              "and {b}")
    return record(np.matmul, (input, other), name="DotBackward0")


def inner(input, other):
    """Sum of products over the last dimensions (1-D: the dot product)."""
    if input.dim() == 1 and other.dim() == 1:
        return relabel(dot(input, other), "ViewBackward0")
    return record(np.inner, (input, other), name="InnerBackward0")


def vdot(input, other):
    return relabel(dot(input, other), "VdotBackward0")


def matmul(input, other):
    """``@`` with PyTorch's cases: mm, mv, dot, vector @ matrix, and batches."""
    input, other = _as_tensor(input), _as_tensor(other)
    a, b = input.dim(), other.dim()
    if a == 0 or b == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a}D "
                           f"and {b}D")
    if a == 2 and b == 2:
        return mm(input, other)
    if a == 2 and b == 1:
        return mv(input, other)
    if a == 1 and b == 1:
        return dot(input, other)
    if a == 1 and b == 2:
        if input.shape[0] != other.shape[0]:
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied "
                               f"(1x{input.shape[0]} and {other.shape[0]}x{other.shape[1]})")
        return record(np.squeeze, (mm(input.unsqueeze(0), other), 0), name="SqueezeBackward4",
                      view=True)
    if input.shape[-1] != other.shape[-2 if b > 1 else 0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"{[input.shape[0], input.shape[-1]]} but got: "
                           f"{[other.shape[0], other.shape[-2 if b > 1 else 0]]}.")
    _same_dtype(input, other, "expected m1 and m2 to have the same dtype, but got: {a} != {b}")
    return record(np.matmul, (input, other), name="UnsafeViewBackward0")


def rmatmul(input, other):
    return matmul(other, input)


def bmm(input, mat2):
    if input.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input.shape[0]}, {input.shape[2]}] but got: "
                           f"[{mat2.shape[0]}, {mat2.shape[1]}].")
    _same_dtype(input, mat2, "expected scalar type {a} but found {b}")
    return record(np.matmul, (input, mat2), name="BmmBackward0")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` in one node (``nn.Linear``'s product)."""
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied "
                           f"({mat1.shape[0]}x{mat1.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    _same_dtype(mat1, mat2, "expected m1 and m2 to have the same dtype, but got: {a} != {b}")
    return record(tensor_ops.addmm, (input, mat1, mat2, beta, alpha), name="AddmmBackward0",
                  edges=(0, 1, 2), dtype=mat1._data.dtype, cast_args=(0,))


def outer(input, vec2):
    """``input[:, None] * vec2`` (PyTorch computes it so: ``MulBackward0``)."""
    return input.unsqueeze(1) * vec2


ger = outer


def einsum(equation, *operands):
    """Einstein summation; one node with the rule of ``np.einsum``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    dtype = dtypes.result_type(*operands)
    operands = tuple(t if t._data.dtype == dtype else t.to(dtype) for t in operands)
    return record(np.einsum, (equation, *operands), name="EinsumBackward0",
                  edges=tuple(range(1, len(operands) + 1)))


def tensordot(a, b, dims=2):
    return record(np.tensordot, (a, b, dims), name="TensordotBackward0", edges=(0, 1))


def kron(input, other):
    return record(np.kron, (input, other), name="KronBackward0")


def cross(input, other, dim=None):
    axis = -1 if dim is None else dim
    return record(np.cross, (input, other), {"axis": axis}, name="LinalgCrossBackward0")
