"""Control flow: if/elif/else on values, conditional expressions, for over range / arrays /
lists / enumerate / zip / reversed, while, break/continue, loop else, early return, nesting,
and names re-bound inside and after the blocks.

Thresholds are chosen from the live values (for loops, from the trajectory of the tested
quantity over every iteration, recorded by a probe run) and kept away from all of them, so a
finite-difference step never flips a branch.
"""
from __future__ import annotations

import numpy as np

from . import expressions, indexing, primitives
from .builder import Ctx, Rejected, indent, is_float_value, is_python_scalar
from .expressions import apply_binary, expression, return_expression, scalar_of


def _quantity(ctx: Ctx, pred=None) -> str:
    name = ctx.pick(pred)
    if name is None:
        raise Rejected("nothing to test")
    return scalar_of(ctx, name)


def _threshold_from(ctx: Ctx, values: list[float]) -> float:
    """A threshold near one of ``values`` and away from all of them."""
    for _ in range(8):
        base = ctx.rng.choice(values)
        t = round(base + ctx.rng.choice([-1, 1]) * ctx.rng.uniform(0.06, 0.5), 2)
        if all(abs(v - t) > 0.05 * max(1.0, abs(v)) for v in values):
            return t
    raise Rejected("no threshold with a margin")


def condition(ctx: Ctx) -> str:
    ints = [n for n, v in ctx.env.items() if isinstance(v, int) and not isinstance(v, bool)]
    if ints and ctx.rng.random() < 0.15:
        n = ctx.rng.choice(ints)
        return f"{n} {ctx.rng.choice(['>', '<', '==', '!='])} {ctx.env[n] + ctx.rng.choice([-1, 0, 1])}"
    q = _quantity(ctx)
    t = _threshold_from(ctx, [float(ctx.value(q))])
    return f"{q} {ctx.rng.choice(['>', '<', '>=', '<='])} {t}"


def _targets(ctx: Ctx) -> list[str]:
    """Names every branch assigns: existing ones (re-bound) or new ones."""
    existing = [n for n in ctx.float_names() if n in ctx.active]
    out = []
    for _ in range(ctx.rng.choice([1, 1, 2])):
        if existing and ctx.rng.random() < 0.6:
            out.append(ctx.rng.choice(existing))
        else:
            out.append(ctx.fresh("h"))
    return list(dict.fromkeys(out))


def _extra(ctx: Ctx) -> None:
    """A statement inside a block whose new names stay local to it."""
    r = ctx.rng.random()
    if r < 0.6:
        lines, target = expressions.assignment(ctx, rebind=0.0)
        ctx.emit(lines, targets=[target])
    elif r < 0.8:
        indexing.write(ctx)
    else:
        primitives.reduction(ctx)


def _branch(ctx: Ctx, targets: list[str], shapes: dict) -> list[str]:
    child = ctx.child()
    for _ in range(ctx.rng.choice([0, 0, 1, 2])):
        try:
            _extra(child)
        except Rejected:
            pass
    for t in targets:
        for _ in range(8):
            text, value = expression(child, ctx.rng.choice([1, 2]))
            want = shapes.get(t, np.shape(ctx.env[t]) if t in ctx.env else None)
            if is_float_value(value) and (want is None or np.shape(value) == want):
                break
        else:
            raise Rejected("no expression of the target's shape")
        shapes.setdefault(t, np.shape(value))
        child.emit([f"{t} = {text}"], targets=[t])
    return child.lines


def _forget_locals(ctx: Ctx, before: set, keep) -> None:
    """Names a block created that may be unbound after it (its own temporaries)."""
    for k in set(ctx.env) - before - set(keep):
        del ctx.env[k]
    ctx.unread = [n for n in ctx.unread if n in ctx.env]
    ctx.owned &= set(ctx.env)


def if_statement(ctx: Ctx) -> None:
    targets, shapes = _targets(ctx), {}
    lines = [f"if {condition(ctx)}:"] + indent(_branch(ctx, targets, shapes))
    for _ in range(ctx.rng.choice([0, 0, 1])):
        lines += [f"elif {condition(ctx)}:"] + indent(_branch(ctx, targets, shapes))
    if ctx.rng.random() < 0.75 or any(t not in ctx.env for t in targets):
        lines += ["else:"] + indent(_branch(ctx, targets, shapes))
    before = set(ctx.env)
    ctx.emit(lines, targets=targets, owned=())
    _forget_locals(ctx, before, targets)


