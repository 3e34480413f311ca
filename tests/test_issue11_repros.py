"""Every snippet of issue 11 ("a sound core ... zero silently wrong gradients"), as a test.

* "Wrong gradients, no error": ``sourcegrad.grad`` agrees with central finite differences and
  with a closed-form derivative written here (and with autograd running the very same code,
  where autograd has the functions).
* "Crashes inside generated code": each now gives the finite-difference gradient (``math.hypot``
  at the origin gives NaN, as its rule documents and autograd agrees; see that test).
* Complex inputs are refused with a ``TypeError`` that names complex numbers.
* "Refusals of documented constructs" (``np.sort``, ``np.partition``, ``np.resize``, a
  ``functools.partial`` built inside ``f``) and the differentiable arguments that were treated
  as constants: gradients agree with finite differences.
* "Stale results": rebinding a helper (or a global constant) that ``f`` reads gives the new
  gradient, from a fresh ``grad(f)`` and from a gradient function made before the change.
"""
from __future__ import annotations

import functools
import math
import types

import numpy as np
import pytest
import scipy.special

import sourcegrad

W = np.array([0.3, -1.2, 0.7, 2.0])  # the report's constant weight array `w`
w = W
_rng = np.random.default_rng(11)
X4, Y4 = _rng.normal(size=4), _rng.normal(size=4)
X3, Y2 = _rng.normal(size=3), _rng.normal(size=2)
A23, B32, M32 = _rng.normal(size=(2, 3)), _rng.normal(size=(3, 2)), _rng.normal(size=(3, 2))


def fd_grad(f, args, wrt, eps=1e-6):
    """Central finite differences of the scalar ``f(*args)`` in argument ``wrt`` (float64)."""
    args = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]

    def at(value):
        return float(f(*[value if i == wrt else a for i, a in enumerate(args)]))

    x = args[wrt]
    if not isinstance(x, np.ndarray):
        return (at(x + eps) - at(x - eps)) / (2 * eps)
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += eps
        down[k] -= eps
        out[k] = (at(up) - at(down)) / (2 * eps)
    return out


def check(f, args, wrt, expected=None):
    """grad(f, wrt) vs finite differences and, when given, vs an independent value."""
    got = sourcegrad.grad(f, wrt=wrt)(*args)
    assert np.shape(got) == np.shape(args[wrt])
    np.testing.assert_allclose(got, fd_grad(f, args, wrt), rtol=1e-5, atol=1e-6)
    if expected is not None:
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    return got


# ---------------------------------------------------------------- wrong gradients, no error
def rebind_after_loop(x):
    h = x
    for _ in range(2):
        h = np.cos(h)
    h = 0.5 * h
    h = 2.0 * h
    return np.sum(h)


def rebind_after_branch(x, y):
    h = x
    if y > 0:
        h = np.sin(h)
    h = 0.5 * h
    h = 2.0 * h
    return np.sum(h)


def alias(x):
    s = x - np.mean(x)
    e = s
    return np.sum(s) + np.sum(e)


def einsum_matmul(x, y): return np.sum(np.einsum('ij,jk->ik', x, y) ** 2)
def math_hypot(x, z): return math.hypot(x, z)


def meshgrid(x, y): a, b = np.meshgrid(x, y); return np.sum(a * b * b)
def broadcast_arrays(x, y): a, b = np.broadcast_arrays(x, y); return np.sum(a * b * b)
def atleast_1d(x, y): a, b = np.atleast_1d(x, y); return np.sum(a) * np.sum(b * b)
def atleast_2d(x, y): a, b = np.atleast_2d(x, y); return np.sum(a) * np.sum(b * b)
def atleast_3d(x, y): a, b = np.atleast_3d(x, y); return np.sum(a) * np.sum(b * b)


def nested_container(x):
    t = (x, (x * 3.0, x))
    return np.sum(t[1][0])


def enumerate_then_loop(x):
    out = []
    for j, s in enumerate([x, x]):
        out.append(s * j)
    for j in range(4):
        pass
    return np.sum(out[1])


def deg2rad_broadcast(x):
    u = x + np.zeros((3, 1))
    return np.sum(np.deg2rad(u))


def repeated_fancy_write(x, y):
    out = x.copy()
    out[[0, 0]] = y
    return np.sum(out * w)


def repeated_fancy_iadd(x):
    out = x.copy()
    out[[0, 0]] += 1.0
    return np.sum(out * w)


