"""Abstract interpretation: the abstract value (``ir/avals.py``) of every value of a function,
from its arguments' signatures.

Each operation's abstract value follows numpy's own rules: broadcasting of the operands'
length-1 axes, type promotion (with NEP 50's weak Python scalars), the rank rules of ``@``,
reductions with literal axes, basic indexing with literal indices; a ufunc of Python floats
is a numpy scalar, a ``math`` function of anything a Python float. Runtime helpers are known
by what they return (``unbroadcast(g, x)`` has ``x``'s shape). Anything else is unknown, and
code that depends on it keeps its general (run-time) form.
"""
from __future__ import annotations

import math
from dataclasses import replace

import gast
import numpy as np

from .. import runtime, runtime_adjoints, runtime_flow
from ..ir import walk
from ..ir.avals import FLOAT, INT, UNKNOWN, AVal, broadcast, broadcast_ones
from ..ir.callees import elementwise
from ..ir.core import Const, If, Op, Var
from ..markers import stop_gradient

_ARITH = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.Mod, gast.FloorDiv)
_INTEGER_MATH = {math.floor, math.ceil, math.trunc, math.comb, math.perm, math.gcd, math.isqrt,
                 math.factorial}
_REDUCTIONS = {np.sum, np.mean, np.max, np.min, np.prod, np.amax, np.amin, np.var, np.std}
_SHAPE_OF_SECOND = {runtime.unbroadcast, runtime.expand_to, runtime_adjoints.item_adjoint,
                    runtime_adjoints.with_item_adjoint}
_FLOAT_OF_ARGUMENT = {runtime.as_gradient: 1, runtime_adjoints.zero_adjoint: 0,
                      runtime.seed: 0, runtime.zeros_like: 0,
                      runtime_adjoints.written_adjoint: 2}
_CREATORS = {np.zeros, np.ones, np.empty}
#: functions whose result (without keywords) is an array like their first argument
_LIKE = {np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.copy}
#: helpers whose result is like their first argument (an adjoint with entries changed)
_LIKE_FIRST = {runtime_adjoints.cleared_adjoint, runtime_adjoints.clear_item}


def infer(function, params: dict) -> dict:
    """Var -> AVal for every value, given ``params`` (parameter Var -> AVal)."""
    avals = dict(params)
    facts = _Facts(function)
    for _ in range(10):  # loops: iterate to a fixpoint (values only lose precision)
        before = dict(avals)
        _block(function.body, avals, facts)
        if avals == before:
            break
    return avals


class _Facts:
    """What the interpretation reads besides abstract values: which forward value a value
    popped from a stack restores, and each value's definition (an index is read by its
    structure: ``x[:, None]``)."""

    def __init__(self, function):
        self.restores = dict(function.share)
        self.definitions = {s.outs[0]: s for s in walk.statements(function.body)
                            if s.__class__ is Op and len(s.outs) == 1}


def aval_of(atom, avals) -> AVal:
    kind = atom.__class__
    if kind is Var:
        return avals.get(atom, UNKNOWN)
    if kind is Const:
        value = atom.value
        if type(value) is float:
            return FLOAT
        if type(value) is int:
            return INT
        if type(value) is bool:
            return AVal("bool", np.dtype(bool))
        if value is None:
            return AVal("none")
    return UNKNOWN


def join(a: AVal, b: AVal) -> AVal:
    if a == b:
        return a if a.big == b.big else replace(a, big=False)
    if a.rank == 0 and b.rank == 0 and a.kind != b.kind and a.dtype == b.dtype and \
            "array" not in (a.kind, b.kind):
        return AVal("number", a.dtype)  # (a Python float or a numpy float64)
    if a.kind != b.kind or a.dtype != b.dtype:
        return UNKNOWN
    if a.ones is None or b.ones is None or len(a.ones) != len(b.ones):
        return AVal(a.kind, a.dtype, None)
    return AVal(a.kind, a.dtype, tuple(x if x == y else None for x, y in zip(a.ones, b.ones)))


