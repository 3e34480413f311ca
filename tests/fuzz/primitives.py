"""Multi-operand primitives (each operand differentiated) and reductions with axis/keepdims."""
from __future__ import annotations

import numpy as np

from .builder import KINK_MARGIN, Ctx, Rejected, away_from, is_python_scalar, is_scalar
from .expressions import broadcastable, expression


def _arrays(ctx: Ctx, ndim_min: int = 1):
    return ctx.float_names(lambda v: np.ndim(v) >= ndim_min)


def _pick_array(ctx: Ctx, ndim_min: int = 1, exclude=()) -> str:
    names = [n for n in _arrays(ctx, ndim_min) if n not in exclude]
    if not names:
        raise Rejected("no array")
    active = [n for n in names if n in ctx.active]
    return ctx.rng.choice(active if active and ctx.rng.random() < 0.8 else names)


def _partner(ctx: Ctx, name: str, same_shape: bool = True) -> str:
    """A second operand, preferably another variable (of the same shape when needed); else
    an expression of a scalar variable and ``name``, so both still carry gradients."""
    shape = np.shape(ctx.env[name])
    names = [n for n in ctx.float_names() if n != name and
             (np.shape(ctx.env[n]) == shape if same_shape else np.ndim(ctx.env[n]) >= 1)]
    if names and ctx.rng.random() < 0.8:
        active = [n for n in names if n in ctx.active]
        return ctx.rng.choice(active or names)
    scalars = ctx.float_names(is_scalar)
    s = ctx.rng.choice(scalars) if scalars else "0.5"
    return ctx.rng.choice([f"np.cos({name}) * {s}", f"{s} * {name}", f"{name} - {s}"])


def _scalar(ctx: Ctx) -> str:
    """A scalar expression that depends on the live variables."""
    scalars = ctx.float_names(is_scalar)
    if scalars and ctx.rng.random() < 0.7:
        return ctx.rng.choice([n for n in scalars if n in ctx.active] or scalars)
    name = _pick_array(ctx)
    return ctx.rng.choice([f"np.mean({name})", f"{name}[0]" if np.ndim(ctx.env[name]) == 1
                           else f"np.sum({name}) / 4.0", f"np.sum({name} ** 2) * 0.1"])


def _one(ctx: Ctx, rhs: str, prefix: str = "m") -> None:
    target = ctx.fresh(prefix)
    ctx.emit([f"{target} = {rhs}"], targets=[target])


def _matmul_forms(name: str, value) -> list[str]:
    forms = [name]
    if np.ndim(value) == 2:
        forms += [f"{name}.T", f"{name}[0]", f"{name}.ravel()", f"{name}[:, 0]"]
    return forms


def matmul(ctx: Ctx) -> None:
    a = _pick_array(ctx)
    b = ctx.pick_other(a, lambda v: np.ndim(v) >= 1) or a
    fa, fb = _matmul_forms(a, ctx.env[a]), _matmul_forms(b, ctx.env[b])
    ops = ["{0} @ {1}", "np.dot({0}, {1})", "np.matmul({0}, {1})", "{0}.dot({1})",
           "np.inner({0}, {1})", "np.tensordot({0}, {1}, axes=1)", "np.outer({0}, {1})"]
    for _ in range(12):
        x, y = ctx.rng.choice(fa), ctx.rng.choice(fb)
        rhs = ctx.rng.choice(ops).format(x, y)
        try:
            if np.size(ctx.value(rhs)) > 24:
                continue
        except Rejected:
            continue
        return _one(ctx, rhs)
    raise Rejected("no matmul fits")


def einsum(ctx: Ctx) -> None:
    """Random subscripts: an axis of the second operand reuses a letter of the first when
    the sizes match (a contraction or a batch axis), the output keeps a random subset."""
    a = _pick_array(ctx)
    b = ctx.pick_other(a, lambda v: np.ndim(v) >= 1) or a
    sa, sb = np.shape(ctx.env[a]), np.shape(ctx.env[b])
    letters = iter("ijklmn")
    la = [next(letters) for _ in sa]
    lb = []
    for size in sb:
        same = [la[k] for k, s in enumerate(sa) if s == size and la[k] not in lb]
        lb.append(ctx.rng.choice(same) if same and ctx.rng.random() < 0.7 else next(letters))
    used = list(dict.fromkeys(la + lb))
    out = [c for c in used if ctx.rng.random() < 0.45]
    ctx.rng.shuffle(out)
    spec = f"{''.join(la)},{''.join(lb)}->{''.join(out)}"
    _one(ctx, f"np.einsum('{spec}', {a}, {b})", "e")


