"""Common subexpressions, and shapes read from the earliest value that has them (run by
``simplify.py`` in each of its rounds).

* an operation computed twice on the same operands is computed once: pure operations only,
  never two allocations (two ``np.zeros(n)`` are two arrays to write into), within the blocks the
  first one dominates;
* a helper that reads only an argument's shape reads it from the earliest value with that shape
  (``shapes.py`` proves shapes equal), so nothing is computed, or kept alive, only for a shape.
"""
from __future__ import annotations

import numpy as np

from .. import runtime, runtime_adjoints
from ..ir import walk
from ..ir.callees import hashable
from ..ir.core import Block, Const, Op, Var
from ..runtime_flow import ShapeStack

# -- shapes read from the earliest value that has them --------------------------------------------

#: helpers that read one argument only for its shape (the seed also for its dtype, and for
#: complex values: none can reach it, because every array argument that meets a differentiated
#: value is checked to be real when the gradient starts)
_SHAPE_ARGUMENT = {runtime.unbroadcast: 1, runtime.expand_to: 1, runtime.reduced_count: 0,
                   runtime.seed: 0}


def canonical_shapes(function, shapes) -> bool:
    """Where a helper reads only an argument's shape (``unbroadcast(g, x)``), read it from the
    earliest value with that shape -- a parameter, or a top-level value computed before -- so
    no value is computed, or kept alive, only for its shape."""
    earliest: dict = {}
    for p in function.params:
        earliest.setdefault(shapes.key(p), (-1, p))
    changed = False
    for position, stmt in enumerate(function.body.stmts):
        ops = [stmt] if stmt.__class__ is Op else \
            [s for s in walk.statements(Block([stmt], [])) if s.__class__ is Op]
        for op in ops:
            if op.kind != "call" or op.fn is not None or not hashable(op.prim):
                continue
            index = _SHAPE_ARGUMENT.get(op.prim)
            if index is None or index >= len(op.args) or op.args[index].__class__ is not Var:
                continue
            best = earliest.get(shapes.key(op.args[index]))
            if best is not None and best[1] is not op.args[index] and best[0] < position:
                op.args[index] = best[1]
                changed = True
        if stmt.__class__ is Op:
            for out in stmt.outs:
                earliest.setdefault(shapes.key(out), (position, out))
    return changed


# -- common subexpressions -------------------------------------------------------------------------

_NEVER_SHARED = frozenset(("user", "opaque", "assert", "comment", "setitem", "augop", "append",
                           "extend", "pop", "list", "dict"))


#: calls that make a new object to be written into: two of them are never one
_ALLOCATORS = {np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like, np.empty_like,
               np.full_like, np.array, np.copy, ShapeStack, runtime.with_item,
               runtime_adjoints.zero_adjoint, runtime_adjoints.cleared_adjoint, list, dict}


def _signature(op):
    if not op.pure or op.kind in _NEVER_SHARED or len(op.outs) != 1 or op.method == "copy":
        return None
    if op.kind == "call" and hashable(op.prim) and op.prim in _ALLOCATORS:
        return None
    prim = op.prim if hashable(op.prim) else id(op.prim)
    # (np.sin(x) written by the user and by a rule are one computation: the callee decides)
    callee = None if op.prim is not None else (op.fn if isinstance(op.fn, str) else id(op.fn))
    return (op.kind, prim, op.method, callee,
            tuple(_key(a) for a in op.args), tuple((k, _key(a)) for k, a in op.kwargs))


def _key(atom):
    if atom.__class__ is Var:
        return ("var", atom.id)
    if atom.__class__ is Const:
        return ("const", type(atom.value), repr(atom.value))
    return ("atom", repr(atom), id(getattr(atom, "obj", None)))


def cse(block, seen: dict, replaced: dict) -> int:
    """Replace each pure operation that repeats one in scope by the earlier value (recorded
    in ``replaced``); returns how many were replaced."""
    count = 0
    mapping: dict = {}
    kept = []
    for stmt in block.stmts:
        if mapping:
            walk.substitute(Block([stmt], []), mapping)
        if stmt.__class__ is Op:
            sig = _signature(stmt)
            if sig is not None:
                earlier = seen.get(sig)
                if earlier is not None:
                    mapping[stmt.outs[0]] = earlier
                    replaced[stmt.outs[0]] = earlier
                    count += 1
                    continue
                seen[sig] = stmt.outs[0]
        else:
            for inner in stmt.blocks():
                count += cse(inner, dict(seen), replaced)
        kept.append(stmt)
    block.stmts = kept
    if mapping:
        walk.substitute(block, mapping)
    return count


__all__ = ["canonical_shapes", "cse"]
