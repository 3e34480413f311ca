"""Callables allowed in differentiated code whose results carry no gradient, and the ndarray
methods and attributes that mean a numpy function.

Shapes, constructors, integer and boolean results, rounding, comparisons and random numbers:
the compiler treats their results as constants, so code may use them freely. The lists are
explicit on purpose: a numpy function that is in neither this list nor the rule table is
reported as unsupported (see :mod:`sourcegrad.rules.coverage`), never silently differentiated.
"""
import math

import numpy as np

from ._compat import available
from .table import attribute, method, nondiff

nondiff(
    len, range, int, bool, isinstance, type, print, round,
    math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite, math.isclose,
    reason="integer, boolean or piecewise-constant Python builtin",
)
nondiff(
    *available(np, "shape", "ndim", "size", "result_type", "promote_types", "min_scalar_type",
               "can_cast", "common_type", "mintypecode", "broadcast_shapes", "dtype",
               "isdtype", "issubdtype", "isscalar", "iterable", "isfortran", "shares_memory",
               "may_share_memory", "isrealobj", "iscomplexobj", "typename", "einsum_path",
               "linalg.matrix_rank"),
    reason="shape, type or layout query",
)
nondiff(
    *available(np, "zeros", "ones", "empty", "zeros_like", "ones_like", "empty_like",
               "eye", "identity", "tri", "indices", "diag_indices", "diag_indices_from",
               "tril_indices", "tril_indices_from", "triu_indices", "triu_indices_from",
               "mask_indices", "ix_", "bartlett", "blackman", "hamming", "hanning", "kaiser"),
    reason="constructor from shapes and counts: the values do not depend on the arguments' "
           "values",
)
nondiff(
    *available(np, "arange", "fft.fftfreq", "fft.rfftfreq", "fromfunction", "frombuffer", "fromiter", "fromstring", "fromfile", "fromregex",
               "loadtxt", "genfromtxt", "load"),
    reason="constructor whose values come from its arguments without a rule (a "
           "differentiated argument there is refused)",
    refuse_varied=True,
)
nondiff(
    *available(np, "argmax", "argmin", "nanargmax", "nanargmin", "argsort", "argpartition",
               "argwhere", "nonzero", "flatnonzero", "count_nonzero", "searchsorted",
               "digitize", "lexsort", "unravel_index", "ravel_multi_index", "isin", "in1d",
               "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert",
               "bitwise_left_shift", "bitwise_right_shift", "bitwise_count", "invert",
               "left_shift", "right_shift", "gcd", "lcm", "packbits", "unpackbits"),
    reason="integer result (indices, counts, bits)",
)
nondiff(
    *available(np, "sign", "signbit", "floor", "ceil", "round", "around", "rint", "trunc",
               "fix", "floor_divide", "heaviside", "spacing", "imag", "angle"),
    reason="piecewise constant (zero gradient almost everywhere)",
)
nondiff(
    *available(np, "isnan", "isinf", "isfinite", "isneginf", "isposinf", "isnat", "isreal",
               "iscomplex", "isclose", "allclose", "array_equal", "array_equiv", "equal",
               "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
               "logical_or", "logical_not", "logical_xor", "any", "all"),
    reason="boolean result (tests and comparisons)",
)
nondiff(
    *available(np, "array2string", "array_repr", "array_str", "format_float_positional",
               "format_float_scientific", "base_repr", "binary_repr", "set_printoptions",
               "get_printoptions", "printoptions", "seterr", "geterr", "seterrcall",
               "geterrcall", "setbufsize", "getbufsize", "save", "savez", "savez_compressed",
               "savetxt", "info", "show_config", "show_runtime", "get_include",
               "busday_count", "busday_offset", "is_busday",
               "datetime_as_string", "datetime_data"),
    reason="printing, settings or I/O: no numeric result",
)
nondiff(
    *[getattr(np.random, name) for name in dir(np.random)
      if not name.startswith("_") and callable(getattr(np.random, name))
      and not isinstance(getattr(np.random, name), type)
      and hasattr(getattr(np.random, name), "__name__")],
    reason="random numbers are constants of the computation (a differentiated parameter of "
           "the distribution is refused: write loc + scale * np.random.standard_normal(...))",
    refuse_varied=True,
)

# -- ndarray methods: ``x.name(...)`` means ``primitive(x, ...)`` ----------------------------------
for _name in ("sum", "mean", "max", "min", "prod", "var", "std", "cumsum", "cumprod", "clip",
              "dot", "squeeze", "swapaxes", "repeat", "take", "diagonal", "trace", "conj",
              "conjugate", "round", "argmax", "argmin", "argsort", "nonzero", "any", "all"):
    method(_name, getattr(np, _name))
method("reshape", np.ndarray.reshape)      # x.reshape(2, 3): shape as separate arguments
method("transpose", np.ndarray.transpose)  # x.transpose(1, 0): axes as separate arguments
method("ravel", np.ndarray.ravel)
method("flatten", np.ndarray.flatten)
method("astype", np.ndarray.astype)
method("item", np.ndarray.item)
method("copy", np.copy)

# -- ndarray attributes: ``x.name`` means ``primitive(x)``; None: no gradient ----------------------
attribute("T", np.transpose)
attribute("real", np.real)
if hasattr(np, "matrix_transpose"):
    attribute("mT", np.matrix_transpose)
for _name in ("shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides", "imag"):
    attribute(_name, None)

from ..markers import stop_gradient  # noqa: E402  (the user's own marker)

nondiff(stop_gradient, reason="sourcegrad.stop_gradient: the user marks a value as a constant")
