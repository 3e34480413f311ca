"""What the compiler knows of the callables it meets, for every pass that asks.

* *fresh results*: the result of ``np.zeros(...)``, a ufunc, ``x.copy()`` or a ``math``
  function never shares memory with an argument (``alias.py``: such a value is the function's
  own, and may be written in place);
* *shape-only reads*: ``unbroadcast(g, x)`` reads ``x`` only for its type, shape and dtype, so
  backward code may keep a memoryless witness of ``x`` instead of ``x`` (``ad/transport.py``,
  and the Tensor facade, which then saves no tensor). Runtime helpers declare theirs with
  ``runtime.reads_shape_of``; numpy's are listed here.
"""
from __future__ import annotations

import numpy as np

from .. import runtime, runtime_adjoints

#: callables whose result never shares memory with an argument
FRESH_CALLS = {
    np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like, np.empty_like,
    np.full_like, np.array, np.copy, np.stack, np.concatenate, np.hstack, np.vstack,
    np.dot, np.matmul, np.sum, np.mean, np.prod, np.max, np.min, np.var, np.std, np.where,
    np.cumsum, np.cumprod, np.outer, np.einsum, np.tensordot, np.kron, np.arange,
    np.linspace, np.eye, np.tile, np.repeat, np.sort, np.clip, np.pad, np.diff,
    np.append, np.insert, np.delete, np.take, np.roll, np.triu, np.tril, np.cross,
    np.inner, np.vdot, np.trace, np.average, np.median, np.percentile, np.quantile,
    np.convolve, np.correlate, np.interp, np.trapezoid, np.argsort, np.argmax, np.argmin,
    np.column_stack, np.polyval, np.searchsorted, np.unique, np.histogram,
    runtime.zeros_like, runtime.with_item, runtime.subscript_adjoint,
    runtime_adjoints.zero_adjoint,
    runtime_adjoints.item_adjoint, runtime_adjoints.unpack_adjoint,
    runtime_adjoints.sparse_adjoint, runtime_adjoints.witness,
    len, float, int, bool, range, abs, round,
}

#: callables whose result is a new object or one of the items of an argument (never the
#: argument itself, nor a view of it): argument position
FRESH_OR_ITEM = {runtime_adjoints.written_adjoint: 0}

#: ndarray methods that always make a new array (``astype`` unless told ``copy=``)
_FRESH_METHODS = frozenset(("copy", "flatten", "astype", "tolist", "sum", "mean", "prod",
                            "max", "min", "std", "var", "cumsum", "cumprod", "dot", "round",
                            "clip", "repeat", "take", "argmax", "argmin", "argsort", "trace",
                            "all", "any", "nonzero"))

#: numpy functions (and len) that read their arguments at these positions only for shape
_SHAPE_READS = {np.shape: (0,), np.ndim: (0,), np.size: (0,), len: (0,),
                np.zeros_like: (0,), np.ones_like: (0,), np.empty_like: (0,)}
SHAPE_ATTRIBUTES = frozenset(("shape", "ndim", "size", "dtype"))


def hashable(obj) -> bool:
    """Whether ``obj`` can be looked up in a table (some callables cannot)."""
    try:
        hash(obj)
    except TypeError:
        return False
    return True


def twin(op):
    """The in-place twin of a pure runtime helper ``op`` calls (``cleared_adjoint`` ->
    ``clear_item``): it computes the same value, reusing the first argument's memory when it
    can; the compiler calls it where nothing reads that argument afterwards. None if none."""
    if op.kind != "call" or op.method is not None:
        return None
    return getattr(op.prim, "in_place", None)


def elementwise(prim) -> bool:
    """Whether ``prim`` is an elementwise ufunc (broadcasting its operands). ``np.matmul`` is
    a ufunc too, but a generalized one (its signature ``(n?,k),(k,m?)->(n?,m?)``)."""
    return isinstance(prim, np.ufunc) and prim.signature is None


def fresh_call(op) -> bool:
    """Whether the call ``op`` surely makes a new object."""
    if op.method in _FRESH_METHODS:
        return op.method != "astype" or not any(k == "copy" for k, _ in op.kwargs)
    prim = op.prim
    if isinstance(prim, np.ufunc) or getattr(prim, "__module__", None) == "math":
        return True  # (a ufunc writes a new array unless given out=; math makes new numbers)
    try:
        return prim in FRESH_CALLS
    except TypeError:
        return False


def shape_only_arguments(prim) -> tuple:
    """The argument positions ``prim`` reads only for type, shape and dtype."""
    try:
        known = _SHAPE_READS.get(prim)
    except TypeError:
        return ()
    return known if known is not None else getattr(prim, "shape_only", ())


def shape_only_operands(op) -> tuple:
    """The operand positions of ``op`` (an IR operation) read only for type, shape and dtype."""
    if op.kind == "call" and op.fn is None and op.method is None:
        return shape_only_arguments(op.prim)
    if op.kind == "getattr" and op.prim in SHAPE_ATTRIBUTES:
        return (0,)
    if op.kind == "append" and op.method == "shapes":
        return (1,)  # (a push on a ShapeStack keeps a witness of the value)
    return ()
