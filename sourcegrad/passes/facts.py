"""What the optimizer knows about the names of one generated function.

``Facts`` counts how often each name is loaded and stored, records what binds it, and answers
``inexact(node)``: whether a value is surely a float or complex, never an integer. Rewrites
that change the order of arithmetic ask it first (``factor.py``): ``dy * k1 + dy * k2`` may
become ``dy * (k1 + k2)`` only if ``k1 + k2`` cannot overflow in an integer dtype, and
``1.0 * v + w`` may become ``v + w`` only if the sum is a float either way.
"""
from __future__ import annotations

import math
import types

import gast
import numpy as np

from . import nodes
from .resolve import MISSING

_INEXACT_MATH = {"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
                 "asinh", "acosh", "atanh", "exp", "exp2", "expm1", "log", "log1p", "log2",
                 "log10", "sqrt", "cbrt", "erf", "erfc", "gamma", "lgamma", "hypot", "pow",
                 "fabs", "degrees", "radians"}


class Facts:
    """Whole-function facts: how often each name is loaded and stored, what binds it."""

    def __init__(self, body, params, resolve):
        self.resolve = resolve
        self.loads: dict[str, int] = {}
        self.stores: dict[str, int] = {}
        self.bindings: dict[str, list] = {p: [None] for p in params}  # None: unknown value
        self.appended: dict[str, set] = {}  # stack name -> names pushed onto it
        unknown = (gast.For, gast.AugAssign)
        for stmt in body:
            for n in nodes.walk(stmt):
                kind = type(n)
                if kind is gast.Name:
                    table = self.loads if type(n.ctx) is gast.Load else self.stores
                    table[n.id] = table.get(n.id, 0) + 1
                elif kind is gast.Assign:
                    for t in n.targets:
                        if type(t) is gast.Name:
                            self.bindings.setdefault(t.id, []).append(n.value)
                        else:  # unpacking (a tape), or a write into an array
                            self._unknown(t)
                elif kind in unknown:
                    self._unknown(n.target)
                elif kind is gast.Call and type(n.func) is gast.Attribute and \
                        n.func.attr == "append" and type(n.func.value) is gast.Name and \
                        len(n.args) == 1 and type(n.args[0]) is gast.Name:
                    self.appended.setdefault(n.func.value.id, set()).add(n.args[0].id)
        self._inexact: dict[str, bool] = {}
        self._pending: set[str] = set()

    def _unknown(self, target):
        for n in nodes.walk(target):
            if type(n) is gast.Name and type(n.ctx) is gast.Store:
                self.bindings.setdefault(n.id, []).append(None)

    def inexact(self, node) -> bool:
        """True when ``node``'s value is surely a float or complex (never an integer)."""
        if isinstance(node, gast.Constant):
            return type(node.value) in (float, complex)
        if isinstance(node, gast.BinOp):
            return isinstance(node.op, gast.Div) or self.inexact(node.left) or \
                self.inexact(node.right)
        if isinstance(node, gast.UnaryOp):
            return isinstance(node.op, (gast.USub, gast.UAdd)) and self.inexact(node.operand)
        if isinstance(node, gast.Call):
            return _inexact_function(self.resolve(node.func))
        if isinstance(node, gast.Name):
            return self._inexact_name(node.id)
        return False

    def _inexact_name(self, name: str) -> bool:
        if name in self._inexact:
            return self._inexact[name]
        if name in self._pending:
            return False  # defined through itself: not provable this simple way
        self._pending.add(name)
        values = self.bindings.get(name)
        result = bool(values) and all(self._inexact_binding(name, v) for v in values)
        self._pending.discard(name)
        if not self._pending:  # a result that assumed nothing about other names
            self._inexact[name] = result
        return result

    def _inexact_binding(self, name, value) -> bool:
        if value is None:
            return False
        if isinstance(value, gast.Constant) and value.value is None:
            return True  # the prologue's placeholder: never read as a number
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) and \
                value.func.attr == "pop" and not value.args and \
                isinstance(value.func.value, gast.Name):
            return self.appended.get(value.func.value.id) == {name}  # its own saved values
        return self.inexact(value)


def math_function(obj) -> bool:
    """``obj`` is one of the ``math`` module's functions."""
    return isinstance(obj, types.BuiltinFunctionType) and \
        getattr(obj, "__module__", "") == "math" and getattr(math, obj.__name__, None) is obj


def _inexact_function(obj) -> bool:
    if obj is MISSING:
        return False
    if isinstance(obj, np.ufunc):
        outputs = [t.split("->")[1] for t in obj.types]
        return obj.nout == 1 and all(o in "efdgFDG" for o in outputs if o != "O")
    return isinstance(obj, types.BuiltinFunctionType) and \
        getattr(obj, "__module__", "") == "math" and obj.__name__ in _INEXACT_MATH and \
        getattr(math, obj.__name__, None) is obj


__all__ = ["Facts", "math_function"]
