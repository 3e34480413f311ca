"""The registry of gradient test cases, one list per primitive of the rule table.

``tests/test_rules_table.py`` checks every case against central finite differences; a rule in
the table without a case here fails that suite, so coverage cannot drop silently.

A case lists the primitive's arguments: a ``Gen`` draws a random array (or Python float) in the
primitive's domain, a list of ``Gen`` is a sequence argument, anything else is passed as is.
Domains keep a margin from kinks and poles, so a central difference never straddles one; kinks
and ties get their own cases on both sides (and exactly on them where a central difference
agrees with the documented convention).
"""
from __future__ import annotations

import math

import numpy as np

CASES: dict = {}


class Gen:
    """A random input: ``fn(rng)`` with a short label for test ids."""

    def __init__(self, fn, label):
        self.fn, self.label = fn, label

    def __call__(self, rng):
        return self.fn(rng)

    def __repr__(self):
        return self.label


class Case:
    def __init__(self, *args, label="", sym=(), g=None, rtol=1e-5, atol=1e-6, fd=True,
                 **kwargs):
        self.args, self.kwargs = args, kwargs
        self.label = label or ",".join(_label(a) for a in args)
        if kwargs:
            self.label += "," + ",".join(f"{k}={v!r}" for k, v in kwargs.items())
        self.sym, self.g, self.rtol, self.atol, self.fd = sym, g, rtol, atol, fd

    def build(self, rng):
        return ([_resolve(a, rng) for a in self.args],
                {k: _resolve(v, rng) for k, v in self.kwargs.items()})


def _label(a):
    if isinstance(a, list):
        return "[" + ",".join(_label(x) for x in a) + "]"
    return repr(a)


def _resolve(a, rng):
    if isinstance(a, Gen):
        return a(rng)
    if isinstance(a, list):
        return [_resolve(x, rng) for x in a]
    return a


def add(*primitives, cases):
    for p in primitives:
        if p is not None:
            CASES.setdefault(p, []).extend(cases)


def have(module, *names):
    """The callables that exist in this numpy/scipy/Python version (None for the others)."""
    out = []
    for name in names:
        obj = module
        for part in name.split("."):
            obj = getattr(obj, part, None)
        out.append(obj)
    return out


# -- input generators ---------------------------------------------------------------------------

def U(shape=(3, 4), lo=-2.0, hi=2.0):
    """Uniform in [lo, hi]; shape None draws a Python float."""
    if shape is None:
        return Gen(lambda rng: float(rng.uniform(lo, hi)), f"float[{lo},{hi}]")
    return Gen(lambda rng: rng.uniform(lo, hi, shape), f"U{shape}")


def away(shape=(3, 4), lo=0.3, hi=2.0):
    """Random signs, magnitudes in [lo, hi]: away from a kink at zero."""
    def draw(rng):
        x = rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)
        return float(x) if shape is None else x
    return Gen(draw, f"away{shape}")


def fixed(value, label=None):
    value = np.asarray(value, dtype=float)
    return Gen(lambda rng: value.copy(), label or f"fixed{value.shape}")


def spd(n=3, batch=()):
    """A symmetric positive definite matrix (or batch of them)."""
    def draw(rng):
        a = rng.normal(size=batch + (n, n))
        return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
    return Gen(draw, f"spd{batch + (n, n)}")


def wellcond(shape):
    """A well-conditioned square (or batch of square) matrix."""
    def draw(rng):
        n = shape[-1]
        return rng.normal(size=shape) + 3 * np.eye(n)
    return Gen(draw, f"wellcond{shape}")


def distinct(shape, lo=-2.0, hi=2.0):
    """Shuffled values with no ties: gaps of at least (hi - lo) / (5 n)."""
    def draw(rng):
        n = int(np.prod(shape))
        steps = rng.permutation(n) + rng.uniform(0.1, 0.9, n)
        return (lo + (hi - lo) * steps / n).reshape(shape)
    return Gen(draw, f"distinct{shape}")


def unary_cases(lo, hi, kink_free=True):
    gen = U if kink_free else away
    return [Case(U((3, 4), lo, hi)), Case(U((2, 3, 2), lo, hi)), Case(U((), lo, hi)),
            Case(U(None, lo, hi))] if gen is U else [
            Case(away((3, 4), lo, hi)), Case(away((), lo, hi)), Case(away(None, lo, hi))]


