"""Pass 6a: reuse a forward value the backward sweep recomputes in another order.

The quotient rule sends ``g / q`` to the numerator of ``f = e / q``; when the numerator is
``e = np.exp(u)``, the next rule multiplies that by ``e`` again::

    f = e / q               # forward
    de = 1.0 / q            # backward
    du = de * e

``du`` is ``f`` itself: the same product of the same values, with its factors in another
order. ``reuse_products`` finds such statements by writing every product and quotient of
names as a *monomial* (a constant times names raised to integer powers, with single-use
definitions expanded) and replaces a backward statement whose monomial is a constant times
that of a forward value with that value: ``du = f``. One multiplication and one division
fewer, and ``e`` need no longer outlive the forward sweep (softmax's ``e / np.sum(e)`` gains
the same way). Float results differ from the original order by rounding only.

Only whole right-hand sides are matched, only values the backward sweep already reads are
reused (the saved forward values never grow), and every name involved must be bound once at
the top level of the function and never written into, so equal names mean equal values.
"""
from __future__ import annotations

import numbers

import gast

from . import nodes
from .optimize import eliminate_dead_code, store_counts

_PRODUCT_OPS = (gast.Mult, gast.Div)


def reuse_products(body: list, params: set[str], counts=None) -> list:
    """Replace backward right-hand sides equal (up to a constant) to a forward value.
    (``counts``: ``store_counts(body)`` when the caller has it.)"""
    counts = counts if counts is not None else store_counts(body)
    written = _written_into(body)

    def stable(name):
        return name not in written and counts.get(name, 0) == (0 if name in params else 1)

    defined: dict[str, tuple] = {}  # name -> its monomial (top-level single bindings)
    known: dict[frozenset, tuple] = {}  # forward monomial's factors -> (name, monomial)
    read_backward: set[str] | None = None  # built at the first match (most functions have none)
    changed = False
    for stmt in body:
        if not (type(stmt) is gast.Assign and len(stmt.targets) == 1 and
                type(stmt.targets[0]) is gast.Name and stable(stmt.targets[0].id)):
            continue
        target = stmt.targets[0].id
        term = _monomial(stmt.value, defined, stable)
        if term is None:
            continue
        generated = getattr(stmt, "sg_generated", False)
        if generated and type(stmt.value) is gast.BinOp and term[1] in known:
            if read_backward is None:
                read_backward = {n for s in body if getattr(s, "sg_generated", False)
                                 for n in nodes.loaded_names(s)}
            name, known_term = known[term[1]]
            value = _scaled(term, name, known_term) if name in read_backward else None
            if value is not None:
                stmt.value = value
                changed = True
                term = _monomial(value, defined, stable)
        defined[target] = term
        if not generated and sum(abs(p) for _, p in term[1]) > 1:
            known.setdefault(term[1], (target, term))
    return eliminate_dead_code(body, set()) if changed else body


def _written_into(body) -> set[str]:
    """Names whose value changes without a re-binding: ``y[i] = v``, ``y += v``."""
    out = set()
    for stmt in nodes.statements(body):
        if type(stmt) is gast.AugAssign:
            out |= nodes.names_in(stmt.target)
        elif type(stmt) is gast.Assign:
            for target in stmt.targets:
                if type(target) is not gast.Name:
                    out |= nodes.names_in(target)
    return out


def _monomial(node, defined, stable):
    """``(coefficient, frozenset((name, power), ...), inexact)`` for a product of names and
    numbers, or None for anything else. ``inexact``: it divides or has a float constant, so its
    dtype is a float's even when every name holds integers."""
    kind = type(node)
    if kind is gast.Name:
        if node.id in defined:
            return defined[node.id]
        return (1, frozenset([(node.id, 1)]), False) if stable(node.id) else None
    if kind is gast.Constant:
        value = node.value
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and value != 0:
            return (value, frozenset(), isinstance(value, float))
        return None
    if kind is gast.UnaryOp and type(node.op) in (gast.USub, gast.UAdd):
        inner = _monomial(node.operand, defined, stable)
        if inner is None:
            return None
        return (-inner[0],) + inner[1:] if type(node.op) is gast.USub else inner
    if kind is gast.BinOp and type(node.op) in _PRODUCT_OPS:
        left = _monomial(node.left, defined, stable)
        right = _monomial(node.right, defined, stable) if left is not None else None
        if right is None:
            return None
        sign = 1 if type(node.op) is gast.Mult else -1
        powers = dict(left[1])
        for name, power in right[1]:
            powers[name] = powers.get(name, 0) + sign * power
        coefficient = left[0] * right[0] if sign > 0 else left[0] / right[0]
        return (coefficient, frozenset((n, p) for n, p in powers.items() if p),
                sign < 0 or left[2] or right[2])
    return None


def _scaled(term, name, known):
    """``name`` (whose monomial is ``known``) scaled to equal ``term``, or None when the
    constant it needs would change the dtype of the result."""
    coefficient, _, inexact = term
    ratio = coefficient / known[0]
    value = nodes.load(name)
    if inexact != known[2]:
        return None  # one is a float whatever the names hold, the other maybe an integer
    if ratio == 1:
        return value
    if ratio == -1:
        return gast.UnaryOp(op=gast.USub(), operand=value)
    if not inexact:
        if not float(ratio).is_integer():
            return None
        return nodes.binop(nodes.const(int(ratio)), gast.Mult(), value)
    return nodes.binop(nodes.const(float(ratio)), gast.Mult(), value)


__all__ = ["reuse_products"]
