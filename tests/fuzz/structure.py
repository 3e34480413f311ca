"""Program structure: module-level helpers (called once or several times, recursion with a
depth argument, helpers calling helpers, keyword defaults), closures, nested defs, lambdas,
functools.partial; containers (tuples, lists, dicts, nesting, unpacking, append/extend,
comprehensions, sum of a list, np.stack of a list); aliasing (``e = s`` and views)."""
from __future__ import annotations

import numpy as np

from . import expressions, flow, indexing
from .builder import Ctx, Rejected, indent, is_float_value, is_scalar, names_in, paren
from .expressions import broadcastable, expression

HELPER_NAMES = ["smooth", "blend", "step", "energy", "mix", "squash", "update", "warp", "cell",
                "layer", "shrink", "bump"]


def _helper_name(ctx: Ctx) -> str:
    base = ctx.rng.choice(HELPER_NAMES)
    return base if base not in ctx.globals else ctx.fresh(base + "_")


def _helper_ctx(ctx: Ctx, env: dict) -> Ctx:
    h = Ctx(ctx.rng, ctx.globals, env, active=set(env), counter=ctx.counter,
            categories=ctx.categories, constants=ctx.constants)
    h.depth = 1  # no early return written into helpers by the flow generator
    return h


def _helper_body(ctx: Ctx, h: Ctx, tuple_result=False) -> list[str]:
    for _ in range(ctx.rng.choice([1, 1, 2, 3])):
        try:
            r = ctx.rng.random()
            if r < 0.2:
                flow.control_flow(h)
            elif r < 0.3:
                indexing.write(h)
            else:
                expressions.statement(h)
        except Rejected:
            pass
    last = h.unread[-2:] or [h.pick()]
    if tuple_result and len(last) == 2:
        return h.lines + [f"return {last[0]}, {last[1]}"]
    return h.lines + [f"return {last[-1]}"]


def _args(ctx: Ctx, count: int) -> list[str]:
    first = ctx.pick()
    if first is None:
        raise Rejected("nothing to pass")
    out = [first]
    for _ in range(count - 1):
        out.append(ctx.pick_other(out[0]) or ctx.pick())
    return out


def _call(ctx: Ctx, name: str, args: list[str], extra: str = "", targets=None) -> list[str]:
    target = targets or ctx.fresh("u")
    line = f"{target} = {name}({', '.join(args)}{extra})"
    ctx.emit([line], targets=[t.strip() for t in target.split(",")], owned=())
    return [target]


def module_helper(ctx: Ctx) -> tuple[str, int, bool]:
    """``def name(a, b[, factor=0.5]): ...`` at module level, called once or twice.
    Returns (name, number of parameters without default, whether it returns a pair)."""
    args = _args(ctx, ctx.rng.choice([1, 2, 2]))
    params = ["a", "b", "c"][:len(args)]
    h = _helper_ctx(ctx, {p: ctx.env[a] for p, a in zip(params, args)})
    default = ctx.rng.random() < 0.3
    if default:
        h.env["factor"] = 0.5
        h.active.add("factor")
    tuple_result = ctx.rng.random() < 0.2
    body = _helper_body(ctx, h, tuple_result)
    name = _helper_name(ctx)
    signature = ", ".join(params + (["factor=0.5"] if default else []))
    ctx.add_module_code("\n".join([f"def {name}({signature}):"] + indent(body)) + "\n")
    extra = ""
    if default and ctx.rng.random() < 0.6:
        s = ctx.float_names(is_scalar)
        extra = f", factor={ctx.rng.choice(s) if s else '0.25'}"
    pair = tuple_result and body[-1].count(",") == 1
    target = f"{ctx.fresh('u')}, {ctx.fresh('u')}" if pair else None
    out = _call(ctx, name, args, extra, target)
    if ctx.rng.random() < 0.5:  # called again, on its own result
        first = out[0].split(",")[0].strip()
        try:
            _call(ctx, name, [first] + args[1:], extra)
        except Rejected:
            pass
    return name, len(params), pair


def recursive_helper(ctx: Ctx) -> None:
    a = ctx.pick()
    if a is None:
        raise Rejected("nothing to pass")
    name = _helper_name(ctx)
    h = _helper_ctx(ctx, {"a": ctx.env[a]})
    step, _ = expression(h, 1)
    if "a" not in names_in(step):  # a recursion that forgets its argument is not a user's
        step = f"a * {paren(step)}"
    form = ctx.rng.choice([f"return {name}({step}, depth - 1)",
                           f"return {expressions.paren(step)} + 0.5 * {name}(a * 0.5, depth - 1)"])
    text = "\n".join([f"def {name}(a, depth):", "    if depth == 0:", "        return a",
                      f"    {form}"]) + "\n"
    ctx.add_module_code(text)
    ints = [n for n, v in ctx.env.items() if isinstance(v, int) and 0 <= v <= 4]
    depth = ctx.rng.choice(ints + ["2", "3"])
    _call(ctx, name, [a, depth])