def joins(ctx: Ctx) -> None:
    a = _pick_array(ctx, 0)
    b = _partner(ctx, a)
    nd = np.ndim(ctx.env[a])
    forms = ["np.stack([{0}, {1}])", "np.stack(({0}, {1}), axis=-1)", "np.append({0}, {1})"]
    if nd >= 1:
        forms += ["np.concatenate([{0}, {1}])", "np.hstack([{0}, {1}])",
                  "np.vstack(({0}, {1}))", "np.column_stack([{0}, {1}])"]
    if nd == 2:
        forms += ["np.concatenate([{0}, {1}], axis=1)"]
    _one(ctx, ctx.rng.choice(forms).format(a, b), "j")


def grids(ctx: Ctx) -> None:
    """meshgrid / broadcast_arrays / atleast_*d, then both results used."""
    kind = ctx.rng.choice(["meshgrid", "broadcast", "atleast", "atleast2"])
    a = _pick_array(ctx, 0)
    b = ctx.pick_other(a) or a
    p, q, t = ctx.fresh("g"), ctx.fresh("g"), ctx.fresh("t")
    if kind == "meshgrid":
        if np.ndim(ctx.env[a]) != 1 or np.ndim(ctx.env[b]) > 1:
            raise Rejected("meshgrid wants vectors")
        ij = ctx.rng.choice(["", ", indexing='ij'"])
        first = f"{p}, {q} = np.meshgrid({a}, {b}{ij})"
    elif kind == "broadcast":
        if not broadcastable(ctx.env[a], ctx.env[b]):
            raise Rejected("no broadcast")
        first = f"{p}, {q} = np.broadcast_arrays({a}, {b})"
    elif kind == "atleast2":
        first = f"{p}, {q} = np.{ctx.rng.choice(['atleast_1d', 'atleast_2d'])}({a}, {b})"
    else:
        ctx.emit([f"{p} = np.{ctx.rng.choice(['atleast_1d', 'atleast_2d', 'atleast_3d'])}"
                  f"({a})"], targets=[p])
        return
    use = ctx.rng.choice(["{0} * {1} * {1}", "np.sin({0}) + {1} ** 2", "{0} - 2.0 * {1}"])
    ctx.emit([first], targets=[p, q], owned=())
    if not broadcastable(ctx.env[p], ctx.env[q]):
        raise Rejected("grids differ")
    ctx.emit([f"{t} = {use.format(p, q)}"], targets=[t])


def clip_bounds(ctx: Ctx) -> None:
    """np.clip with differentiable bounds, entries kept away from both bounds."""
    a = _pick_array(ctx, 0)
    av = ctx.env[a]
    lo = ctx.rng.choice([_scalar(ctx), f"{_scalar(ctx)} - 0.5", "-0.6", "None"])
    hi = ctx.rng.choice([_scalar(ctx), f"{_scalar(ctx)} + 0.4", "0.7"])
    lov = -np.inf if lo == "None" else ctx.value(lo)
    hiv = ctx.value(hi)
    if not (np.all(np.asarray(hiv) - np.asarray(lov) > 0.2) and away_from(av - hiv, 0.0)
            and (lo == "None" or away_from(av - lov, 0.0))):
        raise Rejected("clip at a bound")
    _one(ctx, f"np.clip({a}, {lo}, {hi})", "c")


def where_select(ctx: Ctx) -> None:
    a = _pick_array(ctx, 0)
    b = _partner(ctx, a, same_shape=False)
    masks = [n for n, v in ctx.env.items() if isinstance(v, np.ndarray) and v.dtype == bool
             and broadcastable(v, ctx.env[a])]
    c = _pick_array(ctx, 0)
    cv = ctx.env[c]
    values = np.sort(np.ravel(cv))
    gaps = [(values[i] + values[i + 1]) / 2 for i in range(len(values) - 1)
            if values[i + 1] - values[i] > 0.15]
    threshold = round(ctx.rng.choice(gaps), 2) if gaps else round(values[0] - 0.3, 2)
    if masks and ctx.rng.random() < 0.5:
        cond = ctx.rng.choice(masks)
    elif away_from(cv, threshold) and broadcastable(cv, ctx.env[a]):
        cond = f"{c} > {threshold}"
    else:
        raise Rejected("no condition")
    _one(ctx, f"np.where({cond}, {a}, {b})", "w")


