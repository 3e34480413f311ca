"""``sourcegrad.extend``: users register rules in the form the built-in rules use, and the
compiler uses them at once; ``check_grads`` catches a rule that is wrong.

Every test that registers a rule takes the ``restore_rules`` fixture (tests/conftest.py), which
puts the table back and clears the gradient cache afterwards.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.special

import sourcegrad
from sourcegrad import TransformError, rules
from sourcegrad.extend import RuleError, defvjp, nondiff
from sourcegrad.testing import check_grads

X = np.array([-1.2, -0.3, 0.4, 1.1])


def softplus(x):
    return np.log1p(np.exp(x))


def cube(x):
    return x ** 3


def add_bias(x, b):
    return x + b


def frozen(x):
    return x * 1.0


def test_a_scipy_function_gets_a_rule_in_five_lines(restore_rules):
    rules.RULES.pop(scipy.special.erf, None)  # start from a table that does not know erf

    def uses_erf(x):
        return np.sum(scipy.special.erf(x) * x)

    with pytest.raises(TransformError, match="defvjp"):
        sourcegrad.grad(uses_erf)

    @defvjp(scipy.special.erf)
    def erf(g, ans, x):
        return g * 2 / np.sqrt(np.pi) * np.exp(-x * x)

    check_grads(uses_erf, X)
    assert "np.exp(-x * x)" in sourcegrad.source(sourcegrad.grad(uses_erf))


def test_a_function_without_source_gets_a_rule(restore_rules):
    namespace = {"np": np}
    exec("def opaque_softplus(x):\n    return np.log1p(np.exp(x))\n", namespace)  # noqa: S102
    opaque_softplus = namespace["opaque_softplus"]  # no source file: cannot be traced into

    def uses_opaque(x):
        return np.sum(opaque_softplus(x) * x)

    with pytest.raises(TransformError, match="opaque_softplus"):
        sourcegrad.grad(uses_opaque)

    @defvjp(opaque_softplus)
    def opaque_softplus_rule(g, ans, x):
        return g / (1.0 + np.exp(-x))

    check_grads(uses_opaque, X)


def test_calling_a_function_without_source_points_at_the_call(restore_rules):
    namespace = {"np": np}
    exec("def opaque_cube(x):\n    return x ** 3\n", namespace)  # noqa: S102
    opaque_cube = namespace["opaque_cube"]

    def uses_opaque(x):
        return np.sum(opaque_cube(x))

    with pytest.raises(TransformError) as info:
        sourcegrad.grad(uses_opaque)
    assert "sourcegrad.extend.defvjp" in str(info.value)
    assert info.value.lineno == uses_opaque.__code__.co_firstlineno + 1


def test_a_rule_takes_precedence_over_the_functions_source(restore_rules):
    def uses_softplus(x):
        return np.sum(softplus(x) * x)

    @defvjp(softplus)
    def softplus_rule(g, ans, x):
        return g / (1.0 + np.exp(-x))

    check_grads(uses_softplus, X)
    text = sourcegrad.source(sourcegrad.grad(uses_softplus))
    assert "softplus(x)" in text  # the forward sweep calls the user's function itself
    assert "1.0 + np.exp(-x)" in text  # and the backward sweep is the rule, inlined


def test_rule_with_a_prelude_and_two_inputs_with_broadcasting(restore_rules):
    @defvjp(add_bias, broadcast=True)
    def add_bias_rule(g, ans, x, b):
        one = 1.0
        return g * one, g * one

    def model(x, b):
        return np.sum(add_bias(x, b) ** 2)

    m = np.arange(6.0).reshape(3, 2) / 4
    gx, gb = check_grads(model, m, np.array([0.5, -0.5]), wrt=(0, 1))
    assert gx.shape == (3, 2) and gb.shape == (2,)


def test_an_input_without_gradient_needs_a_reason(restore_rules):
    # a bare None would be a silent zero: refused when the rule is registered
    with pytest.raises(RuleError, match="returns no gradient for its parameter 'b'"):
        @defvjp(add_bias, broadcast=True)
        def add_bias_rule(g, ans, x, b):
            return g, None

    @defvjp(add_bias, broadcast=True, zero={"b": "the bias is held fixed in this test"})
    def add_bias_rule(g, ans, x, b):
        return g, None

    def model(x, b):
        return np.sum(add_bias(x, b) ** 2)

    gx, gb = sourcegrad.grad(model, wrt=(0, 1))(X, 0.5)
    np.testing.assert_allclose(gx, 2 * (X + 0.5), rtol=1e-12)
    assert gb == 0.0 and type(gb) is float


def test_an_unsupported_input_is_refused_where_it_is_differentiated(restore_rules):
    @defvjp(add_bias, broadcast=True, unsupported={"b": "not derived yet"})
    def add_bias_rule(g, ans, x, b):
        return g, None

    def model(x, b):
        return np.sum(add_bias(x, b) ** 2)

    np.testing.assert_allclose(sourcegrad.grad(model)(X, 0.5), 2 * (X + 0.5))  # b fixed
    with pytest.raises(TransformError, match="not derived yet"):
        sourcegrad.grad(model, wrt=1)


def test_nondiff_stops_the_gradient(restore_rules):
    def uses_frozen(x):
        return np.sum(x * frozen(x))

    nondiff(frozen)
    np.testing.assert_allclose(sourcegrad.grad(uses_frozen)(X), X, rtol=1e-12)


def test_rule_is_also_a_runtime_function(restore_rules):
    @defvjp(softplus)
    def softplus_rule(g, ans, x):
        return g / (1.0 + np.exp(-x))

    vjp = rules.RULES[softplus].vjp(0)
    np.testing.assert_allclose(vjp(2.0, softplus(X), X), 2.0 / (1.0 + np.exp(-X)), rtol=1e-12)


def test_a_rule_must_start_with_g_and_ans(restore_rules):
    with pytest.raises(RuleError, match="g, ans"):
        @defvjp(softplus)
        def bad_rule(x, g):
            return g


# -- check_grads ----------------------------------------------------------------------------

def test_check_grads_passes_and_returns_the_gradient():
    def f(x, y, scale=1.0):
        return np.sum(np.sin(x) * y) * scale

    gx, gy = check_grads(f, X, np.ones(4), wrt=(0, "y"), scale=2.0)
    np.testing.assert_allclose(gx, 2.0 * np.cos(X), rtol=1e-12)
    np.testing.assert_allclose(gy, 2.0 * np.sin(X), rtol=1e-12)


def test_check_grads_converts_arguments_to_float64():
    def f(x):
        return np.sum(x ** 2)

    g = check_grads(f, np.array([1, 2, 3], dtype=np.int64))
    assert g.dtype == np.float64


def test_check_grads_reports_a_wrong_rule_in_a_readable_table(restore_rules):
    @defvjp(cube)
    def wrong_cube(g, ans, x):
        return g * 2 * x ** 2  # should be 3 * x ** 2

    def uses_cube(x, y):
        return np.sum(cube(x)) + y * 2.0

    x = np.array([[0.5, -1.0], [2.0, 1.5]])
    with pytest.raises(AssertionError) as info:
        check_grads(uses_cube, x, 1.0, wrt=(0, 1))
    table = str(info.value)
    lines = table.splitlines()
    assert "uses_cube" in lines[0] and "finite differences" in lines[0]
    assert "4 entries" in lines[0]
    assert lines[1].split() == ["argument", "index", "analytic", "numeric", "error"]
    rows = lines[2:]
    assert len(rows) == 4  # every entry of x is wrong; y (checked too) is right
    for row in rows:
        match = re.match(r"\s*(\w+)\s+\((\d+), (\d+)\)\s+(\S+)\s+(\S+)\s+(\S+)", row)
        assert match, row
        name, i, j, analytic, numeric, error = match.groups()
        value = x[int(i), int(j)]
        assert name == "x"
        assert float(analytic) == pytest.approx(2 * value ** 2, rel=1e-6)
        assert float(numeric) == pytest.approx(3 * value ** 2, rel=1e-5)
        assert float(error) == pytest.approx(value ** 2, rel=1e-2)


def test_check_grads_reports_a_scalar_argument(restore_rules):
    @defvjp(cube)
    def wrong_cube(g, ans, x):
        return -g * 3 * x ** 2

    with pytest.raises(AssertionError, match=r"\n\s+x\s+\(\)\s+-12\s+12"):
        check_grads(lambda x: cube(x), 2.0)