def helper_chain(ctx: Ctx) -> None:
    """A helper whose body calls another helper."""
    callee, count, pair = module_helper(ctx)
    a = ctx.pick()
    b = ctx.pick_other(a) or a
    name = _helper_name(ctx)
    call = f"{callee}(a, b)" if count == 2 else f"{callee}(a)" if count == 1 else None
    if call is None:
        raise Rejected("callee takes three arguments")
    first = f"    t, t2 = {call}" if pair else f"    t = {call}"
    text = "\n".join([f"def {name}(a, b):", first, "    return np.tanh(t) * b + a"]) + "\n"
    ctx.add_module_code(text)
    _call(ctx, name, [a, b])


def partial_call(ctx: Ctx) -> None:
    """functools.partial of a module-level helper, at module level or built inside f."""
    a, b = _args(ctx, 2)
    name = _helper_name(ctx)
    body, _ = expression(_helper_ctx(ctx, {"p": ctx.env[a], "q": ctx.env[b],
                                           "weight": 0.5}), 2)
    ctx.add_module_code(f"def {name}(p, q, weight=0.5):\n    return {body} * weight + p\n")
    s = ctx.float_names(is_scalar)
    where = ctx.rng.choice(["module", "inside_kw", "inside_pos", "inside_q"])
    if where == "module":
        part = f"{name}_weighted"
        ctx.add_module_code(f"{part} = functools.partial({name}, weight=0.25)\n")
        _call(ctx, part, [a, b])
        return
    part = ctx.fresh("part")
    bind = {"inside_kw": f"weight={ctx.rng.choice(s) if s else '0.3'}", "inside_pos": a,
            "inside_q": f"q={b}"}[where]
    ctx.emit([f"{part} = functools.partial({name}, {bind})"], targets=[part], owned=())
    call_args = {"inside_kw": [a, b], "inside_pos": [b], "inside_q": [a]}[where]
    _call(ctx, part, call_args)


def closure(ctx: Ctx) -> None:
    """A nested def or a lambda that reads f's locals, called once or twice."""
    a = ctx.pick()
    if a is None:
        raise Rejected("nothing to pass")
    name = ctx.fresh(ctx.rng.choice(["inner", "g", "sq", "act"]))
    inner = ctx.child(dict(ctx.env, u=ctx.env[a]))
    inner.active.add("u")
    text, _ = expression(inner, 2)
    if "u" not in names_in(text):
        text = f"u * {paren(text)}"
    kind = ctx.rng.choice(["lambda", "def", "def_default", "def_two"])
    if kind == "lambda":
        lines = [f"{name} = lambda u: {text}"]
    elif kind == "def_default":
        lines = [f"def {name}(u, scale=0.5):", f"    return scale * {expressions.paren(text)}"]
    elif kind == "def_two":
        tmp = ctx.fresh("z")
        lines = [f"def {name}(u):", f"    {tmp} = {text}", f"    return {tmp} * u"]
    else:
        lines = [f"def {name}(u):", f"    return {text}"]
    ctx.emit(lines, targets=[], owned=())
    _call(ctx, name, [a])
    if ctx.rng.random() < 0.5:
        b = ctx.pick_other(a)
        if b is not None:
            try:
                _call(ctx, name, [b])
            except Rejected:
                pass


def helpers(ctx: Ctx) -> None:
    ctx.categories.add("helpers")
    ctx.rng.choice([module_helper, module_helper, recursive_helper, helper_chain,
                    partial_call, closure, closure])(ctx)