def scalar_cases(lo, hi):
    return [Case(U(None, lo, hi)), Case(U(None, lo, hi))]


def binary_cases(x=(-2.0, 2.0), y=(-2.0, 2.0)):
    """Same shapes, scalar with array both ways, (3, 1) with (4,), and batched."""
    return [
        Case(U((3, 4), *x), U((3, 4), *y)),
        Case(U(None, *x), U((3, 4), *y)),
        Case(U((3, 4), *x), U(None, *y)),
        Case(U((3, 1), *x), U((4,), *y)),
        Case(U((2, 3, 4), *x), U((3, 4), *y)),
        Case(U((), *x), U((2, 1, 3), *y)),
    ]


# == elementwise, one argument ===================================================================
add(np.negative, np.positive, np.square, np.exp, np.expm1, np.exp2, np.sin, np.cos, np.tan,
    np.arctan, np.sinh, np.cosh, np.tanh, np.arcsinh, np.deg2rad, np.rad2deg, np.radians,
    np.degrees, np.sinc, np.real, np.conjugate, np.real_if_close, np.copy, np.nan_to_num,
    cases=unary_cases(-1.3, 1.3))
add(np.sqrt, np.log, np.log2, np.log10, cases=unary_cases(0.2, 3.0))
add(np.log1p, cases=unary_cases(-0.7, 2.0))
add(np.arcsin, np.arccos, np.arctanh, cases=unary_cases(-0.9, 0.9))
add(np.arccosh, cases=unary_cases(1.2, 3.0))
add(np.absolute, np.fabs, abs, np.cbrt, np.reciprocal, cases=unary_cases(0.3, 2.0, False))
add(np.absolute, np.fabs, np.sinc,
    cases=[Case(fixed([-0.5, -1e-3, 0.0, 1e-3, 0.5]), label="both sides of 0 and on it")])
add(np.nan_to_num, cases=[Case(fixed([1.0, np.nan, np.inf, -np.inf, -2.0]), posinf=10.0,
                               neginf=-10.0, label="nonfinite")])
add(np.asarray, np.asanyarray, np.ascontiguousarray, np.asfortranarray, np.array,
    np.asarray_chkfinite, np.require,
    cases=[Case(U((3, 4))), Case(U((2, 3)), np.float64), Case(U(()))])
add(*have(np, "astype"), cases=[Case(U((3, 4)), np.float64), Case(U((2,)), "float64")])
add(np.ndarray.astype, cases=[Case(U((3, 4)), np.float64), Case(U((2, 2)), "float64")])
add(float, cases=[Case(U(None)), Case(U(()))])
add(np.ndarray.item, cases=[Case(U(())), Case(U((1,)))])

# math twins take Python floats
add(math.exp, math.expm1, math.sin, math.cos, math.tan, math.atan, math.sinh, math.cosh,
    math.tanh, math.asinh, math.radians, math.degrees, math.erf, math.erfc,
    *have(math, "exp2"), cases=scalar_cases(-1.3, 1.3))
add(math.sqrt, math.log2, math.log10, cases=scalar_cases(0.2, 3.0))
add(math.log, cases=[Case(U(None, 0.2, 3.0)), Case(U(None, 0.2, 3.0), U(None, 1.5, 4.0))])
add(math.log1p, cases=scalar_cases(-0.7, 2.0))
add(math.asin, math.acos, math.atanh, cases=scalar_cases(-0.9, 0.9))
add(math.acosh, cases=scalar_cases(1.2, 3.0))
add(math.fabs, *have(math, "cbrt"), cases=[Case(away(None)), Case(away(None))])

# == elementwise, two arguments ================================================================
add(np.add, np.subtract, np.multiply, np.logaddexp, np.logaddexp2, cases=binary_cases())
add(np.true_divide, cases=binary_cases(y=(0.5, 2.0)))
add(np.power, pow, np.float_power, cases=binary_cases(x=(0.5, 2.0)) + [
    Case(U((3, 4), -2, 2), 3, label="negative base, integer exponent"),
    Case(U((3,), 0.5, 2), 0.5)])
add(math.pow, cases=[Case(U(None, 0.5, 2.0), U(None, -2, 2)), Case(U(None, -2, -0.5), 3)])
add(np.arctan2, np.hypot, cases=binary_cases(x=(0.3, 2.0)))
add(math.atan2, cases=[Case(U(None, 0.3, 2), U(None, -2, 2))])
add(math.hypot, cases=[Case(U(None, 0.3, 2), U(None, -2, 2)),
                       Case(U(None, 0.3, 2), U(None), U(None))])
