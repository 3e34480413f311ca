"""Factored accumulation (passes/factor.py): ``dx * (a + b)`` for ``dx * a + dx * b``.

The generated source is checked where the rewrite applies, gradients against finite differences,
and each refusal (a value that must not move, a sum that could overflow) on the pass directly.
"""
import ast
import math

import gast
import numpy as np
import pytest

import sourcegrad
from sourcegrad.passes import codegen, factor
from sourcegrad.passes.resolve import MISSING
from sourcegrad.testing import check_grads


def np_loop(x):
    for _ in range(5):
        x = np.sin(x) * x + 0.5 * x
    return np.sum(x)


def math_loop(x):
    for _ in range(5):
        x = math.sin(x) * x + 0.5 * x
    return x


def test_a_scalar_loop_multiplies_its_adjoint_once_per_step():
    text = sourcegrad.source(sourcegrad.grad(math_loop))
    assert "dx = dx * (0.5 + sin + x * math.cos(x))" in text, text
    assert "dmul" not in text and "dsin" not in text, text
    text = sourcegrad.source(sourcegrad.grad(np_loop))
    assert "dx = dx * (0.5 + sin + x * np.cos(x))" in text, text


@pytest.mark.parametrize("x", [0.3, -1.2, np.float64(0.7), np.array([0.3, -0.8, 2.0]),
                               np.array([[0.1, 0.2], [0.3, -0.4]], dtype=np.float32)])
def test_factored_scalar_loops_match_finite_differences(x):
    check_grads(np_loop, x)
    if np.ndim(x) == 0:
        check_grads(math_loop, float(x))


def test_float32_arguments_keep_their_dtype():
    x = np.array([0.3, -0.8, 2.0], dtype=np.float32)
    dx = sourcegrad.grad(np_loop)(x)
    assert dx.dtype == np.float32
    np.testing.assert_allclose(dx, sourcegrad.grad(np_loop)(x.astype(np.float64)), rtol=1e-5)


def sin_of_two_scalings(x, k1, k2):
    return np.sum(np.sin(x * k1 + x * k2))


def sin_of_square(x):
    return np.sum(np.sin(0.5 * x + x * x))


def test_integer_local_derivatives_are_not_summed_in_their_own_dtype():
    # as dadd * (k1 + k2), int8 100 + 100 would wrap around to -56
    k = np.array([100, 100], dtype=np.int8)
    x = np.array([0.1, 0.2])
    df = sourcegrad.grad(sin_of_two_scalings)
    assert "k1 + k2" not in sourcegrad.source(df)
    np.testing.assert_allclose(df(x, k, k), 200.0 * np.cos(200.0 * x))


def test_an_integer_argument_is_never_summed_with_itself():
    # dx = dadd * x + dadd * x + dadd * 0.5: as dadd * (x + x + 0.5), int8 x + x wraps around
    x = np.array([100, -3], dtype=np.int8)
    df = sourcegrad.grad(sin_of_square)
    assert "dadd * (" not in sourcegrad.source(df)
    add = 0.5 * x + x * x  # the forward sweep's own int8 arithmetic, wrapped as numpy does it
    np.testing.assert_allclose(df(x), np.cos(add) * (2.0 * x.astype(float) + 0.5))
    check_grads(sin_of_square, np.array([0.3, -1.1]))


# -- the pass on its own: hand-written backward blocks ------------------------------------------

def run_pass(source: str, params=("x", "dx", "k1", "k2", "other")) -> str:
    body = gast.parse(source).body
    for stmt in body:
        stmt.sg_generated = True
    scope = {"np": np, "math": math}

    def default_resolve(node):
        if isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name):
            return getattr(scope.get(node.value.id), node.attr, MISSING)
        return MISSING

    factor.factor_accumulations(body, set(params), default_resolve)
    return "\n".join(ast.unparse(codegen.to_ast(stmt)) for stmt in body)


W1_BLOCK = """
sin = np.sin(x)
dmul = dx
dmul_1 = dx
dx = dmul_1 * 0.5
dsin = dmul * x
dx = dx + dmul * sin
dx = dx + dsin * np.cos(x)
"""


def test_the_pass_factors_a_block_of_single_use_temporaries():
    # (np.sin is pure: its single use moves in too; the forward sweep's sin never does, as
    # user statements are not generated)
    assert run_pass(W1_BLOCK).splitlines()[-1] == \
        "dx = dx * (0.5 + np.sin(x) + x * np.cos(x))"


@pytest.mark.parametrize("between", [
    "x = other",              # re-binds a name the moved value reads
    "add_at(x, 0, 1.0)",      # hands it to a call, which may write into it
    "x[0] = 1.0",             # writes into it
    "x += 1.0",               # updates it
    "'\\x00# grad of: y = f(x)'",  # a comment: values never move across "# grad of:" blocks
])
def test_values_do_not_move_past_what_could_change_them(between):
    source = W1_BLOCK.replace("dsin = dmul * x\n", f"dsin = dmul * x\n{between}\n")
    assert "dsin" in run_pass(source)


def test_a_temporary_read_again_later_stays():
    assert "dsin" in run_pass(W1_BLOCK + "y = dsin\n")