# -- containers ------------------------------------------------------------------------------
def containers(ctx: Ctx) -> None:
    ctx.categories.add("containers")
    a = ctx.pick()
    if a is None:
        raise Rejected("nothing to contain")
    b = ctx.pick_other(a) or a
    e1, _ = expression(ctx, 1)
    kind = ctx.rng.choice(["tuple", "nested", "list", "list", "dict", "comprehension",
                           "comprehension", "swap", "concat"])
    t, u = ctx.fresh("pair"), ctx.fresh("t")
    same = np.shape(ctx.env[a]) == np.shape(ctx.env[b])
    if kind == "tuple":
        lines = [f"{t} = ({a}, {e1})", f"{u}, {t}_b = {t}",
                 f"{u} = {u} * {t}_b" if broadcastable(ctx.env[a], ctx.value(e1))
                 else f"{u} = {u} * 2.0"]
        targets = [t, u, f"{t}_b"]
    elif kind == "nested":
        lines = [f"{t} = ({a}, ({a} * 3.0, {b}))", f"{u} = {t}[1][0] + {t}[0] * 0.5"]
        targets = [t, u]
    elif kind == "list":
        lst = ctx.fresh("items")
        lines = [f"{lst} = [{a}, {b}]", f"{lst}.append({e1})"]
        if ctx.rng.random() < 0.4:
            lines.append(f"{lst}.extend([{b} * 0.5, {a}])")
        use = ctx.rng.choice(["sum({0})", "np.stack({0})" if same else "sum({0})",
                              "{0}[-1] * {0}[0]", "{0}[1] + {0}[2]"])
        lines.append(f"{u} = {use.format(lst)}")
        targets = [lst, u]
    elif kind == "dict":
        d = ctx.fresh("params")
        lines = [f"{d} = {{'w': {a}, 'b': {b}}}", f"{d}['c'] = {e1}",
                 f"{u} = {d}['w'] * {d}['c'] + {d}['b']"]
        targets = [d, u]
    elif kind == "comprehension":
        src = ctx.rng.choice([f"[{a}, {b}]", a if np.ndim(ctx.env[a]) >= 1 else f"[{a}, {b}]"])
        item = ctx.rng.choice(["np.sin(v) * k", "v ** 2 + k", "np.cos(v) * (k + 1.0)"])
        lst = f"[{item} for k, v in enumerate({src})]"
        use = ctx.rng.choice(["sum({0})", "np.stack({0})", "np.sum({0})", "{0}[-1]"])
        lines = [f"{u} = {use.format(lst)}"]
        targets = [u]
    elif kind == "concat":
        # a container made by an operator holds the operands' items: a write into one of
        # them is seen through it (refused when the container is read afterwards)
        v, lst = ctx.fresh("v"), ctx.fresh("items")
        made = ctx.rng.choice([f"[{v}] + [{b}]", f"[{v}] * 2", f"({v},) + ({b},)"])
        lines = [f"{v} = {a} * 1.0", f"{lst} = {made}"]
        if np.ndim(ctx.env[a]) >= 1 and ctx.rng.random() < 0.5:
            lines.append(f"{v}[0] = {v}[-1] * 2.0")
        lines.append(f"{u} = {lst}[0] * 1.5 + {lst}[-1]" if same else f"{u} = {lst}[0] * 1.5")
        targets = [v, lst, u]
    else:
        lines = [f"{t}, {u} = {b}, {a}", f"{u} = {u} * {t}" if
                 broadcastable(ctx.env[a], ctx.env[b]) else f"{u} = {u} * 2.0"]
        targets = [t, u]
    ctx.emit(lines, targets=targets, owned=())


# -- aliasing --------------------------------------------------------------------------------
def aliasing(ctx: Ctx) -> None:
    ctx.categories.add("aliasing")
    s = ctx.pick()
    if s is None:
        raise Rejected("nothing to alias")
    sv = ctx.env[s]
    e = ctx.fresh("e")
    views = [s]
    if np.ndim(sv) >= 1:
        views += [f"{s}[:]", f"np.asarray({s})", f"{s}.reshape(-1)", f"{s}[::-1]"]
    if np.ndim(sv) == 2:
        views += [f"{s}.T", f"{s}[0]"]
    view = ctx.rng.choice(views)
    ctx.emit([f"{e} = {view}"], targets=[e], owned=())
    ev = ctx.env[e]
    t = ctx.fresh("t")
    uses = ["np.sum({0}) + np.sum({1})", "np.sum({0} ** 2) * np.mean({1})"]
    if broadcastable(sv, ev):
        uses += ["{0} * {1}", "{1} - 0.5 * {0}"]
    kind = ctx.rng.choice(["both", "rebind_source", "container"])
    if kind == "rebind_source" and s not in ctx.globals:
        ctx.emit([f"{s} = np.cos({s})"], targets=[s])
    if kind == "container":
        ctx.emit([f"{t} = [{s}, {e}]", f"{t} = {t}[0] * 2.0 + np.sum({t}[1])"], targets=[t])
        return
    ctx.emit([f"{t} = {ctx.rng.choice(uses).format(s, e)}"], targets=[t])
    if not is_float_value(ctx.env[t]):
        raise Rejected("not a float")
