"""Every rule in the table, checked against central finite differences (float64), from the
case registry in ``rules_cases.py``; plus float32 preservation and table-wide invariants."""
from __future__ import annotations

import inspect
import warnings

import gast
import numpy as np
import pytest
from rules_cases import CASES

from sourcegrad.rules import RULES
from sourcegrad.rules.coverage import qualified_name

EPS = 1e-6


def callable_primitives():
    """Every key of the table that is a callable (operators are gast node types)."""
    return [p for p in RULES if not (isinstance(p, type) and issubclass(p, gast.AST))]


def library_primitives():
    """The numpy, math, scipy and builtin callables of the table: each must have a case.

    (Primitives that sourcegrad defines itself, such as the Tensor facade's ``rules.nn``, are
    checked here too when they have cases, but their own suites own them.)
    """
    def from_library(p):
        name = qualified_name(p)
        return name.startswith(("np.", "math.", "scipy.")) or "." not in name
    return [p for p in callable_primitives() if from_library(p)]


def _params(rule):
    return list(rule.signature.parameters.values())


def _vararg_index(rule):
    for i, p in enumerate(_params(rule)):
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            return i
    return None


def _is_float(x):
    if isinstance(x, float):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def leaf_paths(rule, args, position):
    """Paths (tuples of indices into args) of the float inputs that ``position`` stands for."""
    if position == _vararg_index(rule):
        return [(i,) for i in range(position, len(args)) if _is_float(args[i])]
    if position >= len(args):
        return []
    arg = args[position]
    if isinstance(arg, list):
        return [(position, j) for j, x in enumerate(arg) if _is_float(x)]
    return [(position,)] if _is_float(arg) else []


def get(args, path):
    x = args[path[0]]
    return x[path[1]] if len(path) > 1 else x


def put(args, path, value):
    args = list(args)
    if len(path) > 1:
        seq = list(args[path[0]])
        seq[path[1]] = value
        args[path[0]] = seq
    else:
        args[path[0]] = value
    return args


def as_tuple(ans):
    return tuple(ans) if isinstance(ans, (tuple, list)) else None


def make_cotangent(ans, rng, case):
    parts = as_tuple(ans)
    if parts is None:
        g = rng.normal(size=np.shape(ans))
        return float(g) if isinstance(ans, float) else np.asarray(g, dtype=np.result_type(ans))
    g = tuple(np.asarray(rng.normal(size=np.shape(a)), dtype=np.result_type(a))
              if np.result_type(a).kind == "f" else None for a in parts)
    return case.g(g) if case.g is not None else g


def pairing(g, out):
    """<g, out>, the scalar whose gradient the rule's contribution is."""
    parts = as_tuple(out)
    if parts is None:
        return float(np.sum(np.asarray(g, dtype=float) * np.asarray(out, dtype=float)))
    return sum(pairing(gi, oi) for gi, oi in zip(g, parts) if gi is not None)


def contribution_for(rule, position, path, contrib):
    if position == _vararg_index(rule):
        return contrib[path[0] - position]
    return contrib[path[1]] if len(path) > 1 else contrib


def numeric_gradient(fn, args, kwargs, g, path, sym):
    """Central differences of <g, fn(args)> in every element of the input at ``path``."""
    x0 = get(args, path)
    if isinstance(x0, float):
        hi = pairing(g, fn(*put(args, path, x0 + EPS), **kwargs))
        lo = pairing(g, fn(*put(args, path, x0 - EPS), **kwargs))
        return (hi - lo) / (2 * EPS)
    grad = np.zeros(x0.shape)
    for index in np.ndindex(*x0.shape):
        step = np.zeros(x0.shape)
        step[index] = EPS
        if sym and index[-1] != index[-2]:
            if index[-1] < index[-2]:
                continue
            swapped = index[:-2] + (index[-1], index[-2])
            step[swapped] = EPS
        hi = pairing(g, fn(*put(args, path, np.array(x0 + step)), **kwargs))
        lo = pairing(g, fn(*put(args, path, np.array(x0 - step)), **kwargs))
        grad[index] = (hi - lo) / (2 * EPS)
    return grad


