"""Activity analysis: which values need derivatives, computed once on the IR.

A value is *varied* if it depends on a differentiated argument, and *useful* if the result
depends on it; derivatives are computed for *active* values (both). Every pass that needs to
know asks :func:`operand_roles`, the one statement of how each operand of each operation takes
part in differentiation:

* ``"diff"``: the derivative flows through it (a rule gives an expression for it; an element of
  a container; the item written by ``y[i] = v``);
* ``"zero"``: its derivative is zero (an index, a comparison's operand, ``np.floor``'s input,
  ``np.copysign``'s sign source);
* ``"refuse"``: a derivative would have to flow through it but nothing can give it (a rule's
  parameter declared unsupported, a function without a rule, an opaque expression). Such an
  operand is harmless while it is not active; once it is, the transform stops with a located
  error that says why -- never a silently missing gradient.

On structured SSA the analysis is exact per value; loops iterate to a fixpoint.
"""
from __future__ import annotations

import gast

from ..ir.core import If, Op, Var
from ..rules import METHODS, RULES, is_nondiff, refuses_varied
from ..rules.coverage import is_known_unsupported, qualified_name, unsupported_message
from ..rules.table import ATTRIBUTES

_ZERO_OPERATORS = (gast.FloorDiv, gast.BitAnd, gast.BitOr, gast.BitXor, gast.LShift,
                   gast.RShift, gast.Not, gast.Invert)
_ALL_DIFF = frozenset(("tuple", "list", "dict", "unpack", "append", "extend",
                       "pop", "user"))


def operand_roles(op) -> list:
    """``[(atom, role, reason)]`` for every operand of ``op``, role "diff", "zero" or
    "refuse" (see the module docstring)."""
    kind = op.kind
    args, kwargs = op.args, op.kwargs
    if op.binding is not None:
        roles = []
        for inp in op.binding.inputs():
            atom = args[inp.ref[1]] if inp.ref[0] == "arg" else dict(kwargs)[inp.ref[1]]
            how, reason = op.binding.gradient_kind(inp.param)
            role = {"expression": "diff", "zero": "zero"}.get(how, "refuse")
            if role == "refuse":
                reason = (f"the rule for {op.binding.rule.name} has no gradient for its "
                          f"parameter {inp.param!r} ({reason})")
            roles.append((atom, role, reason))
        return roles
    everything = args + [a for _, a in kwargs]
    if kind in _ALL_DIFF:
        return [(a, "diff", "") for a in everything]
    if kind == "getitem":
        return [(args[0], "diff", ""), (args[1], "zero", "")]
    if kind == "setitem":
        return [(args[0], "diff", ""), (args[1], "zero", ""), (args[2], "diff", "")]
    if kind in ("compare", "slice", "assert"):
        return [(a, "zero", "") for a in everything]
    if kind in ("binop", "unary", "augop"):
        if issubclass(op.prim, _ZERO_OPERATORS):
            return [(a, "zero", "") for a in everything]
        return [(a, "refuse", f"the operator {op.prim.__name__} has no gradient rule")
                for a in everything]
    if kind == "getattr":
        if ATTRIBUTES.get(op.prim, False) is None:
            return [(args[0], "zero", "")]
        return [(args[0], "refuse", f"the attribute .{op.prim} has no gradient rule")]
    if kind == "call":
        return [(a, role, reason) for a in everything
                for role, reason in [_call_role(op)]]
    if kind == "opaque":
        return [(a, "refuse", "a gradient cannot flow through this expression")
                for a in everything]
    return [(a, "refuse", f"{kind} has no gradient") for a in everything]


def _call_role(op) -> tuple[str, str]:
    prim = op.prim
    if op.method is not None and prim is None:
        if op.method in ("copy", "index", "count", "keys", "values", "items", "get"):
            return ("diff", "") if op.method == "copy" else ("zero", "")
        return "refuse", f"the method .{op.method}() has no gradient rule"
    if prim is None:
        return "refuse", "the function called is only known at run time, so it has no rule"
    if prim in (list, tuple):
        return "diff", ""
    if is_nondiff(prim):
        if refuses_varied(prim):
            return "refuse", f"{qualified_name(prim)} has no gradient rule"
        return "zero", ""
    if getattr(prim, "__sourcegrad_of__", None) is not None:
        return "refuse", "differentiating a gradient function is not supported yet"
    if is_known_unsupported(prim):
        return "refuse", unsupported_message(prim)
    return "refuse", (unsupported_message(prim) if callable(prim) else
                      "it has no gradient rule")