def _block(block, avals, facts) -> None:
    for stmt in block.stmts:
        kind = stmt.__class__
        if kind is Op:
            if len(stmt.outs) == 1:
                avals[stmt.outs[0]] = _op(stmt, avals, facts.definitions)
            else:
                # (a, b = arr unpacks the first axis: each item is arr[i])
                item = _item(aval_of(stmt.args[0], avals), INT) \
                    if stmt.kind == "unpack" and stmt.args else UNKNOWN
                for out in stmt.outs:
                    avals[out] = avals.get(facts.restores[out], UNKNOWN) \
                        if out in facts.restores \
                        else item
        elif kind is If:
            _block(stmt.then, avals, facts)
            _block(stmt.orelse, avals, facts)
            for out, a, b in zip(stmt.outs, stmt.then.yields, stmt.orelse.yields):
                sides = [aval_of(x, avals) for x in (a, b) if x.__class__ is not type(None)]
                avals[out] = join(*sides) if len(sides) == 2 else sides[0]
        else:
            if stmt.index is not None:
                avals[stmt.index] = INT
            for p, init, y in zip(stmt.params, stmt.inits, stmt.body.yields):
                start = aval_of(init, avals)
                avals[p] = join(start, avals[p]) if p in avals else start
            for b in stmt.blocks():
                _block(b, avals, facts)
            for p, y, out in zip(stmt.params, stmt.body.yields, stmt.outs):
                avals[p] = join(avals[p], aval_of(y, avals))
                avals[out] = avals[p]


def _dtype(av: AVal, weak: bool = False):
    """A stand-in numpy's promotion understands: a dtype, or a weak Python scalar (NEP 50).
    A "number" is taken as the Python number (``weak``) or as the numpy scalar."""
    if av.kind == "number" and weak and av.dtype is not None:
        return {"f": 1.0, "i": 1, "b": True}.get(av.dtype.kind, av.dtype)
    if av.kind == "float":
        return 1.0
    if av.kind == "int":
        return 1
    if av.kind == "bool":
        return True
    return av.dtype


def _promote(*avs):
    """The result dtype, or None when unknown -- also when it depends on whether a "number"
    is a Python number (weak) or a numpy scalar (strong): float32 with either."""
    answers = {_result_type([_dtype(a, weak) for a in avs]) for weak in (False, True)}
    return answers.pop() if len(answers) == 1 else None


def _result_type(parts):
    if any(p is None for p in parts):
        return None
    try:
        return np.result_type(*parts)
    except TypeError:
        return None


def _op(op, avals, definitions) -> AVal:
    result = _value(op, avals, definitions)
    if result.kind == "array":
        # an elementwise result is at least as large as each operand; a helper that gives
        # a value another's shape is as large as that one
        sources = _size_sources(op)
        if any(aval_of(a, avals).big for a in sources):
            result = replace(result, big=True)
    return result


def _size_sources(op) -> list:
    kind = op.kind
    if kind in ("unary", "compare") or kind in ("binop", "augop") and op.prim is not gast.MatMult:
        return op.args
    if kind == "call" and op.method is None:
        if elementwise(op.prim):
            return op.args
        try:
            if op.prim in _SHAPE_OF_SECOND or op.prim is runtime.as_gradient:
                return op.args[1:2]
            if op.prim in _FLOAT_OF_ARGUMENT:
                return op.args[_FLOAT_OF_ARGUMENT[op.prim]:][:1]
        except TypeError:
            return []
    return []


