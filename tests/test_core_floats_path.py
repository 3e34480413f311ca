"""The Python-floats version of a specialization (``opt/floats_path.py``) answers exactly what
the numpy code answers: the same numbers, the same types, numpy's inf and nan where ``math``
raises -- and it is made only where a number and a numpy scalar behave alike."""
import math
import warnings

import numpy as np
import pytest

import sourcegrad
from sourcegrad.opt.floats_path import twins


def smooth(x, y):
    z = np.sin(x * y) + x ** 2.5
    return z * np.exp(y) + np.log1p(y * y)


def logarithm(x):
    return np.log(x) * 2.0


def exponential(x):
    return np.exp(x) + x


def looped(x, y):
    s = np.sin(x)
    for _ in range(4):
        s = np.sin(s * y) + 0.5 * s
    return s * s


def carried(x):
    s = x  # (a float before the loop's first step, a numpy scalar after)
    for _ in range(3):
        s = np.sin(s) + s
    return s


def receiver(x):
    t = np.sqrt(x)
    return t.clip(0.0, 1.5) * x  # (a method of np.sqrt's numpy scalar: a float has none)


def mixed_precision(x, y):
    return x * np.sin(y)  # (x a float32 scalar: np.sin(y) promotes it, a float would not)


def talks(x):
    print("called")
    return np.log(x)


def numpy_code(fn, *args):
    """The gradient and value computed by the numpy code alone (numpy scalars in, which the
    floats version does not take)."""
    vg = sourcegrad.value_and_grad(fn, wrt=tuple(range(len(args))))
    with np.errstate(all="ignore"):
        return vg(*[np.float64(a) for a in args])


def test_every_math_twin_agrees_with_numpy_bit_for_bit_on_fresh_values():
    table = twins()
    assert np.sin in table and np.exp in table
    rng = np.random.default_rng(11)
    for ufunc, twin in table.items():
        for v in rng.uniform(-3.0, 3.0, 200).tolist():
            args = (v,) if ufunc.nin == 1 else (v, v * 0.7 + 0.1)
            try:
                mine = twin(*args)
            except (ArithmeticError, ValueError):
                continue
            with np.errstate(all="ignore"):
                theirs = float(ufunc(*args))
            assert mine == theirs or (math.isnan(mine) and math.isnan(theirs)), ufunc


@pytest.mark.parametrize("fn, args", [(smooth, (0.5, 1.5)), (looped, (0.3, 1.2)),
                                      (logarithm, (2.0,)), (exponential, (1.5,))])
def test_the_floats_version_runs_and_answers_exactly_what_the_numpy_code_answers(fn, args):
    vg = sourcegrad.value_and_grad(fn, wrt=tuple(range(len(args))))
    text = sourcegrad.source(vg, *args)
    assert "_on_floats" in text and "math." in text, text
    value, grads = vg(*args)
    expected_value, expected_grads = numpy_code(fn, *args)
    assert value == fn(*args) and type(value) is type(fn(*args))
    assert value == expected_value
    assert grads == expected_grads and all(type(g) is float for g in grads)


def test_a_value_whose_type_depends_on_the_path_keeps_it():
    value, (grad,) = sourcegrad.value_and_grad(carried, wrt=(0,))(0.4)
    assert type(value) is type(carried(0.4)) and value == carried(0.4)
    df = sourcegrad.grad(carried)
    assert "_on_floats" in sourcegrad.source(df, 0.4)  # (the value is not returned there)
    assert df(0.4) == grad and type(df(0.4)) is float


@pytest.mark.parametrize("fn, x", [(logarithm, -1.0), (exponential, 1000.0)])
def test_where_math_raises_the_answer_is_numpys_inf_or_nan(fn, x):
    vg = sourcegrad.value_and_grad(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, got = vg(x)
        expected_value, (expected,) = numpy_code(fn, x)
    assert np.array_equal(value, fn(x), equal_nan=True) and not math.isfinite(value)
    assert np.array_equal(value, expected_value, equal_nan=True)
    assert got == expected and type(got) is float


def test_a_method_of_a_numpy_scalar_keeps_the_numpy_code():
    df = sourcegrad.grad(receiver)
    assert "_on_floats" not in sourcegrad.source(df, 0.81)
    assert df(0.81) == pytest.approx(0.81 / (2 * 0.9) + 0.9)


def test_a_float32_scalar_keeps_numpys_promotion():
    df = sourcegrad.grad(mixed_precision, wrt=(0, 1))
    args = (np.float32(0.5), 0.3)
    assert "_on_floats" not in sourcegrad.source(df, *args)
    dx, dy = df(*args)
    assert dx == pytest.approx(math.sin(0.3)) and dy == pytest.approx(0.5 * math.cos(0.3))


def test_a_function_with_effects_runs_once_even_where_math_would_raise(capsys):
    df = sourcegrad.grad(talks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert df(-1.0) == -1.0  # (math.log(-1.0) raises; numpy's log is nan)
    assert capsys.readouterr().out.count("called") == 1
    assert "_on_floats" not in sourcegrad.source(df, -1.0)