def overlapping_self_write(x):
    out = x * 1.0
    out[::-1] = out
    return np.sum(out * w)


def builtin_sum_mixed(x, y):
    t1 = y + 0.5
    return np.sum(sum([t1, x, t1])) + t1


def scalar_then_array(y):
    h = 0.0
    h = np.sin(np.sin(h))
    for _ in range(3):
        h = y
    return np.sum(h * w)


def _grid(x, y):  # d/dx, d/dy of sum_ij x_j * y_i**2
    return np.full_like(x, np.sum(y * y)), 2 * y * np.sum(x)


WRONG = [  # id, f, args, wrt, closed-form gradient, whether autograd has f's functions
    ("loop-rebinding", rebind_after_loop, (X4,), 0, np.sin(np.cos(X4)) * np.sin(X4), True),
    ("branch-rebinding-taken", rebind_after_branch, (X4, 0.7), 0, np.cos(X4), True),
    ("branch-rebinding-untaken", rebind_after_branch, (X4, -0.7), 0, np.ones(4), True),
    ("alias", alias, (X4,), 0, np.zeros(4), True),
    ("einsum-dx", einsum_matmul, (A23, B32), 0, 2 * (A23 @ B32) @ B32.T, True),
    ("einsum-dy", einsum_matmul, (A23, B32), 1, 2 * A23.T @ (A23 @ B32), True),
    ("hypot-dx", math_hypot, (0.8, -1.3), 0, 0.8 / math.hypot(0.8, -1.3), False),
    ("hypot-dz", math_hypot, (0.8, -1.3), 1, -1.3 / math.hypot(0.8, -1.3), False),
    ("meshgrid-dx", meshgrid, (X3, Y2), 0, _grid(X3, Y2)[0], False),
    ("meshgrid-dy", meshgrid, (X3, Y2), 1, _grid(X3, Y2)[1], False),
    ("broadcast_arrays-dx", broadcast_arrays, (X3, Y2[:, None]), 0, _grid(X3, Y2)[0], False),
    ("broadcast_arrays-dy", broadcast_arrays, (X3, Y2[:, None]), 1,
     _grid(X3, Y2)[1][:, None], False),
] + [
    (f"{f.__name__}-d{name}", f, (X3, Y2), i, expected, False)
    for f in (atleast_1d, atleast_2d, atleast_3d)
    for i, name, expected in ((0, "x", np.full(3, Y2 @ Y2)), (1, "y", 2 * Y2 * np.sum(X3)))
] + [
    ("nested-container", nested_container, (X4,), 0, np.full(4, 3.0), True),
    ("enumerate-var-reused", enumerate_then_loop, (X4,), 0, np.ones(4), True),
    ("deg2rad-broadcast", deg2rad_broadcast, (X4,), 0, np.full(4, 3 * np.pi / 180), True),
    ("fancy-repeat-write-dx", repeated_fancy_write, (X4, Y2), 0, W * [0, 1, 1, 1], False),
    ("fancy-repeat-write-dy", repeated_fancy_write, (X4, Y2), 1, np.array([0.0, W[0]]), False),
    ("fancy-repeat-iadd", repeated_fancy_iadd, (X4,), 0, W, False),
    ("overlapping-self-write", overlapping_self_write, (X4,), 0, W[::-1], False),
    ("sum-list-0d-and-array-dx", builtin_sum_mixed, (X3, 0.3), 0, np.ones(3), True),
    ("sum-list-0d-and-array-dy", builtin_sum_mixed, (X3, 0.3), 1, 7.0, True),
    ("scalar-then-array-in-loop", scalar_then_array, (X4,), 0, W, True),
]


@pytest.mark.parametrize("f, args, wrt, expected",
                         [pytest.param(*c[1:5], id=c[0]) for c in WRONG])
def test_wrong_gradient_snippets(f, args, wrt, expected):
    check(f, args, wrt, expected)


def _under_autograd(f):
    """The same code object with `np` meaning autograd.numpy."""
    anp = pytest.importorskip("autograd.numpy")
    return types.FunctionType(f.__code__, dict(f.__globals__, np=anp), f.__name__,
                              f.__defaults__, f.__closure__)


