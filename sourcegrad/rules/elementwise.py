"""Rules of one-argument elementwise primitives: numpy ufuncs and their ``math`` twins.

Each rule reads as the derivative: the adjoint of ``ans = f(x)`` is ``g * f'(x)``. Unary
operators are keyed by their gast node type and share the rule of the matching ufunc, so ``-x``
and ``np.negative(x)`` are one entry. ``math`` functions get rules written with ``math`` so scalar
code stays on fast Python floats. Constants are Python floats, never numpy scalars, so float32
arrays keep float32 gradients.
"""
import math

import gast
import numpy as np

from ..runtime import cast_like, ratio
from ._compat import available
from .table import defvjp

# -- signs, powers and roots ------------------------------------------------------------------


@defvjp(np.negative, gast.USub)
def negative(g, ans, x):
    return -g


@defvjp(np.positive, gast.UAdd)
def positive(g, ans, x):
    return g


@defvjp(np.absolute, np.fabs, abs, math.fabs, notes="gradient 0 at x == 0 (sign(0))")
def absolute(g, ans, x):
    return g * np.sign(x)


@defvjp(np.square)
def square(g, ans, x):
    return g * 2 * x


@defvjp(np.sqrt, notes="undefined (inf) at x == 0")
def sqrt(g, ans, x):
    return g / (2 * ans)


@defvjp(math.sqrt, notes="undefined (inf) at x == 0")
def sqrt_scalar(g, ans, x):
    return ratio(g, 2 * ans)


@defvjp(np.cbrt, notes="undefined (inf) at x == 0")
def cbrt(g, ans, x):
    return g / (3 * ans * ans)


@defvjp(*available(math, "cbrt"), notes="undefined (inf) at x == 0")
def cbrt_scalar(g, ans, x):
    return ratio(g, 3 * ans * ans)


@defvjp(np.reciprocal)
def reciprocal(g, ans, x):
    return -g * ans * ans


# -- exponentials and logarithms --------------------------------------------------------------


@defvjp(np.exp, math.exp)
def exp(g, ans, x):
    return g * ans


@defvjp(np.exp2, *available(math, "exp2"))
def exp2(g, ans, x):
    return g * ans * math.log(2)


@defvjp(np.expm1, math.expm1)
def expm1(g, ans, x):
    return g * (ans + 1)


@defvjp(np.log)
def log(g, ans, x):
    return g / x


@defvjp(math.log, notes="math.log(x, base) also differentiates in base")
def log_scalar(g, ans, x, base=math.e):
    return g / (x * math.log(base)), -g * ans / (base * math.log(base))


@defvjp(np.log1p, math.log1p)
def log1p(g, ans, x):
    return g / (1 + x)


@defvjp(np.log2, math.log2)
def log2(g, ans, x):
    return g / (x * math.log(2))


@defvjp(np.log10, math.log10)
def log10(g, ans, x):
    return g / (x * math.log(10))


# -- trigonometry -----------------------------------------------------------------------------


@defvjp(np.sin)
def sin(g, ans, x):
    return g * np.cos(x)


@defvjp(math.sin)
def sin_scalar(g, ans, x):
    return g * math.cos(x)


@defvjp(np.cos)
def cos(g, ans, x):
    return -g * np.sin(x)


@defvjp(math.cos)
def cos_scalar(g, ans, x):
    return -g * math.sin(x)


@defvjp(np.tan, math.tan)
def tan(g, ans, x):
    return g * (1 + ans * ans)


@defvjp(np.arcsin, notes="undefined at |x| == 1")
def arcsin(g, ans, x):
    return g / np.sqrt(1 - x * x)


@defvjp(math.asin, notes="undefined at |x| == 1")
def arcsin_scalar(g, ans, x):
    return ratio(g, math.sqrt(1 - x * x))


@defvjp(np.arccos, notes="undefined at |x| == 1")
def arccos(g, ans, x):
    return -g / np.sqrt(1 - x * x)


@defvjp(math.acos, notes="undefined at |x| == 1")
def arccos_scalar(g, ans, x):
    return ratio(-g, math.sqrt(1 - x * x))


