"""Reuse of dying temporaries: ``c = a * b`` becomes ``a *= b`` where that changes nothing
but memory traffic.

A large elementwise chain (``np.exp(np.sin(x) * np.cos(x)) / (1 + x ** 2)``) and its
gradient allocate a new array per operation; an expert writes the same arithmetic over arrays
that are not needed any more. Here the arithmetic operation ``c = a <op> b`` (``+ - * / **``)
becomes the update ``a <op>= b`` when, for this specialization,

* ``c`` is a float array of at least ``avals.BIG`` numbers (below that a new array is the
  cheaper one: numpy's in-place call costs more than an allocation from its cache);
* ``a`` has exactly ``c``'s shape and dtype -- its abstract value equals ``c``'s, and ``c`` is
  ``a`` broadcast with ``b``, so equal length-1 axes mean equal shapes;
* ``a`` is an array this function made (not an argument, not a view of one: ``alias.Storage``)
  and neither ``a`` nor anything sharing its memory is read after the operation.

For ``+`` and ``*`` the right operand may be the one reused (``b + a`` is ``a + b`` exactly in
IEEE arithmetic). The update is an ``augop`` of the IR; ``alias.in_place`` and the names pass
then print it as ``a *= b`` (or, should the names not allow it, as the copy it stands for).
Only specialized code is rewritten: the general code does not know shapes or dtypes.

The large arrays the function made are also marked for *release* (``Function.release``): the
printed code deletes each name right after its last read in the function's top-level block
(``del sin``), so numpy can hand the memory to the next array instead of keeping every
intermediate alive until the function returns.
"""
from __future__ import annotations

import gast

from ..ir import walk
from ..ir.alias import Storage
from ..ir.core import Op, Var
from ..ir.positions import Positions
from .infer import aval_of, infer

_UPDATES = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)
_COMMUTATIVE = (gast.Add, gast.Mult)


def reuse(function, params: dict, kinds=None, rounds: int = 4) -> int:
    """Rewrite ``function`` in place; ``params``: parameter -> abstract value. Returns the
    number of operations that became updates."""
    total = 0
    for _ in range(rounds):  # (a rewrite changes what shares memory: decide again)
        avals = infer(function, params)
        storage = Storage(function, kinds)
        positions = Positions(function)
        used: set = set()
        count = 0
        for op in walk.statements(function.body):
            if op.__class__ is Op and op.kind == "binop" and op.prim in _UPDATES and \
                    len(op.outs) == 1:
                target = _dying_operand(op, avals, storage, positions)
                if target is not None and target not in used and op.outs[0] not in used:
                    used.update((target, op.outs[0]))
                    other = op.args[1] if op.args[0] is target else op.args[0]
                    op.kind, op.args = "augop", [target, other]
                    count += 1
        total += count
        if not count:
            break
    # what is still large and this function's own is given back after its last read
    avals = infer(function, params)
    storage = Storage(function, kinds)
    function.release = {v for v in walk.defined_in(function.body)
                        if aval_of(v, avals).big and storage.owned(v)}
    return total


def _dying_operand(op, avals, storage, positions):
    out = aval_of(op.outs[0], avals)
    if out.kind != "array" or not out.big or out.dtype is None or out.dtype.kind != "f" or \
            out.ones is None:
        return None
    candidates = op.args if op.prim in _COMMUTATIVE else op.args[:1]
    for a in candidates:
        if a.__class__ is not Var or aval_of(a, avals) != out or op.args.count(a) != 1:
            continue
        if not storage.owned(a) or positions.read_after(a, op):
            continue
        if any(other is not a and other not in op.outs and positions.exists_at(other, op) and
               positions.read_after(other, op) for other in storage.sharing(a)):
            continue
        return a
    return None
