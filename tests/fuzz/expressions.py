"""Elementwise expressions with broadcasting, written as a numpy user writes them.

Every operation comes with a guard on its operands' live values: the domain (log and sqrt of
positive values, division away from 0, exp of moderate values) and the kinks (abs, maximum,
clip, where) kept at ``KINK_MARGIN`` from every entry.
"""
from __future__ import annotations

import numpy as np

from .builder import (
    KINK_MARGIN,
    MAX_SIZE,
    Ctx,
    Rejected,
    away_from,
    is_float_value,
    is_python_scalar,
    literal,
    paren,
)


def _any(v):
    return True


def _positive(v):
    return bool(np.min(v) > 0.15)


def _nonzero(v):
    return away_from(v, 0.0, 0.4)


def _moderate(v):
    return bool(np.max(np.abs(v)) < 2.5)


def _math(v):
    return is_python_scalar(v)


# (template, guard): ``{0}`` is the operand, parenthesized when needed.
UNARY = [
    ("np.sin({0})", _any), ("np.cos({0})", _any), ("np.tanh({0})", _any), ("-{0}", _any),
    ("{0} ** 2", _any), ("{0} ** 3", _moderate), ("np.exp({0})", _moderate),
    ("np.log({0})", _positive), ("np.log(1.0 + {0} ** 2)", _any), ("np.sqrt({0})", _positive),
    ("np.sqrt({0} * {0} + 1.0)", _any), ("np.abs({0})", lambda v: away_from(v, 0.0)),
    ("1.0 / {0}", _nonzero), ("{0} / 3.0", _any), ("2.5 * {0}", _any), ("{0} + 0.5", _any),
    ("0.5 - {0}", _any), ("np.maximum({0}, 0.2)", lambda v: away_from(v, 0.2)),
    ("np.minimum({0}, -0.1)", lambda v: away_from(v, -0.1)),
    ("np.clip({0}, -0.8, 0.6)", lambda v: away_from(v, -0.8) and away_from(v, 0.6)),
    ("{0}.clip(-1.0, 1.0)", lambda v: away_from(v, -1.0) and away_from(v, 1.0)),
    ("np.where({0} > 0.3, {0}, 0.3 * {0})", lambda v: away_from(v, 0.3)),
    ("np.arctan({0})", _any), ("np.sinh({0})", _moderate), ("np.expm1({0})", _moderate),
    ("np.log1p({0} ** 2)", _any), ("np.square({0})", _any), ("np.reciprocal({0})", _nonzero),
    ("{0} ** 0.5", _positive), ("{0} ** 1.5", _positive), ("np.power({0}, 2)", _any),
    ("np.deg2rad({0})", _any), ("np.cbrt({0})", lambda v: away_from(v, 0.0, 0.2)),
    ("np.sin({0}) * {0}", _any), ("{0} * np.exp(-{0} ** 2)", _any),
    ("math.sin({0})", _math), ("math.cos({0})", _math), ("math.tanh({0})", _math),
    ("math.exp({0})", lambda v: _math(v) and _moderate(v)),
    ("math.log({0})", lambda v: _math(v) and _positive(v)),
    ("math.sqrt({0})", lambda v: _math(v) and _positive(v)),
    ("abs({0})", lambda v: _math(v) and away_from(v, 0.0)),
    ("math.atan({0})", _math), ("math.log1p({0} * {0})", _math),
]


def _gap(a, b):
    return away_from(np.subtract(a, b), 0.0)


def _not_origin(a, b):
    return bool(np.all(np.hypot(a, b) > 0.3))


def _no_cut(a, b):
    """arctan2 jumps by 2 pi across the negative x axis (a == 0, b < 0)."""
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    return _not_origin(a, b) and bool(np.all((np.abs(a) > 0.3) | (b > 0.3)))


BINARY = [
    ("{0} + {1}", lambda a, b: True), ("{0} - {1}", lambda a, b: True),
    ("{0} * {1}", lambda a, b: True), ("{0} / {1}", lambda a, b: _nonzero(b)),
    ("{0} / (1.0 + {1} ** 2)", lambda a, b: True), ("0.5 * {0} - {1}", lambda a, b: True),
    ("np.maximum({0}, {1})", _gap), ("np.minimum({0}, {1})", _gap),
    ("np.where({0} > {1}, {0} * {1}, {1})", _gap), ("np.fmax({0}, {1})", _gap),
    ("np.hypot({0}, {1})", _not_origin), ("np.arctan2({0}, {1})", _no_cut),
    ("np.logaddexp({0}, {1})", lambda a, b: True),
    ("{0} ** {1}", lambda a, b: _positive(a) and _moderate(b)),
    ("np.sin({0}) * np.cos({1})", lambda a, b: True), ("{0} * {1} * {1}", lambda a, b: True),
    ("math.hypot({0}, {1})", lambda a, b: _math(a) and _math(b) and _not_origin(a, b)),
    ("math.atan2({0}, {1})", lambda a, b: _math(a) and _math(b) and _no_cut(a, b)),
    ("math.pow({0}, {1})", lambda a, b: _math(a) and _math(b) and _positive(a)
     and _moderate(b)),
]


def broadcastable(a, b) -> bool:
    try:
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        return False
    return int(np.prod(shape)) <= MAX_SIZE and len(shape) <= 2


