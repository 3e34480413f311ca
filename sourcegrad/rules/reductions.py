"""Rules of reductions and scans.

A reduction's adjoint spreads ``g`` back over the reduced axes (``expand_to``); every rule
takes numpy's ``axis`` (None, an int, negative or a tuple) and ``keepdims``. Ties of ``max``
and ``min`` share the gradient equally among the tied entries; ``prod`` and ``cumprod`` are
exact when the input holds zeros.
"""
import numpy as np

from ..runtime import (
    average_adjoint,
    cumprod_adjoint,
    cumsum_adjoint,
    cumulative_adjoint,
    diff_adjoint,
    expand_to,
    extremum_adjoint,
    mask_mul,
    nan_mask,
    prod_adjoint,
    reduced_count,
    trapezoid_adjoint,
    trapezoid_points_adjoint,
    trapezoid_spacing_adjoint,
    var_adjoint,
)
from ._compat import available
from .table import defvjp


@defvjp(np.sum)
def sum_(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=0, where=True):
    return (mask_mul(expand_to(g, a, axis, keepdims), where), None, None, None, None,
            np.sum(g))


@defvjp(np.mean)
def mean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return expand_to(g, a, axis, keepdims) / reduced_count(a, axis)


@defvjp(np.prod, notes="exact with zeros: the product of the other factors")
def prod(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return prod_adjoint(g, ans, a, axis, keepdims)


@defvjp(np.max, np.amax, np.nanmax, notes="ties share the gradient equally; NaNs get none")
def max_(g, ans, a, axis=None, out=None, keepdims=False):
    return extremum_adjoint(g, ans, a, axis, keepdims)


@defvjp(np.min, np.amin, np.nanmin, notes="ties share the gradient equally; NaNs get none")
def min_(g, ans, a, axis=None, out=None, keepdims=False):
    return extremum_adjoint(g, ans, a, axis, keepdims)


@defvjp(np.ptp, notes="max - min; ties share the gradient equally")
def ptp(g, ans, a, axis=None, out=None, keepdims=False):
    top = np.max(a, axis=axis, keepdims=keepdims)
    bottom = np.min(a, axis=axis, keepdims=keepdims)
    return extremum_adjoint(g, top, a, axis, keepdims) - extremum_adjoint(g, bottom, a, axis,
                                                                           keepdims)


@defvjp(np.var, notes="d var = 2 (a - mean) / (N - ddof)")
def var(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return var_adjoint(g, a, axis, ddof, keepdims)


@defvjp(np.std, notes="undefined (inf/NaN) where std == 0")
def std(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return var_adjoint(g / (2 * ans), a, axis, ddof, keepdims)


@defvjp(np.nansum, notes="NaN entries get no gradient")
def nansum(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return nan_mask(g, a, axis, keepdims)


@defvjp(np.nanmean, notes="NaN entries get no gradient")
def nanmean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return nan_mask(g, a, axis, keepdims, mean=True)


@defvjp(np.average, notes="returned=True is not supported")
def average(g, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    return (average_adjoint(g, ans, a, axis, weights, returned, keepdims, wrt=0), None,
            average_adjoint(g, ans, a, axis, weights, returned, keepdims, wrt=2))


# -- scans ------------------------------------------------------------------------------------


@defvjp(np.cumsum)
def cumsum(g, ans, a, axis=None, dtype=None, out=None):
    return cumsum_adjoint(g, a, axis)


@defvjp(np.cumprod, notes="exact with zeros")
def cumprod(g, ans, a, axis=None, dtype=None, out=None):
    return cumprod_adjoint(g, ans, a, axis)


if hasattr(np, "cumulative_sum"):  # numpy >= 2.1

    @defvjp(np.cumulative_sum)
    def cumulative_sum(g, ans, x, axis=None, dtype=None, out=None, include_initial=False):
        return cumulative_adjoint(g, ans, x, axis, include_initial)

    @defvjp(np.cumulative_prod, notes="exact with zeros")
    def cumulative_prod(g, ans, x, axis=None, dtype=None, out=None, include_initial=False):
        return cumulative_adjoint(g, ans, x, axis, include_initial, prod=True)


@defvjp(np.diff)
def diff(g, ans, a, n=1, axis=-1, prepend=None, append=None):
    parts = diff_adjoint(g, a, n, axis, prepend, append, parts=True)
    return parts[1], None, None, parts[0], parts[2]


@defvjp(*available(np, "trapezoid", "trapz")[:1],
        notes="in y, in the sample points x, and in the spacing dx")
def trapezoid(g, ans, y, x=None, dx=1.0, axis=-1):
    return (trapezoid_adjoint(g, y, x, dx, axis), trapezoid_points_adjoint(g, y, x, axis),
            trapezoid_spacing_adjoint(g, y, x, dx, axis))
