"""The gradient for Python floats (passes/floats.py): ``math.sin`` where numpy's would be slow.

Each test compares the float path with the numpy path, which an ``np.float64`` argument takes
(same value, not a Python ``float``), and with finite differences; the refusals are checked on
the generated source.
"""
import math
import warnings

import numpy as np
import pytest

import sourcegrad
from sourcegrad.testing import check_grads


def scalar_loop(x):
    for _ in range(20):
        x = np.sin(x) * x + 0.5 * x
    return x


def steps(x, n):
    y = x
    for _ in range(n):
        y = np.tanh(y) + np.exp(-y * y) * 0.25
    return y


def branchy(x):
    for _ in range(2):
        if np.cos(x) > 0:
            x = np.sqrt(x * x + 1.0) * np.arctan(x)
        else:
            x = np.log1p(x * x) - np.hypot(x, 2.0)
    return x


def straight(x):
    return np.sin(x) * np.cos(x)


def test_a_function_without_loops_gets_no_float_path():
    # a few numpy calls on a number cost microseconds: not worth a second function to read
    assert "_on_floats" not in sourcegrad.source(sourcegrad.grad(straight))


def test_the_float_gradient_calls_math():
    text = sourcegrad.source(sourcegrad.grad(scalar_loop))
    generic, floats = text.split("def grad_scalar_loop_on_floats(x):")
    assert "if type(x) is float:" in generic and "return grad_scalar_loop_on_floats(x)" in generic
    assert "np.sin(x)" in generic and "np.cos(x)" in generic
    code = "\n".join(line for line in floats.splitlines() if not line.strip().startswith("#"))
    assert "math.sin(x)" in code and "math.cos(x)" in code and "np." not in code
    assert "check_numeric" not in floats  # the dispatch checked already


@pytest.mark.parametrize("fn, args", [
    (scalar_loop, (0.3,)), (scalar_loop, (-1.1,)), (steps, (0.4, 7)), (steps, (-2.0, 0)),
    (branchy, (0.5,)), (branchy, (2.5,)),
])
def test_the_float_path_agrees_with_numpy_and_finite_differences(fn, args):
    df = sourcegrad.grad(fn)
    assert "_on_floats" in sourcegrad.source(df)
    on_floats = df(*args)
    on_numpy = df(np.float64(args[0]), *args[1:])  # np.float64 is not float: the numpy path
    assert type(on_floats) is float  # (as_gradient gives an np.float64 for an np.float64)
    assert on_floats == pytest.approx(on_numpy, rel=1e-12, abs=1e-300)
    check_grads(fn, *args)


def reciprocal_sine(x):
    for _ in range(2):
        x = 1.0 / np.sin(x)
    return x


def log_times(x):
    for _ in range(2):
        x = np.log(x) * x
    return x


def huge(x):
    for _ in range(2):
        x = np.exp(x) * 2.0
    return x


@pytest.mark.parametrize("fn, x", [
    (reciprocal_sine, 0.0),   # 1.0 / 0.0 raises ZeroDivisionError; numpy: inf
    (log_times, -1.0),        # math.log(-1.0) raises ValueError; numpy: nan
    (huge, 1000.0),           # math.exp(1000.0) raises OverflowError; numpy: inf
])
def test_where_math_raises_the_answer_is_numpys(fn, x):
    df = sourcegrad.grad(fn)
    assert "_on_floats" in sourcegrad.source(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            expected = sourcegrad.grad(fn, optimize=False)(x)
            got = df(x)
    assert type(got) is float
    assert got == expected or (math.isnan(got) and math.isnan(expected))


def fractional_power(x):
    for _ in range(2):
        x = np.sin(x) ** 0.5
    return x


def reads_a_global(x):
    y = x
    for _ in range(2):
        y = np.sin(y) * SCALE
    return np.sum(y)


SCALE = np.array([1.0, 2.0])
FACTOR = 2.0  # a number now, but read at run time: it could be rebound to an array


def reads_a_global_number(x):
    for _ in range(2):
        x = np.sin(x) * FACTOR
    return x


def reads_pi(x):
    for _ in range(2):
        x = np.sin(x * np.pi)
    return x


def test_a_module_constant_is_a_number_but_a_global_may_change():
    assert "_on_floats" in sourcegrad.source(sourcegrad.grad(reads_pi))
    assert "_on_floats" not in sourcegrad.source(sourcegrad.grad(reads_a_global_number))


def indexes(x):
    y = x[0]
    for _ in range(2):
        y = np.sin(y)
    return y


def averages(x):
    for _ in range(2):
        x = np.sin(x) * x
    return np.mean(x)


@pytest.mark.parametrize("fn", [fractional_power, reads_a_global, indexes, averages])
def test_code_that_could_hold_arrays_or_complex_numbers_gets_no_float_path(fn):
    # (-0.5) ** 0.5 is complex in Python, nan in numpy; SCALE is an array; x[0] indexes;
    # the mean's adjoint counts elements (a runtime helper the float variant does not take)
    assert "_on_floats" not in sourcegrad.source(sourcegrad.grad(fn))


def keyword_only(x, *, n=3):
    for _ in range(n):
        x = np.sin(x)
    return x


def prints(x):
    for _ in range(2):
        print("called")  # would print twice when math raises and numpy's version runs
        x = np.sin(x)
    return x


@pytest.mark.parametrize("fn", [keyword_only, prints])
def test_functions_the_dispatch_cannot_rerun_or_call_get_no_float_path(fn):
    assert "_on_floats" not in sourcegrad.source(sourcegrad.grad(fn))


def test_value_and_grad_and_optimize_false_get_no_float_path():
    # value_and_grad's value is f's own (an np.float64, numpy's last bit)
    assert "_on_floats" not in sourcegrad.source(sourcegrad.value_and_grad(scalar_loop))
    assert "_on_floats" not in sourcegrad.source(sourcegrad.grad(scalar_loop, optimize=False))


def test_other_argument_types_take_the_numpy_path():
    df = sourcegrad.grad(steps)
    expected = df(0.4, 3)
    assert df(0.4, np.int64(3)) == pytest.approx(expected, rel=1e-12)  # n is not an int
    assert df(np.array(0.4), 3) == pytest.approx(expected, rel=1e-12)  # a 0-d array
    assert df(1, 3) == pytest.approx(sourcegrad.grad(steps)(1.0, 3), rel=1e-12)  # an int x


@pytest.mark.parametrize("optimize", [True, False])
def test_an_argument_re_bound_in_a_loop_still_types_its_gradient(optimize):
    # the backward sweep of huge() never reads x, so never restores it: the gradient must take
    # its type from the argument (a float), not from the loop's last np.float64
    df = sourcegrad.grad(huge, optimize=optimize)
    assert "x_argument = x" in sourcegrad.source(df)
    assert type(df(0.1)) is float and type(df(np.float64(0.1))) is np.float64
    assert df(0.1) == pytest.approx(float(df(np.float64(0.1))), rel=1e-12)
