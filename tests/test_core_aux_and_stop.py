"""``has_aux=True`` (the function returns ``(value, aux)``: only ``value`` is differentiated)
and ``sourcegrad.stop_gradient`` (a value differentiation treats as a constant), in both modes
(forward mode for one number, reverse mode otherwise) and on the floats path."""
import numpy as np
import pytest

import sourcegrad
from sourcegrad.testing import check_grads

RNG = np.random.default_rng(5)
X, Y = RNG.standard_normal(4), RNG.standard_normal(4)


def loss_with_stats(x, y):
    r = x * y - 1.0
    loss = np.sum(r ** 2)
    return loss, {"residual": r, "n": len(x)}


def scalar_with_aux(a):
    return np.sin(a) * a, a * 2.0


def looped_with_aux(a):
    s = a
    trace = []
    for _ in range(3):
        s = np.sin(s) + s
        trace.append(s)
    return s, trace


def damped(x):
    return np.sum(x * sourcegrad.stop_gradient(x))  # d/dx = stop_gradient(x) = x


def damped_scalar(a):
    c = sourcegrad.stop_gradient(np.exp(a))
    return c * a + np.sin(a)


def test_grad_with_aux_returns_the_gradient_and_the_aux_as_computed():
    (dx, dy), aux = sourcegrad.grad(loss_with_stats, wrt=(0, 1), has_aux=True)(X, Y)
    r = X * Y - 1.0
    np.testing.assert_allclose(dx, 2 * r * Y, rtol=1e-12)
    np.testing.assert_allclose(dy, 2 * r * X, rtol=1e-12)
    assert aux["n"] == 4 and np.array_equal(aux["residual"], r)


def test_value_and_grad_with_aux_returns_value_aux_and_gradient():
    (value, aux), dx = sourcegrad.value_and_grad(loss_with_stats, has_aux=True)(X, Y)
    expected_value, expected_aux = loss_with_stats(X, Y)
    assert value == expected_value and np.array_equal(aux["residual"], expected_aux["residual"])
    np.testing.assert_allclose(dx, 2 * (X * Y - 1.0) * Y, rtol=1e-12)


@pytest.mark.parametrize("fn", [scalar_with_aux, looped_with_aux])
@pytest.mark.parametrize("a", [0.3, np.float64(0.3), np.array(0.3)])
def test_aux_in_forward_mode_and_on_floats_agrees_with_finite_differences(fn, a):
    df = sourcegrad.grad(fn, has_aux=True)
    grad, aux = df(a)
    value, expected_aux = fn(a)
    h = 1e-6
    fd = (fn(a + h)[0] - fn(a - h)[0]) / (2 * h)
    assert abs(grad - fd) < 1e-6 * max(1.0, abs(fd))
    assert type(aux) is type(expected_aux)
    assert np.allclose(np.asarray(aux, dtype=float), np.asarray(expected_aux, dtype=float))
    (v, _), grad2 = sourcegrad.value_and_grad(fn, has_aux=True)(a)
    assert v == value and type(v) is type(value) and grad2 == grad


def test_a_function_that_does_not_return_a_pair_fails_at_its_return():
    def single(x):
        return np.sum(x)
    with pytest.raises(TypeError, match=r"single\(\) .* has_aux=True, so it must return a pair"):
        sourcegrad.grad(single, has_aux=True)(X)


def test_stop_gradient_makes_a_constant_of_its_argument():
    np.testing.assert_allclose(sourcegrad.grad(damped)(X), X, rtol=1e-12)
    a = 0.7
    expected = np.exp(a) + np.cos(a)  # (the exponential is a constant factor)
    for arg in (a, np.float64(a), np.array([a])[0]):
        assert sourcegrad.grad(damped_scalar)(arg) == pytest.approx(expected, rel=1e-12)


def test_stop_gradient_outside_differentiation_is_the_value_itself():
    assert sourcegrad.stop_gradient(X) is X
    t = sourcegrad.tensor([1.0, 2.0], requires_grad=True)
    assert not sourcegrad.stop_gradient(t).requires_grad


def test_without_stop_gradient_the_same_function_differentiates_fully():
    def full(x):
        return np.sum(x * x)
    check_grads(full, X)
    np.testing.assert_allclose(sourcegrad.grad(full)(X), 2 * X, rtol=1e-12)
