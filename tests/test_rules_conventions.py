"""The documented conventions at kinks, ties and undefined points, the tuple conventions, the
runtime helpers the compiler calls directly, and the coverage/unsupported machinery."""
from __future__ import annotations

import numpy as np
import pytest

from sourcegrad import runtime
from sourcegrad.rules import ATTRIBUTES, METHODS, NONDIFF, RULES
from sourcegrad.rules.coverage import known_unsupported, qualified_name, unsupported_message


def vjp(fn, i=0):
    return RULES[fn].vjp(i)


# -- kinks and ties where a central difference cannot decide ----------------------------------

def test_clip_passes_the_gradient_on_a_bound_and_not_beyond():
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    g = np.ones(5)
    assert vjp(np.clip)(g, np.clip(x, -1, 1), x, -1.0, 1.0).tolist() == [0, 1, 1, 1, 0]
    assert vjp(np.clip)(g, np.clip(x, None, 1), x, None, 1.0).tolist() == [1, 1, 1, 1, 0]


def test_three_way_tie_of_max_shares_equally():
    x = np.array([2.0, 2.0, 1.0, 2.0])
    np.testing.assert_allclose(vjp(np.max)(1.0, np.max(x), x), [1 / 3, 1 / 3, 0, 1 / 3])


def test_maximum_tie_splits_and_sort_ties_keep_their_order():
    dx = vjp(np.maximum, 0)(np.ones(2), None, np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    assert dx.tolist() == [0.5, 1.0]
    x = np.array([3.0, 1.0, 3.0])
    g = np.array([10.0, 20.0, 30.0])  # sorted: 1, 3 (first 3), 3 (second 3)
    assert vjp(np.sort)(g, np.sort(x), x).tolist() == [20.0, 10.0, 30.0]


def test_norm_of_zero_vector_has_zero_gradient():
    assert vjp(np.linalg.norm)(1.0, 0.0, np.zeros(3)).tolist() == [0, 0, 0]


def test_power_with_exponent_zero_has_slope_zero_even_at_zero():
    # x ** 0 is 1 for every x: no 0 * inf = nan from y * x ** (y - 1) (as torch and autograd)
    x, y = np.array([0.0, 2.0]), np.array([0.0, 0.0])
    with np.errstate(divide="ignore"):
        dx, dy = vjp(np.power, 0)(np.ones(2), x ** y, x, y), vjp(np.power, 1)(np.ones(2), x ** y, x, y)
    assert dx.tolist() == [0.0, 0.0] and dy.tolist() == [0.0, np.log(2.0)]
    import math
    assert vjp(math.pow, 0)(1.0, 1.0, 0.0, 0.0) == 0.0


@pytest.mark.parametrize("y, x", [(np.ones(1), None), (np.ones(1), np.ones(1)),
                                  (np.ones((1, 3)), None)])
def test_trapezoid_of_one_sample_is_zero_and_so_is_its_gradient(y, x):
    ans = np.trapezoid(y, x, axis=0)
    g = np.ones_like(ans)
    assert np.all(vjp(np.trapezoid, 0)(g, ans, y, x, 1.0, 0) == 0)
    if x is not None:
        assert np.all(vjp(np.trapezoid, 1)(g, ans, y, x, 1.0, 0) == 0)


def test_repeated_eigenvalues_eigenvalue_losses_stay_finite():
    a = np.eye(3)
    ans = np.linalg.eigh(a)
    da = vjp(np.linalg.eigh)((np.ones(3), None), ans, a)
    np.testing.assert_allclose(da, np.eye(3), atol=1e-12)
    with np.errstate(invalid="ignore"):
        dv = vjp(np.linalg.eigh)((None, np.ones((3, 3))), ans, a)
    assert not np.all(np.isfinite(dv)), "eigenvector gradients are undefined here"


def test_dtype_changes_give_gradients_in_the_input_dtype():
    x = np.ones(3)
    g32 = np.ones(3, dtype=np.float32)
    assert vjp(np.ndarray.astype)(g32, x.astype(np.float32), x, np.float32).dtype == np.float64
    x32 = np.ones(3, dtype=np.float32)
    assert vjp(np.asarray)(np.ones(3), x32.astype(float), x32, float).dtype == np.float32


# -- tuple conventions -------------------------------------------------------------------------

def test_none_entries_of_tuple_adjoints_count_as_zeros():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 2))
    ans = np.split(x, 3)
    g = [rng.normal(size=(2, 2)) for _ in range(3)]
    with_none = vjp(np.split)((g[0], None, g[2]), ans, x, 3)
    with_zeros = vjp(np.split)((g[0], np.zeros((2, 2)), g[2]), ans, x, 3)
    np.testing.assert_array_equal(with_none, with_zeros)
    a = rng.normal(size=(4, 3))
    ans = np.linalg.svd(a, full_matrices=False)
    gs = rng.normal(size=3)
    np.testing.assert_allclose(vjp(np.linalg.svd)((None, gs, None), ans, a, False),
                               vjp(np.linalg.svd)(gs, np.linalg.svd(a, compute_uv=False), a,
                                                  compute_uv=False))


