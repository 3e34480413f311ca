"""Rules of two-argument elementwise primitives (they broadcast: ``broadcast=True``).

The inputs of these primitives broadcast against each other, so every contribution is summed
back to its input's shape by the one ``unbroadcast`` helper -- never inside a rule.

Ties and kinks, as a numpy user expects them:

* ``maximum``/``minimum``/``fmax``/``fmin``: where ``x == y`` each input gets half of ``g``
  (the average of the one-sided derivatives, which is also what a central difference sees);
* ``clip``: a value exactly on a bound passes the gradient through (it is not clipped);
* ``where``: the unchosen branch gets zero gradient.
"""
import math

import gast
import numpy as np

from ..runtime import cast_like, log_or_zero, power_slope, ratio, tie_share
from .table import defvjp

# -- arithmetic ---------------------------------------------------------------------------------


@defvjp(np.add, gast.Add, broadcast=True)
def add(g, ans, x, y):
    return g, g


@defvjp(np.subtract, gast.Sub, broadcast=True)
def subtract(g, ans, x, y):
    return g, -g


@defvjp(np.multiply, gast.Mult, broadcast=True)
def multiply(g, ans, x, y):
    return g * y, g * x


@defvjp(np.true_divide, gast.Div, broadcast=True)
def divide(g, ans, x, y):
    return g / y, -g * ans / y


@defvjp(np.power, gast.Pow, pow, broadcast=True,
        notes="d/dy uses log(x): defined for x > 0, taken as 0 where x <= 0")
def power(g, ans, x, y):
    return g * power_slope(x, y), g * ans * log_or_zero(x)


@defvjp(math.pow, notes="d/dy uses log(x): defined for x > 0, taken as 0 where x <= 0")
def power_scalar(g, ans, x, y):
    return g * power_slope(x, y), g * ans * log_or_zero(x)


@defvjp(np.float_power, broadcast=True,
        notes="computed in float64; the gradient keeps each input's float dtype")
def float_power(g, ans, x, y):
    return (cast_like(g * power_slope(x, y), x),
            cast_like(g * ans * log_or_zero(x), y))


@defvjp(np.remainder, gast.Mod, broadcast=True, notes="kinks where x / y is an integer")
def remainder(g, ans, x, y):
    return g, -g * np.floor_divide(x, y)


@defvjp(np.fmod, math.fmod, broadcast=True, notes="kinks where x / y is an integer")
def fmod(g, ans, x, y):
    return g, -g * np.trunc(np.true_divide(x, y))


@defvjp(np.copysign, broadcast=True, notes="no gradient in the sign source y",
        zero={"x2": "only its sign matters, which is constant almost everywhere"})
def copysign(g, ans, x1, x2):
    return g * np.sign(x1) * np.sign(ans), None


@defvjp(np.ldexp, broadcast=True, notes="x1 * 2**x2 with integer x2: no gradient in x2",
        static={"x2": "an integer exponent"})
def ldexp(g, ans, x1, x2):
    return np.ldexp(g, x2), None


# -- maxima, minima and selection -----------------------------------------------------------------


@defvjp(np.maximum, broadcast=True, notes="ties (x == y) split the gradient equally")
def maximum(g, ans, x, y):
    return tie_share(g, x, y), tie_share(g, y, x)


@defvjp(np.minimum, broadcast=True, notes="ties (x == y) split the gradient equally")
def minimum(g, ans, x, y):
    return tie_share(g, y, x), tie_share(g, x, y)


@defvjp(np.fmax, broadcast=True,
        notes="ties split the gradient equally; a NaN input passes it all to the other")
def fmax(g, ans, x, y):
    return (np.where(np.isnan(y), g, tie_share(g, x, y)),
            np.where(np.isnan(x), g, tie_share(g, y, x)))


@defvjp(np.fmin, broadcast=True,
        notes="ties split the gradient equally; a NaN input passes it all to the other")
def fmin(g, ans, x, y):
    return (np.where(np.isnan(y), g, tie_share(g, y, x)),
            np.where(np.isnan(x), g, tie_share(g, x, y)))


@defvjp(np.where, broadcast=True, notes="the unchosen branch gets zero gradient")
def where(g, ans, condition, x, y):
    return None, np.where(condition, g, 0.0), np.where(condition, 0.0, g)


@defvjp(np.clip, broadcast=True,
        notes="where a is clipped the gradient goes to the bound; a value on a bound passes it")
def clip(g, ans, a, a_min=None, a_max=None, out=None, min=None, max=None):
    # a < ans exactly where a was raised to the lower bound, a > ans where lowered to the upper
    return g * (ans == a), g * (a < ans), g * (a > ans), None, g * (a < ans), g * (a > ans)


# -- two-argument transcendental functions ------------------------------------------------------


@defvjp(np.arctan2, broadcast=True, notes="undefined at x1 == x2 == 0")
def arctan2(g, ans, x1, x2):
    scale = g / (x1 * x1 + x2 * x2)
    return scale * x2, -scale * x1


@defvjp(math.atan2, notes="undefined at x1 == x2 == 0")
def arctan2_scalar(g, ans, x1, x2):
    scale = ratio(g, x1 * x1 + x2 * x2)
    return scale * x2, -scale * x1


@defvjp(np.hypot, broadcast=True, notes="undefined at x1 == x2 == 0")
def hypot(g, ans, x1, x2):
    return g * x1 / ans, g * x2 / ans


@defvjp(math.hypot, notes="any number of coordinates; undefined at the origin")
def hypot_scalar(g, ans, *coordinates):
    return tuple(ratio(g * c, ans) for c in coordinates)


@defvjp(np.logaddexp, broadcast=True)
def logaddexp(g, ans, x1, x2):
    return g * np.exp(x1 - ans), g * np.exp(x2 - ans)


@defvjp(np.logaddexp2, broadcast=True)
def logaddexp2(g, ans, x1, x2):
    return g * 2.0 ** (x1 - ans), g * 2.0 ** (x2 - ans)