def _value(op, avals, definitions) -> AVal:
    kind, args = op.kind, [aval_of(a, avals) for a in op.args]
    if kind == "augop" and len(args) == 2 and args[0].kind == "array" and \
            op.prim is not gast.MatMult:
        return args[0]  # (x += v writes into the array x: its shape and dtype stay)
    if kind in ("binop", "augop") and len(args) == 2:
        return _binary(op.prim, args[0], args[1])
    if kind == "unary":
        a = args[0]
        if op.prim is gast.Not:
            return AVal("bool", np.dtype(bool)) if a.rank == 0 else UNKNOWN
        return a
    if kind == "compare" and len(args) == 2:
        a, b = args
        if a.kind in ("float", "int", "bool") and b.kind in ("float", "int", "bool"):
            return AVal("bool", np.dtype(bool))
        shape = broadcast(a, b)
        return AVal(shape.kind, np.dtype(bool), shape.ones) if shape.known else UNKNOWN
    if kind == "call" and op.method is None and not op.kwargs:
        return _call(op.prim, args, op)
    if kind == "call" and op.method is None:
        return _call_with_keywords(op, args, avals)
    if kind == "call" and op.method == ".T" and args[0].kind == "array" and args[0].ones:
        return AVal("array", args[0].dtype, tuple(reversed(args[0].ones)))
    if kind == "getitem":
        return _item(args[0], args[1]) if args[1].known else \
            _basic_item(args[0], op.args[1], definitions)
    if kind == "setitem" and args[0].kind == "array":
        return args[0]  # (writing items changes no shape or dtype)
    return UNKNOWN


def _basic_item(a: AVal, index, definitions) -> AVal:
    """``a[:, None]``, ``a[None]``, ``a[:]``, ``a[k:k + n]``: slices keep their axis (of a
    length known only for a whole one), ``None`` adds one; other parts are unknown."""
    if a.kind != "array" or a.ones is None or a.dtype is None:
        return UNKNOWN
    op = definitions.get(index)
    parts = op.args if op is not None and op.kind == "tuple" else [index]
    ones, axis = [], 0
    for part in parts:
        if part.__class__ is Const and part.value is None:
            ones.append(True)
            continue
        cut = definitions.get(part)
        if cut is None or cut.kind != "slice" or axis >= len(a.ones):
            return UNKNOWN
        whole = all(x.__class__ is Const and x.value is None for x in cut.args)
        ones.append(a.ones[axis] if whole else None)  # (a part of an axis: any length)
        axis += 1
    return AVal("array", a.dtype, tuple(ones) + a.ones[axis:])


def _item(a: AVal, index: AVal) -> AVal:
    """``a[i]`` for an integer ``i``: the array without its first axis (a numpy scalar from
    a vector). Other indices are not modelled."""
    integer = index.kind == "int" or (index.kind == "scalar" and index.dtype is not None and
                                      index.dtype.kind in "iu")
    if not integer or a.kind != "array" or not a.ones or a.dtype is None:
        return UNKNOWN
    if len(a.ones) == 1:
        return AVal("scalar", a.dtype)
    return AVal("array", a.dtype, a.ones[1:])


def _binary(cls, a: AVal, b: AVal) -> AVal:
    if cls is gast.MatMult:
        return _matmul(a, b)
    if not issubclass(cls, _ARITH):
        return UNKNOWN
    if a.kind in ("float", "int", "bool") and b.kind in ("float", "int", "bool"):
        if cls is gast.Div or "float" in (a.kind, b.kind):
            return FLOAT
        if cls is gast.Pow:
            return UNKNOWN  # (2 ** -1 is 0.5: the sign of the power decides)
        return INT
    shape = broadcast(a, b)
    if not shape.known:
        return UNKNOWN
    dtype = _promote(a, b)
    if dtype is None:  # (the shape is still a fact for an array)
        return AVal("array", None, shape.ones) if shape.kind == "array" else UNKNOWN
    if cls is gast.Div and dtype.kind in "iub":
        dtype = np.dtype(np.float64)
    if shape.kind == "scalar" and "scalar" not in (a.kind, b.kind) and \
            "number" in (a.kind, b.kind):
        return AVal("number", dtype)  # (a Python number with a Python number stays one)
    return AVal(shape.kind, dtype, shape.ones)


