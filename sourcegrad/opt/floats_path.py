"""The code for Python floats: ``math`` in place of numpy where the answer is the same.

A numpy ufunc on a Python float makes a 0-d array and a numpy scalar -- about ten times the cost
of ``math.sin`` on a float. For a specialization whose values are Python numbers, each ufunc call
on numbers becomes its ``math`` twin, but only a twin that gives *bit for bit* numpy's answer on
this machine: each pair is checked once, on a spread of values and the special ones (numpy may
use its own vectorized routines where the C library differs). ``x ** y`` of floats becomes
``math.pow`` unless ``y`` is an integer literal: Python's ``**`` of a negative float and a
fraction is a complex number, where numpy answers nan.

``math`` raises where numpy answers inf or nan (``math.log(0.0)``, ``math.exp(1e3)``, a
division by a float zero): the specialization then runs as ``try: <floats> except
(ArithmeticError, ValueError): <numpy>`` (``backend/dispatch.py``), so every answer is numpy's.
Only a function of float64 numbers whose every operation treats a Python number and a numpy
scalar alike gets a floats version (``numbers_only``); it may then also run twice harmlessly.
"""
from __future__ import annotations

import math

import gast
import numpy as np

from ..ir import walk
from ..ir.callees import elementwise, hashable
from ..ir.core import Const, Op, Var
from ..rules import lookup
from ..rules.binding import bind
from .infer import aval_of, infer

_NAMES = {  # numpy ufunc -> the name of its math function (math.cbrt is Python 3.11+)
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "asin", "arccos": "acos",
    "arctan": "atan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "arcsinh": "asinh",
    "arctanh": "atanh", "exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p",
    "log2": "log2", "log10": "log10", "sqrt": "sqrt", "cbrt": "cbrt", "arctan2": "atan2",
    "hypot": "hypot", "fabs": "fabs",
}
_CANDIDATES = {getattr(np, u): getattr(math, m) for u, m in _NAMES.items() if hasattr(math, m)}
_twins: dict | None = None


def twins() -> dict:
    """numpy ufunc -> its ``math`` twin, for the pairs that agree exactly on this machine."""
    global _twins
    if _twins is None:
        _twins = {np_fn: m for np_fn, m in _CANDIDATES.items() if _agrees(np_fn, m)}
    return _twins


def _agrees(np_fn, math_fn) -> bool:
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.uniform(-10.0, 10.0, 400), rng.uniform(-1.0, 1.0, 300),
                             10.0 ** rng.uniform(-8.0, 3.0, 300),
                             [0.0, -0.0, 0.5, 1.0, -1.0, 2.0, math.pi, 1e-300, 700.0]])
    with np.errstate(all="ignore"):
        for k, v in enumerate(values.tolist()):
            args = (v,) if np_fn.nin == 1 else (v, values[(k * 7 + 3) % len(values)].item())
            try:
                mine = math_fn(*args)
            except (ArithmeticError, ValueError):
                continue  # (outside the domain: the fallback to numpy answers there)
            theirs = float(np_fn(*args))
            if not (mine == theirs or (math.isnan(mine) and math.isnan(theirs))) or \
                    math.copysign(1.0, mine) != math.copysign(1.0, theirs):
                return False
    return True


def to_floats(function, params: dict, rounds: int = 8) -> bool:
    """Rewrite ``function`` (a specialization) for Python floats, in place: numpy calls on
    numbers to their ``math`` twins, ``**`` of floats to ``math.pow``. True if it changed."""
    if not numbers_only(function, params):
        return False
    table = twins()
    changed = False
    for _ in range(rounds):
        avals = infer(function, params)
        count = 0
        for op in walk.statements(function.body):
            if op.__class__ is not Op or len(op.outs) != 1:
                continue
            numbers = all(_number(aval_of(a, avals)) for a in op.args)
            if not numbers or op.kwargs:
                continue
            if op.kind == "call" and op.method is None and _twin(op.prim, table) is not None:
                twin = _twin(op.prim, table)
                op.prim, op.fn = twin, None
                op.binding = _bind(twin, len(op.args))
                count += 1
            elif op.kind == "binop" and op.prim is gast.Pow and not _integer(op.args[1]):
                op.kind, op.prim, op.fn = "call", math.pow, None
                op.binding = _bind(math.pow, 2)
                count += 1
        changed |= bool(count)
        if not count:
            break
    return changed


