"""Which values are surely floats (a Python float, a numpy float scalar or a float array),
and which are surely numbers that are not booleans.

The simplifier may only drop ``1.0 *`` or ``+ 0.0`` from a value that is a float already:
``1.0 * mask`` of a boolean mask is a float array, and two masks add as ``True``; in the
forward sweep ``x * 1.0`` of an integer array is a float array the user may write 0.5 into. A
value is a float if it is a float literal, the seed of the backward sweep, a true division,
arithmetic with a float operand, a float-valued ``math`` function or ufunc, or one of the
float-preserving functions of a float. In the backward sweep the same identities may drop
``1.0 *`` from an integer too (*numeric*: a differentiated argument, or arithmetic on numbers
that are not booleans): what it computes only adds into adjoints, which end as floats.
"""
from __future__ import annotations

import math

import gast
import numpy as np

from .. import runtime, runtime_adjoints
from ..ir import walk
from ..ir.core import Const, If, Op

_ARITHMETIC = (gast.Add, gast.Sub, gast.Mult, gast.Pow, gast.Mod)
_INTEGER_MATH = {math.floor, math.ceil, math.trunc, math.comb, math.perm, math.gcd,
                 math.isqrt, math.factorial, getattr(math, "lcm", None)}
#: helpers whose result is a float when their first argument is
_KEEPS_FIRST = {runtime.unbroadcast, runtime.expand_to, runtime.mask_mul,
                runtime_adjoints.add_adjoints}
_ALWAYS = {runtime.as_gradient, runtime_adjoints.zero_adjoint, runtime.zeros_like,
           runtime_adjoints.with_item_adjoint, runtime_adjoints.item_adjoint}


def float_values(function, numbers=()) -> set:
    """The values surely floats; ``numbers``: values known to be numbers (not booleans), so a
    ufunc that makes floats of integers (``np.tanh``) makes a float of them."""
    floats: set = set()
    numbers = set(numbers)
    for _ in range(10):
        before = len(floats)
        _block(function.body, floats, numbers)
        if len(floats) == before:
            break
    return floats


def numeric_values(function, numbers) -> set:
    """Values surely numbers or numeric arrays, not booleans, given ``numbers`` (Vars known to
    be such: the differentiated arguments) and the floats."""
    numeric = set(numbers) | float_values(function, numbers)
    for _ in range(10):
        before = len(numeric)
        for stmt in walk.statements(function.body):
            # (numpy promotes: arithmetic with one number that is not a boolean makes one)
            if stmt.__class__ is Op and len(stmt.outs) == 1 and stmt.kind in ("binop", "unary") \
                    and stmt.prim in (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.USub,
                                      gast.MatMult, gast.Pow) and \
                    any(_is_number(a, numeric) for a in stmt.args):
                numeric.add(stmt.outs[0])
        if len(numeric) == before:
            break
    return numeric


def _is_number(atom, numeric) -> bool:
    if atom.__class__ is Const:
        return type(atom.value) in (int, float)
    return atom in numeric


def _is_float(atom, floats) -> bool:
    if atom.__class__ is Const:
        return type(atom.value) is float
    return atom in floats


def _block(block, floats, numbers) -> None:
    for stmt in walk.statements(block):
        if stmt.__class__ is Op:
            if len(stmt.outs) == 1 and _op(stmt, floats, numbers):
                floats.add(stmt.outs[0])
        elif stmt.__class__ is If:
            for out, a, b in zip(stmt.outs, stmt.then.yields, stmt.orelse.yields):
                if _is_float(a, floats) and _is_float(b, floats):
                    floats.add(out)
        else:
            for p, init, y, out in zip(stmt.params, stmt.inits, stmt.body.yields, stmt.outs):
                if _is_float(init, floats) and (_is_float(y, floats) or y is p):
                    floats.add(p)
                    floats.add(out)


def _op(op, floats, numbers) -> bool:
    kind, args = op.kind, op.args
    if kind in ("binop", "augop"):
        if op.prim is gast.Div:
            return True
        if issubclass(op.prim, _ARITHMETIC):
            return any(_is_float(a, floats) for a in args)
        return False
    if kind == "unary":
        return op.prim in (gast.USub, gast.UAdd) and _is_float(args[0], floats)
    if kind != "call" or op.prim is None:
        return False
    prim = op.prim
    try:
        if prim in _ALWAYS:
            return True
        if prim in _KEEPS_FIRST:
            return bool(args) and _is_float(args[0], floats)
    except TypeError:
        return False
    if getattr(prim, "__module__", None) == "math":
        return prim not in _INTEGER_MATH
    if isinstance(prim, np.ufunc):
        if len(args) != prim.nin:
            return False
        if all(_float_ufunc(prim, t) for t in ("?", "i8", "f8")):
            return True  # (np.cos of anything is a float)
        if all(_is_float(a, floats) for a in args):
            return _float_ufunc(prim, "f8")
        return all(_is_float(a, floats) or _is_number(a, numbers) for a in args) and \
            _float_ufunc(prim, "i8")
    try:
        return prim in _NUMPY_KEEPS_FIRST and bool(args) and _is_float(args[0], floats)
    except TypeError:
        return False


_NUMPY_KEEPS_FIRST = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.cumsum,
                      np.cumprod, np.transpose, np.reshape, np.squeeze, np.expand_dims,
                      np.broadcast_to, np.ravel, np.dot, np.matmul, np.outer, np.copy}
_UFUNC_FLOAT: dict = {}


def _float_ufunc(ufunc, dtype: str) -> bool:
    """Whether ``ufunc`` of ``dtype`` inputs gives floats (np.sin of float64 does, np.greater
    does not; np.tanh of int64 does, np.negative does not)."""
    known = _UFUNC_FLOAT.get((ufunc, dtype))
    if known is None:
        try:
            dtypes = ufunc.resolve_dtypes((np.dtype(dtype),) * ufunc.nin + (None,) * ufunc.nout)
            known = all(np.dtype(d).kind == "f" for d in dtypes[ufunc.nin:])
        except (TypeError, ValueError, AttributeError):
            known = False
        _UFUNC_FLOAT[(ufunc, dtype)] = known
    return known


__all__ = ["float_values"]
