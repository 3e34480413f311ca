"""The public API contract of ``grad`` and ``value_and_grad`` (the core issue, "Public API").

Signatures, the forms of ``wrt``, the decorator forms, the type and shape of each gradient,
values that are exactly ``f``'s, NaN/inf, and which names are read when.
"""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from numpy import sin as imported_sin

import sourcegrad
from sourcegrad.testing import check_grads

X = np.array([0.3, 0.8, 1.3, 1.7])
M = np.linspace(-1.0, 1.0, 8).reshape(4, 2)


def loss(W, b, x, y):
    r = x @ W + b - y
    return np.mean(r ** 2)


def scaled(x, scale=2.0, *, power=3):
    return np.sum(scale * x ** power)


def positional_only(x, y, /, z=1.5):
    return np.sum(x * y) * z


def with_varargs(x, *rest, **options):
    return np.sum(x ** 2) * len(rest) + len(options)


def annotated(x: np.ndarray, scale: float = 2.0, *, power: int = 3) -> float:
    return np.sum(scale * x ** power)


def _unannotated(sig: inspect.Signature) -> inspect.Signature:
    return sig.replace(parameters=[p.replace(annotation=p.empty) for p in sig.parameters.values()],
                       return_annotation=sig.empty)


# -- signatures -----------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [loss, scaled, positional_only, with_varargs, annotated],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("make", [sourcegrad.grad, sourcegrad.value_and_grad],
                         ids=["grad", "value_and_grad"])
def test_gradient_has_fs_parameters_with_defaults(fn, make):
    df = make(fn)
    assert _unannotated(inspect.signature(df)) == _unannotated(inspect.signature(fn))
    assert df.__defaults__ == fn.__defaults__ and df.__kwdefaults__ == fn.__kwdefaults__


@pytest.mark.parametrize("fn", [loss, scaled, positional_only, with_varargs],
                         ids=lambda f: f.__name__)
def test_signature_is_fs_signature(fn):
    assert inspect.signature(sourcegrad.grad(fn)) == inspect.signature(fn)


def test_signature_keeps_parameter_annotations():
    sig = inspect.signature(sourcegrad.grad(annotated))
    assert sig.parameters == inspect.signature(annotated).parameters


def test_defaults_and_keywords_are_used_like_fs():
    df = sourcegrad.grad(scaled)
    np.testing.assert_allclose(df(X), 2.0 * 3 * X ** 2, rtol=1e-12)
    np.testing.assert_allclose(df(X, 0.5, power=2), 0.5 * 2 * X, rtol=1e-12)
    np.testing.assert_allclose(df(x=X, power=1, scale=4.0), np.full(4, 4.0), rtol=1e-12)
    with pytest.raises(TypeError):
        df(X, 1.0, 2)  # power is keyword-only, as in f
    np.testing.assert_allclose(sourcegrad.grad(with_varargs)(X, 1, 2, a=3), 2 * 2 * X)


# -- wrt ------------------------------------------------------------------------------------