@pytest.mark.parametrize("f, args, wrt", [pytest.param(*c[1:4], id=c[0]) for c in WRONG if c[5]])
def test_wrong_gradient_snippets_vs_autograd(f, args, wrt):
    autograd = pytest.importorskip("autograd")
    expected = autograd.grad(_under_autograd(f), wrt)(*args)
    np.testing.assert_allclose(sourcegrad.grad(f, wrt=wrt)(*args), expected,
                               rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- crashes in generated code
def svd_values(x): return np.sum(np.linalg.svd(x)[1])
def split_part(x): return np.sum(np.split(x, [1])[1] * W[:3])
def sum_of_list_comprehension(x): return np.sum([np.cos(s) for s in [x, x]])


def conditional_rebinding(x, y):
    h = 0.5 if x > 10.0 else y
    h = y if h < 0.5 else h
    return h * h


def tuple_target_untaken_branch(x):
    ta, tb = x * 2.0, 1.0
    if x > 100.0:
        return ta
    return x * tb


def continue_in_scalar_loop(x):
    s = 0.0
    for i in range(4):
        if i == 2:
            continue
        s = s + x * i
    return s


def clip_of_fmod(x): return np.sum(np.clip(np.fmod(x, x * x), 0.5, x))
def hypot_at_origin(x): return math.hypot(x * 0.0, 0.0)
def hypot_off_origin(x): return math.hypot(x * 2.0, 0.5)


@pytest.mark.parametrize("f, args, wrt", [
    pytest.param(svd_values, (M32,), 0, id="svd-singular-values"),
    pytest.param(split_part, (X4,), 0, id="split-second-part"),
    pytest.param(sum_of_list_comprehension, (X4,), 0, id="np-sum-of-list-comprehension"),
    pytest.param(conditional_rebinding, (0.3, 0.8), 1, id="ifexp-rebinding-h-from-y"),
    pytest.param(conditional_rebinding, (0.3, 0.2), 1, id="ifexp-rebinding-second-y"),
    pytest.param(conditional_rebinding, (11.0, 0.2), 1, id="ifexp-rebinding-constant"),
    pytest.param(conditional_rebinding, (0.3, 0.8), 0, id="ifexp-rebinding-dx"),
    pytest.param(tuple_target_untaken_branch, (0.7,), 0, id="tuple-target-untaken-branch"),
    pytest.param(continue_in_scalar_loop, (0.7,), 0, id="continue-in-scalar-loop"),
    # x > 1: fmod(x, x*x) == x == hi, a tie whose both sides have slope 1 in x
    pytest.param(clip_of_fmod, (np.array([0.7, 1.5, 2.3]),), 0, id="clip-of-fmod"),
    pytest.param(hypot_off_origin, (0.7,), 0, id="math-hypot-float-path"),
])
def test_former_crashes_give_correct_gradients(f, args, wrt):
    check(f, args, wrt)


def np_hypot_at_origin(x): return np.sum(np.hypot(x * 0.0, 0.0))


def test_math_hypot_at_origin_is_nan_as_documented():
    """`math.hypot(x * 0.0, 0.0)` no longer crashes on the float path. Its rule is documented
    "undefined at the origin": the gradient is NaN (0 * 0 / 0), the same as the array path
    (`np.hypot`) and autograd give -- not the finite-difference 0 of this constant function."""
    with np.errstate(invalid="ignore", divide="ignore"):
        got = sourcegrad.grad(hypot_at_origin)(0.7)
        on_arrays = sourcegrad.grad(np_hypot_at_origin)(np.array([0.7]))
    assert isinstance(got, float) and math.isnan(got)
    assert np.isnan(on_arrays).all()
    assert fd_grad(hypot_at_origin, (0.7,), 0) == 0.0


# ---------------------------------------------------------------- complex inputs
def abs_squared(z): return np.sum(np.abs(z) ** 2)
def real_of_square(z): return np.sum(np.real(z * z))
def real_times_complex_constant(x, z): return np.sum(np.real(x * z))


@pytest.mark.parametrize("f", [abs_squared, real_of_square], ids=lambda f: f.__name__)
@pytest.mark.parametrize("z", [1 + 1j, np.complex128(1 + 1j), np.array([1 + 1j, 2 - 1j])],
                         ids=["python-complex", "np-complex128", "complex-array"])
def test_complex_input_is_refused(f, z):
    with pytest.raises(TypeError, match="complex"):
        sourcegrad.grad(f)(z)


def test_complex_constant_meeting_a_differentiated_value_is_refused():
    with pytest.raises(TypeError, match="complex"):
        sourcegrad.grad(real_times_complex_constant)(X3, np.array([1 + 1j, 2.0, 1j]))


# ---------------------------------------------------------------- refusals of documented constructs
def sort_(x): return np.sum(np.sort(x) * W)
def partition_(x): return np.sum(np.partition(x, 2) * W)
def resize_(x): return np.sum(np.resize(x, (6,)) * np.arange(6.0))
def scaled(a, b=1.0): return a * b


def partial_inside(x):
    h = functools.partial(scaled, b=3.0)
    return np.sum(np.sin(h(x)))


@pytest.mark.parametrize("f, expected", [
    pytest.param(sort_, W[np.argsort(np.argsort(X4))], id="np.sort"),
    pytest.param(partition_, None, id="np.partition"),  # arrangement unspecified: FD only
    pytest.param(resize_, np.array([0 + 4, 1 + 5, 2, 3.0]), id="np.resize"),
    pytest.param(partial_inside, 3.0 * np.cos(3.0 * X4), id="functools.partial-inside-f"),
])
def test_documented_constructs_differentiate(f, expected):
    check(f, (X4,), 0, expected)


# ---------------------------------------------------------------- differentiable arguments
def clip_hi(x, hi): return np.sum(np.clip(x, -1.0, hi) * W)
def full_(x): return np.sum(np.full((3,), x) * W[:3])
def full_like_(y, x): return np.sum(np.full_like(y, x) * W)
def linspace_start(x): return np.sum(np.linspace(x, 2.0, 3) * W[:3])
def diff_prepend(x, p): return np.sum(np.diff(x, prepend=p) ** 2)
def pad_constant(x, c): return np.sum(np.pad(x, 1, constant_values=c) * np.arange(6.0))
def trapezoid_(y, x): return np.trapezoid(y, x)
def logsumexp_b(a, b): return scipy.special.logsumexp(a, b=b)


CLIP_X = np.array([-1.5, 0.2, 0.9, -0.3])  # away from the bounds -1 and 0.4
GRID = np.array([0.1, 0.5, 1.2, 2.0])
SCALES = np.array([0.5, 1.5, 2.0, 0.3])


@pytest.mark.parametrize("f, args, wrt", [
    pytest.param(clip_hi, (CLIP_X, 0.4), 1, id="np.clip-hi"),
    pytest.param(full_, (0.7,), 0, id="np.full-fill_value"),
    pytest.param(full_like_, (X4, 0.7), 1, id="np.full_like-fill_value"),
    pytest.param(linspace_start, (0.7,), 0, id="np.linspace-start"),
    pytest.param(diff_prepend, (X4, 0.3), 1, id="np.diff-prepend-scalar"),
    pytest.param(diff_prepend, (X4, np.array([0.3])), 1, id="np.diff-prepend-array"),
    pytest.param(pad_constant, (X4, 0.3), 1, id="np.pad-constant_values"),
    pytest.param(trapezoid_, (Y4, GRID), 1, id="np.trapezoid-x"),
    pytest.param(logsumexp_b, (X4, SCALES), 1, id="logsumexp-b"),
])
def test_differentiable_arguments(f, args, wrt):
    got = check(f, args, wrt)
    assert np.any(np.asarray(got) != 0.0)  # the report's symptom was an all-zero gradient


# ---------------------------------------------------------------- stale results
def helper_v1(x): return x * x
def helper_v2(x): return np.sin(x)


helper = helper_v1
SCALE = 2.0


def calls_helper(x): return np.sum(helper(x))
def reads_global(x): return np.sum(SCALE * x)


@pytest.mark.parametrize("held", [False, True], ids=["fresh-grad", "held-gradient-function"])
@pytest.mark.parametrize("f, name, new, before, after", [
    pytest.param(calls_helper, "helper", helper_v2, 2 * X4, np.cos(X4), id="redefined-helper"),
    pytest.param(reads_global, "SCALE", 5.0, np.full(4, 2.0), np.full(4, 5.0),
                 id="changed-global-constant"),
])
def test_stale_results(monkeypatch, held, f, name, new, before, after):
    df = sourcegrad.grad(f)
    np.testing.assert_allclose(df(X4), before)
    monkeypatch.setitem(globals(), name, new)  # the notebook's re-run cell
    df = df if held else sourcegrad.grad(f)
    np.testing.assert_allclose(df(X4), after)
