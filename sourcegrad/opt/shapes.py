"""Shape facts: which values provably have the same shape, and which are scalars.

No shape is known before the gradient runs, but equalities are: ``np.sin(x)`` has ``x``'s shape,
``x * 2.0`` too, a full reduction is a scalar, and the adjoint of a value has that value's shape
(every contribution is summed back to it). Each value gets a *shape key*: values with the same
key have the same shape in every execution. The key of a loop's carried value is its initial
value's if every iteration keeps it (solved optimistically, so ``h = np.tanh(h)`` keeps ``h``'s
key), else a key of its own. The simplifier then drops ``unbroadcast`` where nothing was
broadcast and the scalar check where the result is a full reduction.
"""
from __future__ import annotations

import math

import gast
import numpy as np

from .. import runtime, runtime_adjoints
from ..ir.core import Const, If, Op, Var

SCALAR = "scalar"
_BROADCASTING = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.Mod, gast.FloorDiv)
_SAME_AS_FIRST = {runtime_adjoints.cleared_adjoint, runtime.with_item, np.copy,
                  runtime_adjoints.add_adjoints}
_SAME_AS_SECOND = {runtime.unbroadcast, runtime.expand_to, runtime.as_gradient,
                   runtime_adjoints.item_adjoint}
_SAME_AS_ARGUMENT = {runtime_adjoints.zero_adjoint, runtime.zeros_like, np.zeros_like,
                     np.ones_like}
_REDUCTIONS = {np.sum, np.mean, np.max, np.min, np.prod, np.std, np.var, np.amax, np.amin,
               np.nansum, np.nanmean, np.linalg.norm, np.vdot}


class ShapeFacts:
    def __init__(self, function, like=None):
        """``like``: Var -> Var known to have its shape (an adjoint and its value)."""
        self.keys: dict = {}
        self.like = like or {}
        self._fresh = 0
        for p in function.params:
            self.keys[p] = p
        for _ in range(20):  # (converges in a few sweeps: keys only become more specific)
            if not self._block(function.body):
                break

    def key(self, atom):
        if atom.__class__ is Const:
            value = atom.value
            if type(value) in (int, float, bool):
                return SCALAR
            return ("const", id(atom))
        if atom.__class__ is Var:
            return self.keys.get(atom, atom)
        return ("free", id(atom))

    def same(self, a, b) -> bool:
        return self.key(a) == self.key(b)

    def scalar(self, atom) -> bool:
        return self.key(atom) == SCALAR

    def _set(self, var, key) -> bool:
        if self.keys.get(var) != key:
            self.keys[var] = key
            return True
        return False

    def _block(self, block) -> bool:
        changed = False
        for stmt in block.stmts:
            kind = stmt.__class__
            if kind is Op:
                if len(stmt.outs) == 1:
                    key = self._op(stmt)
                    changed |= self._set(stmt.outs[0], key if key is not None else
                                         stmt.outs[0])
            elif kind is If:
                changed |= self._block(stmt.then) | self._block(stmt.orelse)
                for out, a, b in zip(stmt.outs, stmt.then.yields, stmt.orelse.yields):
                    same = self.key(a) if self.key(a) == self.key(b) else out
                    changed |= self._set(out, same)
            else:
                for p, init in zip(stmt.params, stmt.inits):
                    if p not in self.keys:
                        self.keys[p] = self.key(init)  # optimistic: the loop keeps it
                if stmt.index is not None:
                    changed |= self._set(stmt.index, SCALAR)
                for b in stmt.blocks():
                    changed |= self._block(b)
                for p, init, y, out in zip(stmt.params, stmt.inits, stmt.body.yields,
                                           stmt.outs):
                    if self.keys[p] != p and not (self.key(init) == self.keys[p] ==
                                                  self.key(y)):
                        changed |= self._set(p, p)
                    changed |= self._set(out, self.keys[p])
        return changed

    def _op(self, op):
        like = self.like.get(op.outs[0])
        if like is not None:
            return self.key(like)
        kind, args = op.kind, op.args
        if kind in ("binop", "augop") and issubclass(op.prim, _BROADCASTING):
            return self._broadcast(args)
        if kind == "unary":
            return self.key(args[0])
        if kind == "compare":
            return self._broadcast(args)
        if kind != "call" or op.kwargs and op.prim not in _SAME_AS_SECOND:
            return None
        prim = op.prim
        try:
            if prim in _SAME_AS_SECOND and len(args) >= 2:
                return self.key(args[1])
            if prim in _SAME_AS_FIRST and args:
                return self.key(args[0])
            if prim in _SAME_AS_ARGUMENT and len(args) == 1:
                return self.key(args[0])
            if prim in _REDUCTIONS and len(args) == 1 and not op.kwargs:
                return SCALAR
        except TypeError:
            return None
        if isinstance(prim, np.ufunc) and not op.kwargs:
            if prim.nin == 1 and len(args) == 1:
                return self.key(args[0])
            if prim.nin == 2 and len(args) == 2:
                return self._broadcast(args)
        if getattr(prim, "__module__", None) == "math" or prim is math.fsum:
            return SCALAR
        return None

    def _broadcast(self, args):
        keys = {self.key(a) for a in args} - {SCALAR}
        if not keys:
            return SCALAR
        if len(keys) == 1:
            return keys.pop()
        return None
