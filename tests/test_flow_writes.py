"""In-place writes the compiler cannot follow are refused with a located error, never a wrong
gradient; writes it can follow (into arrays the function owns) are checked against finite
differences. Cases found while writing docs/architecture.md."""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import sourcegrad
from sourcegrad import TransformError
from sourcegrad.testing import check_grads

X = np.array([0.3, -1.2, 0.8])


def sorts_in_place(x):
    y = x * 2.0
    y.sort()
    return np.sum(y * x)


def fills_in_place(x):
    y = np.zeros(3)
    y.fill(2.0)
    return np.sum(y * x)


def ufunc_out(x):
    y = np.zeros(3)
    np.sin(x, out=y)
    return np.sum(y)


def add_at(x):
    y = np.zeros(3)
    np.add.at(y, [0, 0, 1], x[:3])
    return np.sum(y * y)


def write_through_original(x):
    y = x * 1.0
    z = y
    y[0] = 5.0
    return np.sum(z * x)


def grow_through_alias(x):
    a = [x]
    b = a
    a.append(x * 2.0)
    return np.sum(b[1])


def asarray_alias(x):
    y = np.asarray(x)
    y[0] = 1.0
    return np.sum(y * x)


def reshape_alias(x):
    y = x * 1.0
    z = np.reshape(y, (3, 1))
    z[0, 0] = 2.0
    return np.sum(y)


@pytest.mark.parametrize("fn, marker", [
    (sorts_in_place, "y.sort()"),
    (fills_in_place, "y.fill(2.0)"),
    (ufunc_out, "np.sin(x, out=y)"),
    (add_at, "np.add.at("),
    (write_through_original, "y[0] = 5.0"),
    (grow_through_alias, "a.append("),
    (asarray_alias, "y[0] = 1.0"),
    (reshape_alias, "z[0, 0] = 2.0"),
], ids=lambda v: getattr(v, "__name__", "marker"))
def test_untraceable_in_place_writes_are_refused_at_the_users_line(fn, marker):
    with pytest.raises(TransformError) as info:
        sourcegrad.grad(fn)
    assert marker in str(info.value)
    assert info.value.lineno is not None and info.value.hint


def owned_writes(x):
    y = x * 1.0  # a new array: writing into it changes nothing else
    y[0] = y[1] * 3.0
    y += x
    return np.sum(y ** 2)


def writes_into_parameter(x):
    x[1] = x[0] * 2.0  # the gradient function works on a copy: the caller's x never changes
    return np.sum(x ** 2)


@pytest.mark.parametrize("fn", [owned_writes, writes_into_parameter])
def test_traceable_writes_have_the_right_gradient(fn):
    before = X.copy()
    check_grads(fn, X.copy())
    sourcegrad.grad(fn)(X)
    np.testing.assert_array_equal(X, before)


def scaled(x, w):
    return np.sum(w * x ** 2)


def test_partial_binding_an_array_compiles():
    weights = np.array([1.0, 2.0, 3.0])
    part = functools.partial(scaled, w=weights)

    def uses_partial(x):
        return part(x) * 2.0

    check_grads(uses_partial, X)


def with_star_args(x, *rest):
    return np.sum(x * rest[0]) + len(rest)


def test_check_grads_handles_star_args():
    check_grads(with_star_args, X, X * 2.0, 7.0)


sequence = np.ones(3)  # a user global with the name of a compiler helper (sourcegrad renames its own)


def loops_over_a_built_list(x):
    values = []
    for v in x:
        values.append(v * sequence[0])
    total = 0.0
    for i, v in enumerate(values):
        total = total + (i + 1) * v ** 2
    return total


def test_user_global_named_like_a_helper_does_not_change_the_gradient():
    check_grads(loops_over_a_built_list, X.copy())


import numpy as onp


def copies_into_with_another_numpy_name(x):
    y = onp.zeros(3)
    onp.copyto(y, x)
    return onp.sum(y * x)


def test_mutating_numpy_call_is_refused_whatever_numpy_is_called():
    with pytest.raises(TransformError, match="copyto"):
        sourcegrad.grad(copies_into_with_another_numpy_name)


