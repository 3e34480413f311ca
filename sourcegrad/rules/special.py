"""Rules of ``scipy.special`` functions (registered only when scipy imports: it is optional)."""
import math

import numpy as np

from ..runtime import cast_like, expand_to, unbroadcast
from .table import defvjp

try:
    from scipy import special
except ImportError:  # pragma: no cover - scipy is an optional extra
    special = None

_SQRT_2PI = math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)

if special is not None:

    @defvjp(special.expit)
    def expit(g, ans, x):
        return g * ans * (1 - ans)

    @defvjp(special.logit, notes="defined for 0 < x < 1")
    def logit(g, ans, x):
        return g / (x * (1 - x))

    @defvjp(special.erf)
    def erf(g, ans, z):
        return g * _TWO_OVER_SQRT_PI * np.exp(-z * z)

    @defvjp(special.erfc)
    def erfc(g, ans, x):
        return -g * _TWO_OVER_SQRT_PI * np.exp(-x * x)

    @defvjp(special.erfinv, notes="defined for -1 < y < 1")
    def erfinv(g, ans, y):
        return g * (math.sqrt(math.pi) / 2) * np.exp(ans * ans)

    @defvjp(special.erfcinv, notes="defined for 0 < y < 2")
    def erfcinv(g, ans, y):
        return -g * (math.sqrt(math.pi) / 2) * np.exp(ans * ans)

    @defvjp(special.ndtr)
    def ndtr(g, ans, x):
        return g * np.exp(-0.5 * x * x) / _SQRT_2PI

    @defvjp(special.log_ndtr)
    def log_ndtr(g, ans, x):
        return g * np.exp(-0.5 * x * x - ans) / _SQRT_2PI

    @defvjp(special.ndtri, notes="defined for 0 < y < 1")
    def ndtri(g, ans, y):
        return g * _SQRT_2PI * np.exp(0.5 * ans * ans)

    @defvjp(special.gammaln, notes="d = digamma(x)")
    def gammaln(g, ans, x):
        return g * cast_like(special.digamma(x), x)

    @defvjp(special.gamma, notes="d = gamma(x) digamma(x); poles at 0, -1, -2, ...")
    def gamma(g, ans, z):
        return g * ans * cast_like(special.digamma(z), z)

    @defvjp(special.digamma, special.psi, notes="d = polygamma(1, x)")
    def digamma(g, ans, z):
        return g * cast_like(special.polygamma(1, z), z)

    @defvjp(special.polygamma, notes="integer order n has no gradient")
    def polygamma(g, ans, n, x):
        return None, cast_like(g * special.polygamma(n + 1, x), x)

    @defvjp(special.xlogy, broadcast=True, notes="d/dx = log(y), taken as 0 where y == 0")
    def xlogy(g, ans, x, y):
        return cast_like(g * np.log(np.where(y == 0, 1.0, y)), x), cast_like(g * x / y, y)

    @defvjp(special.xlog1py, broadcast=True, notes="d/dx = log1p(y), taken as 0 where y == -1")
    def xlog1py(g, ans, x, y):
        return (cast_like(g * np.log1p(np.where(y == -1, 0.0, y)), x),
                cast_like(g * x / (1 + y), y))

    @defvjp(special.entr, notes="-x log x; undefined at x == 0")
    def entr(g, ans, x):
        return -g * (np.log(x) + 1)

    @defvjp(special.logsumexp, notes="in a and in the scale b; no return_sign")
    def logsumexp(g, ans, a, axis=None, b=None, keepdims=False, return_sign=False):
        weights = np.exp(a - expand_to(ans, a, axis, keepdims))
        spread = expand_to(g, a, axis, keepdims)
        return (spread * (weights if b is None else weights * b), None,
                unbroadcast(spread * weights, b))

    @defvjp(special.softmax, notes="s (g - sum(g s))")
    def softmax(g, ans, x, axis=None):
        return ans * (g - np.sum(g * ans, axis=axis, keepdims=True))

    @defvjp(special.log_softmax, notes="g - softmax(x) sum(g)")
    def log_softmax(g, ans, x, axis=None):
        return g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)
