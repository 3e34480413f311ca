"""Indexing: basic slices, negative steps, integer and repeated fancy indices, boolean masks
-- reads, and writes into arrays the function owns (numpy's semantics: with repeated indices
the last write wins and ``+=`` adds once; overlapping self-writes read the old values)."""
from __future__ import annotations

import numpy as np

from .builder import Ctx, away_from
from .primitives import _pick_array, _scalar


def _threshold(ctx: Ctx, value) -> str | None:
    """A comparison constant kept away from every entry (a mask must not flip under FD)."""
    for _ in range(4):
        t = round(float(ctx.rng.choice(np.ravel(value))) + ctx.rng.choice([-0.08, 0.08]), 2)
        if away_from(value, t):
            return repr(t)
    return None


def _index_params(ctx: Ctx, kind) -> list[str]:
    return [n for n, v in ctx.env.items() if isinstance(v, np.ndarray) and v.dtype.kind == kind]


def _fancy(ctx: Ctx, length: int) -> str:
    """An integer index list with repeats and negatives, or an index-array parameter."""
    params = [n for n in _index_params(ctx, "i")
              if ctx.env[n].ndim == 1 and np.all(np.abs(ctx.env[n]) < length)]
    if params and ctx.rng.random() < 0.5:
        return ctx.rng.choice(params)
    size = ctx.rng.choice([2, 3, 4])
    items = [ctx.rng.randrange(-length, length) for _ in range(size)]
    if ctx.rng.random() < 0.5:
        items[-1] = items[0]  # a repeated index
    return repr(items)


def _mask(ctx: Ctx, name: str) -> str | None:
    shape = np.shape(ctx.env[name])
    params = [n for n in _index_params(ctx, "b") if ctx.env[n].shape == shape]
    if params and ctx.rng.random() < 0.6:
        return ctx.rng.choice(params)
    t = _threshold(ctx, ctx.env[name])
    return None if t is None else f"{name} > {t}"


def _reads(ctx: Ctx, a: str) -> list[str]:
    v = ctx.env[a]
    if v.ndim == 1:
        n = v.shape[0]
        forms = [f"{a}[1:]", f"{a}[:-1]", f"{a}[::-1]", f"{a}[::2]", f"{a}[-1]", f"{a}[0]",
                 f"{a}[{_fancy(ctx, n)}]", f"np.take({a}, {_fancy(ctx, n)})",
                 f"{a}[None, :]", f"{a}[:, None]", f"np.flip({a})", f"np.roll({a}, 1)",
                 f"np.tile({a}, 2)", f"np.repeat({a}, 2)", f"{a}.reshape(-1, 1)",
                 f"{a}[-2::-1]", f"np.diag({a})", f"{a}[1:][::-1]"]
        if _extremum_gap(v):
            forms.append(f"np.sort({a})")
    else:
        r, c = v.shape[:2]
        forms = [f"{a}[0]", f"{a}[-1, :]", f"{a}[:, 0]", f"{a}[:, ::-1]", f"{a}[::-1, 1:]",
                 f"{a}[1:, :]", f"{a}[0, -1]", f"{a}[:, {_fancy(ctx, c)}]",
                 f"{a}[{_fancy(ctx, r)}]", f"{a}[{_fancy(ctx, r)}, 0]", f"{a}.T", f"{a}.ravel()",
                 f"{a}.reshape(-1)", f"{a}[..., 0]", f"np.transpose({a})",
                 f"np.flip({a}, axis=0)", f"np.expand_dims({a}, 0)", f"{a}.flatten()",
                 f"np.triu({a})", f"np.trace({a})", f"np.diag({a})"]
        if c == 1:
            forms.append(f"np.squeeze({a})")
        if r >= 2 and c >= 2:
            forms.append(f"{a}[[0, 1], [1, 0]]")
    m = _mask(ctx, a)
    if m is not None:
        forms += [f"{a}[{m}]"]
    return forms


def _extremum_gap(v) -> bool:
    s = np.sort(np.ravel(v))
    return s.size < 2 or bool(np.min(np.diff(s)) > 0.05)


def read(ctx: Ctx) -> None:
    a = _pick_array(ctx)
    target = ctx.fresh("sel")
    ctx.emit([f"{target} = {ctx.rng.choice(_reads(ctx, a))}"], targets=[target])


def _value_of_shape(ctx: Ctx, shape: tuple) -> str:
    """An expression of the live variables that broadcasts to ``shape``."""
    fits = [n for n in ctx.float_names()
            if np.ndim(ctx.env[n]) <= len(shape) and _broadcasts_to(ctx.env[n], shape)]
    nonscalar = [n for n in fits if np.ndim(ctx.env[n]) > 0]
    if nonscalar and ctx.rng.random() < 0.6:
        name = ctx.rng.choice([n for n in nonscalar if n in ctx.active] or nonscalar)
        return ctx.rng.choice([name, f"np.sin({name})", f"2.0 * {name}", f"{name} ** 2"])
    s = _scalar(ctx)
    return ctx.rng.choice([s, f"{s} * 2.0", f"np.cos({s})", f"{s} + 1.0"])