def constructors(ctx: Ctx) -> None:
    """np.full / full_like / linspace / diff(prepend) / pad(constant_values) with a
    differentiated fill value."""
    s = _scalar(ctx)
    a = _pick_array(ctx)
    av = ctx.env[a]
    forms = [f"np.full(({ctx.rng.choice([2, 3])},), {s})", f"np.full({a}.shape, {s}) * {a}",
             f"np.full_like({a}, {s})", f"np.linspace({s}, 2.0, 3)",
             f"np.linspace(0.0, {s}, 4)", f"np.pad({a}, 1, constant_values={s})",
             f"np.pad({a}, (1, 2), mode='constant', constant_values={s})",
             f"np.pad({a}, 1, mode='edge')"]
    if np.ndim(av) == 1:
        forms += [f"np.diff({a}, prepend={s})", f"np.diff({a}, append={s})",
                  f"np.diff({a}, n=2)", f"np.trapezoid({a}, {_partner(ctx, a)})"]
    elif np.ndim(av) == 2:
        forms += [f"np.diff({a}, axis=0)", f"np.diff({a}, axis=1, prepend={a}[:, :1])"]
    _one(ctx, ctx.rng.choice(forms), "k")


def two_argument(ctx: Ctx) -> None:
    """hypot/arctan2/logaddexp/maximum/logsumexp(b=)/math.hypot with both operands active."""
    a = _pick_array(ctx, 0)
    b = _partner(ctx, a, same_shape=False)
    av, bv = ctx.env[a], ctx.value(b)
    if not broadcastable(av, bv):
        raise Rejected("shapes")
    r = np.hypot(av, bv)
    forms = ["np.logaddexp({0}, {1})"]
    if np.all(r > 0.3) and np.all((np.abs(av) > 0.3) | (bv > 0.3)):
        forms += ["np.hypot({0}, {1})", "np.arctan2({0}, {1})"]
    if away_from(np.subtract(av, bv), 0.0):
        forms += ["np.maximum({0}, {1})", "np.minimum({1}, {0})"]
    if np.shape(bv) == np.shape(av) and np.ndim(av) >= 1:
        forms += ["logsumexp({0}, b=np.exp({1}))", "np.average({0}, weights=np.exp({1}))"]
    scalars = ctx.float_names(is_python_scalar)
    if len(scalars) >= 2 and ctx.rng.random() < 0.5:
        p, q = ctx.rng.sample(scalars, 2)
        if np.hypot(ctx.env[p], ctx.env[q]) > 0.3:
            return _one(ctx, f"math.hypot({p}, {q})", "h")
    _one(ctx, ctx.rng.choice(forms).format(a, b), "h")


MULTI = [matmul, matmul, einsum, einsum, joins, joins, grids, grids, clip_bounds,
         where_select, constructors, constructors, two_argument, two_argument]


def multi_operand(ctx: Ctx) -> None:
    ctx.categories.add("multi_operand")
    ctx.rng.choice(MULTI)(ctx)


# -- reductions ----------------------------------------------------------------------------
def _axes(ctx: Ctx, value) -> str:
    nd = np.ndim(value)
    options = {0: [""], 1: ["", ", axis=0", ", axis=-1"],
               2: ["", ", axis=0", ", axis=1", ", axis=-1", ", axis=(0, 1)"]}[min(nd, 2)]
    axis = ctx.rng.choice(options)
    if axis and ctx.rng.random() < 0.4:
        axis += ", keepdims=True"
    return axis


def _axis_of(text: str):
    if "axis=(0, 1)" in text:
        return (0, 1)
    for k in ("-1", "0", "1"):
        if f"axis={k}" in text:
            return int(k)
    return None


