"""Forward mode for one number (passes/tangents.py): the float variant of a scalar function's
gradient carries tangents along with the values, with no stacks.

Each gradient is compared with the numpy path (an ``np.float64`` argument runs the reverse-mode
gradient) and with finite differences; hypothesis writes random scalar loops with branches,
re-bindings and accumulators.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sourcegrad
from sourcegrad.testing import check_grads


def scalar_loop(x):
    for _ in range(30):
        x = np.sin(x) * x + 0.5 * x
    return x


def rebinds(x):
    for _ in range(4):
        x = np.tanh(x)  # the tangent reads the new value: x_new keeps it apart
    return x


def branches(x):
    y = 0.5 * x
    for _ in range(6):
        if y > 0.2:
            y = y - 0.1 * np.sin(x)
        else:
            y = y * np.cos(x) + x
    return y


def accumulates(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sin(x * i) / (1 + i)
    return s


def scales(x, c):
    for _ in range(3):
        c = c * np.sin(x)  # c, a parameter, depends on x from the first step on
    return c


def ignores(x):
    y = 1.0
    for _ in range(3):
        y = y * 2.0
    return y


def newton_sqrt(a):
    y = a
    while np.abs(y * y - a) > 1e-12 * a:
        y = 0.5 * (y + a / y)
    return y


def variant_of(fn, **kw) -> str:
    text = sourcegrad.source(sourcegrad.grad(fn, **kw))
    assert "_on_floats(" in text, text
    return text.split("_on_floats(")[-1]


def test_the_scalar_loop_keeps_no_tape():
    variant = variant_of(scalar_loop)
    assert "# forward mode: each dv is d v / d x" in variant
    assert "_stack" not in variant and "pop()" not in variant
    assert "dx = dx * (math.cos(x) * x + sin + 0.5)" in variant, variant


def test_a_tangent_that_reads_the_new_value_waits_for_it():
    variant = variant_of(rebinds)
    assert "x_new = math.tanh(x)" in variant and "x = x_new" in variant, variant


@pytest.mark.parametrize("fn, args", [
    (scalar_loop, (0.3,)), (scalar_loop, (-0.9,)), (rebinds, (0.7,)), (branches, (0.9,)),
    (branches, (-0.4,)), (accumulates, (0.6, 5)), (accumulates, (0.6, 0)), (newton_sqrt, (2.0,)),
    (newton_sqrt, (1e4,)), (scales, (0.7, 1.5)), (scales, (0.7, 2)),
])
def test_forward_mode_agrees_with_reverse_mode_and_finite_differences(fn, args):
    df = sourcegrad.grad(fn)
    assert "# forward mode" in sourcegrad.source(df)
    forward = df(*args)
    reverse = df(np.float64(args[0]), *args[1:])
    assert type(forward) is float
    assert forward == pytest.approx(float(reverse), rel=1e-12, abs=1e-300)
    check_grads(fn, *args)


def log_loop(x):
    for _ in range(2):
        x = np.log(x)
    return x


def test_where_math_raises_the_answer_is_numpys():
    df = sourcegrad.grad(log_loop)
    assert "# forward mode" in sourcegrad.source(df)
    with np.errstate(all="ignore"):
        got = df(0.5)  # math.log(-0.69...) raises; numpy's value is nan, its gradient is not
        expected = df(np.float64(0.5))
    assert type(got) is float and got == float(expected) == pytest.approx(1 / (0.5 * np.log(0.5)))


def test_an_output_that_ignores_the_argument_has_zero_gradient():
    assert "return 0.0" in variant_of(ignores)
    assert sourcegrad.grad(ignores)(0.3) == 0.0


def test_a_tuple_wrt_gets_a_tuple():
    df = sourcegrad.grad(scalar_loop, wrt=(0,))
    assert "# forward mode" in sourcegrad.source(df)
    (forward,) = df(0.3)
    assert forward == pytest.approx(sourcegrad.grad(scalar_loop)(0.3), rel=1e-15)


def two_arguments(x, y):
    for _ in range(3):
        x = np.sin(x) * y
    return x


def test_two_differentiated_numbers_stay_in_reverse_mode():
    variant = variant_of(two_arguments, wrt=(0, 1))
    assert "# forward mode" not in variant and "math.sin" in variant
    dx, dy = sourcegrad.grad(two_arguments, wrt=(0, 1))(0.4, 1.3)
    ex, ey = sourcegrad.grad(two_arguments, wrt=(0, 1))(np.float64(0.4), 1.3)
    assert (dx, dy) == pytest.approx((ex, ey), rel=1e-12)
    assert "# forward mode" in variant_of(two_arguments, wrt=1)  # one of them: forward


# -- random scalar loops --------------------------------------------------------------------------

_STEPS = [
    "{v} = np.sin({u}) * {w} + 0.5 * {v}",
    "{v} = np.tanh({v})",
    "{v} = {u} * {w} / (1.0 + {w} * {w})",
    "{v} = np.exp(-{u} * {u}) + {w}",
    "{v} = np.sqrt({u} * {u} + 1.0) - {v}",
    "{v} = np.arctan({u}) - 0.3 * {w}",
    "{v} = {v} + {u} ** 2 * 0.1",
    "if {u} > {w}:\n    {v} = {v} - 0.1 * {u}\nelse:\n    {v} = {v} * np.cos({w})",
    "c = c * np.cos({u}) + 0.1 * {w}",  # a parameter that comes to depend on x
]


@st.composite
def scalar_programs(draw):
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        v, u, w = (draw(st.sampled_from("ab")) for _ in range(3))
        step = draw(st.sampled_from(_STEPS)).format(v=v, u=u, w=w)
        lines.extend("        " + line for line in step.splitlines())
    steps = draw(st.integers(1, 6))
    body = "\n".join(lines)
    return (f"def f(x, c):\n    a = x\n    b = 0.5 * x\n    for _ in range({steps}):\n{body}\n"
            "    return a + b + c\n")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scalar_programs(), st.sampled_from([0.3, -0.8, 1.4]))
def test_random_scalar_loops_agree_with_reverse_mode(write_function, text, x):
    f = write_function(text)
    df = sourcegrad.grad(f)
    assert "# forward mode" in sourcegrad.source(df), text
    forward = df(x, 0.6)
    reverse = float(df(np.float64(x), 0.6))  # the numpy path: reverse mode
    assert forward == pytest.approx(reverse, rel=1e-9, abs=1e-12), text