add(np.remainder, np.fmod, cases=[
    Case(fixed([[0.3, 1.7, -1.2], [2.6, -0.4, 0.9]]), fixed([[0.7, 0.9, 0.8], [1.1, 0.6, 1.3]])),
    Case(fixed([[0.3, 1.7, -1.2], [2.6, -0.4, 0.9]]), 0.7),
    Case(fixed([0.3, 1.7, -1.2]), fixed([[0.7], [-0.9]]))])
add(math.fmod, cases=[Case(1.7, U(None, 0.5, 0.8)), Case(-2.3, U(None, 0.5, 0.8))])
add(np.copysign, cases=[Case(away((3, 4)), away((3, 4))), Case(away((3, 1)), away((4,)))])
add(np.ldexp, cases=[Case(U((3, 4)), np.arange(12).reshape(3, 4) % 3), Case(U((2, 3)), 2)])

_ties_x = fixed([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]], "ties")
_ties_y = fixed([[1.0, 1.99, 3.01], [0.5, -1.0, 2.0]], "ties")
for _fn in (np.maximum, np.minimum, np.fmax, np.fmin):
    add(_fn, cases=binary_cases() + [
        Case(_ties_x, _ties_y, label="ties split equally, near ties on both sides"),
        Case(_ties_x, 1.0, label="scalar tie"),
        Case(fixed([[0.0], [1.0]]), fixed([0.0, 0.5, 1.0]), label="broadcast ties")])
add(np.fmax, np.fmin, cases=[
    Case(fixed([1.0, np.nan, 2.0]), fixed([0.5, 1.0, np.nan]), label="NaN passes to other")])

add(np.where, cases=[
    Case(np.array([[True, False, True, False]] * 3), U((3, 4)), U((3, 4))),
    Case(np.array([True, False, True]), U((2, 3)), U(None)),
    Case(np.array([[True], [False]]), U((3,)), U((2, 1)))])
add(np.clip, cases=[
    Case(U((3, 4)), -1.0, 1.0), Case(U((3, 4)), None, 0.5), Case(U((3, 4)), -0.5, None),
    Case(fixed([-1.01, -0.99, 0.0, 0.99, 1.01]), -1.0, 1.0, label="both sides of bounds"),
    Case(U((3,)), fixed([[-0.5], [0.0]]), 1.0, label="array bound broadcast"),
    Case(U((3, 1)), -0.5, 0.5)])

# == reductions ==================================================================================
_reduce_shapes = [
    {}, {"axis": 1}, {"axis": -1, "keepdims": True}, {"axis": (0, 2)},
    {"axis": (-1, 0), "keepdims": True}]
add(np.sum, np.mean, np.prod, np.nansum, np.nanmean, np.var, np.std,
    cases=[Case(U((3, 4, 2), 0.3, 2.0), **kw) for kw in _reduce_shapes])
add(np.sum, np.mean, np.prod, np.nansum, np.nanmean, np.var, cases=[Case(U(None))])
add(np.sum, cases=[Case(U((3, 4)), axis=0, where=np.array([True, False, True, True]))])
add(np.var, np.std, cases=[Case(U((3, 5)), axis=1, ddof=1), Case(U((4,)), ddof=2)])
add(np.prod, cases=[
    Case(fixed([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -0.5]]), axis=1, label="zeros"),
    Case(fixed([[1.5, 0.0, 2.0], [0.7, 1.2, 3.0]]), label="one zero, all axes"),
    Case(fixed([[1.5, 0.0], [0.0, 2.0]]), axis=(0, 1), keepdims=True, label="two zeros")])
add(np.nansum, np.nanmean, np.nanmax, np.nanmin,
    cases=[Case(fixed([[1.0, np.nan, 2.0], [0.5, 0.7, np.nan]]), axis=1, label="NaN")])
_extrema = [Case(distinct((3, 4, 2)), **kw) for kw in _reduce_shapes] + [
    Case(fixed([[1.0, 3.0, 3.0], [2.0, 0.5, 2.0]]), axis=1, label="two-way ties"),
    Case(fixed([[1.0, 3.0], [3.0, -3.0]]), label="ties over all axes")]
