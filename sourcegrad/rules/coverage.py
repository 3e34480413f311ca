"""What the table does not cover: known numpy callables without a rule, and the message a
user sees when they call one.

The compiler asks :func:`known_unsupported` (or :func:`is_known_unsupported`) when a call has
neither a rule nor a no-gradient entry, and raises its diagnostic with
:func:`unsupported_message`, which shows how to register the missing rule.
"""
from __future__ import annotations

import builtins
import inspect
import sys

import numpy as np

from .table import NONDIFF, RULES

#: the namespaces whose public callables the table is expected to know, with their prefixes
NAMESPACES = (("np.", np), ("np.linalg.", np.linalg), ("np.fft.", np.fft))

_cache: dict = {}

_COMPLEX = "complex results: sourcegrad differentiates real-valued code"
_MUTATES = "writes into an array in place; build a new array (np.where, concatenate) instead"
_ORDER = "order statistic: write it with np.sort and indexing, which have rules"
_SETS = "set operation: the result's size depends on the values"
_COMPOSE = "a composition of functions that have rules: write it out"
_LATER = "not covered yet; register a rule with sourcegrad.extend.defvjp"

#: why each known-but-unsupported numpy function is left out (shown in docs/numpy-support.md)
LEFT_OUT = {
    **{f"np.fft.{n}": _COMPLEX for n in ("fft", "fft2", "fftn", "hfft", "ifft", "ifft2", "ifftn",
                                          "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2",
                                          "rfftn")},
    "np.linalg.eig": _COMPLEX, "np.linalg.eigvals": _COMPLEX, "np.sort_complex": _COMPLEX,
    **{f"np.{n}": _MUTATES for n in ("copyto", "fill_diagonal", "place", "put",
                                     "put_along_axis", "putmask")},
    **{f"np.{n}": _ORDER for n in ("median", "nanmedian", "percentile", "nanpercentile",
                                   "quantile", "nanquantile")},
    **{f"np.{n}": _SETS for n in ("unique", "unique_all", "unique_counts", "unique_inverse",
                                  "unique_values", "intersect1d", "union1d", "setdiff1d",
                                  "setxor1d", "trim_zeros", "extract", "compress")},
    **{f"np.{n}": _COMPOSE for n in ("cov", "corrcoef", "ediff1d", "nanstd", "nanvar",
                                     "nanprod", "nancumsum", "nancumprod", "rollaxis",
                                     "linalg.cond", "linalg.tensorinv", "linalg.tensorsolve")},
    **{f"np.{n}": "piecewise or integer-valued in its differentiable argument"
       for n in ("histogram", "histogram2d", "histogramdd", "histogram_bin_edges", "frexp",
                 "modf", "divmod", "nextafter")},
    **{f"np.{n}": "calls a Python function per element or slice: sourcegrad cannot see inside"
       for n in ("apply_along_axis", "apply_over_axes", "frompyfunc", "piecewise",
                 "nested_iters")},
    "np.asmatrix": "np.matrix is not supported", "np.bmat": "np.matrix is not supported",
    "np.from_dlpack": "foreign array exchange",
}


def _public_callables():
    """(qualified name, callable) for every public function or ufunc of the namespaces."""
    for prefix, module in NAMESPACES:
        for name in sorted(dir(module)):
            if name.startswith("_"):
                continue
            obj = getattr(module, name, None)
            # functions and ufuncs (numpy's test runners are callable objects without a name)
            if callable(obj) and not isinstance(obj, type) and hasattr(obj, "__name__"):
                yield prefix + name, obj


def _known(obj) -> bool:
    try:
        return obj in RULES or obj in NONDIFF
    except TypeError:
        return False


def known_unsupported() -> dict:
    """Public numpy / np.linalg / np.fft callables with neither a rule nor a no-gradient entry.

    A dict from the callable to its qualified name (``np.median``); membership is the
    question the compiler asks. Recomputed whenever rules are registered.
    """
    key = (len(RULES), len(NONDIFF))
    if _cache.get("key") != key:
        found = {}
        for qualname, obj in _public_callables():
            if not _known(obj) and obj not in found:
                found[obj] = qualname
        _cache.update(key=key, value=found)
    return _cache["value"]


def is_known_unsupported(fn) -> bool:
    try:
        return fn in known_unsupported()
    except TypeError:
        return False


def qualified_name(fn) -> str:
    """How users spell ``fn``: ``np.linalg.eig``, ``np.ndarray.sum``, ``scipy.special.erf``,
    ``math.sin``, ``abs``."""
    name = getattr(fn, "__name__", None)
    for prefix, module in NAMESPACES + (("np.random.", np.random),):
        if name is not None and vars(module).get(name) is fn:
            return prefix + name
    if name is not None and getattr(np.ndarray, name, None) is fn:
        return "np.ndarray." + name
    if name is not None and getattr(builtins, name, None) is fn:
        return name
    special = sys.modules.get("scipy.special")
    if special is not None and name is not None and getattr(special, name, None) is fn:
        return "scipy.special." + name
    module = getattr(fn, "__module__", None) or type(fn).__module__
    return f"{module}.{getattr(fn, '__qualname__', name or repr(fn))}"


def _template_signature(fn) -> str:
    """``fn``'s parameters as valid Python (numpy's ``<no value>`` defaults become None)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return "*args"
    params = []
    for p in sig.parameters.values():
        if p.default is not p.empty and "no value" in repr(p.default):
            p = p.replace(default=None)
        params.append(p)
    return str(sig.replace(parameters=params, return_annotation=sig.empty))[1:-1]


def unsupported_message(fn) -> str:
    """The explanation for a call of ``fn``, which has no gradient rule, with a registration
    example in the form the built-in rules use."""
    name = qualified_name(fn)
    short = getattr(fn, "__name__", "fn")
    module = name.rsplit(".", 1)[0] if "." in name else "builtins"
    imports = "import numpy as np" if module.startswith("np") else f"import {module}"
    params = _template_signature(fn)
    return (
        f"{name} has no gradient rule. Register one with sourcegrad.extend.defvjp, in the form "
        f"the built-in rules use:\n\n"
        f"    {imports}\n"
        f"    from sourcegrad.extend import defvjp\n\n"
        f"    @defvjp({name})\n"
        f"    def {short}(g, ans, {params}):\n"
        f"        return ...  # one adjoint per positional input, from g, ans and the inputs\n\n"
        f"or, if its result carries no gradient, declare it with "
        f"sourcegrad.extend.nondiff({name})."
    )