def apply_unary(ctx: Ctx, text: str, value, tries: int = 6) -> str | None:
    for _ in range(tries):
        template, guard = ctx.rng.choice(UNARY)
        try:
            ok = guard(value)
        except (TypeError, ValueError):
            ok = False
        if ok:
            return template.format(paren(text))
    return None


def apply_binary(ctx: Ctx, a: str, av, b: str, bv, tries: int = 6) -> str | None:
    if not broadcastable(av, bv):
        return None
    for _ in range(tries):
        template, guard = ctx.rng.choice(BINARY)
        try:
            ok = guard(av, bv)
        except (TypeError, ValueError):
            ok = False
        if ok:
            return template.format(paren(a), paren(b))
    return None


def leaf(ctx: Ctx, pred=None) -> str:
    """A variable (most of the time) or a literal float."""
    name = ctx.pick(pred)
    if name is None or ctx.rng.random() < 0.08:
        return literal(ctx.rng)
    return name


def expression(ctx: Ctx, depth: int = 2, pred=None) -> tuple[str, object]:
    """A random elementwise expression over live variables, and its value."""
    if depth <= 0 or ctx.rng.random() < 0.25:
        text = leaf(ctx, pred)
        return text, ctx.value(text)
    a, av = expression(ctx, depth - 1, pred)
    if ctx.rng.random() < 0.45:
        text = apply_unary(ctx, a, av)
    else:
        b, bv = expression(ctx, depth - 1, pred)
        if a == b and ctx.rng.random() < 0.5:  # same operand twice: try another
            b, bv = expression(ctx, depth - 1, pred)
        text = apply_binary(ctx, a, av, b, bv)
        if text is None and np.ndim(bv) == 0:  # a scalar always broadcasts
            text = apply_binary(ctx, a, av, b, bv)
    if text is None:
        return a, av
    return text, ctx.value(text)


def assignment(ctx: Ctx, depth: int = 2, rebind: float = 0.3) -> list[str]:
    """``t = expr``, or a re-binding of an existing name (``h = np.cos(h)``)."""
    text, value = expression(ctx, depth)
    names = [n for n in ctx.float_names() if n in text]
    target = ctx.fresh("t")
    if names and ctx.rng.random() < rebind:
        target = ctx.rng.choice(names)
    return [f"{target} = {text}"], target


def augmented(ctx: Ctx) -> tuple[list[str], str] | None:
    """``t += expr`` on a number or an array the function owns: bound by an expression that
    made it, and shared with no other name (``y = x; y += 1`` is documented as refused)."""
    names = [n for n in ctx.float_names() if n in ctx.owned]
    if not names:
        return None
    target = ctx.rng.choice(names)
    tv = ctx.env[target]
    text, value = expression(ctx, 1)
    if isinstance(tv, np.ndarray):
        if not broadcastable(tv, value) or \
                np.broadcast_shapes(np.shape(tv), np.shape(value)) != tv.shape:
            return None
    op = ctx.rng.choice(["+=", "-=", "*="])
    if op == "*=" and not (_moderate(value) and away_from(value, 0.0, KINK_MARGIN)):
        op = "+="
    return [f"{target} {op} {text}"], target


def statement(ctx: Ctx) -> None:
    """One elementwise statement, emitted into ``ctx``."""
    ctx.categories.add("elementwise")
    if ctx.rng.random() < 0.15:
        made = augmented(ctx)
        if made:
            lines, target = made
            ctx.emit(lines, targets=[target], owned=[target])
            return
    lines, target = assignment(ctx, depth=ctx.rng.choice([1, 2, 2, 3]))
    ctx.emit(lines, targets=[target])  # owned only if the expression made a new value


def scalar_of(ctx: Ctx, name: str) -> str:
    """A scalar summary of a variable (for conditions, helpers' numbers)."""
    v = ctx.env[name]
    if np.ndim(v) == 0:
        return name
    return ctx.rng.choice([f"np.sum({name})", f"np.mean({name})", f"np.max({name})",
                           f"float(np.sum({name} ** 2))", f"{name}.sum()"])


def raise_if_none(value, why: str):
    if value is None:
        raise Rejected(why)
    return value


def return_expression(ctx: Ctx) -> str:
    """A scalar made of the values written last and not read since, each reduced so that
    every entry's gradient is distinct: a weighted sum with a module-level weight array (a
    plain sum would not notice a gradient sent to the wrong index), or a nonlinear sum."""
    names = [n for n in ctx.unread[-3:] if is_float_value(ctx.env.get(n))]
    if not names:
        name = ctx.pick()
        names = [name] if name else []
    terms = []
    for n in names:
        v = ctx.env[n]
        if np.ndim(v) == 0:
            terms.append(ctx.rng.choice([n, f"{n} * 1.5", f"np.sin({n})", f"{n} ** 2"]))
            continue
        weights = ctx.rng.choice([True, True, False])
        if weights:
            w = ctx.add_constant("W", np.asarray(
                [ctx.rng.uniform(-1.5, 1.5) for _ in range(np.size(v))]).reshape(np.shape(v)))
            terms.append(f"np.sum({n} * {w})")
        else:
            terms.append(ctx.rng.choice([f"np.sum(np.sin({n}))", f"np.mean({n} ** 2)",
                                         f"np.sum({n} ** 3)"]))
    return " + ".join(terms) or "0.0"
