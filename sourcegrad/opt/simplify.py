"""Algebraic simplification, constant folding and common-subexpression elimination.

Every rewrite here holds for every program it matches; none is about one benchmark:

* constant arithmetic folds (``2 - 1`` is ``1``; ``0 + trips * 1`` is ``trips``), and so does a
  branch on a constant;
* identities of 1 and 0 hold only where the value is surely a float (``1.0 * mask`` of a
  boolean mask is *not* the mask: two of them would add as ``True``): ``floats.py`` proves it;
* runtime helpers fold where their arguments make them trivial (``mask_mul(g, True)`` is ``g``,
  ``fpow(x, 1)`` is ``x``);
* ``unbroadcast(g, x)`` is ``g`` where ``g`` provably has ``x``'s shape, and the scalar check of
  a result that is a full reduction goes (``shapes.py``);
* an operation computed twice on the same operands is computed once (pure operations only,
  within the blocks the first one dominates).
"""
from __future__ import annotations

import operator

import gast
import numpy as np

from .. import runtime
from ..ir import walk
from ..ir.core import Const, If, Loop, Op, Var
from ..rules import lookup
from ..rules.binding import bind
from .dce import eliminate_dead_code
from .floats import float_values, numeric_values
from .shapes import ShapeFacts

_FOLD = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
         gast.Div: operator.truediv, gast.Pow: operator.pow, gast.FloorDiv: operator.floordiv,
         gast.Mod: operator.mod}
_COMPARE = {gast.Eq: operator.eq, gast.NotEq: operator.ne, gast.Lt: operator.lt,
            gast.LtE: operator.le, gast.Gt: operator.gt, gast.GtE: operator.ge,
            gast.Is: operator.is_, gast.IsNot: operator.is_not}
_NUMBER = (int, float)


def simplify(function, numbers=(), rounds: int = 6) -> None:
    """Simplify ``function`` in place, to a fixpoint (or ``rounds`` sweeps). ``numbers``:
    parameters known to be numbers or numeric arrays (not booleans)."""
    for _ in range(rounds):
        floats = float_values(function, numbers)
        numeric = numeric_values(function, numbers)
        shapes = ShapeFacts(function)
        definitions = {s.outs[0]: s for s in walk.statements(function.body)
                       if s.__class__ is Op and len(s.outs) == 1}
        mapping: dict = {}
        changed = _block(function.body, mapping, (floats, numeric, shapes, definitions))
        walk.substitute(function.body, mapping)
        changed |= _cse(function.body, {}) > 0
        eliminate_dead_code(function)
        if not changed and not mapping:
            return


def _number(atom):
    if atom.__class__ is Const and type(atom.value) in _NUMBER:
        return atom.value
    return None


def _block(block, mapping, facts) -> bool:
    changed = False
    kept = []
    for stmt in block.stmts:
        kind = stmt.__class__
        if kind is Op:
            stmt.args = [_resolve(a, mapping) for a in stmt.args]
            stmt.kwargs = [(k, _resolve(a, mapping)) for k, a in stmt.kwargs]
            result = _rewrite(stmt, *facts)
            if result is _DROP:
                changed = True
                continue
            if result is not None:
                mapping[stmt.outs[0]] = result
                changed = True
                continue
        elif kind is If:
            stmt.cond = _resolve(stmt.cond, mapping)
            if stmt.cond.__class__ is Const:
                taken = stmt.then if stmt.cond.value else stmt.orelse
                changed |= _block(taken, mapping, facts)
                kept.extend(taken.stmts)
                for out, y in zip(stmt.outs, taken.yields):
                    mapping[out] = _resolve(y, mapping)
                changed = True
                continue
            for b in stmt.blocks():
                changed |= _block(b, mapping, facts)
        else:
            stmt.bounds = [_resolve(a, mapping) for a in stmt.bounds]
            stmt.inits = [_resolve(a, mapping) for a in stmt.inits]
            for b in stmt.blocks():
                changed |= _block(b, mapping, facts)
        kept.append(stmt)
    block.stmts = kept
    block.yields = [_resolve(a, mapping) for a in block.yields]
    return changed


def _resolve(atom, mapping):
    while atom.__class__ is Var and atom in mapping:
        atom = mapping[atom]
    return atom


_DROP = object()


def _rewrite(op, floats, numeric, shapes, definitions):
    """The atom ``op``'s value equals (None: keep the op; _DROP: remove it); may also turn the
    op into a simpler one in place."""
    kind, args = op.kind, op.args
    if kind in ("binop", "augop") and len(args) == 2:
        backward = op.origin is not None and op.origin.role == "grad"
        return _arithmetic(op, numeric if backward else floats, shapes, definitions)
    if kind == "unary":
        value = _number(args[0])
        if op.prim is gast.USub and value is not None:
            return Const(-value)
        if op.prim is gast.UAdd and value is not None:
            return Const(value)
        return None
    if kind == "compare" and len(args) == 2 and all(a.__class__ is Const for a in args):
        try:
            return Const(bool(_COMPARE[op.prim[0]](args[0].value, args[1].value)))
        except (KeyError, TypeError):
            return None
    if kind == "getitem" and args[1].__class__ is Const and type(args[1].value) is int:
        return _element(args[0], args[1].value, definitions)
    if kind == "call":
        return _helper(op, floats, shapes)
    return None