def conditional_expression(ctx: Ctx) -> None:
    target = _targets(ctx)[0]
    a, av = expression(ctx, 1)
    for _ in range(6):
        b, bv = expression(ctx, 1)
        if np.shape(bv) == np.shape(av):
            break
    else:
        raise Rejected("branches differ in shape")
    ctx.emit([f"{target} = {a} if {condition(ctx)} else {b}"], targets=[target])


def early_return(ctx: Ctx) -> None:
    if ctx.depth > 0 or ctx.returns_early:
        raise Rejected("early return only at the top")
    cond, value = condition(ctx), return_expression(ctx)
    probe = [f"if {cond}:", f"    _probe_early = {value}"]
    env = ctx.run(probe, probe)
    ctx.lines += [f"if {cond}:", f"    return {value}"]
    ctx.returns_early = "_probe_early" in env


# -- loops -----------------------------------------------------------------------------------
def _iteration(ctx: Ctx):
    """(header, loop variables' first values, text of the thing iterated)."""
    arrays = ctx.float_names(lambda v: np.ndim(v) >= 1)
    ints = [n for n, v in ctx.env.items() if isinstance(v, int) and not isinstance(v, bool)
            and 1 <= v <= 4]
    kinds = ["range", "range"] + (["array", "enumerate", "reversed", "zip"] if arrays else []) \
        + (["range_n"] if ints else []) + ["list"]
    kind = ctx.rng.choice(kinds)
    if kind == "range":
        k = ctx.rng.choice([2, 3, 4])
        start = ctx.rng.choice([0, 0, 1])
        return (f"for i in range({k}):" if start == 0 else f"for i in range(1, {k}):"), {"i": start}
    if kind == "range_n":
        return f"for i in range({ctx.rng.choice(ints)}):", {"i": 0}
    if kind == "list":
        items = [ctx.pick() or "1.0" for _ in range(ctx.rng.choice([2, 3]))]
        return f"for v in [{', '.join(items)}]:", {"v": ctx.value(items[0])}
    a = ctx.rng.choice([n for n in arrays if n in ctx.active] or arrays)
    av = ctx.env[a]
    if kind == "array":
        return f"for v in {a}:", {"v": av[0]}
    if kind == "reversed":
        return f"for v in reversed({a}):", {"v": av[-1]}
    if kind == "enumerate":
        return f"for i, v in enumerate({a}):", {"i": 0, "v": av[0]}
    b = [n for n in arrays if n != a and len(ctx.env[n]) == len(av)]
    if not b:
        return f"for v in {a}:", {"v": av[0]}
    bn = ctx.rng.choice(b)
    return f"for v, u in zip({a}, {bn}):", {"v": av[0], "u": ctx.env[bn][0]}


def _carried(ctx: Ctx) -> list[str]:
    """Values carried around the loop: re-bound names or accumulators set before it."""
    out = []
    for _ in range(ctx.rng.choice([1, 1, 2])):
        existing = [n for n in ctx.float_names() if n in ctx.active]
        if existing and ctx.rng.random() < 0.5:
            out.append(ctx.rng.choice(existing))
            continue
        acc = ctx.fresh("acc")
        base = ctx.pick() or "1.0"
        init = ctx.rng.choice(["0.0", f"{base} * 0.0", f"np.zeros_like({base})", "1.0",
                               f"{base}"])
        ctx.emit([f"{acc} = {init}"], targets=[acc])
        out.append(acc)
    return list(dict.fromkeys(out))


def _update(body: Ctx, t: str) -> str:
    """``t = op(t, expression)``, keeping t's shape once it is an array."""
    tv = body.env[t]
    for _ in range(8):
        other, ov = expression(body, 1)
        if "i" in body.env and body.rng.random() < 0.3:
            other = f"{expressions.paren(other)} * (1.0 + 0.2 * i)"
            ov = body.value(other)
        rhs = apply_binary(body, t, tv, other, ov)
        if rhs is None:
            continue
        if body.rng.random() < 0.3:
            rhs = expressions.apply_unary(body, rhs, body.value(rhs)) or rhs
        value = body.value(rhs)
        if is_python_scalar(tv) or np.shape(value) == np.shape(tv):
            return rhs
    raise Rejected("no update of a stable shape")