add(np.max, np.amax, np.min, np.amin, np.nanmax, np.nanmin, np.ptp, cases=_extrema)
add(np.cumsum, cases=[Case(U((3, 4))), Case(U((3, 4)), axis=0), Case(U((2, 3, 2)), axis=-1)])
add(np.cumprod, cases=[
    Case(U((3, 4), 0.5, 1.5)), Case(U((3, 4), -1.5, 1.5), axis=1),
    Case(fixed([[1.5, 0.0, 2.0, 0.7], [0.0, 2.0, 0.0, 1.0], [1.2, 0.8, -1.0, 0.0]]), axis=1,
         label="zeros"),
    Case(fixed([[0.5, 2.0], [0.0, 3.0]]), label="zero, flattened")])
_cumulative_sum, _cumulative_prod = have(np, "cumulative_sum", "cumulative_prod")
add(_cumulative_sum, _cumulative_prod, cases=[
    Case(U((5,), 0.5, 1.5)), Case(U((3, 4), 0.5, 1.5), axis=1),
    Case(U((3, 4), 0.5, 1.5), axis=0, include_initial=True)])
add(np.average, cases=[
    Case(U((3, 4))), Case(U((3, 4)), axis=1),
    Case(U((3, 4)), 0, U((3,), 0.5, 2), label="1-D weights along axis 0"),
    Case(U((3, 4)), None, U((3, 4), 0.5, 2)),
    Case(U((3, 4)), (0, 1), U((3, 4), 0.5, 2), keepdims=True)])
add(np.diff, cases=[Case(U((6,))), Case(U((3, 5)), 2, 0), Case(U((3, 4)), axis=-1),
                    Case(U((2, 4)), prepend=0.5, append=U((2, 1)))])
add(*[f for f in have(np, "trapezoid", "trapz") if f is not None][:1], cases=[
    Case(U((6,)), distinct((6,)), label="sample points"), Case(U((3, 5)), None, U(None)),
    Case(U((3, 5)), distinct((5,))), Case(U((6,))), Case(U((3, 5)), dx=0.3, axis=0),
                                    Case(U((2, 5)), np.array([0.0, 0.1, 0.5, 0.6, 1.2]))])

# == shapes and indexing =========================================================================
add(np.reshape, cases=[Case(U((3, 4)), (2, 6)), Case(U((3, 4)), (-1,)), Case(U((2, 3)), (3, 2), "F")])
add(np.ndarray.reshape, cases=[Case(U((3, 4)), 2, 6), Case(U((3, 4)), (4, 3)), Case(U((6,)), -1, 2, order="F")])
add(np.ravel, np.ndarray.ravel, np.ndarray.flatten, cases=[Case(U((3, 4))), Case(U((2, 3, 2)), "F")])
add(np.squeeze, cases=[Case(U((3, 1, 4))), Case(U((1, 3, 1)), axis=0)])
add(np.expand_dims, cases=[Case(U((3, 4)), 1), Case(U((3,)), (0, -1))])
add(np.transpose, *have(np, "permute_dims"),
    cases=[Case(U((3, 4))), Case(U((2, 3, 4)), (1, 2, 0)), Case(U((2, 3, 4)), (2, 0, 1))])
add(np.transpose, cases=[Case(U((2, 3, 4)))])
add(np.ndarray.transpose, cases=[Case(U((3, 4))), Case(U((2, 3, 4)), 1, 2, 0),
                                 Case(U((2, 3, 4)), (2, 0, 1))])
add(*have(np, "matrix_transpose", "linalg.matrix_transpose"), cases=[Case(U((2, 3, 4)))])
add(np.swapaxes, cases=[Case(U((2, 3, 4)), 0, 2), Case(U((3, 4)), -1, 0)])
add(np.moveaxis, cases=[Case(U((2, 3, 4)), 0, -1), Case(U((2, 3, 4)), (0, 1), (2, 0))])
add(np.flip, cases=[Case(U((3, 4))), Case(U((3, 4)), 1), Case(U((2, 3, 4)), (0, 2))])
add(np.fliplr, np.flipud, cases=[Case(U((3, 4)))])
add(np.rot90, cases=[Case(U((3, 4))), Case(U((3, 4)), 3), Case(U((2, 3, 4)), 2, (1, 2))])
add(np.roll, cases=[Case(U((3, 4)), 2), Case(U((3, 4)), -1, 1), Case(U((2, 3, 4)), (1, 2), (0, 2))])
add(np.sort, cases=[Case(distinct((3, 4))), Case(distinct((3, 4)), 0), Case(distinct((2, 5)), None)])
add(np.broadcast_to, cases=[Case(U((3, 1)), (2, 3, 4)), Case(U(()), (3,)), Case(U((4,)), (3, 4))])
add(np.tile, cases=[Case(U((3,)), 2), Case(U((2, 3)), (2, 1, 3)), Case(U((2, 3, 2)), (2, 2))])
add(np.repeat, cases=[Case(U((3, 4)), 2), Case(U((3, 4)), 3, 1),
                      Case(U((3, 4)), np.array([1, 0, 2]), 0), Case(U((2, 3)), np.array([2, 1, 3]), -1)])