def symmetric_directional(analytic):
    """The analytic gradient seen along symmetric perturbations (what ``numeric`` measures)."""
    a = np.asarray(analytic, dtype=float)
    out = a + np.swapaxes(a, -1, -2)
    n = a.shape[-1]
    out[..., np.arange(n), np.arange(n)] = a[..., np.arange(n), np.arange(n)]
    return np.triu(out)


def all_cases():
    for primitive in callable_primitives():
        for k, case in enumerate(CASES.get(primitive, [])):
            yield pytest.param(primitive, case, id=f"{qualified_name(primitive)}[{k}:{case.label}]")


def run_case(primitive, case, seed=0, dtype=None):
    rng = np.random.default_rng(seed)
    args, kwargs = case.build(rng)
    if dtype is not None:
        args = [_cast(a, dtype) for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ans = primitive(*args, **kwargs)
    g = make_cotangent(ans, rng, case)
    return args, kwargs, ans, g


def _cast(a, dtype):
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return a.astype(dtype)
    if isinstance(a, list):
        return [_cast(x, dtype) for x in a]
    return a


def checked_positions(rule, args):
    n = len(_params(rule))
    return [i for i in range(n) if rule.differentiable(i) and leaf_paths(rule, args, i)]


@pytest.mark.parametrize("primitive, case", list(all_cases()))
def test_rule_matches_finite_differences(primitive, case):
    rule = RULES[primitive]
    args, kwargs, ans, g = run_case(primitive, case)
    positions = checked_positions(rule, args)
    assert positions, "the case differentiates nothing"

    def fn(*a, **k):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return primitive(*a, **k)

    for position in positions:
        contrib = rule.vjp(position)(g, ans, *args, **kwargs)
        for path in leaf_paths(rule, args, position):
            leaf = get(args, path)
            analytic = contribution_for(rule, position, path, contrib)
            assert np.shape(analytic) == np.shape(leaf), f"input {path}: shape"
            sym = path[0] in case.sym
            numeric = numeric_gradient(fn, args, kwargs, g, path, sym)
            if sym:
                analytic = symmetric_directional(analytic)
                numeric = np.triu(numeric)
            np.testing.assert_allclose(analytic, numeric, rtol=case.rtol, atol=case.atol,
                                       err_msg=f"gradient of input {path}")


# numpy 1.x promotes float32 scalars mixed with Python floats to float64 (value-based casting,
# replaced by NEP 50 in numpy 2), in users' code as much as in rules: 0-d inputs keep float32
# only from numpy 2 on.
_NEP50 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


@pytest.mark.parametrize("primitive, case", list(all_cases()))
def test_float32_inputs_keep_float32_gradients(primitive, case):
    rule = RULES[primitive]
    args, kwargs, ans, g = run_case(primitive, case, dtype=np.float32)
    for position in checked_positions(rule, args):
        contrib = rule.vjp(position)(g, ans, *args, **kwargs)
        for path in leaf_paths(rule, args, position):
            leaf = get(args, path)
            if isinstance(leaf, np.ndarray) and (_NEP50 or leaf.ndim):
                got = contribution_for(rule, position, path, contrib)
                assert np.result_type(got) == np.float32, f"input {path}: {np.result_type(got)}"


def test_every_rule_has_a_case():
    missing = sorted(qualified_name(p) for p in library_primitives() if not CASES.get(p))
    assert not missing, f"rules without test cases: {missing}"


def test_every_operator_rule_is_exercised():
    """Operators (``x * y``) share the rule of a ufunc; that rule must have cases."""
    tested = {id(RULES[p]) for p in callable_primitives() if CASES.get(p)}
    operators = [p for p in RULES if p not in callable_primitives()]
    untested = sorted(p.__name__ for p in operators if id(RULES[p]) not in tested)
    assert not untested, f"operator rules without a tested ufunc twin: {untested}"


def test_cases_only_name_rules():
    stray = sorted(qualified_name(p) for p in CASES if p not in RULES)
    assert not stray, f"cases for primitives that have no rule: {stray}"


def _distinct_rules():
    seen = {}
    for rule in RULES.values():
        seen.setdefault(id(rule), rule)
    return list(seen.values())


@pytest.mark.parametrize("rule", _distinct_rules(), ids=lambda r: r.name)
def test_every_built_in_rule_accounts_for_each_parameter(rule):
    # (user rules are checked when registered; the built-in ones register before that is on)
    rule.check()