def test_sums_that_could_be_integer_are_left_alone():
    # sin and the product of two unknowns could be integers: nothing here is surely float
    source = "dmul = dx\ndx = dmul * k1\ndx = dx + dmul * k2\n"
    assert "k1 + k2" not in run_pass(source)
    source = "dmul = dx\ndx = dmul * 0.5\ndx = dx + dmul * k1 * k2\n"
    assert "(0.5 +" not in run_pass(source)  # the product k1 * k2 could overflow
    source = "dmul = dx\ndx = dmul * 0.5\ndx = dx + dmul * (k1 * 2.0)\n"
    assert run_pass(source).splitlines()[-1] == "dx = dx * (0.5 + k1 * 2.0)"


def test_a_parameter_is_of_unknown_type_whatever_else_binds_it():
    source = "x = np.sin(y)\ndmul = dx\ndx = dmul * x\ndx = dx + dmul * x\n"
    assert run_pass(source, params=("y", "dx")).splitlines()[-1] == "dx = dx * (x + x)"
    assert "(x + x)" not in run_pass(source, params=("x", "y", "dx"))
    # a tape unpacked in a backward function tells nothing either
    assert "(x + x)" not in run_pass("x, z = tape\n" + source, params=("y", "dx"))



@pytest.mark.parametrize("term, factored", [
    # a product's leading minus is its term's sign, and a positive term goes first
    ("-dmul / k1 * 2.0", "dx = dx * (0.5 - 2.0 / k1)"),
    # numerators before denominators when their product is surely a float...
    ("dmul / k1 * 2.0 * x", "dx = dx * (2.0 * x / k1 + 0.5)"),
    # ...and a quotient first otherwise: 2 * x could overflow in an integer dtype
    ("dmul / k1 * 2 * x", "dx = dx * (2 / k1 * x + 0.5)"),
])
def test_terms_are_written_the_way_a_person_would(term, factored):
    source = f"dmul = dx\ndx = {term}\ndx = dx + dmul * 0.5\n"
    assert run_pass(source).splitlines()[-1] == factored


@pytest.mark.parametrize("x", [np.array([0.3, -1.7, 2.2]), np.array([1, -2, 3])])
def test_a_negative_first_term_factors_correctly(x):
    def quotient(x):  # the adjoint of 1 + x ** 2 is -f / q: it leads with a minus
        return np.sum(np.exp(np.sin(x) * np.cos(x)) / (1 + x ** 2))

    df = sourcegrad.grad(quotient)
    assert "dx = div * (cos * cos - 2 / add * x - sin * sin)" in sourcegrad.source(df)
    xf = x.astype(np.float64)
    s, c, q = np.sin(xf), np.cos(xf), 1 + xf * xf
    f = np.exp(s * c) / q
    np.testing.assert_allclose(df(x), f * (c * c - s * s) - 2 * f * xf / q, rtol=1e-12)


def test_a_factored_line_stays_short_enough_to_read():
    def block(terms):
        lines = [f"dmul_{k} = dx" for k in range(terms)]
        lines += ["dx = dmul_0 * 0.5"] + [f"dx = dx + dmul_{k} * a{k} * 2.0"
                                          for k in range(1, terms)]
        return "\n".join(lines) + "\n"

    assert run_pass(block(3)).splitlines()[-1] == "dx = dx * (0.5 + a1 * 2.0 + a2 * 2.0)"
    long = run_pass(block(8))  # all factored, it would take 1 + 7 + 7 * 2 = 22 operations
    assert "dmul_7" in long  # the later terms stay as they were
    for line in long.splitlines():
        tree = gast.parse(line).body[0].value
        assert sum(isinstance(n, gast.BinOp) for n in gast.walk(tree)) <= factor._MAX_OPERATIONS


# -- unit copies: 1.0 * v inside arithmetic ------------------------------------------------------

def sin_times_x(x):
    return np.sum(np.sin(x) * x)


def test_the_seed_leaves_no_multiplication_by_one():
    text = sourcegrad.source(sourcegrad.grad(sin_times_x))
    assert "dx = sin + x * np.cos(x)" in text and "1.0 *" not in text, text


@pytest.mark.parametrize("x", [np.array([0.3, -1.2, 2.0]), np.array([1, -2, 3]),
                               np.array([0.5, 1.5], dtype=np.float32)])
def test_dropping_a_copy_keeps_values_and_dtype(x):
    dx = sourcegrad.grad(sin_times_x)(x)
    plain = sourcegrad.grad(sin_times_x, optimize=False)(x)
    assert dx.dtype == plain.dtype
    np.testing.assert_allclose(dx, plain, rtol=1e-6 if x.dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("source, last", [
    # a single-use copy moves into the arithmetic that reads it, without its 1.0
    ("dsin = 1.0 * x\ndx = other + dsin * np.cos(x)\n", "dx = other + x * np.cos(x)"),
    # the sum could be an integer one without the 1.0: both operands are of unknown type
    ("dy = 1.0 * k1\ndx = dy + k2\n", "dx = dy + k2"),
    # ... unless it divides: true division is a float anyway
    ("dy = 1.0 * k1\ndx = dy / k2\n", "dx = k1 / k2"),
    # an in-place sum receives the buffer's own dtype either way
    ("dx += 1.0 * k1\n", "dx += k1"),
])
def test_unit_copies_are_dropped_only_where_the_dtype_cannot_change(source, last):
    assert run_pass(source).splitlines()[-1] == last


def test_a_copy_handed_to_a_call_stays():
    # unbroadcast may return its argument: the copy keeps the adjoint from aliasing k1
    out = run_pass("dy = unbroadcast(1.0 * k1, x)\ndx = dy * np.cos(x)\n")
    assert "unbroadcast(1.0 * k1, x)" in out
