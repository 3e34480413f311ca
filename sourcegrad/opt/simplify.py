"""Algebraic simplification, constant folding and common-subexpression elimination.

Every rewrite here holds for every program it matches; none is about one benchmark:

* constant arithmetic folds (``2 - 1`` is ``1``; ``0 + trips * 1`` is ``trips``), and so does a
  branch on a constant;
* identities of 1 and 0 hold only where the value is surely a float (``1.0 * mask`` of a
  boolean mask is *not* the mask: two of them would add as ``True``): ``floats.py`` proves it;
* runtime helpers fold where their arguments make them trivial (``mask_mul(g, True)`` is ``g``,
  ``fpow(x, 1)`` is ``x``);
* shape facts (``shapes.py``): ``unbroadcast(g, x)`` is ``g`` where ``g`` provably has ``x``'s
  shape; the scalar check of a full reduction goes; ``expand_to(c, y)`` of a number stays a
  number while only scalars and values of ``y``'s shape meet it;
* in each round, ``cse.py``: a helper that reads only a shape reads it from the earliest value
  that has it, and an operation computed twice on the same operands is computed once.
"""
from __future__ import annotations

import operator

import gast
import numpy as np

from .. import runtime
from ..ir import walk
from ..ir.callees import elementwise, hashable
from ..ir.core import UNBOUND, Const, If, Op, Var
from ..rules import lookup
from ..rules.binding import bind
from .cse import canonical_shapes, cse
from .dce import eliminate_dead_code
from .floats import float_values, numeric_values
from .infer import infer
from .shapes import ShapeFacts

_FOLD = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
         gast.Div: operator.truediv, gast.Pow: operator.pow, gast.FloorDiv: operator.floordiv,
         gast.Mod: operator.mod}
_COMPARE = {gast.Eq: operator.eq, gast.NotEq: operator.ne, gast.Lt: operator.lt,
            gast.LtE: operator.le, gast.Gt: operator.gt, gast.GtE: operator.ge,
            gast.Is: operator.is_, gast.IsNot: operator.is_not}
_NUMBER = (int, float)
_DROP = object()  # a rewrite's answer: the statement goes


def simplify(function, numbers=(), rounds: int = 8, params=None) -> None:
    """Simplify ``function`` in place, to a fixpoint (or ``rounds`` sweeps). ``numbers``:
    parameters known to be numbers or numeric arrays (not booleans); ``params``: in a
    specialization, the parameters' abstract values, whose dtypes prove more values floats."""
    for _ in range(rounds):
        facts = _Facts(function, numbers, params)
        mapping: dict = {}
        before = _Facts.rewrites
        changed = _block(function.body, mapping, facts)
        changed |= _Facts.rewrites != before
        walk.substitute(function.body, mapping)
        changed |= canonical_shapes(function, facts.shape_facts)
        replaced: dict = {}
        changed |= cse(function.body, {}, replaced) > 0
        # (a value a stack restores still names the forward value it stands for)
        function.share = [(_resolve(_resolve(a, mapping), replaced),
                           _resolve(_resolve(b, mapping), replaced)) for a, b in function.share]
        eliminate_dead_code(function)
        if not changed and not mapping:
            return


class _Facts:
    """What one sweep knows: floats, numbers, shapes, and each value's defining operation."""

    rewrites = 0  # operations turned into others in place, over all sweeps

    def __init__(self, function, numbers, params=None):
        self.floats = float_values(function, numbers)
        self.numeric = numeric_values(function, numbers)
        scalars, arrays = [], set()
        if params is not None:  # (a specialization: dtypes, numbers and arrays are known)
            for value, aval in infer(function, params).items():
                if aval.kind == "float" or (aval.dtype is not None and aval.dtype.kind == "f"):
                    self.floats.add(value)
                    self.numeric.add(value)
                if aval.kind in ("float", "int", "scalar", "number"):
                    scalars.append(value)
                elif aval.kind == "array":
                    arrays.add(value)
        self.definitions = {s.outs[0]: s for s in walk.statements(function.body)
                            if s.__class__ is Op and len(s.outs) == 1}
        self.shape_facts = ShapeFacts(function, scalars, arrays)
        self.counts = walk.use_counts(function.body)
        self.pending: list = []  # operations a rewrite puts before the one it rewrites

    def backward(self, op) -> bool:
        """Whether ``op`` computes a derivative (an adjoint or a tangent), where rewrites that
        only change rounding are fine; the user's own values are computed as written."""
        return op.origin is not None and op.origin.role in ("grad", "tangent")

    def shapes(self, op):
        return self.shape_facts

    def plain(self, op) -> set:
        """Values from which ``1.0 *`` may be dropped at ``op``: floats; in the backward sweep,
        any number that is not a boolean (what it computes ends in a float adjoint)."""
        return self.numeric if self.backward(op) else self.floats