def _body(ctx: Ctx, bound: dict, carried: list[str]) -> Ctx:
    body = ctx.child(dict(ctx.env, **bound))
    for _ in range(ctx.rng.choice([0, 0, 1])):
        nested = ctx.rng.choice([for_loop, if_statement]) if body.depth <= 2 else _extra
        try:
            _extra(body) if ctx.rng.random() < 0.6 else nested(body)
        except Rejected:
            pass
    for t in carried:
        body.emit([f"{t} = {_update(body, t)}"], targets=[t])
    return body


def _probe_quantity(ctx: Ctx, header: str, body: list[str], q: str) -> list[float]:
    """Run the loop once with the quantity recorded at the end of every iteration."""
    probe = ["_probe_trace = []", header] + indent(body) + [f"    _probe_trace.append(float({q}))"]
    env = ctx.run(probe, probe)
    return env["_probe_trace"]


def for_loop(ctx: Ctx) -> None:
    ctx.categories.add("control_flow")
    carried = _carried(ctx)
    header, bound = _iteration(ctx)
    body = _body(ctx, bound, carried)
    lines = list(body.lines)
    tail = []
    exit_kind = ctx.rng.choice(["none", "none", "break", "continue", "else_break"])
    if exit_kind in ("break", "else_break"):
        q = scalar_of(body, ctx.rng.choice(carried))
        t = _threshold_from(ctx, _probe_quantity(ctx, header, lines, q) or [0.0])
        lines += [f"if {q} {ctx.rng.choice(['>', '<'])} {t}:", "    break"]
        if exit_kind == "else_break":
            c = ctx.rng.choice(carried)
            tail = ["else:", f"    {c} = {c} * 0.5"]
    elif exit_kind == "continue" and "i" in bound:
        lines = [f"if i % 2 == {ctx.rng.choice([0, 1])}:", "    continue"] + lines
    before = set(ctx.env)
    ctx.emit([header] + indent(lines) + tail, targets=carried, owned=())
    _forget_locals(ctx, before, carried)


def while_loop(ctx: Ctx) -> None:
    ctx.categories.add("control_flow")
    carried = _carried(ctx)
    if ctx.rng.random() < 0.5:  # a counter
        k = ctx.fresh("k")
        ctx.emit([f"{k} = 0"], targets=[k])
        body = _body(ctx, {}, carried)
        lines = [f"while {k} < {ctx.rng.choice([2, 3, 4])}:"] + indent(body.lines) + \
            [f"    {k} += 1"]
    else:  # shrink until small: terminates since the factor is < 1
        h = carried[0]
        factor = ctx.rng.choice([0.5, 0.6, 0.7])
        probe_body = [f"{h} = {factor} * {h}"]
        q = f"np.sum({h} ** 2)"
        trace = _probe_quantity(ctx, "for _ in range(12):", probe_body, q)
        start = float(ctx.value(q))
        t = _threshold_from(ctx, trace[:4])
        if not (0 < t < start - 0.05 * max(1.0, start)):
            raise Rejected("loop would not run")
        lines = [f"while {q} > {t}:", f"    {h} = {factor} * {h}"]
    before = set(ctx.env)
    ctx.emit(lines, targets=carried, owned=())
    _forget_locals(ctx, before, carried)


def control_flow(ctx: Ctx) -> None:
    ctx.categories.add("control_flow")
    choice = ctx.rng.choice([if_statement, if_statement, conditional_expression, for_loop,
                             for_loop, for_loop, while_loop, early_return])
    choice(ctx)
    if ctx.rng.random() < 0.35:  # re-bound after the block, as in `h = 0.5 * h`
        name = ctx.unread[-1] if ctx.unread else ctx.pick()
        if name is not None:
            ctx.emit([f"{name} = {ctx.rng.choice(['0.5', '2.0', '-1.5'])} * {name}"],
                     targets=[name])
