"""Forward mode: for a function of one differentiated number, the specialization for a number
computes the derivative beside the value (no tape). It must agree with reverse mode (the
general code, ``optimize=False``) and with finite differences; where an operation has no
forward rule, reverse mode is used."""
from __future__ import annotations

import math

import numpy as np
import pytest

import sourcegrad
from sourcegrad.testing import check_grads


def square(x):
    return x * x  # one operand twice: its tangent counts twice, not four times


def scalar_loop(x):
    for _ in range(20):
        x = np.sin(x) * x + 0.5 * x
    return x


def math_branches(x, n):
    y = math.exp(-x * x)
    if x > 0.5:
        y = y * math.tanh(x)
    else:
        y = y + math.atan2(x, 2.0)
    k = 0
    while k < n:
        y = y / (1.0 + y * y) + math.hypot(x, y)
        k += 1
    return y ** 1.5


def powers(x, w):
    return x ** 3 + 2.0 ** x + x ** w + np.maximum(x, 0.3) * np.fmod(x, 0.7)


def carried_constant(x):
    total = 0.0  # no tangent at first, one after the first step
    for k in range(4):
        total = total * 0.5 + np.cos(x * k)
    return total


CASES = [(square, (0.7,)), (scalar_loop, (0.3,)), (math_branches, (0.4, 3)),
         (math_branches, (0.9, 2)), (powers, (0.8, 2.5)), (carried_constant, (1.3,))]


@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_forward_mode_agrees_with_reverse_mode_and_finite_differences(fn, args):
    fast = sourcegrad.grad(fn)
    general = sourcegrad.grad(fn, optimize=False)  # reverse mode, no specialization
    assert fast(*args) == pytest.approx(general(*args), rel=1e-12, abs=1e-300)
    check_grads(fn, *args)
    value, slope = sourcegrad.value_and_grad(fn)(*args)
    assert value == fn(*args) and slope == pytest.approx(fast(*args), rel=1e-12)
    assert type(fast(*args)) is float


def test_specialization_for_a_number_is_forward_mode():
    df = sourcegrad.grad(scalar_loop)
    text = sourcegrad.source(df, 0.3)
    assert "backward sweep" not in text and "stack" not in text
    assert "backward sweep" in sourcegrad.source(df, np.array([0.3, 0.4]))


def reduces(x):
    v = np.array([x, 2.0 * x])  # a container: no forward rule, reverse mode takes over
    return np.sum(np.sin(v))


def test_without_a_forward_rule_reverse_mode_is_used():
    df = sourcegrad.grad(reduces)
    assert df(0.4) == pytest.approx(np.cos(0.4) + 2.0 * np.cos(0.8))
    assert "backward sweep" in sourcegrad.source(df, 0.4)


def skips_odd_steps(x, n):
    t = x
    for i in range(n):
        if i % 2:
            continue
        t = t - 1.0  # the tangent goes through unchanged: the loop has nothing left to do
    return t


def test_a_loop_left_without_work_compiles():
    df = sourcegrad.grad(skips_odd_steps, wrt="x")
    assert df(0.6, 3) == 1.0
    compile(sourcegrad.source(df, 0.6, 3), "specialization", "exec")