def _block(block, mapping, facts) -> bool:
    changed = False
    kept = []
    for stmt in block.stmts:
        kind = stmt.__class__
        if kind is Op:
            stmt.args = [_resolve(a, mapping) for a in stmt.args]
            stmt.kwargs = [(k, _resolve(a, mapping)) for k, a in stmt.kwargs]
            if stmt.kind == "unpack":
                built = facts.definitions.get(stmt.args[0])
                if built is not None and built.kind == "tuple" and \
                        len(built.args) == len(stmt.outs):  # a, b = (x, y) is x and y
                    mapping.update(zip(stmt.outs, built.args))
                    changed = True
                    continue
            result = _rewrite(stmt, facts)
            if facts.pending:
                kept.extend(facts.pending)
                facts.pending.clear()
                changed = True
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
                _block(taken, mapping, facts)
                kept.extend(taken.stmts)
                for out, y in zip(stmt.outs, taken.yields):
                    mapping[out] = _resolve(y, mapping)
                changed = True
                continue
            for b in stmt.blocks():
                changed |= _block(b, mapping, facts)
            # an output both sides yield as the same outer value is that value
            inside = walk.defined_in(stmt.then) | walk.defined_in(stmt.orelse)
            for k in reversed(range(len(stmt.outs))):
                a, b = stmt.then.yields[k], stmt.orelse.yields[k]
                if a == b and a is not UNBOUND and a not in inside:
                    mapping[stmt.outs[k]] = a
                    del stmt.outs[k], stmt.then.yields[k], stmt.orelse.yields[k]
                    changed = True
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


def _number(atom):
    if atom.__class__ is Const and type(atom.value) in _NUMBER:
        return atom.value
    return None


def _rewrite(op, facts):
    """The atom ``op``'s value equals (None: keep the op; _DROP: remove it); may also turn the
    op into a simpler one in place."""
    kind, args = op.kind, op.args
    if kind in ("binop", "augop") and len(args) == 2:
        return _arithmetic(op, facts)
    if kind == "unary":
        value = _number(args[0])
        if op.prim is gast.USub and value is not None:
            return Const(-value)
        spread = facts.definitions.get(args[0])
        if op.prim is gast.USub and _lazy_constant(spread, facts.shapes(op)):
            # -expand_to(c, y) is expand_to(-c, y): still a number
            negated = Op([Var("scale")], "unary", gast.USub, [spread.args[0]],
                         binding=op.binding, origin=op.origin)
            facts.pending.append(negated)
            op.kind, op.prim, op.method, op.fn = "call", runtime.expand_to, None, None
            op.args, op.kwargs, op.binding = [negated.outs[0], spread.args[1]], [], None
            return None
        if op.prim is gast.UAdd and value is not None:
            return Const(value)
        return None
    if kind == "compare" and len(args) == 2 and all(a.__class__ is Const for a in args):
        try:
            return Const(bool(_COMPARE[op.prim[0]](args[0].value, args[1].value)))
        except (KeyError, TypeError):
            return None
    if kind == "getitem" and args[1].__class__ is Const and type(args[1].value) is int:
        return _element(args[0], args[1].value, facts.definitions)
    if kind == "call":
        _unexpand_call(op, facts)
        return _helper(op, facts)
    return None