add(np.pad, cases=[Case(U((3, 4)), 1), Case(U((3, 4)), ((1, 2), (0, 3)), constant_values=1.5)]
    + [Case(U((3, 4)), ((2, 1), (1, 3)), mode) for mode in ("edge", "reflect", "symmetric", "wrap")])
add(np.take, cases=[Case(U((3, 4)), np.array([0, 2, 2, 5])), Case(U((3, 4)), np.array([[1, 0], [3, 3]]), 1),
                    Case(U((3, 4)), np.array([-1, 0, 4]), 0, mode="wrap"),
                    Case(U((3, 4)), 2, axis=-1)])
add(np.take_along_axis, cases=[
    Case(U((3, 4)), np.array([[0, 0], [3, 1], [2, 2]]), 1),
    Case(U((3, 4)), np.array([[0, 2, 2, 1]]), 0), Case(U((3, 4)), np.array([1, 1, 11]), None)])
add(np.triu, np.tril, cases=[Case(U((4, 4))), Case(U((3, 5)), 1), Case(U((2, 4, 3)), -1)])
add(np.diag, cases=[Case(U((3,))), Case(U((3,)), -1), Case(U((4, 4))), Case(U((3, 5)), 2)])
add(np.diagflat, cases=[Case(U((3,))), Case(U((2, 2)), 1)])
add(np.diagonal, cases=[Case(U((4, 4))), Case(U((3, 5)), 1), Case(U((2, 3, 4)), -1, 2, 1)])
add(*have(np, "linalg.diagonal"), cases=[Case(U((2, 3, 4))), Case(U((3, 3)), offset=1)])
add(np.trace, cases=[Case(U((4, 4))), Case(U((3, 5)), 1), Case(U((2, 3, 4)), 0, 1, 2)])
add(*have(np, "linalg.trace"), cases=[Case(U((2, 3, 3))), Case(U((3, 4)), offset=-1)])

add(sum, cases=[Case([U((2, 3)), U((2, 3))]), Case([U(None), U(None), U(None)], U(None))])

# == sequences and tuples ======================================================================
add(np.concatenate, *have(np, "concat"), cases=[
    Case([U((2, 3)), U((1, 3))]), Case([U((3, 2)), U((3, 1)), U((3, 2))], axis=1),
    Case([U((2, 2)), U((3,))], axis=None)])
add(np.stack, cases=[Case([U((3,)), U((3,))]), Case([U((2, 3)), U((2, 3)), U((2, 3))], axis=-1)])
add(np.hstack, cases=[Case([U((3,)), U((2,))]), Case([U((3, 2)), U((3, 1))])])
add(np.vstack, *have(np, "row_stack"), cases=[Case([U((3,)), U((3,))]), Case([U((2, 3)), U((1, 3))])])
add(np.dstack, cases=[Case([U((3,)), U((3,))]), Case([U((2, 3)), U((2, 3, 2))])])
add(np.column_stack, cases=[Case([U((3,)), U((3, 2))])])
add(np.append, cases=[Case(U((2, 3)), U((4,))), Case(U((2, 3)), U((1, 3)), axis=0)])
add(np.split, np.array_split, cases=[Case(U((6, 2)), 3), Case(U((3, 5)), [1, 3], 1)])
add(np.array_split, cases=[Case(U((7,)), 3)])
add(np.split, cases=[Case(U((6, 2)), 3, g=lambda g: (g[0], None, g[2]), label="unused piece")])
add(np.hsplit, cases=[Case(U((6,)), 2), Case(U((3, 4)), [1])])
add(np.vsplit, cases=[Case(U((4, 3)), 2)])
add(np.dsplit, cases=[Case(U((2, 3, 4)), 2)])
add(*have(np, "unstack"), cases=[Case(U((3, 4))), Case(U((2, 3, 2)), axis=1),
                                 Case(U((3, 2)), g=lambda g: (None, g[1], None))])