def _matmul(a: AVal, b: AVal) -> AVal:
    ra, rb = a.rank, b.rank
    dtype = _promote(a, b)
    if ra is None or rb is None or dtype is None or ra == 0 or rb == 0:
        return UNKNOWN
    if ra == 1 and rb == 1:
        return AVal("scalar", dtype)
    if ra == 1:
        return AVal("array", dtype, b.ones[:-2] + b.ones[-1:])
    if rb == 1:
        return AVal("array", dtype, a.ones[:-1])
    return AVal("array", dtype, broadcast_ones(a.ones[:-2], b.ones[:-2]) +
                (a.ones[-2], b.ones[-1]))


def _call(prim, args, op) -> AVal:
    if prim is np.matmul and len(args) == 2:
        return _matmul(*args)
    if prim is np.where and len(args) == 3:
        return _where(*args)
    if elementwise(prim):
        return _ufunc(prim, args)
    if isinstance(prim, np.ufunc):
        return UNKNOWN  # (another generalized ufunc: np.vecdot, ...)
    if getattr(prim, "__module__", None) == "math":
        try:
            return INT if prim in _INTEGER_MATH else FLOAT
        except TypeError:
            return FLOAT
    try:
        if prim in (runtime.unbroadcast, runtime.expand_to) and len(args) >= 2 and \
                args[1].rank == 0:
            return _to_rank_zero(args[0])
        if prim in _SHAPE_OF_SECOND and len(args) >= 2:
            return _with_shape(args[1], args[0].dtype if args[0].kind != "float" else
                               np.dtype(np.float64), args[0])
        if prim is runtime_adjoints.add_adjoints and len(args) == 2 and \
                all(a.rank is not None for a in args):
            return _binary(gast.Add, *args)  # (two numbers or arrays: a + b)
        if prim in _LIKE and args and args[0].kind == "array":
            return replace(args[0], big=False) if prim is np.full_like else args[0]
        if prim is runtime_flow.sequence and len(args) == 1 and args[0].kind == "array":
            return args[0]  # (a loop over an array walks the array itself)
        if prim is stop_gradient and len(args) == 1:
            return args[0]  # (the value itself)
        if prim is runtime.seed and args and args[0].rank == 0:
            return FLOAT  # (runtime.seed: 1.0 for any one-number output)
        if prim in _LIKE_FIRST and args and args[0].kind == "array":
            return args[0]
        if prim in _CREATORS and len(args) == 1 and args[0].kind == "int":
            return AVal("array", np.dtype(np.float64), (None,))  # (np.zeros(n))
        if prim in _FLOAT_OF_ARGUMENT and len(args) > _FLOAT_OF_ARGUMENT[prim]:
            return _float_like(args[_FLOAT_OF_ARGUMENT[prim]])
        if prim in (runtime.matmul_lhs, runtime.matmul_rhs) and len(args) == 3:
            return _float_like(args[1] if prim is runtime.matmul_lhs else args[2])
        if prim in _REDUCTIONS and len(args) == 1:
            a = args[0]
            if a.kind == "array" or a.rank == 0:
                dtype = a.dtype if a.kind != "float" else np.dtype(np.float64)
                if prim in (np.mean, np.var, np.std) and dtype is not None and \
                        dtype.kind in "iub":
                    dtype = np.dtype(np.float64)
                return AVal("scalar", dtype)
        if prim is np.outer and len(args) == 2 and all(a.rank == 1 for a in args):
            dtype = _promote(*args)
            return AVal("array", dtype, (args[0].ones[0], args[1].ones[0])) if dtype else UNKNOWN
        if prim in (len, int, round, runtime.reduced_count):
            return INT
        if prim is float:
            return FLOAT
    except TypeError:
        return UNKNOWN
    return UNKNOWN


