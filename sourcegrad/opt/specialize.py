"""Rewrites that the arguments' signatures make possible (``infer.py`` gives every value's
abstract value): run-time helpers that decide by shape, rank or type become the one operation
they would pick.

* ``unbroadcast(g, x)``: nothing when ``g`` and ``x`` have the same length-1 axes, else the
  sums over exactly the broadcast axes;
* ``matmul_lhs``/``matmul_rhs``: the product for the operands' ranks (``g @ b.T``, ...);
* the checks of the arguments (numeric, real) go where the signature settles them, and the
  seed is 1.0 for a scalar result;
* ``as_gradient(d, x)`` is ``d`` when ``d`` is a fresh array of ``x``'s type, dtype and shape.
"""
from __future__ import annotations

import gast
import numpy as np

from .. import runtime, runtime_adjoints
from ..ir import walk
from ..ir.alias import Storage
from ..ir.build import Builder
from ..ir.callees import fresh_call
from ..ir.core import Const, Op, Var
from ..rules import lookup
from ..rules.binding import bind
from .infer import _float_like, aval_of, infer


class _Context:
    def __init__(self, function, params):
        self.avals = infer(function, params)
        self.counts = walk.use_counts(function.body)
        self.definitions = {s.outs[0]: s for s in walk.statements(function.body)
                            if s.__class__ is Op and len(s.outs) == 1}
        self.mapping: dict = {}  # values that became another atom
        self.gradients = [s for s in walk.statements(function.body) if s.__class__ is Op and
                          s.kind == "call" and s.prim is runtime.as_gradient]
        self.function = function
        self._storage = None

    def storage(self):
        if self._storage is None:
            self._storage = Storage(self.function)
        return self._storage


def specialize(function, params: dict) -> None:
    """Rewrite ``function`` in place for arguments with the abstract values ``params``
    (twice: a rewrite can settle what another one needs to know)."""
    for _ in range(2):
        ctx = _Context(function, params)
        for block in _blocks(function.body):
            rewritten = []
            for stmt in block.stmts:
                if stmt.__class__ is Op and stmt.kind == "call" and stmt.method is None:
                    replacement = _rewrite(stmt, ctx)
                    if replacement is not None:
                        rewritten.extend(replacement)
                        continue
                rewritten.append(stmt)
            block.stmts = rewritten
        walk.substitute(function.body, ctx.mapping)


def _blocks(block):
    yield block
    for stmt in block.stmts:
        if stmt.__class__ is not Op:
            for inner in stmt.blocks():
                yield from _blocks(inner)


def _rewrite(op, ctx):
    """The statements replacing ``op`` (an empty list drops it), or None to keep it."""
    prim, args = op.prim, op.args
    try:
        handler = _HANDLERS.get(prim)
    except TypeError:
        return None
    if handler is None or op.kwargs:
        return None
    return handler(op, [aval_of(a, ctx.avals) for a in args], ctx)


def _check_numeric(op, avals_, ctx):
    a = avals_[1]
    if a.kind in ("float", "int") or (a.kind in ("array", "scalar", "number") and
                                      a.dtype is not None and a.dtype.kind in "fiu"):
        return []
    return None


def _check_real(op, avals_, ctx):
    a = avals_[1]
    if a.kind in ("float", "int", "none", "bool") or (a.kind in ("array", "scalar", "number") and
                                                     a.dtype is not None and
                                                     a.dtype.kind != "c"):
        return []
    return None


def _shared_update(op, avals_, ctx):
    # a number is rebound by x += ..., never changed where another name sees it
    return [] if avals_[0].kind in ("float", "int", "scalar", "number") else None


def _seed(op, avals_, ctx):
    a = avals_[0]
    real = a.kind in ("float", "int") or (a.dtype is not None and a.dtype.kind in "fiu")
    if a.rank == 0 and real:
        return _becomes(op, Const(1.0), ctx)
    if real and a.kind == "array" and a.ones is not None and all(o is True for o in a.ones):
        # a one-element array: ones of its shape, as a number until an array needs it
        return [Op(op.outs, "call", runtime.expand_to, [Const(1.0), op.args[0]],
                   origin=op.origin)]
    return None


def _becomes(op, atom, ctx):
    """``op``'s value is ``atom``: the op goes and its readers read ``atom``."""
    ctx.mapping[op.outs[0]] = atom
    return []