add(np.atleast_1d, np.atleast_2d, np.atleast_3d,
    cases=[Case(U(())), Case(U((3,))), Case(U((2, 3))), Case(U(()), U((3,)), U((2, 3, 2)))])
add(np.broadcast_arrays, cases=[Case(U((3, 1)), U((4,))), Case(U(()), U((2, 3)), U((3,)))])

add(np.meshgrid, cases=[Case(U((3,)), U((4,))), Case(U((3,)), U((2,)), U((4,)), indexing="ij"),
                       Case(U((3,)), U((4,)), sparse=True),
                       Case(U((2,)), U((3,)), g=lambda g: (None, g[1]), label="one grid used")])
add(np.fft.fftshift, np.fft.ifftshift, cases=[Case(U((5,))), Case(U((3, 4)), axes=1)])
add(np.bincount, cases=[Case(np.array([0, 2, 2, 1, 5]), U((5,))),
                        Case(np.array([1, 1, 0]), U((3,)), minlength=4)])
add(np.polyval, cases=[Case(U((4,)), U((3, 2))), Case(U((3,)), U(None)), Case(U((1,)), U((3,)))])

# == products ====================================================================================
add(np.dot, cases=[
    Case(U(()), U((3,))), Case(U((3,)), U(())), Case(U((4,)), U((4,))), Case(U((3, 4)), U((4,))),
    Case(U((4,)), U((4, 2))), Case(U((3, 4)), U((4, 2))), Case(U((2, 3, 4)), U((4,))),
    Case(U((2, 3, 4)), U((5, 4, 2))), Case(U((3,)), U((2, 3, 4)))])
add(np.matmul, *have(np, "linalg.matmul"), cases=[
    Case(U((4,)), U((4,))), Case(U((3, 4)), U((4,))), Case(U((4,)), U((4, 2))),
    Case(U((3, 4)), U((4, 2))), Case(U((2, 3, 4)), U((4, 2))), Case(U((2, 1, 3, 4)), U((5, 4, 2))),
    Case(U((2, 3, 4)), U((4,))), Case(U((4,)), U((2, 4, 3)))])
add(np.vdot, cases=[Case(U((3, 4)), U((12,))), Case(U((5,)), U((5,)))])
add(np.inner, cases=[Case(U((4,)), U((4,))), Case(U((2, 3, 4)), U((5, 4))), Case(U(()), U((3,))),
                     Case(U((3, 4)), U(()))])
add(np.outer, *have(np, "linalg.outer"), cases=[Case(U((3,)), U((4,)))])
add(np.outer, cases=[Case(U((2, 2)), U((3,)))])
add(np.tensordot, *have(np, "linalg.tensordot"), cases=[
    Case(U((3, 4, 5)), U((4, 5, 2))), Case(U((3, 4)), U((4, 2)), axes=1),
    Case(U((3, 4)), U((2,)), axes=0), Case(U((3, 4, 5)), U((5, 2, 3)), axes=([0, 2], [2, 0])),
    Case(U((3, 4)), U((4, 3)), axes=([1, 0], [0, 1]))])
add(np.einsum, cases=[
    Case("ij,jk->ik", U((3, 4)), U((4, 2))), Case("ij,jk", U((3, 4)), U((4, 2))),
    Case("ii->i", U((3, 3))), Case("ii", U((3, 3))), Case("ij->", U((3, 4))),
    Case("i,i->", U((4,)), U((4,))), Case("i,j->ij", U((3,)), U((4,))),
    Case("...ij,...jk->...ik", U((2, 3, 4)), U((4, 2))),
    Case("bij,bjk->bik", U((2, 3, 4)), U((2, 4, 2))), Case("ij,ij,ij->i", U((2, 3)), U((2, 3)), U((2, 3))),
    Case("iij->j", U((3, 3, 2))), Case("i...->...", U((3, 2, 2))),
    Case("...i,...i->...", U((2, 1, 3)), U((4, 3))), Case("ij,k->ijk", U((2, 2)), U((3,))),
    Case("ij -> ji", U((2, 3)))])
add(np.kron, cases=[Case(U((2, 3)), U((3, 2))), Case(U((3,)), U((2,))), Case(U((2, 2)), U((3,)))])
add(np.cross, cases=[Case(U((3,)), U((3,))), Case(U((4, 3)), U((3,))),
                     Case(U((3, 2)), U((3, 2)), axisa=0, axisb=0, axisc=0), Case(U((2, 3)), U((3, 2)), axis=None, axisb=0)])
