"""Abstract values: what is known of a value's type, dtype and shape before it is computed.

A gradient is specialized to the *signature* of its arguments -- for each argument its Python
type, and for arrays its dtype and which axes have length 1 (``ones``). That is exactly what
numpy's broadcasting and type promotion depend on, so from the arguments' signatures the
compiler knows, for every value, whether an ``unbroadcast`` sums anything and over which
axes, which products are of which rank, and what is a Python float. A new batch size reuses
the specialization; a new rank or dtype makes another.

``AVal(kind, dtype, ones)``: ``kind`` is "float", "int" (Python numbers), "scalar" (a numpy
scalar), "number" (one of those two, of ``dtype``: a loop's value that starts as the Python
argument and becomes a numpy result), "array", "none", or "unknown"; ``ones`` is, for an array, one entry per axis: True
(length 1), False (any other length), None (not known) -- or None when the rank is unknown.
``big`` says an array surely holds at least ``BIG`` numbers: there, writing a dying temporary
over (``a *= b``) beats a new array; below, a new array is cheaper (numpy's in-place call
costs more than an allocation from its cache). It is part of the signature, not of equality.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

_ndarray = np.ndarray
_NUMBERS = ("float", "int", "scalar", "number")


@dataclass(frozen=True)
class AVal:
    kind: str
    dtype: object = None
    ones: tuple | None = None
    big: bool = field(default=False, compare=False)

    @property
    def rank(self) -> int | None:
        if self.kind in _NUMBERS:
            return 0
        return None if self.ones is None else len(self.ones)

    @property
    def known(self) -> bool:
        return self.kind != "unknown"

    def shape_known(self) -> bool:
        """Rank and every axis's length-1-ness known (all broadcasting decisions are)."""
        if self.kind in _NUMBERS:
            return True
        return self.kind == "array" and self.ones is not None and None not in self.ones

    def is_float(self) -> bool:
        return self.kind == "float" or (self.dtype is not None and self.dtype.kind == "f")


BIG = 4096  # numbers in an array from which in-place updates pay off
UNKNOWN = AVal("unknown")
FLOAT = AVal("float", np.dtype(np.float64))
INT = AVal("int", np.dtype(np.int64))


def signature_key(value):
    """The fast part of an argument's signature: what the dispatcher hashes on every call."""
    kind = type(value)
    if kind is _ndarray:
        return (value.dtype, value.shape)
    return kind


def of_key(key) -> AVal:
    """The abstract value a signature key stands for."""
    if type(key) is tuple:
        dtype, shape = key
        return AVal("array", dtype, tuple(n == 1 for n in shape), math.prod(shape) >= BIG)
    if key is float:
        return FLOAT
    if key is int:
        return INT
    if key is type(None):
        return AVal("none")
    if isinstance(key, type) and issubclass(key, np.generic):
        return AVal("scalar", np.dtype(key))
    return UNKNOWN


def abstract_key(key):
    """The part of a signature key a specialization depends on (lengths other than 1 do not
    change any decision): two keys with one abstract key share the compiled code."""
    if type(key) is tuple:
        dtype, shape = key
        return (dtype, tuple(n == 1 for n in shape), math.prod(shape) >= BIG)
    return key


def broadcast(a: AVal, b: AVal) -> AVal:
    """The abstract value of an elementwise operation of ``a`` and ``b`` (dtype separately)."""
    ra, rb = a.rank, b.rank
    if ra == 0 and rb == 0:
        return AVal("scalar")
    if ra is None or rb is None:
        return UNKNOWN
    if ra == 0:
        return AVal("array", None, b.ones)
    if rb == 0:
        return AVal("array", None, a.ones)
    return AVal("array", None, broadcast_ones(a.ones, b.ones))


def broadcast_ones(a: tuple, b: tuple) -> tuple:
    """The length-1-ness of each axis of the broadcast of two shapes (right-aligned)."""
    n = max(len(a), len(b))
    left = (True,) * (n - len(a)) + a
    right = (True,) * (n - len(b)) + b
    ones = []
    for x, y in zip(left, right):
        if x is True:
            ones.append(y)
        elif y is True:
            ones.append(x)
        elif x is False or y is False:
            ones.append(False)
        else:
            ones.append(None)
    return tuple(ones)


def same_shape(a: AVal, b: AVal) -> bool:
    """Provably the same shape: both scalars, or arrays whose every axis is known to be 1 in
    both -- or not 1 in both *and* broadcast against each other (see ``Inference``)."""
    if a.rank == 0 and b.rank == 0:
        return True
    return False