def _extremum_ok(value, axis) -> bool:
    """No near-tie for the max or the min along the reduced axis (a kink)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return True
    if axis is None or axis == (0, 1):
        a, axis = a.ravel(), 0
    s = np.sort(a, axis=axis)
    if s.shape[axis] < 2:
        return True
    gaps = np.diff(s, axis=axis)
    top = np.take(gaps, -1, axis=axis)
    bottom = np.take(gaps, 0, axis=axis)
    return bool(np.all(top > KINK_MARGIN) and np.all(bottom > KINK_MARGIN))


def reduction(ctx: Ctx) -> None:
    ctx.categories.add("reductions")
    a = _pick_array(ctx, 0) if ctx.rng.random() < 0.9 else ctx.pick()
    if a is None:
        raise Rejected("nothing to reduce")
    av = ctx.env[a]
    axis = _axes(ctx, av)
    ax = _axis_of(axis)
    kind = ctx.rng.choice(["sum", "sum", "mean", "prod", "max", "min", "std", "var", "norm",
                           "lse", "lse_by_hand", "cumsum", "cumprod", "center", "softmax"])
    if kind in ("max", "min") and not _extremum_ok(av, ax):
        raise Rejected("tie")
    if kind in ("prod", "cumprod") and not (away_from(av, 0.0, 0.2)
                                            and np.max(np.abs(av)) < 3.0):
        raise Rejected("product range")
    # std and norm are not differentiable where they vanish (the docs say so): keep every
    # reduced slice away from 0, a length-1 axis included
    if kind == "std" and np.min(np.std(av, axis=ax)) < 0.1:
        raise Rejected("std near 0")
    if kind == "norm" and np.min(np.linalg.norm(np.atleast_1d(av), axis=None if ax is None
                                                else ax)) < 0.3:
        raise Rejected("norm near 0")
    nd1 = "" if np.ndim(av) <= 1 else ctx.rng.choice(["", ", axis=0", ", axis=1"])
    single_axis = axis if "(0, 1)" not in axis and "keepdims" not in axis else nd1
    rhs = {
        "sum": ctx.rng.choice([f"np.sum({a}{axis})", f"{a}.sum({axis[2:]})"]),
        "mean": ctx.rng.choice([f"np.mean({a}{axis})", f"{a}.mean({axis[2:]})"]),
        "prod": f"np.prod({a}{axis})",
        "max": ctx.rng.choice([f"np.max({a}{axis})", f"{a}.max({axis[2:]})"]),
        "min": f"np.min({a}{axis})",
        "std": f"np.std({a}{axis})",
        "var": ctx.rng.choice([f"np.var({a}{axis})", f"np.var({a}, ddof=1)"]),
        "norm": ctx.rng.choice([f"np.linalg.norm({a})", f"np.linalg.norm({a}{axis})"]),
        "lse": f"logsumexp({a}{axis})",
        "cumsum": ctx.rng.choice([f"np.cumsum({a}{single_axis})", f"{a}.cumsum()"]),
        "cumprod": f"np.cumprod({a}{single_axis})",
        "center": f"{a} - np.mean({a}, axis=-1, keepdims=True)" if np.ndim(av) >= 1
        else f"{a} - np.mean({a})",
    }.get(kind)
    if kind == "norm" and np.ndim(av) == 1 and away_from(av, 0.0) and ctx.rng.random() < 0.3:
        rhs = f"np.linalg.norm({a}, ord=1)"
    if kind == "lse_by_hand":
        m, s = ctx.fresh("mx"), ctx.fresh("lse")
        if not _extremum_ok(av, None):
            raise Rejected("tie")
        ctx.emit([f"{m} = np.max({a})",
                  f"{s} = {m} + np.log(np.sum(np.exp({a} - {m})))"], targets=[m, s])
        return
    if kind == "softmax":
        e, p = ctx.fresh("ex"), ctx.fresh("p")
        keep = "" if np.ndim(av) <= 1 else ", axis=-1, keepdims=True"
        ctx.emit([f"{e} = np.exp({a} - np.mean({a}{keep}))",
                  f"{p} = {e} / np.sum({e}{keep})"], targets=[e, p])
        return
    _one(ctx, rhs, "r")
    if ctx.rng.random() < 0.3:  # the reduced value used with its source, as users do
        target = ctx.fresh("t")
        last = ctx.unread[-1] if ctx.unread else a
        text, _ = expression(ctx, 1)
        if broadcastable(ctx.env[last], ctx.value(text)):
            ctx.emit([f"{target} = {last} * {text}" if ctx.rng.random() < 0.5
                      else f"{target} = {text} - {last}"], targets=[target])
