"""Reuse of forward products (passes/monomials.py): ``du = f`` for ``du = 1.0 / q * e``
when the forward sweep holds ``f = e / q``.

The generated source and peak memory are checked where the rewrite applies, gradients against
finite differences, and each refusal (a value that is not the same, a dtype that would change)
on the pass directly.
"""
import ast

import gast
import numpy as np
import pytest

import sourcegrad
from sourcegrad.passes import codegen, monomials
from sourcegrad.testing import check_grads


def chain(x):
    return np.sum(np.exp(np.sin(x) * np.cos(x)) / (1 + x ** 2))


def scaled_chain(x):
    return np.sum(0.5 * np.exp(np.tanh(x)) / (1 + x * x))


def backward_of(fn) -> str:
    """The backward sweep of the generated gradient, before in-place writes."""
    from sourcegrad.passes import inplace
    original = inplace.write_in_place
    inplace.write_in_place = lambda body, *args, **kwargs: body
    try:
        text = sourcegrad.source(sourcegrad.grad(fn, optimize=True))
    finally:
        inplace.write_in_place = original
    return text.split("# backward sweep")[-1]


def test_the_exponential_is_not_kept_for_the_backward_sweep():
    backward = backward_of(chain)
    code = [line for line in backward.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert not any("exp" in line for line in code), backward
    # with factor.py, the whole backward sweep is one line over the kept values
    assert "dx = div * (cos * cos - 2 / add * x - sin * sin)" in code[0], backward


@pytest.mark.parametrize("fn", [chain, scaled_chain])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_match_finite_differences(fn, dtype):
    x = np.random.default_rng(3).uniform(-2, 2, 20)
    check_grads(fn, x)
    dx = sourcegrad.grad(fn)(x.astype(dtype))
    assert dx.dtype == dtype
    np.testing.assert_allclose(dx, sourcegrad.grad(fn, optimize=False)(x), rtol=1e-5)


def test_a_constant_factor_on_both_sides_is_matched():
    assert "dtanh = div" in backward_of(scaled_chain)


# -- the pass on its own: hand-written functions --------------------------------------------------

def run_pass(source: str, params=("x", "e", "q", "a", "b")) -> str:
    """``source``'s lines after a ``# backward`` line are generated (backward) statements."""
    body = gast.parse(source).body
    lines = source.strip().splitlines()
    marker = next(i for i, line in enumerate(lines) if line.startswith("# backward"))
    for stmt in body:
        stmt.sg_generated = stmt.lineno > marker + 1
    body = monomials.reuse_products(body, set(params))
    return "\n".join(ast.unparse(codegen.to_ast(stmt)) for stmt in body)


QUOTIENT = """
f = e / q
# backward
dq = -f / q
de = 1.0 / q
du = de * e
print(du + dq)
"""


def test_the_pass_reuses_the_quotient():
    out = run_pass(QUOTIENT)
    assert "du = f" in out and "de =" not in out, out  # de fed only du: it is gone


def test_a_value_the_backward_sweep_does_not_read_is_not_kept_for_it():
    out = run_pass(QUOTIENT.replace("dq = -f / q", "dq = -e / q / q"))
    assert "du = de * e" in out, out


@pytest.mark.parametrize("backward, expected", [
    ("du = e / q * 4", "du = 2.0 * f"),
    ("du = -e / q * 2", "du = -f"),
    ("du = e * 3 / (q * 6)", "du = 0.25 * f"),
])
def test_a_constant_ratio_scales_the_reused_value(backward, expected):
    source = f"f = 2 * e / q\n# backward\ny = f\n{backward}\nprint(du + y)\n"
    assert expected in run_pass(source)


@pytest.mark.parametrize("backward", ["du = 1.0 * a * b", "du = a * b / 1"])
def test_an_integer_product_is_not_stood_in_for_a_float_one(backward):
    # a * b may hold integers; 1.0 * a * b is a float whatever a and b hold
    source = f"p = a * b\n# backward\ny = p\n{backward}\nprint(du + y)\n"
    assert backward in run_pass(source)


def test_integer_ratios_keep_integer_products_exact():
    source = "p = a * b\n# backward\ny = p\ndu = 3 * a * b\nprint(du + y)\n"
    assert "du = 3 * p" in run_pass(source)
    source = "p = 2 * a * b\n# backward\ny = p\ndu = 3 * a * b\nprint(du + y)\n"
    assert "du = 3 * a * b" in run_pass(source)  # 1.5 * p would be a float


@pytest.mark.parametrize("between", [
    "e[0] = 1.0",       # written into after the quotient was taken
    "e += 1.0",         # updated
    "q = q + 1.0",      # re-bound
])
def test_names_whose_value_may_have_changed_are_not_matched(between):
    source = QUOTIENT.replace("# backward", f"{between}\n# backward")
    assert "du = de * e" in run_pass(source)


def test_only_top_level_definitions_are_expanded():
    source = "for i in range(3):\n    f = e / q\n# backward\ny = f\nde = 1.0 / q\ndu = de * e\n" \
             "print(du + y)\n"
    assert "du = de * e" in run_pass(source)