def _call_with_keywords(op, args, avals) -> AVal:
    """Reductions with a literal ``axis`` (and ``keepdims``)."""
    prim = op.prim
    try:
        reduction = prim in _REDUCTIONS
    except TypeError:
        return UNKNOWN
    kwargs = dict(op.kwargs)
    if not reduction or len(args) != 1 or set(kwargs) - {"axis", "keepdims"}:
        return UNKNOWN
    a = args[0]
    axis, keepdims = kwargs.get("axis", Const(None)), kwargs.get("keepdims", Const(False))
    if a.kind != "array" or a.ones is None or axis.__class__ is not Const or \
            keepdims.__class__ is not Const:
        return UNKNOWN
    axes = axis.value
    dtype = a.dtype
    if prim in (np.mean, np.var, np.std) and dtype.kind in "iub":
        dtype = np.dtype(np.float64)
    if axes is None:
        return AVal("array", dtype, (True,) * len(a.ones)) if keepdims.value else \
            AVal("scalar", dtype)
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    n = len(a.ones)
    try:
        axes = {x % n for x in axes}
    except (TypeError, ZeroDivisionError):
        return UNKNOWN
    if keepdims.value:
        return AVal("array", dtype, tuple(True if i in axes else o for i, o in enumerate(a.ones)))
    kept = tuple(o for i, o in enumerate(a.ones) if i not in axes)
    return AVal("array", dtype, kept) if kept else AVal("scalar", dtype)


def _ufunc(ufunc, args) -> AVal:
    if len(args) != ufunc.nin or ufunc.nout != 1:
        return UNKNOWN
    shape = args[0] if len(args) == 1 else broadcast(*args) if len(args) == 2 else UNKNOWN
    if not shape.known:
        return UNKNOWN
    promoted = _promote(*args)
    if promoted is None:
        return UNKNOWN
    try:
        dtypes = ufunc.resolve_dtypes((promoted,) * ufunc.nin + (None,))
    except (TypeError, ValueError):
        return UNKNOWN
    dtype = np.dtype(dtypes[-1])
    if shape.rank == 0:  # a ufunc of scalars (even Python floats) gives a numpy scalar
        return AVal("scalar", dtype)
    return AVal("array", dtype, shape.ones)


def _to_rank_zero(g: AVal) -> AVal:
    """``unbroadcast(g, x)`` or ``expand_to(g, x)`` for a number or 0-d array ``x``: ``g``
    itself when it has rank 0, else ``np.sum(g)`` -- a numpy scalar, not a 0-d array."""
    if g.rank == 0:
        return g
    if g.kind == "array" and g.dtype is not None:
        return AVal("scalar", g.dtype)
    return UNKNOWN


def _where(cond: AVal, a: AVal, b: AVal) -> AVal:
    """``np.where(cond, a, b)``: the broadcast of all three, in the dtype of ``a`` with ``b``
    (always an array: of numbers it is a 0-d one)."""
    shape = broadcast(broadcast(cond, a), b) if cond.rank is not None else UNKNOWN
    if not shape.known:
        return UNKNOWN
    ones = shape.ones if shape.kind == "array" else ()
    return AVal("array", _promote(a, b), ones)


def _with_shape(shape: AVal, dtype, value: AVal) -> AVal:
    if shape.kind == "array":  # (its dtype may be unknown: the shape is still a fact)
        return AVal("array", dtype, shape.ones)
    if shape.rank == 0 and value.rank == 0:
        return value
    return UNKNOWN


def _float_like(av: AVal) -> AVal:
    """What a gradient for a value like ``av`` is: a Python float for a Python number, else
    the value's shape in a float dtype."""
    if av.kind in ("float", "int"):
        return FLOAT
    if av.kind in ("scalar", "array") and av.dtype is not None:
        dtype = av.dtype if av.dtype.kind == "f" else np.dtype(np.float64)
        return AVal(av.kind, dtype, av.ones)
    return UNKNOWN
