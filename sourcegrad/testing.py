"""Gradient checks for pytest users: sourcegrad's gradient against central finite differences."""
from __future__ import annotations

import numpy as np

from .api import grad as _grad
from .compiler import resolve_wrt


def numerical_grad(f, args: tuple, position: int, eps: float = 1e-6, kwargs=None):
    """Central finite differences of scalar ``f`` in argument ``position`` (float64)."""
    kwargs = kwargs or {}
    args = list(args)
    x = args[position]
    scalar = np.ndim(x) == 0 and not isinstance(x, np.ndarray)
    base = np.array(x, dtype=np.float64)
    out = np.zeros_like(base)
    flat = base.reshape(-1)
    for i in range(flat.size):
        values = []
        for sign in (1.0, -1.0):
            probe = flat.copy()
            probe[i] += sign * eps
            probe = probe.reshape(base.shape)
            args[position] = float(probe) if scalar else probe
            values.append(float(np.sum(f(*args, **kwargs))))
        out.reshape(-1)[i] = (values[0] - values[1]) / (2 * eps)
    return float(out) if scalar else out


def check_grads(f, *args, wrt=0, rtol: float = 1e-5, atol: float = 1e-6, eps: float = 1e-6,
                **kwargs):
    """Assert that ``sourcegrad.grad(f, wrt)`` matches central finite differences.

    Arguments are converted to float64 first. On disagreement an ``AssertionError`` shows a
    table: argument, index, analytic, numeric, error. Returns the analytic gradient(s).

    >>> import numpy as np
    >>> check_grads(lambda x: np.sum(x ** 3), np.array([1.0, 2.0]))
    array([ 3., 12.])
    """
    names, single = resolve_wrt(f, wrt)
    params = _positions(f)
    wrt_positions = {params.index(n) for n in names if n in params}
    args = tuple(_as_float64(a) if i in wrt_positions else a for i, a in enumerate(args))
    analytic = _grad(f, wrt=wrt)(*args, **kwargs)
    grads = (analytic,) if single else tuple(analytic)
    # parameters left at their defaults are probed as explicit arguments
    import inspect
    signature = inspect.signature(f)
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    for p in names:
        bound.arguments[p] = _as_float64(bound.arguments[p])
    extra = [bound.arguments[n] for n, p in signature.parameters.items()
             if p.kind is p.VAR_POSITIONAL and n in bound.arguments]
    args = tuple(bound.arguments[p] for p in params if p in bound.arguments) + \
        tuple(a for group in extra for a in group)
    kwargs = {k: v for k, v in bound.kwargs.items() if k not in params}
    rows = []
    for name, g in zip(names, grads):
        position = params.index(name)
        numeric = numerical_grad(f, args, position, eps, kwargs)
        a, n = np.asarray(g, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
        if a.shape != n.shape:
            raise AssertionError(f"gradient of {name!r} has shape {a.shape}, "
                                 f"its argument has shape {n.shape}")
        bad = ~np.isclose(a, n, rtol=rtol, atol=atol, equal_nan=True)
        for index in zip(*np.nonzero(bad)) if a.ndim else ([()] if bad else []):
            rows.append((name, index, a[index], n[index]))
    if rows:
        raise AssertionError(_table(f, rows, rtol, atol))
    return analytic


def _as_float64(value):
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        return value.astype(np.float64)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return float(value)
    return value


def _positions(f) -> list[str]:
    import inspect
    return [p.name for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _table(f, rows, rtol, atol) -> str:
    name = getattr(f, "__qualname__", repr(f))
    entries = "entry" if len(rows) == 1 else "entries"
    header = (f"gradient of {name} disagrees with central finite differences "
              f"(rtol={rtol}, atol={atol}) at {len(rows)} {entries}:")
    lines = [header,
             f"  {'argument':<10} {'index':<12} {'analytic':>14} {'numeric':>14} {'error':>11}"]
    for arg, index, a, n in rows[:20]:
        idx = str(tuple(int(i) for i in index)) if index != () else "()"
        lines.append(f"  {arg:<10} {idx:<12} {a:>14.7g} {n:>14.7g} {abs(a - n):>11.3g}")
    if len(rows) > 20:
        lines.append(f"  ... and {len(rows) - 20} more")
    return "\n".join(lines)