add(*have(np, "linalg.cross"), cases=[Case(U((4, 3)), U((3,))), Case(U((3, 2)), U((3, 2)), axis=0)])
add(*have(np, "vecdot", "linalg.vecdot"), cases=[Case(U((3, 4)), U((4,))), Case(U((2, 3)), U((2, 3)))])
add(np.linalg.multi_dot, cases=[Case([U((3, 4)), U((4, 2))]), Case([U((4,)), U((4, 3)), U((3, 2)), U((2,))]),
                                Case([U((2, 3)), U((3, 3)), U((3,))])])
add(*have(np, "matvec"), cases=[Case(U((3, 4)), U((4,))), Case(U((2, 3, 4)), U((1, 4)))])
add(*have(np, "vecmat"), cases=[Case(U((3,)), U((3, 4))), Case(U((2, 1, 3)), U((2, 3, 4)))])

# == linear algebra ==============================================================================


def only(i):
    """A cotangent builder keeping output ``i`` of a tuple result, ``None`` for the others."""
    return lambda g: tuple(gi if j == i else None for j, gi in enumerate(g))


add(np.linalg.inv, np.linalg.det, cases=[Case(wellcond((3, 3))), Case(wellcond((2, 3, 3)))])
add(np.linalg.slogdet, cases=[Case(wellcond((3, 3))), Case(wellcond((2, 3, 3))),
                              Case(wellcond((3, 3)), g=only(1), label="logabsdet only")])
add(np.linalg.solve, cases=[Case(wellcond((3, 3)), U((3,))), Case(wellcond((3, 3)), U((3, 2))),
                            Case(wellcond((2, 3, 3)), U((2, 3, 2)))]
    # a batch of vectors: numpy 2 spells it b[..., None], numpy 1 b with one axis less
    + ([Case(wellcond((2, 3, 3)), U((3, 1)))] if np.__version__ >= "2" else
       [Case(wellcond((2, 3, 3)), U((2, 3)))]))
add(np.linalg.cholesky, cases=[Case(spd(3), sym=(0,)), Case(spd(3, (2,)), sym=(0,))]
    + ([Case(spd(3), sym=(0,), upper=True)] if "upper" in np.linalg.cholesky.__doc__ else []))
add(np.linalg.qr, cases=[Case(U((4, 3))), Case(U((3, 3))), Case(U((2, 4, 2))),
                         Case(U((4, 3)), g=only(1), label="R only"), Case(U((4, 3)), "r")])
add(np.linalg.eigh, cases=[Case(spd(3), sym=(0,)), Case(spd(3, (2,)), sym=(0,)),
                           Case(spd(4), sym=(0,), g=only(0), label="eigenvalues only"),
                           Case(spd(3), sym=(0,), g=only(1), label="eigenvectors only")])
add(np.linalg.eigvalsh, cases=[Case(spd(3), sym=(0,)), Case(spd(3, (2,)), sym=(0,))])
add(np.linalg.svd, cases=[
    Case(U((4, 3)), False), Case(U((3, 5)), False), Case(U((3, 3))), Case(U((2, 4, 3)), False),
    Case(U((4, 3)), compute_uv=False), Case(U((3, 4)), False, g=only(1), label="S only")])
add(*have(np, "linalg.svdvals"), cases=[Case(U((4, 3))), Case(U((2, 3, 4)))])
add(np.linalg.pinv, cases=[Case(U((4, 3))), Case(U((3, 5))), Case(wellcond((3, 3)))])
add(np.linalg.lstsq, cases=[
    Case(U((5, 3)), U((5,))), Case(U((5, 3)), U((5, 2))), Case(U((3, 3)) , U((3,))),
    Case(U((5, 3)), U((5,)), g=only(0), label="x only")])
add(np.linalg.matrix_power, cases=[Case(U((3, 3)), 3), Case(U((2, 3, 3)), 2), Case(U((3, 3)), 0),
                                   Case(wellcond((3, 3)), -2)])
