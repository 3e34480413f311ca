"""Pass 4c: which values provably have the same shape (so no broadcasting needs undoing).

A broadcasting rule sums each contribution back to its operand's shape. When the operand has
the result's shape, that sum is the identity and the ``unbroadcast`` call is dead weight --
and reading the operand's shape would force a loop to save it. This pass proves such equalities
without knowing any concrete shape: every variable gets a *shape token*; two variables with the
same token have the same shape in every execution.

* a parameter's token is its own name; ``x = y`` and elementwise one-input functions
  (``np.sin(y)``, ``math.exp(y)``, ``-y``) keep ``y``'s token;
* a broadcasting binary operation keeps the token its operands share (a Python number literal
  shares every token);
* anything else gets a token of its own.

A variable bound in several places keeps a token only if every binding gives the same one
(solved optimistically, so ``x = np.sin(x) * x`` in a loop keeps ``x``'s token).
"""
from __future__ import annotations

import math
import types

import gast
import numpy as np

from .activity import definitions
from .primitives import classify
from .resolve import Scope

_FRESH = "fresh:"


class Shapes:
    def __init__(self, tokens: dict[str, str]):
        self.tokens = tokens

    def same(self, a, b) -> bool:
        """True when nodes ``a`` and ``b`` provably have equal shapes."""
        ta, tb = self.token(a), self.token(b)
        return ta is not None and ta == tb

    def token(self, node):
        if isinstance(node, gast.Name):
            return self.tokens.get(node.id)
        return None


def _elementwise_unary(op) -> bool:
    callee = op.callee
    if op.kind != "rule" or op.keywords or len(op.args) != 1:
        return False
    if isinstance(callee, np.ufunc):
        return callee.nin == 1 and callee.nout == 1
    if isinstance(callee, types.BuiltinFunctionType) and getattr(callee, "__module__", "") == "math":
        return getattr(math, callee.__name__, None) is callee
    return callee is None and isinstance(op.node, gast.UnaryOp)


def _broadcasting_binary(op) -> bool:
    if op.kind != "rule" or op.keywords or len(op.args) != 2 or not op.rule.broadcast:
        return False
    callee = op.callee
    return callee is None or (isinstance(callee, np.ufunc) and callee.nin == 2)


def _is_number(node) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def analyze(body: list, params: list[str], scope: Scope) -> Shapes:
    defs = []
    for targets, value, stmt in definitions(body):
        if len(targets) != 1 or not isinstance(stmt, gast.Assign) or \
                not isinstance(stmt.targets[0], gast.Name):
            for t in targets:
                defs.append((t, None))  # unpacking, loop targets, in-place writes: unknown
            continue
        defs.append((targets[0], classify(value, scope)))
    tokens: dict[str, str | None] = {p: p for p in params}
    assigned = {t for t, _ in defs}
    for t in assigned - set(params):
        tokens[t] = None  # optimistic: unknown yet, agrees with anything
    if not _solve(defs, tokens, assigned, params):
        return Shapes({})
    # pessimistic check: what stayed unknown has its own shape; re-solve until stable
    for var in assigned:
        if tokens.get(var) is None:
            tokens[var] = _FRESH + var
    if not _solve(defs, tokens, assigned, params):
        return Shapes({})
    return Shapes(dict(tokens))


def _solve(defs, tokens, assigned, params) -> bool:
    ops_of: dict[str, list] = {}
    for t, op in defs:
        ops_of.setdefault(t, []).append(op)
    order = list(ops_of)  # definition order: straight-line code settles in one sweep
    for _ in range(2 * len(defs) + 4):
        changed = False
        for var in order:
            results = [_token_of(op, tokens, var) for op in ops_of[var]]
            if var in params:
                results.append(var)
            known = {r for r in results if r is not None}
            new = known.pop() if len(known) == 1 else (_FRESH + var if known else None)
            current = tokens.get(var)
            if current != new and current != _FRESH + var:  # a var's own fresh token is final
                tokens[var] = new
                changed = True
        if not changed:
            return True
    return False


def _token_of(op, tokens, var):
    if op is None:
        return _FRESH + var
    names = [a for a in op.args if isinstance(a, gast.Name)]
    if any(a.id not in tokens for a in names):
        return _FRESH + var  # a global or an untracked value: its shape is unknown
    if op.kind == "copy":
        return tokens.get(op.args[0].id)
    if _elementwise_unary(op):
        arg = op.args[0]
        return tokens.get(arg.id) if isinstance(arg, gast.Name) else _FRESH + var
    if _broadcasting_binary(op):
        a, b = op.args
        if _is_number(a) and isinstance(b, gast.Name):
            return tokens.get(b.id)
        if _is_number(b) and isinstance(a, gast.Name):
            return tokens.get(a.id)
        if isinstance(a, gast.Name) and isinstance(b, gast.Name):
            ta, tb = tokens.get(a.id), tokens.get(b.id)
            if ta is None or tb is None:
                return ta or tb  # optimistic while one side is still unknown
            if ta == tb:
                return ta
    return _FRESH + var
