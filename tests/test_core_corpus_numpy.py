"""The core issue's first set of numpy functions and the ``math`` module, called from user code.

The wide, rule-by-rule coverage of numpy is the rules' own suite (``test_rules_*``); this corpus
checks what the *compiler* must get right around a call: resolving ``np.xxx`` / ``math.xxx`` /
``np.linalg.xxx`` at transform time, keyword and default arguments, list arguments
(``np.stack([a, b])``), results indexed or unpacked, and Python floats in and out. Each function
runs through the same four checks as the syntax corpus.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from test_core_corpus_syntax import (
    Case,
    corpus_tests,
)

import sourcegrad

X = np.array([0.3, 0.8, 1.3, 1.7])
Y = np.array([1.1, 0.6, 0.9, 1.4])
M = np.linspace(0.2, 1.4, 12).reshape(3, 4) + np.array([0.0, 0.03, 0.07, 0.01])
SQ = np.array([[2.0, 0.3, -0.4], [0.1, 1.5, 0.2], [0.3, -0.2, 1.8]])


# -- math on Python floats ------------------------------------------------------------------

def math_elementary(a):
    return math.sin(a) * math.exp(a) + math.log(a) + math.sqrt(a) + math.cos(a) ** 2 + math.tan(a)


def math_hyperbolic_and_inverse(a):
    return (math.tanh(a) + math.sinh(a) * math.cosh(a) + math.asin(a / 2) + math.acos(a / 3)
            + math.atan(a) + math.asinh(a) + math.acosh(a + 1.0) + math.atanh(a / 2))


def math_logs_and_powers(a, b):
    return (math.log(a, 3.0) + math.log10(b) + math.log2(a) + math.log1p(b) + math.expm1(a)
            + math.pow(a, b) + math.atan2(a, b) + math.hypot(a, b) + math.pi * a)


def math_special(a):
    return math.erf(a) + math.erfc(a) + math.degrees(a) + math.radians(a) + abs(-a) + math.fabs(a)


def math_mixed_with_numpy(a, x):
    return math.exp(a) * np.sum(np.sin(x)) + float(a) * 2.0


# -- elementwise ----------------------------------------------------------------------------

def np_elementwise(x):
    return np.sum(np.sin(x) + np.cos(x) + np.tan(x) + np.exp(x) + np.log(x) + np.sqrt(x)
                  + np.tanh(x) + np.abs(x - 1.0) + np.square(x) + np.negative(x))


def np_elementwise_more(x):
    return np.sum(np.reciprocal(x) + np.log1p(x) + np.expm1(x) + np.sinh(x) + np.cosh(x)
                  + np.arctan(x) + np.arcsin(x / 2) + np.arccos(x / 2) + np.log2(x)
                  + np.log10(x) + np.exp2(x) + np.cbrt(x))


def np_sigmoid_softplus(x):
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    return np.sum(sigmoid * np.log(1.0 + np.exp(x)))


def np_binary(x, y):
    return np.sum(np.add(x, y) * np.subtract(x, y) + np.multiply(x, y) + np.divide(x, y)
                  + np.power(x, y) + np.arctan2(x, y) + np.hypot(x, y) + np.logaddexp(x, y))


def np_piecewise(x, y):
    return np.sum(np.maximum(x, y) + np.minimum(x, 1.0) + np.where(x > y, x * y, y)
                  + np.clip(x, 0.5, 1.5))


# -- reductions (keyword arguments and defaults) --------------------------------------------

def np_reductions(m):
    return (np.sum(m) + np.mean(m) + np.max(m) + np.min(m) + np.prod(m[0])
            + np.var(m) + np.std(m))


def np_reductions_axis(m):
    return (np.sum(np.sum(m, axis=0) ** 2) + np.sum(np.mean(m, axis=-1) ** 2)
            + np.sum(np.max(m, axis=1)) + np.sum(np.var(m, axis=0, ddof=1))
            + np.sum(np.sum(m, axis=1, keepdims=True) * m) + np.sum(np.cumsum(m, axis=1)))


def np_logsumexp_softmax(m):
    top = np.max(m, axis=1, keepdims=True)
    shifted = m - top
    log_z = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum((shifted - log_z)[:, 0])


# -- products and linear algebra ------------------------------------------------------------

def np_products(m, x):
    return (np.sum(np.dot(m, x) ** 2) + np.sum(np.matmul(m.T, m)) + np.sum(np.outer(x, x))
            + np.inner(x, x) + np.trace(m[:, :3]) + np.sum(np.einsum("ij,kj->ik", m, m)))


def np_linalg(s):
    return (np.sum(np.linalg.inv(s)) + np.linalg.norm(s) + np.linalg.det(s)
            + np.sum(np.linalg.solve(s, s[0])) + np.linalg.norm(s[0], ord=2))


# -- shapes, joins and construction ---------------------------------------------------------

def np_shapes(m):
    return (np.sum(np.transpose(m) ** 2) + np.sum(np.reshape(m, (-1,)) * np.arange(12.0))
            + np.sum(np.expand_dims(m, 0) ** 2) + np.sum(np.squeeze(m[None]) * 3.0)
            + np.sum(np.ravel(m) ** 3) + np.sum(np.swapaxes(m, 0, 1)[0]))


def np_joins(x, y):
    both = np.stack([x, y])
    return (np.sum(np.concatenate([x, y * 2.0]) ** 2) + np.sum(both[0] * both[1])
            + np.sum(np.hstack([x, y]) ** 2) + np.sum(np.vstack((x, y)) ** 3))


def np_construction(x):
    ones = np.ones_like(x)
    eye = np.eye(x.shape[0])
    return np.sum((x + ones) ** 2) + np.sum(eye @ x) + np.sum(np.array([x[0], x[1]]) ** 2) + \
        np.sum(np.zeros(4) + x * np.arange(4.0))


def np_indexing_helpers(x):
    top = np.argmax(x)
    order = np.argsort(x)
    return x[top] * 2.0 + np.sum(x[order] * np.arange(4.0)) + np.sum(np.take(x, [0, 0, 2]))


# -- broadcasting: every gradient is summed back to its argument's shape ------------------------

def broadcast_outer(col, row):
    return np.sum(np.sin(col * row) + col / row - row)


def broadcast_size_one(m, b):
    return np.sum((m + b) ** 2)


def broadcast_zero_d(x, s):
    return np.sum(x * s + s)


def broadcast_keepdims(m):
    return np.sum(m / np.sum(m, axis=1, keepdims=True) * m)


def broadcast_batched_matmul(stack, m):
    return np.sum((stack @ m) ** 2)


def broadcast_column(m, v):
    return np.mean(m - v[:, None]) + np.sum(m.T * v)


def np_constants(x):
    return np.sum(np.pi * x + np.e * x ** 2)


CASES = [
    Case(math_elementary, (0.7,)), Case(math_hyperbolic_and_inverse, (0.6,)),
    Case(math_logs_and_powers, (0.7, 1.3), (0, 1)), Case(math_special, (0.6,)),
    Case(math_mixed_with_numpy, (0.4, X), (0, 1)),
    Case(np_elementwise, (X,)), Case(np_elementwise_more, (X,)), Case(np_sigmoid_softplus, (X,)),
    Case(np_binary, (X, Y), (0, 1)), Case(np_piecewise, (X, Y), (0, 1)),
    Case(np_reductions, (M,)), Case(np_reductions_axis, (M,)), Case(np_logsumexp_softmax, (M,)),
    Case(np_products, (M, X), (0, 1)), Case(np_linalg, (SQ,)),
    Case(np_shapes, (M,)), Case(np_joins, (X, Y), (0, 1)), Case(np_construction, (X,)),
    Case(np_indexing_helpers, (X,)), Case(np_constants, (X,)),
    Case(broadcast_outer, (X[:3, None], Y[None, :]), (0, 1)),
    Case(broadcast_size_one, (M, np.array([0.3])), (0, 1)),
    Case(broadcast_zero_d, (X, np.array(0.7)), (0, 1)),
    Case(broadcast_keepdims, (M,)),
    Case(broadcast_batched_matmul, (M.reshape(2, 2, 3), M[:, :2]), (0, 1)),
    Case(broadcast_column, (M, X[:3]), (0, 1)),
]


(test_gradient_matches_finite_differences, test_value_and_grad_value_is_exactly_f,
 test_arguments_are_never_written, test_gradient_has_the_arguments_shape_and_type) = \
    corpus_tests(CASES)


@pytest.mark.parametrize("fn", [np_elementwise, np_sigmoid_softplus, np_constants],
                         ids=lambda fn: fn.__name__)
def test_float32_arguments_keep_float32_through_numpy_calls(fn):
    g32 = sourcegrad.grad(fn)(X.astype(np.float32))
    assert g32.dtype == np.float32 and g32.shape == X.shape
    np.testing.assert_allclose(g32, sourcegrad.grad(fn)(X), rtol=1e-4, atol=1e-5)