@defvjp(np.arctan, math.atan)
def arctan(g, ans, x):
    return g / (1 + x * x)


@defvjp(np.deg2rad, np.radians, math.radians)
def deg2rad(g, ans, x):
    return g * (math.pi / 180)


@defvjp(np.rad2deg, np.degrees, math.degrees)
def rad2deg(g, ans, x):
    return g * (180 / math.pi)


@defvjp(np.sinc, notes="normalized sinc, sin(pi x) / (pi x); gradient 0 at x == 0")
def sinc(g, ans, x):
    safe = np.where(x == 0, 1.0, x)
    return g * np.where(x == 0, 0.0, (np.cos(math.pi * x) - ans) / safe)


# -- hyperbolic functions ---------------------------------------------------------------------


@defvjp(np.sinh)
def sinh(g, ans, x):
    return g * np.cosh(x)


@defvjp(math.sinh)
def sinh_scalar(g, ans, x):
    return g * math.cosh(x)


@defvjp(np.cosh)
def cosh(g, ans, x):
    return g * np.sinh(x)


@defvjp(math.cosh)
def cosh_scalar(g, ans, x):
    return g * math.sinh(x)


@defvjp(np.tanh, math.tanh)
def tanh(g, ans, x):
    return g * (1 - ans * ans)


@defvjp(np.arcsinh)
def arcsinh(g, ans, x):
    return g / np.sqrt(x * x + 1)


@defvjp(math.asinh)
def arcsinh_scalar(g, ans, x):
    return g / math.sqrt(x * x + 1)


@defvjp(np.arccosh, notes="defined for x > 1")
def arccosh(g, ans, x):
    return g / np.sqrt(x * x - 1)


@defvjp(math.acosh, notes="defined for x > 1")
def arccosh_scalar(g, ans, x):
    return ratio(g, math.sqrt(x * x - 1))


@defvjp(np.arctanh, math.atanh, notes="defined for |x| < 1")
def arctanh(g, ans, x):
    return g / (1 - x * x)


# -- special functions in math ----------------------------------------------------------------


@defvjp(math.erf)
def erf_scalar(g, ans, x):
    return g * (2 / math.sqrt(math.pi)) * math.exp(-x * x)


@defvjp(math.erfc)
def erfc_scalar(g, ans, x):
    return -g * (2 / math.sqrt(math.pi)) * math.exp(-x * x)


# -- identities and conversions -----------------------------------------------------------------


@defvjp(np.real, np.conjugate, np.real_if_close, notes="real inputs only: the identity")
def real(g, ans, val):
    return g


@defvjp(np.nan_to_num, broadcast=True,
        notes="no gradient in x where it is NaN or infinite; there it goes to the replacement")
def nan_to_num(g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return g * np.isfinite(x), None, g * np.isnan(x), g * np.isposinf(x), g * np.isneginf(x)


@defvjp(np.asarray, np.asanyarray, np.ascontiguousarray, np.asfortranarray,
        np.asarray_chkfinite, np.require,
        notes="differentiates the value; the gradient keeps the input's float dtype")
def asarray(g, ans, a, dtype=None, order=None, copy=None, like=None):
    return cast_like(np.reshape(g, np.shape(a)), a)


@defvjp(np.array, notes="differentiates the value; the gradient keeps the input's float dtype")
def array(g, ans, object, dtype=None, copy=True, order="K", subok=False, ndmin=0, like=None):
    return cast_like(np.reshape(g, np.shape(object)), object)


@defvjp(np.copy)
def copy(g, ans, a, order="K", subok=False):
    return g


@defvjp(np.ndarray.astype, *available(np, "astype"),
        notes="x.astype(float32) and back: the gradient keeps x's float dtype")
def astype(g, ans, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return cast_like(g, x)


@defvjp(float, np.ndarray.item, notes="a size-1 array as a Python float")
def to_float(g, ans, x=0.0):
    return cast_like(np.reshape(g, np.shape(x)), x)