def _arithmetic(op, floats, shapes=None, definitions=None):
    if definitions is not None:
        _unexpand(op, shapes, definitions)
    a, b = op.args
    x, y = _number(a), _number(b)
    cls = op.prim
    if x is not None and y is not None and cls in _FOLD:
        try:
            value = _FOLD[cls](x, y)
        except (ArithmeticError, ValueError):
            return None
        if type(value) in _NUMBER and abs(value) < 1e300:
            return Const(value)
        return None
    if op.kind == "augop":
        return None
    if cls is gast.Mult:
        if y == 1 and a in floats:  # (1.0 * mask of booleans is not the mask)
            return a
        if x == 1 and b in floats:
            return b
    elif cls is gast.Add:
        if y == 0 and a in floats:
            return a
        if x == 0 and b in floats:
            return b
    elif cls is gast.Sub:
        if y == 0 and a in floats:
            return a
    elif cls is gast.Div:
        if y == 1 and a in floats:
            return a
    elif cls is gast.Pow:
        if y == 1 and a in floats:
            return a
    return None


def _unexpand(op, shapes, definitions) -> None:
    """``expand_to(c, y) * z`` is ``c * z`` when ``z`` has ``y``'s shape: the result has that
    shape either way, so the number need not become an array first."""
    if op.prim not in (gast.Mult, gast.Add, gast.Sub, gast.Div):
        return
    for i in (0, 1):
        spread = definitions.get(op.args[i])
        other = op.args[1 - i]
        if spread is not None and spread.kind == "call" and spread.prim is runtime.expand_to \
                and len(spread.args) in (2, 3, 4) and _number(spread.args[0]) is not None and \
                _no_axis(spread) and shapes.same(other, spread.args[1]):
            op.args[i] = spread.args[0]


def _no_axis(op) -> bool:
    rest = op.args[2:] + [a for _, a in op.kwargs]
    return all(a.__class__ is Const and a.value in (None, False) for a in rest)


def _element(container, index, definitions):
    """``(a, b, c)[1]`` is ``b`` (a tuple built right there)."""
    op = definitions.get(container)
    if op is not None and op.kind in ("tuple",) and -len(op.args) <= index < len(op.args):
        return op.args[index]
    return None


def _helper(op, floats, shapes):
    prim, args = op.prim, op.args
    try:
        known = prim in _KNOWN
    except TypeError:
        return None
    if not known or op.kwargs:
        return None
    if prim is runtime.mask_mul and len(args) == 2 and args[1] == Const(True):
        return args[0]
    if prim is runtime.fpow and len(args) == 2:
        power = _number(args[1])
        if power == 1 and args[0] in floats:
            return args[0]
        if power is not None and power >= 0:
            _become_binop(op, gast.Pow)  # a non-negative power never divides by zero
        return None
    if prim is runtime.ratio and len(args) == 2:
        if _number(args[1]) not in (None, 0):
            _become_binop(op, gast.Div)
        return None
    if prim is runtime.unbroadcast and len(args) == 2:
        if shapes.same(args[0], args[1]):
            return args[0]
        return None
    if prim is runtime.check_scalar and len(args) == 1 and shapes.scalar(args[0]):
        return _DROP
    return None


def _become_binop(op, cls) -> None:
    rule = lookup(cls)
    op.kind, op.prim, op.method, op.fn = "binop", cls, None, None
    op.binding = bind(rule, 2, ()) if rule is not None else None


_KNOWN = {runtime.mask_mul, runtime.fpow, runtime.ratio, runtime.unbroadcast,
          runtime.check_scalar}


# -- common subexpressions -----------------------------------------------------------------------

_NEVER_SHARED = frozenset(("user", "opaque", "assert", "comment", "setitem", "augop", "append",
                           "extend", "pop", "list", "dict"))


def _signature(op):
    if not op.pure or op.kind in _NEVER_SHARED or len(op.outs) != 1:
        return None
    try:
        prim = op.prim if not isinstance(op.prim, tuple) else tuple(op.prim)
        hash(prim)
    except TypeError:
        prim = id(op.prim)
    return (op.kind, prim, op.method, op.fn if isinstance(op.fn, str) else id(op.fn),
            tuple(_key(a) for a in op.args), tuple((k, _key(a)) for k, a in op.kwargs))


def _key(atom):
    if atom.__class__ is Var:
        return ("var", atom.id)
    if atom.__class__ is Const:
        return ("const", type(atom.value), repr(atom.value))
    return ("atom", repr(atom), id(getattr(atom, "obj", None)))


def _cse(block, seen: dict) -> int:
    """Replace each pure operation that repeats one in scope by the earlier value; returns how
    many were replaced."""
    count = 0
    mapping = {}
    kept = []
    for stmt in block.stmts:
        if mapping:
            _substitute_stmt(stmt, mapping)
        if stmt.__class__ is Op:
            sig = _signature(stmt)
            if sig is not None:
                earlier = seen.get(sig)
                if earlier is not None:
                    mapping[stmt.outs[0]] = earlier
                    count += 1
                    continue
                seen[sig] = stmt.outs[0]
        else:
            for inner in stmt.blocks():
                count += _cse(inner, dict(seen))
        kept.append(stmt)
    block.stmts = kept
    if mapping:
        walk.substitute(block, mapping)
    return count


def _substitute_stmt(stmt, mapping) -> None:
    from ..ir.core import Block
    walk.substitute(Block([stmt], []), mapping)


__all__ = ["Loop", "np", "simplify"]
