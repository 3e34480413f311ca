"""The straight-line language of the core issue, one small user function per construct.

Each case is checked against central finite differences in float64 (``check_grads``), and the
same corpus drives three contracts of the public API: ``value_and_grad``'s value is exactly
``f(*args)``, the user's arguments are never written to, and every gradient has the shape and
type of its argument. Inputs are chosen away from kinks (ties, bounds, zero) so the finite
differences are meaningful. Numpy and ``math`` functions have their own corpus in
``test_core_corpus_numpy.py``; the shared checks live in ``_corpus_checks`` below.
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import pytest

import sourcegrad
from sourcegrad.testing import check_grads


class Case(NamedTuple):
    fn: object
    args: tuple
    wrt: object = 0
    kwargs: Mapping[str, object] = MappingProxyType({})


def arr(*values):
    return np.array(values, dtype=np.float64)


V = arr(0.3, 0.8, 1.3, 1.7)  # distinct, positive, none on a round bound
W = arr(1.1, 0.6, 0.9, 1.4)
A = np.linspace(0.2, 1.4, 12).reshape(3, 4) + 0.05 * np.arange(12).reshape(3, 4) ** 1.5 / 10
B = np.linspace(-0.9, 1.1, 20).reshape(4, 5)
SQ = arr(1.2, 0.3, -0.4, 0.9, 1.5, 0.2, 0.1, -0.3, 1.1).reshape(3, 3)


# -- assignment -----------------------------------------------------------------------------

def assign_copy(x):
    y = x
    return np.sum(y * y)


def assign_chain(x):
    a = b = x * 2.0
    return np.sum(a * b + a)


def assign_rebind_argument(x):
    x = x * 2.0
    x = np.sin(x) + x
    return np.sum(x)


def assign_annotated(x):
    y: np.ndarray = x * 3.0
    return np.sum(y ** 2)


def assign_unused_and_constant(x):
    unused = np.exp(x)  # noqa: F841
    k = 3.0
    return np.sum(x * k)


# -- tuple unpacking ------------------------------------------------------------------------

def unpack_literal(x):
    a, b = x * 2.0, x + 1.0
    return np.sum(a * b)


def unpack_swap(a, b):
    a, b = b, a
    return np.sum(a * 2.0 + b ** 3)


def unpack_rotate(a, b, c):
    a, b, c = c, a, b
    return np.sum(a + 2.0 * b + 3.0 * c ** 2)


def unpack_swap_with_expression(a, b):
    a, b = b, a * b
    return np.sum(a * b)


def unpack_nested(x):
    a, (b, c) = x, (x * 2.0, x * 3.0)
    return np.sum(a * b * c)


def unpack_list_target(x, y):
    [a, b] = [x * y, x - y]
    return np.sum(a * b)


def unpack_array_rows(m):
    r0, r1, r2 = m
    return np.sum(r0 * r1 + r2 ** 2)


def unpack_slice(x):
    u, v = x[1:3]
    return u * v


def unpack_shape(m):
    n, k = m.shape
    return np.sum(m ** 2) / (n * k)


# -- augmented assignment -------------------------------------------------------------------

def augmented_all_operators(x):
    y = x * 1.0
    y += x
    y -= 0.5 * x
    y *= x
    y /= x + 2.0
    y **= 2
    return np.sum(y)


def augmented_scalar_argument(s, t):
    s += t
    s *= t
    s -= 1.0
    return s * s


def augmented_matrix(m, n):
    p = m @ n
    p += m @ n * 0.5
    return np.sum(p ** 2)


# -- arithmetic operators -------------------------------------------------------------------

def op_add_sub(x, y):
    return np.sum(x + y - 3.0 - x + (2.0 - y) * x)


def op_mul_div(x, y):
    return np.sum(x * y / (y + 1.0) + 1.0 / x)


def op_pow(x, y):
    return np.sum(x ** y + x ** 2 + 2.0 ** x + x ** -0.5)


def op_neg_pos(x):
    return np.sum(-x * +x - (-x))


def op_broadcast(v, m):
    return np.sum(v * m + m / v - v)


def op_scalar_times_array(s, x):
    return np.sum(s * x + x / s + s ** 2)


def op_matmul_matrix(m, n):
    return np.sum((m @ n) ** 2)


def op_matmul_vectors(m, v, w):
    return np.sum(m @ v) + (v @ v) * 2.0 + np.sum(w @ m) + w @ m @ v


def op_python_floats(a, b):
    return a * b + a / b - b ** 2 + -a + a ** b - 3.0 * a


# -- comparisons on values that need no gradient --------------------------------------------

def compare_mask(x):
    mask = x > 1.0
    return np.sum(x * mask + x ** 2 * (x <= 1.0))


def compare_shape(x):
    n = x.shape[0]
    big = n >= 3
    return np.sum(x) * big + n


def compare_chained_on_float(x, y):
    inside = 0.0 < y < 2.0
    return np.sum(x * inside)


def compare_in_where(x, y):
    return np.sum(np.where(x > y, x, y * 2.0))


def compare_boolean_logic(x, w=None):
    n = x.shape[0]
    ok = (n > 1) and not (w is not None)
    return np.sum(x ** 2) * ok


# -- subscripts and slices (read) -----------------------------------------------------------

def subscript_basic(x):
    return x[0] * x[-1] + np.sum(x[1:3]) + np.sum(x[::2] ** 2) + np.sum(x[::-1] * x)


def subscript_matrix(m):
    return np.sum(m[1]) + m[0, 1] * m[2, 3] + np.sum(m[:, 1:3] ** 2) + np.sum(m[..., 0])


def subscript_new_axis(v, m):
    return np.sum(v[None, :] * m + v[:, None][0])


def subscript_variable_index(x):
    n = x.shape[0]
    i = n - 1
    return x[i] ** 2 + np.sum(x[n - 3:i] * 3.0)


def subscript_fancy_repeated(x):
    idx = np.array([0, 2, 2, 3])
    return np.sum(x[idx] ** 2) + np.sum(x[[1, 1]])


def subscript_boolean_mask(x):
    return np.sum(x[x > 1.0] ** 3)


# -- attributes and methods -----------------------------------------------------------------

def attribute_reads(m):
    return np.sum(m.T @ m) + m.shape[0] * np.sum(m) + m.ndim * m.size * m[0, 0] + np.sum(m.T.T)


def method_sum_mean(m):
    return np.sum(m.sum(axis=0) ** 2) + m.mean() + np.sum(m.mean(axis=1) * m.sum(1))


def method_reshape(m):
    return np.sum(m.reshape(4, 3)[0] * 2.0) + np.sum(m.reshape((2, 6)) ** 2) + \
        np.sum(m.reshape(-1) * np.arange(12.0))


def method_misc(m):
    return (np.sum(m.max(axis=1) ** 2) + np.sum(m.transpose() @ m) + np.sum(m.ravel() ** 3)
            + np.sum(m.copy() * m) + m.prod() + np.sum(m.cumsum(axis=1)) + m.var() + m.std())


def method_chain(m):
    return m.T.reshape(2, 6).sum(axis=1).mean()


def method_dot_and_item(m, v):
    return np.sum(m.dot(v) ** 2) + v[:1].item() * 3.0


# -- keyword arguments and defaults ---------------------------------------------------------

def kw_defaults(x, scale=2.0, *, power=3):
    return np.sum(scale * x ** power)


def kw_in_calls(m):
    return np.sum(np.sum(m, axis=1, keepdims=True) * m) + np.sum(np.mean(m, axis=0) ** 2)


def kw_positional_only(x, y, /, z):
    return np.sum(x * y * z)


CASES = [
    Case(assign_copy, (V,)), Case(assign_chain, (V,)), Case(assign_rebind_argument, (V,)),
    Case(assign_annotated, (V,)), Case(assign_unused_and_constant, (V,)),
    Case(unpack_literal, (V,)), Case(unpack_swap, (V, W), (0, 1)),
    Case(unpack_rotate, (V, W, V * 0.5), (0, 1, 2)),
    Case(unpack_swap_with_expression, (V, W), (0, 1)), Case(unpack_nested, (V,)),
    Case(unpack_list_target, (V, W), (0, 1)), Case(unpack_array_rows, (A[:, :3].copy(),)),
    Case(unpack_slice, (V,)), Case(unpack_shape, (A,)),
    Case(augmented_all_operators, (V,)), Case(augmented_scalar_argument, (0.7, 1.3), (0, 1)),
    Case(augmented_matrix, (A, B), (0, 1)),
    Case(op_add_sub, (V, W), (0, 1)), Case(op_mul_div, (V, W), (0, 1)),
    Case(op_pow, (V, W), (0, 1)), Case(op_neg_pos, (V,)),
    Case(op_broadcast, (V, A), (0, 1)), Case(op_scalar_times_array, (0.7, V), (0, 1)),
    Case(op_matmul_matrix, (A, B), (0, 1)),
    Case(op_matmul_vectors, (A, V, A[:, 0].copy()), (0, 1, 2)),
    Case(op_python_floats, (0.7, 1.3), (0, 1)),
    Case(compare_mask, (V,)), Case(compare_shape, (V,)),
    Case(compare_chained_on_float, (V, 1.5)), Case(compare_in_where, (V, W), (0, 1)),
    Case(compare_boolean_logic, (V,)),
    Case(subscript_basic, (V,)), Case(subscript_matrix, (A,)),
    Case(subscript_new_axis, (V, A), (0, 1)), Case(subscript_variable_index, (V,)),
    Case(subscript_fancy_repeated, (V,)), Case(subscript_boolean_mask, (V,)),
    Case(attribute_reads, (A,)), Case(method_sum_mean, (A,)), Case(method_reshape, (A,)),
    Case(method_misc, (A,)), Case(method_chain, (A,)), Case(method_dot_and_item, (A, V), (0, 1)),
    Case(kw_defaults, (V,)), Case(kw_defaults, (V, 1.5), (0, 1), {"power": 2}),
    Case(kw_in_calls, (A,)),
    Case(kw_positional_only, (V, W, 0.5), (0, 1, 2)),
]


def case_id(case: Case) -> str:
    return f"{case.fn.__name__}-wrt={case.wrt}" + ("-kw" if case.kwargs else "")


# -- the checks, shared with test_core_corpus_numpy.py --------------------------------------

def check_finite_differences(case: Case) -> None:
    check_grads(case.fn, *case.args, wrt=case.wrt, **case.kwargs)


def check_value_is_exact(case: Case) -> None:
    value, grads = sourcegrad.value_and_grad(case.fn, wrt=case.wrt)(*case.args, **case.kwargs)
    expected = case.fn(*case.args, **case.kwargs)
    assert type(value) is type(expected)
    assert np.array_equal(value, expected, equal_nan=True)
    alone = sourcegrad.grad(case.fn, wrt=case.wrt)(*case.args, **case.kwargs)
    for g, h in zip(_as_tuple(case, grads), _as_tuple(case, alone)):
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=0)


def check_arguments_untouched(case: Case) -> None:
    frozen = []
    for a in case.args:
        if isinstance(a, np.ndarray):
            a = a.copy()
            a.flags.writeable = False  # an in-place write to an argument raises
        frozen.append(a)
    before = [np.array(a, copy=True) for a in frozen]
    sourcegrad.grad(case.fn, wrt=case.wrt)(*frozen, **case.kwargs)
    sourcegrad.value_and_grad(case.fn, wrt=case.wrt)(*frozen, **case.kwargs)
    for a, b in zip(frozen, before):
        assert np.array_equal(a, b)


def check_gradient_types(case: Case) -> None:
    grads = _as_tuple(case, sourcegrad.grad(case.fn, wrt=case.wrt)(*case.args, **case.kwargs))
    signature = inspect.signature(case.fn)
    bound = signature.bind(*case.args, **case.kwargs)
    bound.apply_defaults()
    positional = [p.name for p in signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for item, g in zip(case.wrt if isinstance(case.wrt, tuple) else (case.wrt,), grads):
        arg = bound.arguments[positional[item] if isinstance(item, int) else item]
        if isinstance(arg, (float, int)):
            assert type(g) is float
        else:
            assert isinstance(g, np.ndarray)
            assert (g.shape, g.dtype) == (arg.shape, arg.dtype)


def corpus_tests(cases) -> tuple:
    """The four checks every corpus case gets, as parametrized pytest test functions."""
    def make(check):
        @pytest.mark.parametrize("case", cases, ids=case_id)
        def test(case):
            check(case)
        return test
    return tuple(make(check) for check in (check_finite_differences, check_value_is_exact,
                                          check_arguments_untouched, check_gradient_types))


def _as_tuple(case: Case, grads) -> tuple:
    return grads if isinstance(case.wrt, tuple) else (grads,)


def test_gradient_with_respect_to_a_defaulted_parameter():
    gx, gscale = sourcegrad.grad(kw_defaults, wrt=("x", "scale"))(V)
    np.testing.assert_allclose(gx, 2.0 * 3 * V ** 2, rtol=1e-12)
    np.testing.assert_allclose(gscale, np.sum(V ** 3), rtol=1e-12)
    assert type(gscale) is float


def test_check_grads_with_respect_to_a_defaulted_parameter():
    check_grads(kw_defaults, V, wrt=("x", "scale"))


(test_gradient_matches_finite_differences, test_value_and_grad_value_is_exactly_f,
 test_arguments_are_never_written, test_gradient_has_the_arguments_shape_and_type) = \
    corpus_tests(CASES)
