"""Arithmetic written over a dead temporary instead of into a new array (peak memory).

The compiler (``passes/inplace.py``) rewrites ``dy = g * y`` into ``dy = into(g, np.multiply, g,
y)`` when ``g`` is a local that nothing reads afterwards. Whether writing over ``g`` is safe is
decided here, at run time, from facts the compiler cannot know: ``into`` writes in place only if

* ``g`` is a plain ``ndarray`` of at least ``MIN_BYTES`` (below that a new array is cheap and
  numpy's own temporary elision makes the same choice), of a floating dtype, writeable, owning
  its memory (not a view of something else);
* nothing but the calling function refers to ``g``: its reference count is exactly that of a
  local passed to ``into`` (plus its occurrences among the operands), and no weak reference
  points to it. A view of ``g``, a stack, a tape or an alias would hold another reference;
* every operand is ``g`` itself, an ``ndarray`` of ``g``'s dtype that broadcasts to ``g``'s
  shape, or a Python ``float``/``int`` (NumPy 2 keeps the array's dtype for those), and one of
  them has ``g``'s shape: the result has exactly ``g``'s dtype and shape.

Otherwise it computes the operation as the operator does, into a new array. The values are the
same either way: a ufunc's ``out=`` changes where the result goes, not how it is computed.
"""
from __future__ import annotations

import sys
import weakref

import numpy as np

MIN_BYTES = 256 * 1024  # numpy's threshold for eliding temporaries (NPY_MIN_ELIDE_BYTES)

_ndarray = np.ndarray
_add, _subtract, _multiply, _divide, _negative = (np.add, np.subtract, np.multiply, np.divide,
                                                  np.negative)
_UNARY = object()  # the absent second operand of ``-a``


def into(buf, ufunc, a, b=_UNARY):
    """``ufunc(a, b)`` (or ``ufunc(a)``), written over ``buf`` when the caller no longer needs it.

    Otherwise the operator the user wrote computes it, so Python numbers keep Python semantics
    (``1.0 / 0.0`` raises, as it did). Small arrays take that path at once: it must stay cheap.
    """
    if type(buf) is _ndarray and buf.nbytes >= MIN_BYTES:
        occurrences = _fits(buf, a, b)
        if occurrences >= 0 and \
                sys.getrefcount(buf) == _EXCLUSIVE + occurrences * _PER_OPERAND:
            return ufunc(a, out=buf) if b is _UNARY else ufunc(a, b, out=buf)
    if ufunc is _multiply:
        return a * b
    if ufunc is _add:
        return a + b
    if ufunc is _subtract:
        return a - b
    if ufunc is _divide:
        return a / b
    if ufunc is _negative:
        return -a
    raise ValueError(f"into() applies + - * / and unary -, not {ufunc!r}")


def _fits(buf, a, b) -> int:
    """How often ``buf`` is among the operands, or -1 if the result may not be written over it.

    The reference count is checked by the caller: this function's own parameter would count.
    """
    if _EXCLUSIVE is None or buf.base is not None or not buf.flags.writeable or \
            weakref.getweakrefcount(buf):  # a weak reference (a cache) is not counted
        return -1
    dtype, shape = buf.dtype, buf.shape
    if dtype.kind != "f" or not shape:  # a 0-d result is a numpy scalar, not an array
        return -1
    occurrences = 0
    full = False
    for operand in (a,) if b is _UNARY else (a, b):
        if operand is buf:
            occurrences += 1
            full = True
        elif type(operand) is _ndarray:
            if operand.dtype != dtype or not _broadcasts_to(operand.shape, shape):
                return -1
            full = full or operand.shape == shape
        elif type(operand) is not float and type(operand) is not int:
            return -1
    return occurrences if full else -1


def _broadcasts_to(small, shape) -> bool:
    if len(small) > len(shape):
        return False
    return all(a == b or a == 1 for a, b in zip(reversed(small), reversed(shape)))


def _references(buf, ufunc, a, b=_UNARY):
    """The reference count ``into`` sees (same signature, so the same frame layout)."""
    return sys.getrefcount(buf)


def _exclusive_count():
    """The count of a local that nothing else refers to, measured as generated code calls into,
    and how much each occurrence of it among the operands adds.

    Generated code reads ``into`` from a closure cell and passes a local: the probe does the
    same. A held reference must add one; if the interpreter does not count that way (an
    implementation without reference counts, a free-threaded build), nothing is written in place.
    """
    if sys.implementation.name != "cpython" or not getattr(sys, "_is_gil_enabled",
                                                           lambda: True)():
        return None, 0
    references = _references

    def probe():
        buf = np.empty(1)
        alone = references(buf, None, 1.0)
        # each time buf is also an operand it is counted again: once on 3.11+, twice on 3.10
        # (the caller's stack and the parameter)
        per_operand = references(buf, None, buf, 1.0) - alone
        if references(buf, None, buf, buf) - alone != 2 * per_operand or per_operand < 1:
            return None, 0
        held = [buf]
        shared = references(buf, None, 1.0)
        del held
        return (alone, per_operand) if shared == alone + 1 else (None, 0)

    return probe()


_EXCLUSIVE, _PER_OPERAND = _exclusive_count()

__all__ = ["MIN_BYTES", "into"]