def keep_result_types(fast, fast_params: dict, original, params: dict) -> bool:
    """Give ``fast``'s results the types ``original`` returns: where the numpy code returns a
    numpy scalar (``np.sin`` of a float is an ``np.float64``), the floats version converts its
    Python number to that type, so both paths return the same objects. False (``fast`` is
    not to be used) when a result's type depends on the path the numpy code takes (a loop's
    value that is the Python argument before the first iteration, a numpy scalar after)."""
    fast_avals, avals = infer(fast, fast_params), infer(original, params)
    fast_defs, defs = _tuples(fast.body), _tuples(original.body)

    def leaf(fast_atom, atom):
        """``fast_atom`` converted; a tuple of results is built anew at the end, after the
        conversions of its items."""
        if fast_atom in fast_defs and atom in defs:
            items = [leaf(a, b) for a, b in zip(fast_defs[fast_atom].args, defs[atom].args)]
            if items == fast_defs[fast_atom].args:
                return fast_atom
            out = Var(fast_atom.hint)
            converts.append(Op([out], "tuple", None, items))
            return out
        want = aval_of(atom, avals)
        if want.kind == "number":
            unknown.append(atom)
        elif want.kind == "scalar" and aval_of(fast_atom, fast_avals).kind in ("float", "int"):
            out = Var(getattr(fast_atom, "hint", "result"))
            converts.append(Op([out], "call", want.dtype.type, [fast_atom]))
            return out
        return fast_atom

    converts, unknown = [], []
    fast.body.yields = [leaf(a, b) for a, b in zip(fast.body.yields, original.body.yields)]
    fast.body.stmts.extend(converts)
    return not unknown


def _tuples(block) -> dict:
    return {s.outs[0]: s for s in block.stmts if s.__class__ is Op and s.kind == "tuple"}


def numbers_only(function, params: dict) -> bool:
    """Whether ``function`` computes with float64 and int64 numbers only, by operations that
    treat a Python number and a numpy scalar alike, and may run twice (the fallback runs it
    again). A numpy scalar differs from a float as a method's receiver (``t.clip(...)``), an
    attribute's owner, an argument of an unknown function, and next to a float32 value (NEP
    50: a float64 scalar promotes it, a Python float does not) -- none of them may appear."""
    avals = infer(function, params)
    for op in walk.statements(function.body):
        if op.__class__ is not Op:
            continue
        if op.kind not in _SAME_FOR_NUMBERS and not (op.kind == "call" and _numeric_call(op)):
            return False
        for out in op.outs:
            aval = avals.get(out)
            if aval is None or aval.kind == "array" or \
                    (aval.dtype is not None and aval.dtype not in _DTYPES):
                return False
    return True


#: operations that work alike on Python numbers and numpy scalars (and on the stacks of a
#: loop's gradient)
_SAME_FOR_NUMBERS = frozenset(("binop", "unary", "compare", "augop", "tuple", "list",
                               "unpack", "append", "pop", "comment", "assert"))
_DTYPES = (np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_))
_BUILTINS = frozenset((abs, min, max, float, int, round, bool))


def _numeric_call(op) -> bool:
    if op.method is not None or op.prim is None:
        return False
    module = getattr(op.prim, "__module__", None) or ""
    if module == "math" or module.startswith("sourcegrad.runtime"):
        return True
    return hashable(op.prim) and (op.prim in _BUILTINS or elementwise(op.prim))


def _number(aval) -> bool:
    """A Python number, or a numpy scalar of the dtype Python's numbers compute in (a float32
    scalar would be computed in float64 by ``math``: not the same answer)."""
    if aval.kind in ("float", "int"):
        return True
    return aval.kind in ("scalar", "number") and aval.dtype in (np.dtype(np.float64), np.dtype(np.int64))


def _twin(prim, table):
    try:
        return table.get(prim)
    except TypeError:
        return None


def _integer(atom) -> bool:
    return atom.__class__ is Const and type(atom.value) is int


def _bind(fn, n):
    rule = lookup(fn)
    return bind(rule, n, ()) if rule is not None else None


__all__ = ["keep_result_types", "numbers_only", "to_floats", "twins"]