def _broadcasts_to(value, shape) -> bool:
    try:
        return np.broadcast_shapes(np.shape(value), shape) == tuple(shape)
    except ValueError:
        return False


def _owned_array(ctx: Ctx) -> str:
    """An array the function owns: an existing one, or a fresh copy of a live array."""
    owned = [n for n in sorted(ctx.owned) if isinstance(ctx.env.get(n), np.ndarray)
             and ctx.env[n].ndim >= 1 and ctx.env[n].dtype.kind == "f"]
    if owned and ctx.rng.random() < 0.4:
        return ctx.rng.choice(owned)
    a = _pick_array(ctx)
    y = ctx.fresh("y")
    make = ctx.rng.choice([f"{a}.copy()", f"np.array({a})", f"{a} * 1.0", f"{a} + 0.0",
                           f"np.zeros_like({a})", f"np.zeros({a}.shape)", f"np.copy({a})"])
    ctx.emit([f"{y} = {make}"], targets=[y], owned=[y])
    return y


def _write(ctx: Ctx, y: str) -> list[str]:
    v = ctx.env[y]
    n = v.shape[0]
    fancy = _fancy(ctx, n)
    rows = v.shape[1:]
    one = ctx.rng.randrange(-n, n)
    forms = [
        f"{y}[{one}] = {_value_of_shape(ctx, rows)}",
        f"{y}[{one}] = {y}[{one}] * {_scalar(ctx)}",
        f"{y}[1:] = {_value_of_shape(ctx, (n - 1,) + rows)}",
        f"{y}[{fancy}] = {_value_of_shape(ctx, rows)}",
        f"{y}[{fancy}] += {_value_of_shape(ctx, rows)}",
        f"{y}[[0, 0]] = {_value_of_shape(ctx, rows)}",
        f"{y}[[1, 1]] += {_scalar(ctx)}",
        f"{y}[1:] = {y}[:-1]",
        f"{y}[::-1] = {y}",
        f"{y}[:-1] = {y}[1:] * {_scalar(ctx)}",
        f"{y}[0] -= {_scalar(ctx)}",
        f"{y}[::2] = {_value_of_shape(ctx, ())}",
        f"{y}[-1] = np.sum({y})",
    ]
    m = _mask(ctx, y)
    if m is not None:
        forms += [f"{y}[{m}] = 0.0", f"{y}[{m}] *= {_scalar(ctx)}"]
        other = [n for n in ctx.float_names() if np.shape(ctx.env[n]) == v.shape and n != y]
        if other and "[" not in m:
            forms.append(f"{y}[{m}] = {ctx.rng.choice(other)}[{m}]")
    if v.ndim == 2:
        c = v.shape[1]
        forms += [f"{y}[:, 0] = {_value_of_shape(ctx, (n,))}",
                  f"{y}[{one}, {ctx.rng.randrange(c)}] = {_scalar(ctx)}",
                  f"{y}[{fancy}, 0] += {_scalar(ctx)}",
                  f"{y}[:, ::-1] = {y}",
                  f"{y}[..., -1] *= {_scalar(ctx)}"]
    return [ctx.rng.choice(forms)]


def _loop_write(ctx: Ctx, y: str) -> list[str]:
    """A recurrence written element by element (``y[i] = y[i - 1] * s + ...``)."""
    n = ctx.env[y].shape[0]
    s = _scalar(ctx)
    body = ctx.rng.choice([f"{y}[i] = {y}[i - 1] * {s} + {y}[i]",
                           f"{y}[i] = np.sin({y}[i - 1]) + {s}",
                           f"{y}[i] += 0.5 * {y}[i - 1]"])
    return [f"for i in range(1, {n}):", f"    {body}"]


def write(ctx: Ctx) -> None:
    ctx.categories.add("indexing")
    y = _owned_array(ctx)
    for _ in range(ctx.rng.choice([1, 1, 2, 3])):
        lines = _loop_write(ctx, y) if ctx.rng.random() < 0.15 else _write(ctx, y)
        ctx.emit(lines, targets=[y], owned=[y])
    if ctx.rng.random() < 0.3:  # the written array used elementwise afterwards
        t = ctx.fresh("t")
        ctx.emit([f"{t} = np.tanh({y}) * {_scalar(ctx)}"], targets=[t])


def indexing(ctx: Ctx) -> None:
    ctx.categories.add("indexing")
    (write if ctx.rng.random() < 0.55 else read)(ctx)