def updates_a_shared_number(x):
    t = np.sin(x)
    kept = t  # a number: `t -= 1.0` rebinds t, kept keeps the old value
    t -= 1.0
    return np.sum(kept * t)


def test_update_of_a_shared_number_follows_python_and_an_array_is_refused_when_called():
    df = sourcegrad.grad(updates_a_shared_number)
    check_grads(updates_a_shared_number, 0.7)
    assert df(0.7) == pytest.approx(np.cos(0.7) * (2 * np.sin(0.7) - 1))
    with pytest.raises(TransformError) as info:  # the same code on an array changes `kept`
        df(np.array([0.7, 0.2]))
    assert "t -= 1.0" in str(info.value) and "another name" in str(info.value)


def math_result_is_fresh(x):
    t1 = x
    t2 = math.tanh(x)  # a new number: never x itself
    t2 *= 0.5
    return np.sin(t1) + t2


def test_math_results_share_nothing_with_their_arguments():
    check_grads(math_result_is_fresh, 0.77)


def offset(p, q, weight=0.5):
    return q * weight + p


def calls_a_local_partial(x):
    part = functools.partial(offset, q=x * 2.0)
    return part(x) ** 2


def partial_bound_after_an_early_return(x):
    if np.max(x) > 10.0:
        return np.sum(x)
    part = functools.partial(offset, x)
    return np.sum(part(x * x))


@pytest.mark.parametrize("fn", [calls_a_local_partial, partial_bound_after_an_early_return])
def test_local_partials_compile(fn):
    check_grads(fn, X.copy() if fn is partial_bound_after_an_early_return else 0.4)


def writes_into_fresh_results(x):
    a = np.take(x, [0, 2, 2])  # np.take, np.append and .flatten() copy: x is not written
    a[0] = a[1] * 3.0
    b = np.append(x, a)
    b -= x[0]
    c = b.flatten()
    c[1] += 2.0 * c[0]
    return np.sum(a * x) + np.sum(c ** 2) + np.sum(b)


def loop_over_zip_writes_what_it_walks(x):
    y = x * 1.0
    acc = x * 0.5
    for v, u in zip(acc, y):  # u is never used: nothing reads y through the loop
        y[0] *= v
        y = y + x
    return np.sum(y ** 2)


@pytest.mark.parametrize("fn", [writes_into_fresh_results, loop_over_zip_writes_what_it_walks])
def test_writes_nothing_else_observes_compile(fn):
    check_grads(fn, X.copy())


def loop_over_list_holding_the_written_array(x):
    acc = x * 1.0
    total = 0.0
    for v in [x, acc]:
        acc[0] = 2.0 * acc[1]
        total = total + np.sum(v)
    return total


def test_write_seen_through_the_list_a_loop_walks_is_refused():
    with pytest.raises(TransformError, match="acc"):
        sourcegrad.grad(loop_over_list_holding_the_written_array)


def joins_lists(x):
    v = x * 2.0
    items = [v] + [x]  # a new list holding v and x: + joins, it does not add
    pair = (x,) + (v, x)
    twice = [v] * 2
    return np.sum(items[0] * items[1]) + np.sum(pair[1]) + np.sum(twice[1] * x)


def test_operators_on_lists_join_and_repeat_them():
    check_grads(joins_lists, X.copy())
    np.testing.assert_allclose(sourcegrad.grad(joins_lists)(X), 4 * X + 2 + 4 * X)


def write_seen_through_joined_list(x):
    v = x * 1.0
    c = [v] + [x]
    v[0] = 5.0  # c[0] is v: Python sees the write through c
    return np.sum(c[0] * x)


def test_write_into_an_item_of_a_joined_list_is_refused():
    with pytest.raises(TransformError, match="v"):
        sourcegrad.grad(write_seen_through_joined_list)


def pair_of(a):
    return [a, a * 2.0]


def joins_lists_of_unseen_kind(x):
    both = pair_of(x) + pair_of(x * 3.0)  # the helper's results: lists the compiler cannot see
    return np.sum(both[2] * both[1])


def test_join_of_values_of_unseen_kind_stops_when_called():
    df = sourcegrad.grad(joins_lists_of_unseen_kind)
    with pytest.raises(TransformError, match="list or tuple"):
        df(X)