def _unbroadcast(op, avals_, ctx):
    ag, ax = avals_
    g, x = op.args
    scalar_of_array = ax.rank == 0 and ag.kind == "array" and ag.rank is not None
    if not (ag.shape_known() and ax.shape_known()) and not scalar_of_array:
        return None  # (an array summed to a number needs no lengths)
    if ag.rank == ax.rank and (ag.rank == 0 or ag.ones == ax.ones):
        return _becomes(op, g, ctx)
    if ag.rank < ax.rank:
        return None
    b = Builder(origin=op.origin)
    value = g
    lead = ag.rank - ax.rank
    if ax.rank == 0:
        value = b.call(np.sum, [value], hint="sum")
        return b.block.stmts[:-1] + [_rename(b.block.stmts[-1], op.outs[0])]
    if lead:
        value = b.call(np.sum, [value], [("axis", Const(tuple(range(lead))))], hint="sum")
    inner = tuple(i for i, (o, og) in enumerate(zip(ax.ones, ag.ones[lead:]))
                  if o and not og)
    if inner:
        value = b.call(np.sum, [value], [("axis", Const(inner)), ("keepdims", Const(True))],
                       hint="sum")
    stmts = b.block.stmts
    stmts[-1] = _rename(stmts[-1], op.outs[0])
    return stmts


def _rename(stmt, out):
    stmt.outs = [out]
    return stmt


def _matmul(op, avals_, ctx, lhs):
    ag, aa, ab = avals_
    g, a, b = op.args
    ra, rb = aa.rank, ab.rank
    builder = Builder(origin=op.origin)
    if ra == 2 and rb == 2:
        value = builder.binop(gast.MatMult, g, _transposed(builder, b), "matmul") if lhs else \
            builder.binop(gast.MatMult, _transposed(builder, a), g, "matmul")
    elif ra == 2 and rb == 1 and ag.rank == 1:
        value = _outer(builder, g, b) if lhs else builder.binop(gast.MatMult, g, a, "matmul")
    elif ra == 1 and rb == 2 and ag.rank == 1:
        value = builder.binop(gast.MatMult, b, g, "matmul") if lhs else _outer(builder, a, g)
    elif ra == 1 and rb == 1 and ag.rank == 0:
        value = builder.binop(gast.Mult, g, b if lhs else a, "mul")
    else:
        return None
    stmts = builder.block.stmts
    stmts[-1] = _rename(stmts[-1], op.outs[0])
    return stmts


def _outer(builder, u, v):
    """``u[:, None] * v``: the outer product of two vectors (np.outer costs a function call
    and two ravels more)."""
    whole = builder.op("slice", None, [Const(None), Const(None), Const(None)], hint="all")
    index = builder.op("tuple", None, [whole, Const(None)], hint="index")
    column = builder.op("getitem", None, [u, index], hint="column")
    return builder.binop(gast.Mult, column, v, "outer")


def _transposed(builder, value):
    rule = lookup(np.transpose)
    return builder.op("call", np.transpose, [value], hint="T", method=".T",
                      binding=bind(rule, 1, ()) if rule is not None else None)


def _as_gradient(op, avals_, ctx):
    ad, ax = avals_
    d, x = op.args
    if d.__class__ is not Var or _shares_with_another_gradient(op, ctx):
        return None  # (returned twice, or a view of another: one array, two gradients)
    want = _float_like(ax)
    if want != ax:
        # (an integer argument: the simplifier may still drop `1.0 *` from the adjoint,
        # which as_gradient makes a float again)
        return None
    if ad == want and ad.kind == "float":
        return _becomes(op, d, ctx)
    if ad == want and ad.kind == "array" and _made_fresh(ctx.definitions.get(d)):
        return _becomes(op, d, ctx)
    return None


def _shares_with_another_gradient(op, ctx) -> bool:
    """Whether the adjoint ``as_gradient(d, x)`` returns may be (part of) the memory of
    another gradient the function returns."""
    d = op.args[0]
    others = [g.args[0] for g in ctx.gradients if g is not op]
    if d in others:
        return True
    sharing = set(ctx.storage().sharing(d))
    return any(o in sharing for o in others)


def _made_fresh(op) -> bool:
    if op is None:
        return False
    if op.kind in ("binop", "unary"):
        return True
    return op.kind == "call" and fresh_call(op)


def _add_adjoints(op, avals_, ctx):
    """``add_adjoints(a, b)`` of two numbers or arrays (neither None nor a container) is
    ``a + b``."""
    if any(a.rank is None for a in avals_):
        return None
    b = Builder(origin=op.origin)
    b.binop(gast.Add, op.args[0], op.args[1], "add")
    return [_rename(b.block.stmts[-1], op.outs[0])]


_HANDLERS = {
    runtime_adjoints.add_adjoints: _add_adjoints,
    runtime.check_numeric: _check_numeric,
    runtime.check_real: _check_real,
    runtime.seed: _seed,
    runtime.refuse_shared_update: _shared_update,
    runtime.unbroadcast: _unbroadcast,
    runtime.matmul_lhs: lambda op, av, ctx: _matmul(op, av, ctx, True),
    runtime.matmul_rhs: lambda op, av, ctx: _matmul(op, av, ctx, False),
    runtime.as_gradient: _as_gradient,
}

__all__ = ["specialize"]
