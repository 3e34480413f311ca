"""The runtime helpers' fast paths give what their general paths give.

Generated gradients call ``matmul_lhs``/``matmul_rhs`` and the shape stacks on every step, so
those have shortcuts for plain arrays of the common ranks. Each shortcut is checked here against
the general code (an ndarray subclass takes the general path) and, through whole gradients,
against finite differences.
"""
import numpy as np
import pytest

import sourcegrad
from sourcegrad.runtime import matmul_lhs, matmul_rhs
from sourcegrad.runtime_flow import ShapeStack
from sourcegrad.testing import check_grads


class Slow(np.ndarray):
    """An ndarray that is not ``type(...) is np.ndarray``: it takes the helpers' general path."""


def slow(a):
    return np.asarray(a).view(Slow)


RNG = np.random.default_rng(7)

RANKS = [((3, 4), (4, 5)), ((3, 4), (4,)), ((4,), (4, 5)), ((4,), (4,)),
         ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (4,)), ((4,), (2, 4, 5)),
         ((1, 3), (3,)), ((3,), (3, 1))]


@pytest.mark.parametrize("sa, sb", RANKS, ids=[f"{a}@{b}" for a, b in RANKS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matmul_helpers_fast_paths_agree_with_the_general_path(sa, sb, dtype):
    a, b = RNG.standard_normal(sa).astype(dtype), RNG.standard_normal(sb).astype(dtype)
    g = RNG.standard_normal(np.shape(a @ b))
    g = g if np.ndim(g) else float(g)
    for helper, operand in ((matmul_lhs, a), (matmul_rhs, b)):
        fast = helper(g, a, b)
        general = helper(slow(g) if np.ndim(g) else g, slow(a), slow(b))
        assert np.shape(fast) == np.shape(operand), (helper.__name__, np.shape(fast))
        np.testing.assert_allclose(fast, np.asarray(general), rtol=1e-6)


@pytest.mark.parametrize("sa, sb", RANKS, ids=[f"{a}@{b}" for a, b in RANKS])
def test_matmul_gradients_match_finite_differences_for_every_rank(sa, sb):
    def f(a, b):
        return np.sum(np.tanh(a @ b) * 1.5)

    check_grads(f, RNG.standard_normal(sa), RNG.standard_normal(sb), wrt=(0, 1))


def test_shape_stack_pops_shapes_in_reverse_order_across_runs():
    stack = ShapeStack()
    values = [0.5, 0.0, np.zeros(3), np.ones(3), np.zeros((2, 2)), np.zeros(3, np.float32), 1.0]
    for v in values:
        stack.append(v)
    assert len(stack) == len(values)
    assert [count for _, count in stack.runs] == [2, 2, 1, 1, 1]
    popped = [stack.pop() for _ in values]
    # each pop gives a stand-in with the value's type, shape and dtype, and no memory of its own
    for witness, value in zip(popped, reversed(values)):
        assert type(witness) is type(value) and np.shape(witness) == np.shape(value)
        assert getattr(witness, "dtype", None) == getattr(value, "dtype", None)
        assert getattr(witness, "strides", (0,)) in ((0,), (0, 0))
    assert len(stack) == 0
    stack.append(np.zeros(4))  # an emptied stack is usable again
    assert stack.pop().shape == (4,) and len(stack) == 0


def test_a_loop_whose_operand_shapes_change_unbroadcasts_each_step_right():
    # total is a float, then x's shape, then (2, 3) once b joins in: the saved shapes of total
    # and of the product follow every change, in reverse
    def f(x, b, n):
        total = 0.0
        for i in range(n):
            total = total + x * 2.0
            if i == 1:
                total = total + b
        return np.sum(total ** 2)

    x, b = RNG.standard_normal(3), RNG.standard_normal((2, 3))
    check_grads(f, x, b, 4, wrt=(0, 1))
    assert "ShapeStack()" in sourcegrad.source(sourcegrad.grad(f, wrt=(0, 1)))


@pytest.mark.parametrize("shape", [(3, 4), (80, 60)], ids=["small", "large"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_expand_to_is_numpys_broadcast_for_small_and_large_shapes(shape, dtype):
    from sourcegrad.runtime import expand_to
    x = np.zeros(shape, dtype)
    for g, axis, keepdims in [(dtype(1.5), None, False), (2.0, None, False),
                              (RNG.standard_normal((shape[0], 1)).astype(dtype), 1, True),
                              (RNG.standard_normal(shape[0]).astype(dtype), 1, False),
                              (RNG.standard_normal(shape[1]).astype(dtype), 0, False)]:
        got = expand_to(g, x, axis, keepdims)
        g_kept = g if keepdims or axis is None else np.expand_dims(g, axis)
        expected = np.broadcast_to(g_kept, shape)
        assert got.shape == shape and got.dtype == expected.dtype
        assert np.array_equal(got, expected)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (None, True), (1, True), (1, False),
                                            (0, False), (-1, False), ((0, 1), False)])
def test_extremum_adjoint_shares_ties_and_sums_to_the_adjoint(axis, keepdims):
    from sourcegrad.runtime import extremum_adjoint
    a = RNG.integers(0, 3, (5, 4)).astype(float)  # (many ties)
    ans = np.max(a, axis=axis, keepdims=keepdims)
    g = RNG.standard_normal(np.shape(ans))
    da = extremum_adjoint(g, ans, a, axis, keepdims)
    assert da.shape == a.shape
    # each output's adjoint is shared by its maxima and nothing else
    assert np.allclose(np.sum(da, axis=axis, keepdims=keepdims), g)
    hit = a == (ans if keepdims or axis is None else np.expand_dims(ans, axis))
    assert np.all(da[~hit] == 0.0)