def _arithmetic(op, facts):
    if op.kind == "binop":
        _unexpand(op, facts)
        if op.kind != "binop":
            return None
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
    plain = facts.plain(op)
    if cls is gast.Mult:
        if y == 1 and a in plain:  # (1.0 * mask of booleans is not the mask)
            return _named_like(a, op)
        if x == 1 and b in plain:
            return _named_like(b, op)
        if x == -1 and b in plain or y == -1 and a in plain:  # (a sign flip is exact)
            op.kind, op.prim, op.args = "unary", gast.USub, [b if x == -1 else a]
            _Facts.rewrites += 1
            op.binding = bind(lookup(gast.USub), 1, ())
            return None
        for i in (0, 1):  # (1.0 / a) * b is b / a: one rounding instead of two
            recip = facts.definitions.get(op.args[i])
            if recip is not None and recip.kind == "binop" and recip.prim is gast.Div and \
                    _number(recip.args[0]) == 1 and facts.counts.get(op.args[i]) == 1:
                _become_binop(op, gast.Div)
                op.args = [op.args[1 - i], recip.args[1]]
                return None
    elif cls is gast.Add:
        if y == 0 and a in plain:
            return a
        if x == 0 and b in plain:
            return b
        if facts.backward(op):
            _factor(op, facts)
    elif cls in (gast.Sub, gast.Div, gast.Pow):
        if y == (0 if cls is gast.Sub else 1) and a in plain:
            return a
    return None


def _named_like(value, op):
    """``value``, taking the adjoint's name of the product it replaces (``dr``, not
    ``power_slope``) when its own is a helper's."""
    hint = op.outs[0].hint
    if value.__class__ is Var and not value.user and hint.startswith("d") and \
            not value.hint.startswith("d"):
        value.hint = hint
    return value


def _factor(op, facts) -> None:
    """``t * a + t * b`` is ``t * (a + b)``: one product fewer, one temporary fewer (derivative
    code only: the rounding may differ by an ulp). The products are looked through as chains
    (``t * u * v``), each used only here."""
    left, right = _factors(op.args[0], facts), _factors(op.args[1], facts)
    if len(left) < 2 and len(right) < 2:
        return
    common = next((f for f in left if f.__class__ is Var and f in right), None)
    if common is None:
        return
    rest = []
    for factors in (left, right):
        factors = list(factors)
        factors.remove(common)
        rest.append(_product(factors, op, facts))
    total = Op([Var("sum")], "binop", gast.Add, rest, binding=op.binding, origin=op.origin)
    facts.pending.append(total)
    _become_binop(op, gast.Mult)
    op.args = [common, total.outs[0]]


def _factors(atom, facts) -> list:
    """The factors of a product used once (``t * u * v``: [t, u, v]); [atom] otherwise."""
    op = facts.definitions.get(atom)
    if op is None or op.kind != "binop" or op.prim is not gast.Mult or \
            facts.counts.get(atom) != 1 or not facts.backward(op):
        return [atom]
    return _factors(op.args[0], facts) + _factors(op.args[1], facts)


def _product(factors, op, facts):
    if not factors:
        return Const(1.0)
    value = factors[0]
    for f in factors[1:]:
        product = Op([Var("mul")], "binop", gast.Mult, [value, f],
                     binding=bind(lookup(gast.Mult), 2, ()), origin=op.origin)
        facts.pending.append(product)
        value = product.outs[0]
    return value


def _unexpand(op, facts) -> None:
    """``expand_to(c, y) * z`` is ``c * z`` when ``z`` has ``y``'s shape and ``c`` is a
    scalar, or the adjoint of a reduction with ``keepdims``: the result has that shape either
    way, so ``c`` need not be spread over it first. With a scalar ``s`` instead of ``z``, the op becomes ``expand_to(c * s, y)``, so a
    chain of scalar factors stays a number until an array meets it."""
    if op.prim not in (gast.Mult, gast.Add, gast.Sub, gast.Div):
        return
    shapes = facts.shapes(op)
    for i in (0, 1):
        spread = facts.definitions.get(op.args[i])
        other = op.args[1 - i]
        lazy = _lazy_constant(spread, shapes)
        if not lazy and not _kept_dims(spread):
            continue
        if shapes.same(other, spread.args[1]):
            op.args[i] = spread.args[0]
            return
        if lazy and shapes.scalar(other):
            operands = [spread.args[0], other] if i == 0 else [other, spread.args[0]]
            scalar = Op([Var("scale")], "binop", op.prim, operands, binding=op.binding,
                        origin=op.origin)
            facts.pending.append(scalar)
            op.kind, op.prim, op.method, op.fn = "call", runtime.expand_to, None, None
            op.args, op.kwargs, op.binding = [scalar.outs[0], spread.args[1]], [], None
            return