add(np.linalg.norm, cases=[
    Case(away((3, 4))), Case(away((5,)), 1), Case(away((5,)), 3), Case(distinct((5,)), np.inf),
    Case(distinct((5,)), -np.inf), Case(away((5,)), 0.5), Case(away((5,)), 0),
    Case(away((3, 4)), "fro"), Case(away((3, 4)), "nuc"), Case(away((3, 4)), 2), Case(away((3, 4)), -2),
    Case(distinct((3, 4)), 1), Case(distinct((3, 4)), -1), Case(distinct((3, 4)), np.inf),
    Case(distinct((3, 4)), -np.inf), Case(away((2, 3, 4)), None, 1),
    Case(away((2, 3, 4)), 2, (1, 2), True), Case(away((2, 3, 4)), None, (0, 2)),
    Case(fixed([[3.0, -3.0, 1.0], [0.5, 2.0, -2.0]]), np.inf, 1, label="inf-norm ties")])
add(*have(np, "linalg.vector_norm"), cases=[
    Case(away((3, 4))), Case(away((3, 4)), axis=1, ord=1), Case(away((2, 3, 4)), axis=(0, 2), keepdims=True),
    Case(distinct((3, 4)), ord=np.inf)])
add(*have(np, "linalg.matrix_norm"), cases=[Case(away((2, 3, 4))), Case(away((3, 4)), ord="nuc"),
                                            Case(distinct((2, 3, 3)), ord=1, keepdims=True)])

# == scipy.special ===============================================================================
try:
    from scipy import special
except ImportError:  # scipy is optional; its rules are then not registered either
    special = None
if special is not None:
    add(special.expit, special.erf, special.erfc, special.ndtr, special.log_ndtr,
        cases=unary_cases(-2.0, 2.0))
    add(special.logit, special.ndtri, cases=unary_cases(0.1, 0.9))
    add(special.erfinv, cases=unary_cases(-0.8, 0.8))
    add(special.erfcinv, cases=unary_cases(0.2, 1.8))
    add(special.gammaln, special.gamma, special.digamma, cases=unary_cases(0.5, 3.0))
    add(special.entr, cases=unary_cases(0.2, 2.0))
    add(special.polygamma, cases=[Case(1, U((3, 4), 0.5, 3.0)), Case(np.array([0, 1, 2]), U((3,), 0.5, 3))])
    add(special.xlogy, special.xlog1py, cases=binary_cases(y=(0.3, 2.0)) + [
        Case(fixed([0.0, 1.0, 0.0]), fixed([0.5, 0.7, 1.2]), label="x == 0")])
    add(special.logsumexp, cases=[Case(U((3, 4))), Case(U((3, 4)), 1), Case(U((2, 3, 4)), (0, 2), keepdims=True),
                                  Case(U((3, 4)), 1, U((3, 4), 0.5, 2))])
    add(special.softmax, special.log_softmax, cases=[Case(U((3, 4))), Case(U((3, 4)), 1),
                                                     Case(U((2, 3, 4)), (0, 2))])


# == arguments that carry data beyond the first (each differentiated, see issue 11) ==============
add(np.full, cases=[Case((3, 4), U(None)), Case((2, 3), U((3,)))])
add(np.full_like, cases=[Case(U((3, 4)), U(None)), Case(U((2, 3)), U((3,)))])
add(np.linspace, cases=[Case(U(None), U(None), 5), Case(U(None), U(None), 4, False),
                        Case(U((2,)), U((2,)), 4, True, False, None, 1)])
add(np.logspace, cases=[Case(U(None, 0.1, 1.0), U(None, 0.5, 1.5), 4, True,
                             U(None, 1.5, 3.0))])
add(np.geomspace, cases=[Case(U(None, 0.5, 1.0), U(None, 2.0, 3.0), 5),
                         Case(U((2,), 0.5, 1.0), U((2,), 2.0, 3.0), 3, False)])
add(np.partition, cases=[Case(distinct((6,)), 2), Case(distinct((3, 5)), 1, 1)])
add(np.resize, cases=[Case(U((5,)), (3, 4)), Case(U((2, 3)), 4)])
add(np.clip, cases=[Case(U((3, 4)), U(None, -2.5, -0.1), U(None, 0.1, 2.5),
                         label="differentiated bounds")])
add(np.diff, cases=[Case(U((5,)), 1, -1, U(None)), Case(U((3, 4)), 1, 1, U((3, 1)), U((3, 2)))])
add(np.sum, cases=[Case(U((3, 4)), None, None, None, False, U(None))])
add(np.nan_to_num, cases=[Case(fixed([1.0, np.nan, np.inf, -np.inf, -2.0]), True, U(None),
                               U(None), U(None))])