def test_sequence_inputs_get_a_list_and_varargs_a_tuple():
    x, y = np.ones((2, 3)), np.ones((1, 3))
    parts = vjp(np.concatenate)(np.arange(9.0).reshape(3, 3), None, [x, y])
    assert [p.shape for p in parts] == [(2, 3), (1, 3)]
    grads = vjp(np.einsum, 1)(np.ones((2, 2)), None, "ij,jk->ik", np.ones((2, 3)), np.ones((3, 2)))
    assert isinstance(grads, tuple) and [g.shape for g in grads] == [(2, 3), (3, 2)]


def test_unsupported_modes_raise_clear_errors():
    x = np.ones((3, 4))
    with pytest.raises(NotImplementedError, match="mode='mean'"):
        vjp(np.pad)(np.ones((5, 6)), None, x, 1, "mean")
    with pytest.raises(NotImplementedError, match="rows >= columns"):
        vjp(np.linalg.qr)(np.linalg.qr(x), np.linalg.qr(x), x)
    with pytest.raises(NotImplementedError, match="returned=True"):
        vjp(np.average)((1.0, None), (1.0, 12.0), x, None, None, True)
    with pytest.raises(NotImplementedError, match="subscripts string"):
        vjp(np.einsum, 1)(1.0, 1.0, x, [0, 1])


# -- runtime helpers the compiler calls ----------------------------------------------------------

@pytest.mark.parametrize("index", [
    1, slice(1, 3), (slice(None), 2), (None, Ellipsis, 1), (Ellipsis, slice(None, None, -1)),
    np.array([0, 2, 2]), (np.array([0, 0, 1]), np.array([1, 1, 3])), np.array([True, False, True]),
    (slice(None), np.array([3, 3])), np.array([[True, False, True, False]] * 3)])
def test_subscript_adjoint_matches_finite_differences(index):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    g = rng.normal(size=np.shape(x[index]))
    dx = runtime.subscript_adjoint(g, x, index)
    expected = np.zeros_like(x)
    for i in np.ndindex(*x.shape):  # the map is linear: its gradient is exact per element
        e = np.zeros_like(x)
        e[i] = 1.0
        expected[i] = np.sum(g * e[index])
    np.testing.assert_allclose(dx, expected)
    assert runtime.subscript_adjoint(g.astype(np.float32), x.astype(np.float32), index).dtype \
        == np.float32


def test_unbroadcast_and_expand_to_fast_paths():
    g = np.ones((2, 3))
    assert runtime.unbroadcast(g, g) is g
    assert runtime.unbroadcast(g, 1.0) == 6.0
    assert runtime.unbroadcast(g, np.ones((1, 3))).tolist() == [[2.0, 2.0, 2.0]]
    assert runtime.expand_to(np.ones(2), np.ones((2, 3)), axis=-1).shape == (2, 3)


# -- coverage ------------------------------------------------------------------------------------

def test_table_size():
    library = [p for p in RULES if qualified_name(p).startswith(("np.", "math.", "scipy."))]
    assert len(library) >= 150
    assert len(NONDIFF) >= 100


def test_known_unsupported_is_exact():
    unsupported = known_unsupported()
    assert np.median in unsupported and np.linalg.eig in unsupported
    for fn in (np.sin, np.sum, np.zeros, np.argmax, np.linalg.svd, np.einsum):
        assert fn not in unsupported
    assert not any(fn in RULES or fn in NONDIFF for fn in unsupported)


def test_unsupported_message_shows_a_registration_that_compiles():
    message = unsupported_message(np.median)
    assert message.startswith("np.median has no gradient rule")
    example = "\n".join(line[4:] for line in message.splitlines() if line.startswith("    "))
    assert "@defvjp(np.median)" in example
    compile(example, "<example>", "exec")
    assert "def eig(g, ans, a):" in unsupported_message(np.linalg.eig)


def test_methods_and_attributes_resolve_to_the_table():
    for name, fn in METHODS.items():
        assert fn in RULES or fn in NONDIFF, name
    for name, fn in ATTRIBUTES.items():
        assert fn is None or fn in RULES, name
    for name in ("sum", "mean", "max", "clip", "dot", "reshape", "astype", "transpose"):
        assert name in METHODS
    assert ATTRIBUTES["T"] is np.transpose


def test_every_template_is_a_pure_expression_template():
    for rule in {id(r): r for r in RULES.values()}.values():
        rule.parts()  # raises RuleError on anything but assignments and a return
        assert rule.math()