def _unexpand_call(op, facts) -> None:
    """``np.where(m, expand_to(c, y), z)`` (or a ufunc) is ``np.where(m, c, z)`` when another
    operand has ``y``'s shape: the broadcast of the operands is that shape either way."""
    if op.kwargs or not (elementwise(op.prim) or op.prim is np.where):
        return
    shapes = facts.shapes(op)
    for i, arg in enumerate(op.args):
        spread = facts.definitions.get(arg)
        if not (_lazy_constant(spread, shapes) or _kept_dims(spread)):
            continue
        if any(shapes.same(other, spread.args[1]) for j, other in enumerate(op.args) if j != i):
            op.args[i] = spread.args[0]


def _kept_dims(op) -> bool:
    """``op`` is ``expand_to(q, y, axis, True)``: ``q`` (a reduction's adjoint, with ``y``'s
    axes, 1 where reduced -- or a number) broadcasts against a value of ``y``'s shape by
    itself."""
    if op is None or op.kind != "call" or op.prim is not runtime.expand_to:
        return False
    keepdims = op.args[3] if len(op.args) >= 4 else dict(op.kwargs).get("keepdims")
    return keepdims.__class__ is Const and keepdims.value is True


def _lazy_constant(op, shapes) -> bool:
    """``op`` is ``expand_to(c, y)`` of a scalar ``c`` over all of ``y``."""
    return op is not None and op.kind == "call" and op.prim is runtime.expand_to and \
        len(op.args) >= 2 and _no_axis(op) and shapes.scalar(op.args[0])


def _no_axis(op) -> bool:
    rest = op.args[2:] + [a for _, a in op.kwargs]
    return all(a.__class__ is Const and a.value in (None, False) for a in rest)


def _element(container, index, definitions):
    """``(a, b, c)[1]`` is ``b`` (a tuple built right there)."""
    op = definitions.get(container)
    if op is not None and op.kind == "tuple" and -len(op.args) <= index < len(op.args):
        return op.args[index]
    return None


def _helper(op, facts):
    prim, args = op.prim, op.args
    if not hashable(prim) or prim not in _KNOWN or op.kwargs:
        return None
    shapes = facts.shapes(op)
    if prim is runtime.mask_mul and len(args) == 2 and args[1] == Const(True):
        return args[0]
    if prim is runtime.fpow and len(args) == 2:
        power = _number(args[1])
        if power == 1 and args[0] in facts.plain(op):
            return args[0]
        if power is not None and power >= 0:
            _become_binop(op, gast.Pow)  # a non-negative power never divides by zero
        return None
    if prim is runtime.power_slope and len(args) == 2:
        power = _number(args[1])
        if power is not None and power != 0:  # y * x ** (y - 1), the power folded
            slope = Op([Var("pow")], "call", runtime.fpow, [args[0], Const(power - 1)],
                       origin=op.origin)
            facts.pending.append(slope)
            _become_binop(op, gast.Mult)
            op.args = [Const(power), slope.outs[0]]
        return None
    if prim is runtime.reshape_order and len(args) == 2 and args[1].__class__ is Const and \
            args[1].value in ("C", "F", None):
        return Const(args[1].value or "C")  # (only "A" and "K" depend on the array's layout)
    if prim is runtime.ratio and len(args) == 2:
        if _number(args[1]) not in (None, 0):
            _become_binop(op, gast.Div)
        return None
    if prim is runtime.unbroadcast and len(args) == 2:
        return args[0] if shapes.same(args[0], args[1]) else None
    if prim is runtime.seed and len(args) == 1 and facts.shape_facts.scalar(args[0]):
        return Const(1.0)  # a full reduction: surely a real scalar (inputs are checked real)
    return None


_KNOWN = {runtime.mask_mul, runtime.fpow, runtime.ratio, runtime.unbroadcast, runtime.seed,
          runtime.power_slope, runtime.reshape_order}


def _become_binop(op, cls) -> None:
    _Facts.rewrites += 1  # (an operation changed in place: another round may fold more)
    rule = lookup(cls)
    op.kind, op.prim, op.method, op.fn = "binop", cls, None, None
    op.binding = bind(rule, 2, ()) if rule is not None else None