@pytest.mark.parametrize("wrt, expected", [
    (0, "W"), (1, "b"), ("W", "W"), ("y", "y"), (-1, "y"), (-4, "W"),
    ((0, "b"), ("W", "b")), (("x", -1, 0), ("x", "y", "W")), ((1,), ("b",)),
])
def test_wrt_forms_select_the_right_arguments(wrt, expected):
    rng = np.random.default_rng(1)
    args = {"W": rng.normal(size=(3, 2)), "b": 0.3, "x": rng.normal(size=(5, 3)),
            "y": rng.normal(size=(5, 2))}
    got = sourcegrad.grad(loss, wrt=wrt)(**args)
    if isinstance(wrt, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
    else:
        got, expected = (got,), (expected,)
    params = list(args)
    for name, g in zip(expected, got):
        np.testing.assert_allclose(g, check_grads(loss, *args.values(), wrt=params.index(name)),
                                   rtol=1e-12)
        assert np.shape(g) == np.shape(args[name])


def test_gradient_of_an_unused_argument_is_zeros_of_its_type():
    def ignores_y(x, y, s):
        return np.sum(x ** 2)

    gy, gs = sourcegrad.grad(ignores_y, wrt=(1, 2))(X, M.astype(np.float32), 2.0)
    assert gy.dtype == np.float32 and gy.shape == M.shape and not gy.any()
    assert type(gs) is float and gs == 0.0


@pytest.mark.parametrize("wrt, error", [
    (4, ValueError), (-5, ValueError), ("nope", ValueError), ((), ValueError),
    (1.0, TypeError), (True, TypeError), (None, TypeError), ((0, [1]), TypeError),
])
def test_bad_wrt_is_refused_when_grad_is_called(wrt, error):
    with pytest.raises(error) as info:
        sourcegrad.grad(loss, wrt=wrt)
    assert "wrt" in str(info.value)


# -- decorator forms ------------------------------------------------------------------------

def test_bare_decorator():
    @sourcegrad.grad
    def cube(x, k=2.0):
        return k * x ** 3

    assert cube(2.0) == pytest.approx(2.0 * 3 * 4.0, rel=1e-12)
    assert list(inspect.signature(cube).parameters) == ["x", "k"]


def test_decorator_with_wrt_names():
    @sourcegrad.grad(wrt=("W", "b"))
    def fit(W, b, x, y):
        return np.sum((x @ W + b - y) ** 2)

    x, y, W = M, np.arange(4.0), np.array([0.5, -0.2])
    dW, db = fit(W, 0.1, x, y)
    r = x @ W + 0.1 - y
    np.testing.assert_allclose(dW, 2 * x.T @ r, rtol=1e-12)
    assert db == pytest.approx(2 * np.sum(r), rel=1e-12) and type(db) is float


def test_value_and_grad_decorators():
    @sourcegrad.value_and_grad
    def square(x):
        return x * x

    @sourcegrad.value_and_grad(wrt=1)
    def product(x, y):
        return x * y

    assert square(3.0) == (9.0, 6.0)
    assert product(3.0, 4.0) == (12.0, 3.0)


# -- types and shapes of gradients ----------------------------------------------------------

def _sum_cubes(x):
    return np.sum(x ** 3)


@pytest.mark.parametrize("value, kind, dtype", [
    (np.array([1.0, 2.0], dtype=np.float32), np.ndarray, np.float32),
    (np.array([1.0, 2.0], dtype=np.float16), np.ndarray, np.float16),
    (np.array([1.0, 2.0]), np.ndarray, np.float64),
    (np.array([1, 2]), np.ndarray, np.float64),  # integers differentiate as floats
    (np.array(2.0), np.ndarray, np.float64),  # 0-d stays 0-d
    (np.float32(2.0), np.float32, np.float32),
    (np.float64(2.0), np.float64, np.float64),
])
def test_gradient_has_the_arguments_type(value, kind, dtype):
    g = sourcegrad.grad(_sum_cubes)(value)
    assert type(g) is kind and g.dtype == dtype and np.shape(g) == np.shape(value)
    np.testing.assert_allclose(g, 3 * np.asarray(value, dtype=np.float64) ** 2, rtol=1e-3)


@pytest.mark.parametrize("value", [2.0, 2], ids=["float", "int"])
def test_python_number_gives_a_plain_float(value):
    g = sourcegrad.grad(lambda x: math.exp(x) + x ** 2)(value)
    assert type(g) is float and g == pytest.approx(math.exp(2.0) + 4.0, rel=1e-12)
    g = sourcegrad.grad(lambda x: np.sum(np.exp(x * X)))(value)  # numpy inside, float out
    assert type(g) is float and g == pytest.approx(np.sum(X * np.exp(2.0 * X)), rel=1e-12)


def _mean_of_shifted(x, y):
    return np.mean(1.0 - y + x)


def _sum_of_product(x, y):
    return np.sum(x * y)


@pytest.mark.parametrize("fn", [_mean_of_shifted, _sum_of_product])
@pytest.mark.parametrize("y", [np.array(0.9), np.float64(0.9), 0.9, np.array([0.9])],
                         ids=["0-d", "scalar", "float", "length-1"])
def test_an_argument_broadcast_against_an_array_gets_a_gradient_of_its_own_type(fn, y):
    # (found by the fuzzer: summing the adjoint to a 0-d array's shape gives a numpy scalar,
    # which the gradient must turn back into a 0-d array)
    x = np.array([1.5, -0.5, 2.0])
    g = sourcegrad.grad(fn, wrt=1)(x, y)
    assert type(g) is type(y) and np.shape(g) == np.shape(y)
    expected = -1.0 if fn is _mean_of_shifted else np.sum(x)
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_broadcast_argument_keeps_its_own_shape():
    row = np.array([[0.5, -1.0]], dtype=np.float32)
    g = sourcegrad.grad(lambda r, m: np.sum(r * m), wrt=0)(row, M)
    assert g.shape == (1, 2) and g.dtype == np.float32
    np.testing.assert_allclose(g, M.sum(axis=0, keepdims=True), rtol=1e-6)


def test_value_and_grad_float32_value_is_exactly_f():
    x = X.astype(np.float32)
    value, g = sourcegrad.value_and_grad(annotated)(x, np.float32(0.5))
    expected = annotated(x, np.float32(0.5))
    assert type(value) is type(expected) and value == expected
    assert g.dtype == np.float32


def test_optimize_false_computes_the_same_gradient():
    args = (np.full((2, 2), 0.3), 0.2, M[:3], np.ones((3, 2)))
    a = sourcegrad.grad(loss, wrt=(0, 1), optimize=False)(*args)
    b = sourcegrad.grad(loss, wrt=(0, 1))(*args)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-12)
    assert a[1] == pytest.approx(b[1], rel=1e-12)


