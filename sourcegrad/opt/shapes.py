"""Shape facts: which values provably have the same shape, and which are scalars.

No shape is known before the gradient runs, but equalities are: ``np.sin(x)`` has ``x``'s shape,
``x * 2.0`` too, a full reduction is a scalar, the adjoint of ``unbroadcast(g, x)`` has ``x``'s
shape. Values are grouped into classes of equal shape (a union-find), one of them the class of
scalars. Facts flow both ways through broadcasting: a broadcast of two values of one class is
in that class, and a broadcast whose result is a scalar had scalar operands. The seed of the
backward sweep has the output's shape (``runtime.seed``: 1.0, or ones of a one-element
array's shape), so adjoints stay in their values' classes. A loop's carried value is in its initial value's class if every iteration keeps it
there (solved optimistically, so ``h = np.tanh(h)`` keeps ``h``'s class).

The simplifier then drops ``unbroadcast`` where nothing was broadcast, the scalar check where
the result is a full reduction, and reads a shape from the earliest value that has it.
"""
from __future__ import annotations

import math

import gast
import numpy as np

from .. import runtime, runtime_adjoints
from ..ir.callees import elementwise
from ..ir.core import Const, If, Op, Var
from ..ir.names import UnionFind

SCALAR = "<scalar>"
_BROADCASTING = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.Mod, gast.FloorDiv)
_SAME_AS_FIRST = {runtime_adjoints.cleared_adjoint, runtime.with_item, np.copy,
                  runtime_adjoints.add_adjoints, runtime.mask_mul}
_SAME_AS_SECOND = {runtime.unbroadcast, runtime.expand_to, runtime.as_gradient,
                   runtime_adjoints.item_adjoint, runtime_adjoints.with_item_adjoint}
_SAME_AS_ARGUMENT = {runtime_adjoints.zero_adjoint, runtime.zeros_like, np.zeros_like,
                     np.ones_like, runtime_adjoints.witness, runtime.seed}
_REDUCTIONS = {np.sum, np.mean, np.max, np.min, np.prod, np.std, np.var, np.amax, np.amin,
               np.nansum, np.nanmean, np.vdot}


class ShapeFacts:
    def __init__(self, function, scalars=(), arrays=frozenset()):
        self.known_scalars = tuple(scalars)  # (a specialization's numbers)
        self.arrays = arrays  # (and its ndarrays: x += v writes into x, keeping its shape)
        # optimistic about loops: assume each carried value keeps its initial value's shape,
        # solve, and drop the assumptions the solution contradicts (then solve again)
        from ..ir import walk
        from ..ir.core import Loop
        assumed = {(loop, k) for loop in walk.statements(function.body)
                   if loop.__class__ is Loop for k in range(len(loop.params))}
        for _ in range(50):
            self._solve(function, assumed)
            broken = {(loop, k) for loop, k in assumed
                      if not self.same(loop.body.yields[k], loop.params[k])}
            if not broken:
                break
            assumed -= broken

    def _solve(self, function, assumed) -> None:
        self.classes = UnionFind()
        self.classes.parent[SCALAR] = SCALAR
        for value in self.known_scalars:
            self._union(value, SCALAR)
        for restored, original in function.share:  # (a value popped from a stack)
            self._union(restored, original)
        for loop, k in assumed:
            self._union(loop.params[k], loop.inits[k])
            self._union(loop.outs[k], loop.inits[k])
        for _ in range(20):  # (converges in a few sweeps: classes only merge)
            self.changed = False
            self._block(function.body, loops=())
            if not self.changed:
                break

    def key(self, atom):
        if atom.__class__ is Const:
            return SCALAR if type(atom.value) in (int, float, bool) else ("const", id(atom))
        if atom.__class__ is Var:
            return self.classes.find(atom)
        return ("free", id(atom))

    def same(self, a, b) -> bool:
        return a is b or self.key(a) == self.key(b)

    def scalar(self, atom) -> bool:
        return self.key(atom) == SCALAR

    def _union(self, a, b) -> None:
        if a.__class__ is Const:
            a = SCALAR if type(a.value) in (int, float, bool) else None
        if b.__class__ is Const:
            b = SCALAR if type(b.value) in (int, float, bool) else None
        if a is None or b is None or not (a.__class__ is Var or a == SCALAR) or \
                not (b.__class__ is Var or b == SCALAR):
            return
        ra, rb = self.classes.find(a), self.classes.find(b)
        if ra != rb:
            if rb == SCALAR:  # (the scalar class keeps its name)
                ra, rb = rb, ra
            self.classes.parent[rb] = ra
            self.changed = True

    def _block(self, block, loops) -> None:
        for stmt in block.stmts:
            kind = stmt.__class__
            if kind is Op:
                if len(stmt.outs) == 1:
                    self._op(stmt)
            elif kind is If:
                self._block(stmt.then, loops)
                self._block(stmt.orelse, loops)
                for out, a, b in zip(stmt.outs, stmt.then.yields, stmt.orelse.yields):
                    if self.same(a, b):
                        self._union(out, a)
            else:
                if stmt.index is not None:
                    self._union(stmt.index, SCALAR)
                for b in stmt.blocks():
                    self._block(b, loops)
                for p, init, y, out in zip(stmt.params, stmt.inits, stmt.body.yields,
                                           stmt.outs):
                    if y is p:
                        self._union(p, init)
                        self._union(out, init)

    def _op(self, op) -> None:
        out, kind, args = op.outs[0], op.kind, op.args
        if kind == "augop" and args[0] in self.arrays and issubclass(op.prim, _BROADCASTING):
            self._union(out, args[0])
        elif kind in ("binop", "augop") and issubclass(op.prim, _BROADCASTING) or \
                kind == "compare" or (kind == "call" and elementwise(op.prim) and
                                      op.prim.nin == len(args) == 2 and not op.kwargs) or \
                (kind == "call" and op.prim is np.where and len(args) == 3 and not op.kwargs):
            self._broadcast(out, args)
        elif kind == "unary" or (kind == "call" and elementwise(op.prim) and
                                 op.prim.nin == len(args) == 1 and not op.kwargs):
            self._union(out, args[0])
        elif kind == "call":
            self._call(op, out, args)

    def _call(self, op, out, args) -> None:
        prim = op.prim
        try:
            if prim in _SAME_AS_SECOND and len(args) >= 2:
                self._union(out, args[1])
            elif prim in _SAME_AS_FIRST and args and (not op.kwargs) or prim in _SAME_AS_ARGUMENT and len(args) == 1 and not op.kwargs:
                self._union(out, args[0])
            elif prim in _REDUCTIONS and len(args) == 1 and not op.kwargs or getattr(prim, "__module__", None) == "math" or \
                    prim in (len, float, int, runtime.reduced_count):
                self._union(out, SCALAR)
        except TypeError:
            pass

    def _broadcast(self, out, args) -> None:
        if self.scalar(out):  # a scalar result: every operand was one
            for a in args:
                self._union(a, SCALAR)
            return
        keys = {self.key(a) for a in args} - {SCALAR}
        if not keys:
            self._union(out, SCALAR)
        elif len(keys) == 1:
            for a in args:
                if not self.scalar(a):
                    self._union(out, a)
                    break


__all__ = ["SCALAR", "ShapeFacts", "math"]
