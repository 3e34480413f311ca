"""Callables allowed in differentiated code whose results carry no gradient.

Shapes, constructors, integer and boolean results, rounding: the compiler treats their results
as constants, so code may use them freely.
"""
import math

import numpy as np

from .table import attribute, method, nondiff

nondiff(
    np.shape, np.ndim, np.size, len, range, int, bool, isinstance, type, print,
    np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like, np.empty_like,
    np.full_like, np.eye, np.identity, np.arange, np.linspace, np.logspace,
    np.argmax, np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.count_nonzero,
    np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.fix,
    np.isnan, np.isinf, np.isfinite, np.isclose, np.allclose, np.array_equal,
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.any, np.all,
    np.floor_divide, np.result_type, np.dtype,
    math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite, math.copysign,
    reason="piecewise constant, integer or shape result",
)
nondiff(np.random.rand, np.random.randn, np.random.uniform, np.random.normal,
        np.random.random, np.random.randint, np.random.default_rng,
        reason="random numbers are constants of the computation")

# ndarray methods that mean a numpy function of the array
for _name in ("sum", "mean", "max", "min", "reshape", "ravel", "transpose", "squeeze",
              "dot", "clip", "prod", "var", "std", "cumsum", "cumprod", "flatten", "swapaxes",
              "repeat", "take", "diagonal", "trace", "round", "argmax", "argmin", "argsort",
              "any", "all", "nonzero", "conj", "conjugate"):
    if hasattr(np, _name):
        method(_name, getattr(np, _name))
method("flatten", np.ravel)
method("astype", np.asarray)
method("copy", np.asarray)

attribute("T", np.transpose)
for _name in ("shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"):
    attribute(_name, None)