class Activity:
    """``varied``, ``useful`` and ``active`` Vars of one function."""

    def __init__(self, function, wrt, outputs=None):
        self.varied: set = set(wrt)
        self.useful: set = set()
        self.problems: list = []  # (op, atom, reason): refused operands that are varied
        _forward(function.body, self.varied, self.problems)
        results = function.body.yields if outputs is None else outputs
        for atom in results:
            if atom.__class__ is Var and atom in self.varied:
                self.useful.add(atom)
        _backward(function.body, self.varied, self.useful)

    def active(self, atom) -> bool:
        return atom.__class__ is Var and atom in self.varied and atom in self.useful

    def refusals(self):
        """(op, reason) for each operation that would have to differentiate through an
        operand that has no derivative."""
        for op, atom, reason in self.problems:
            if any(o in self.useful for o in op.outs):
                yield op, reason


def _forward(block, varied, problems) -> bool:
    changed = False
    for stmt in block.stmts:
        kind = stmt.__class__
        if kind is Op:
            hit = False
            for atom, role, reason in operand_roles(stmt):
                if atom.__class__ is Var and atom in varied:
                    if role == "diff":
                        hit = True
                    elif role == "refuse":
                        hit = True
                        entry = (stmt, atom, reason)
                        if entry not in problems:
                            problems.append(entry)
            if hit:
                for out in stmt.outs:
                    if out not in varied:
                        varied.add(out)
                        changed = True
        elif kind is If:
            changed |= _forward(stmt.then, varied, problems)
            changed |= _forward(stmt.orelse, varied, problems)
            for out, a, b in zip(stmt.outs, stmt.then.yields, stmt.orelse.yields):
                if out not in varied and (a in varied or b in varied):
                    varied.add(out)
                    changed = True
        else:
            for p, init in zip(stmt.params, stmt.inits):
                if init.__class__ is Var and init in varied and p not in varied:
                    varied.add(p)
                    changed = True
            while True:
                inner = False
                for b in stmt.blocks():
                    inner |= _forward(b, varied, problems)
                for p, y in zip(stmt.params, stmt.body.yields):
                    if y.__class__ is Var and y in varied and p not in varied:
                        varied.add(p)
                        inner = True
                changed |= inner
                if not inner:
                    break
            for out, p in zip(stmt.outs, stmt.params):
                if p in varied and out not in varied:
                    varied.add(out)
                    changed = True
    return changed


def _backward(block, varied, useful) -> bool:
    changed = False
    for stmt in reversed(block.stmts):
        kind = stmt.__class__
        if kind is Op:
            if any(o in useful for o in stmt.outs):
                for atom, role, _ in operand_roles(stmt):
                    if role == "diff" and atom.__class__ is Var and atom in varied and \
                            atom not in useful:
                        useful.add(atom)
                        changed = True
        elif kind is If:
            for out, a, b in zip(stmt.outs, stmt.then.yields, stmt.orelse.yields):
                if out in useful:
                    for y in (a, b):
                        if y.__class__ is Var and y in varied and y not in useful:
                            useful.add(y)
                            changed = True
            changed |= _backward(stmt.then, varied, useful)
            changed |= _backward(stmt.orelse, varied, useful)
        else:
            while True:
                inner = False
                for out, p, init, y in zip(stmt.outs, stmt.params, stmt.inits,
                                           stmt.body.yields):
                    if (out in useful or p in useful) and p in varied:
                        for v in (p, init, y):
                            if v.__class__ is Var and v in varied and v not in useful:
                                useful.add(v)
                                inner = True
                inner |= _backward(stmt.body, varied, useful)
                changed |= inner
                if not inner:
                    break
    return changed


__all__ = ["METHODS", "RULES", "Activity", "operand_roles"]