def augmented_on_an_alias(x):
    y = x
    y *= 2.0  # numpy writes into the array y names, which is x itself
    return np.sum(y * x)


def test_augmented_assignment_on_an_alias_of_an_argument_is_not_silently_wrong():
    x = np.array([0.5, 1.0])
    expected = augmented_on_an_alias(x.copy())  # 4 * sum(x ** 2) == 5.0: x is doubled
    try:
        value, g = sourcegrad.value_and_grad(augmented_on_an_alias)(x.copy())
    except sourcegrad.TransformError:
        return  # refusing the construct is an honest answer too
    assert value == expected
    np.testing.assert_allclose(g, 8 * x, rtol=1e-12)


# -- NaN and inf ----------------------------------------------------------------------------

def test_nan_and_inf_propagate_as_numpy_computes_them():
    x = np.array([0.0, 4.0, np.inf, np.nan, -1.0])
    with np.errstate(all="ignore"):
        value, g = sourcegrad.value_and_grad(lambda v: np.sum(np.sqrt(v)))(x)
        expected = 0.5 / np.sqrt(x)
    assert np.isnan(value)
    np.testing.assert_array_equal(g, expected)  # inf, 0.25, 0, nan, nan


def test_nan_in_one_input_does_not_leak_into_the_other_gradient():
    x = np.array([1.0, np.nan, 3.0])
    y = np.array([2.0, 5.0, -1.0])
    with np.errstate(all="ignore"):
        gx, gy = sourcegrad.grad(lambda a, b: np.sum(a * b), wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, y)
    np.testing.assert_array_equal(gy, x)  # the NaN stays where it was


def test_python_float_inf():
    g = sourcegrad.grad(lambda t: math.exp(-t) + 1.0 / t)(math.inf)
    assert type(g) is float and g == 0.0  # -exp(-inf) - 1/inf**2 == -0.0 - 0.0


# -- names: called names at transform time, values at run time ------------------------------

act = np.tanh
LATER_DEFINED_SCALE: np.ndarray  # assigned by the test below, after grad()


def uses_aliases(x):
    return np.sum(act(x) + imported_sin(x))


def uses_a_global_value(x):
    return np.sum(x * LATER_DEFINED_SCALE)  # noqa: F821 - undefined when grad() runs


def test_called_names_are_resolved_through_aliases():
    check_grads(uses_aliases, X)


def test_global_values_are_read_at_run_time(monkeypatch):
    df = sourcegrad.grad(uses_a_global_value)  # the global does not exist yet
    monkeypatch.setitem(globals(), "LATER_DEFINED_SCALE", np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(df(X), [1.0, 2.0, 3.0, 4.0])
    monkeypatch.setitem(globals(), "LATER_DEFINED_SCALE", np.array([-1.0, 0.0, 0.5, 9.0]))
    np.testing.assert_array_equal(df(X), [-1.0, 0.0, 0.5, 9.0])


def test_closure_values_are_shared_not_copied():
    weight = np.array([1.0, 2.0, 3.0, 4.0])

    def weighted(x):
        return np.sum(x * weight)

    df = sourcegrad.grad(weighted)
    np.testing.assert_array_equal(df(X), weight)
    weight = weight * 10.0  # rebinds the cell weighted() reads
    np.testing.assert_array_equal(df(X), [10.0, 20.0, 30.0, 40.0])


def _matmul_through_where(x, mask):
    m = np.matmul(x, x)  # 1-D @ 1-D: a number, not x's shape (np.matmul is a gufunc)
    w = np.where(mask, m, x)
    return np.matmul(x, w)


def test_matmul_of_vectors_is_a_number_in_the_shape_facts():
    x = np.array([-0.51, -0.84, -1.44])
    mask = np.array([False, True, False])
    check_grads(_matmul_through_where, x, mask)


def _negate(x):
    return -x


def _sum_of(x):
    return np.sum(x)


@pytest.mark.parametrize("fn", [_negate, _sum_of])
@pytest.mark.parametrize("value", [np.array(1.09), 1.09, np.float64(1.09), np.float32(1.09)])
def test_gradient_of_a_number_has_the_numbers_type(fn, value):
    g = sourcegrad.grad(fn)(value)
    assert type(g) is (float if type(value) is float else type(value))
    assert g == (-1.0 if fn is _negate else 1.0)
