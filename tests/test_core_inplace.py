"""Arithmetic written over dead temporaries: ``runtime_inplace.into`` and ``passes/inplace.py``.

The runtime helper must never write over memory anyone else can see, nor change a result's dtype
or shape; the pass must only offer it locals that nothing reads afterwards. Gradients are checked
with the size threshold lowered so the in-place path runs on small arrays too, and once at full
size (where it is measured with tracemalloc).
"""
from __future__ import annotations

import ast
import gc
import tracemalloc

import numpy as np
import pytest

import sourcegrad
from sourcegrad import runtime_inplace
from sourcegrad.runtime_inplace import into
from sourcegrad.testing import check_grads

N = runtime_inplace.MIN_BYTES // 8  # float64 elements at the threshold


def fresh(shape=(N,), dtype=np.float64, value=2.0):
    return np.full(shape, value, dtype=dtype)


# -- the runtime helper ---------------------------------------------------------------------------

def test_a_dead_local_is_written_in_place():
    buf = fresh()
    expected = buf * 3.0
    result = into(buf, np.multiply, buf, 3.0)
    assert result is buf
    np.testing.assert_array_equal(result, expected)


def test_every_operator_gives_the_operators_values():
    a, b = np.linspace(0.5, 2.0, N), np.linspace(-1.0, 3.0, N)
    buf = a.copy()
    assert into(buf, np.add, buf, b) is buf and np.array_equal(buf, a + b)
    buf = a.copy()
    assert into(buf, np.subtract, 1, buf) is buf and np.array_equal(buf, 1 - a)
    buf = a.copy()
    assert into(buf, np.multiply, b, buf) is buf and np.array_equal(buf, b * a)
    buf = a.copy()
    assert into(buf, np.divide, 1.0, buf) is buf and np.array_equal(buf, 1.0 / a)
    buf = a.copy()
    assert into(buf, np.negative, buf) is buf and np.array_equal(buf, -a)


def test_a_buffer_someone_else_holds_is_not_written():
    buf = fresh()
    other = [buf]  # a stack, a tape, a container: one more reference
    result = into(buf, np.multiply, buf, 3.0)
    assert result is not buf and np.all(other[0] == 2.0)
    alias = buf
    result = into(buf, np.multiply, buf, 3.0)
    assert result is not buf and np.all(alias == 2.0)


def test_a_weakly_referenced_buffer_is_not_written():
    import weakref

    buf = fresh()
    cache = weakref.WeakValueDictionary({"x": buf})  # e.g. a cache of computed arrays
    result = into(buf, np.multiply, buf, 3.0)
    assert result is not buf and np.all(cache["x"] == 2.0)


def test_views_are_never_written():
    base = fresh()
    view = base[::2]
    result = into(view, np.multiply, view, 3.0)  # the view shares its base's memory
    assert result is not view and np.all(base == 2.0)
    buf = fresh()
    window = buf[:10]  # a view of buf holds a reference to it
    result = into(buf, np.multiply, buf, 3.0)
    assert result is not buf and np.all(window == 2.0)
    del window


def test_the_result_dtype_must_be_the_buffers():
    buf32 = fresh(dtype=np.float32)
    result = into(buf32, np.multiply, buf32, fresh())  # float64 result: not into float32
    assert result.dtype == np.float64 and result is not buf32 and np.all(buf32 == 2.0)
    buf = fresh()
    result = into(buf, np.multiply, buf, fresh(dtype=np.float32))
    assert result.dtype == np.float64 and result is not buf
    buf32 = fresh(dtype=np.float32)
    result = into(buf32, np.multiply, buf32, np.float64(3.0))  # a numpy scalar is not weak
    assert result.dtype == np.float64 and result is not buf32
    buf32 = fresh((2 * N,), dtype=np.float32)
    result = into(buf32, np.multiply, buf32, 3.0)  # a Python float is (NumPy 2)
    assert result.dtype == np.float32 and result is buf32
    ints = np.full(N, 2, dtype=np.int64)
    result = into(ints, np.divide, ints, 4)
    assert result.dtype == np.float64 and result is not ints


def test_the_result_shape_must_be_the_buffers():
    row = fresh((1, N // 4))
    result = into(row, np.add, row, fresh((4, N // 4)))  # broadcasts to more than row
    assert result.shape == (4, N // 4) and result is not row and np.all(row == 2.0)
    full = fresh((4, N // 4))
    result = into(full, np.add, full, fresh((N // 4,)))  # a smaller operand is fine
    assert result is full and np.all(full == 4.0)
    spare = fresh((4, N // 4))
    result = into(spare, np.add, fresh((N // 4,)), 1.0)  # no operand has spare's shape
    assert result is not spare and result.shape == (N // 4,)


def test_numbers_keep_python_semantics():
    assert into(2.0, np.divide, 1.0, 4.0) == 0.25
    assert type(into(1.0, np.multiply, 2, 3)) is int
    with pytest.raises(ZeroDivisionError):
        into(0.0, np.divide, 1.0, 0.0)
    zero_d = np.array(2.0)
    assert type(into(zero_d, np.multiply, zero_d, 2.0)) is np.float64


def test_small_read_only_and_subclass_buffers_are_not_written():
    small = np.full(4, 2.0)
    assert into(small, np.multiply, small, 3.0) is not small
    frozen = fresh()
    frozen.flags.writeable = False
    assert into(frozen, np.multiply, frozen, 3.0) is not frozen
    masked = np.ma.masked_array(fresh())
    result = into(masked, np.multiply, masked, 3.0)
    assert result is not masked and isinstance(result, np.ma.MaskedArray)


def test_the_reference_count_of_a_lone_local_was_measured():
    assert runtime_inplace._EXCLUSIVE is not None


# -- the pass -------------------------------------------------------------------------------------

def mlp(W1, b1, W2, b2, X, Y):
    return np.sum((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)


def chain(x):
    return np.sum(np.exp(np.sin(x) * np.cos(x)) / (1 + x ** 2))


def tanh_chain(x):  # the numerator's adjoint 1 / q is not the quotient's: both are computed
    return np.sum(np.tanh(np.sin(x)) / (1 + x ** 2))


def aliased(x, y):
    z = x
    w = z * y
    return np.sum(w * x + np.tanh(w))


def returns_forward_value(x):
    y = np.sin(x) * 2.0
    z = y * y
    return np.sum(z - y)


def scaled_tanh(a, b):
    return np.tanh(a) * b


def calls_helper(x, y):
    return np.sum(scaled_tanh(x, y) * x)


def accumulates_in_loop(x, W):
    h = x
    for _ in range(3):
        h = np.tanh(h @ W) + h
    return np.sum(h * h)


def into_calls(text):
    tree = ast.parse(text)
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and
            isinstance(n.func, ast.Name) and n.func.id == "into"]


def test_the_mlp_gradient_builds_the_tanh_adjoint_in_dead_buffers():
    text = sourcegrad.source(sourcegrad.grad(mlp, wrt=("W1", "b1", "W2", "b2")))
    # the steps are introduced by the line they replace
    assert "# dadd = dtanh * (1 - tanh * tanh), over tanh when safe\n" \
           "        dadd = into(tanh, np.multiply, tanh, tanh)\n        del tanh\n" \
           "        dadd = into(dadd, np.subtract, 1, dadd)\n" \
           "        dadd = into(dadd, np.multiply, dtanh, dadd)\n        del dtanh\n" in text
    # only where the peak is: 2.0 * sub allocates while tanh alone is alive, and a call costs
    assert "dsub = 2.0 * sub" in text and text.count("into(") == 3


def test_small_functions_pay_no_calls_where_the_peak_is_not():
    def linreg(W, b, x, y):
        return (x @ W + b - y) ** 2

    assert "into(" not in sourcegrad.source(sourcegrad.grad(linreg, wrt=("W", "b")))


@pytest.mark.usefixtures("always_in_place")
def test_every_eligible_statement_when_asked():
    text = sourcegrad.source(sourcegrad.grad(mlp, wrt=("W1", "b1", "W2", "b2")))
    assert "dsub = into(sub, np.multiply, 2.0, sub)" in text
    assert "add = into(matmul, np.add, matmul, b1)" in text


def test_a_shared_dying_operand_goes_to_the_statement_without_another():
    text = sourcegrad.source(sourcegrad.grad(tanh_chain))
    # dadd writes over div, the last one reading add then writes over add
    assert text.index("dadd = into(div, np.negative, div)") < \
        text.index("dtanh = into(add, np.divide, 1.0, add)")


@pytest.mark.parametrize("fn, wrt", [(mlp, ("W1", "b1", "W2", "b2")), (chain, (0,)),
                                     (aliased, (0, 1)), (returns_forward_value, (0,)),
                                     (calls_helper, (0, 1)), (accumulates_in_loop, (0, 1))])
def test_parameters_and_live_values_are_never_buffers(fn, wrt):
    import inspect
    params = set(inspect.signature(fn).parameters)
    for grad in (sourcegrad.grad(fn, wrt=wrt), sourcegrad.value_and_grad(fn, wrt=wrt)):
        text = sourcegrad.source(grad)
        for call in into_calls(text):
            buffer = call.args[0]
            assert isinstance(buffer, ast.Name) and buffer.id not in params, ast.unparse(call)
            assert buffer.id not in ("g", "tape"), ast.unparse(call)


def test_numbers_are_not_offered_as_buffers():
    def mean_square(x):
        return np.mean(x ** 2)

    text = sourcegrad.source(sourcegrad.grad(mean_square))
    assert "into(dpow" not in text


def test_optimize_false_writes_nothing_in_place():
    assert "into(" not in sourcegrad.source(sourcegrad.grad(chain, optimize=False))


# -- gradients with the in-place path taken -------------------------------------------------------

def mlp_inputs(rng, dtype=np.float64):
    return [rng.standard_normal(s).astype(dtype) for s in [(5, 6), (6,), (6, 3), (3,), (4, 5),
                                                           (4, 3)]]


@pytest.mark.usefixtures("always_in_place")
@pytest.mark.parametrize("fn, args, wrt", [
    (chain, lambda rng: [rng.uniform(-3, 3, 50)], 0),
    (tanh_chain, lambda rng: [rng.uniform(-3, 3, 50)], 0),
    (aliased, lambda rng: [rng.standard_normal(7), rng.standard_normal(7)], (0, 1)),
    (aliased, lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal(4)], (0, 1)),
    (returns_forward_value, lambda rng: [rng.standard_normal(9)], 0),
    (calls_helper, lambda rng: [rng.standard_normal(6), rng.standard_normal(6)], (0, 1)),
    (accumulates_in_loop, lambda rng: [rng.standard_normal((2, 3)),
                                       0.5 * rng.standard_normal((3, 3))], (0, 1)),
])
def test_gradients_are_right_when_written_in_place(fn, args, wrt):
    if fn is not accumulates_in_loop:  # loops are left alone: there, a check that they are
        assert "into(" in sourcegrad.source(sourcegrad.grad(fn, wrt=wrt))
    values = args(np.random.default_rng(0))
    pristine = [v.copy() for v in values]
    check_grads(fn, *values, wrt=wrt)
    for value, before in zip(values, pristine):
        np.testing.assert_array_equal(value, before)  # the caller's arrays never change


@pytest.mark.usefixtures("always_in_place")
def test_mlp_gradient_is_right_when_written_in_place():
    values = mlp_inputs(np.random.default_rng(1))
    pristine = [v.copy() for v in values]
    check_grads(mlp, *values, wrt=(0, 1, 2, 3))
    for value, before in zip(values, pristine):
        np.testing.assert_array_equal(value, before)


@pytest.mark.usefixtures("always_in_place")
def test_float32_and_mixed_precision_gradients_are_not_narrowed():
    rng = np.random.default_rng(2)
    x32 = rng.uniform(-3, 3, 40).astype(np.float32)
    wide = sourcegrad.grad(chain)(x32.astype(np.float64))
    narrow = sourcegrad.grad(chain)(x32)
    assert narrow.dtype == np.float32
    np.testing.assert_allclose(narrow, wide, rtol=1e-5, atol=1e-6)
    values32 = mlp_inputs(rng, np.float32)
    mixed = list(values32)
    mixed[4] = mixed[4].astype(np.float64)  # X in float64: the products are float64
    grads = sourcegrad.grad(mlp, wrt=(0, 1, 2, 3))(*mixed)
    reference = sourcegrad.grad(mlp, wrt=(0, 1, 2, 3))(*[v.astype(np.float64) for v in mixed])
    for got, want, like in zip(grads, reference, values32):
        assert got.dtype == like.dtype
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.usefixtures("always_in_place")
def test_value_and_grad_returns_the_value_unharmed():
    x = np.random.default_rng(3).standard_normal(8)
    value, grad = sourcegrad.value_and_grad(returns_forward_value)(x)
    assert value == pytest.approx(returns_forward_value(x))
    y = np.sin(x) * 2.0
    np.testing.assert_allclose(grad, (2 * y - 1) * 2.0 * np.cos(x))


# -- at full size -------------------------------------------------------------------------------

def traced_peak(call):
    gc.collect()
    tracemalloc.start()
    try:
        result = call()  # noqa: F841 -- kept alive, as a caller would
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_elementwise_chain_peaks_at_four_arrays(monkeypatch):
    x = np.random.default_rng(4).uniform(-3, 3, 4 * N)
    grad = sourcegrad.grad(chain)
    with monkeypatch.context() as never:
        never.setattr(runtime_inplace, "MIN_BYTES", 1 << 62)
        expected = grad(x.copy())
    s, c, q = np.sin(x), np.cos(x), 1 + x * x
    f = np.exp(s * c) / q
    np.testing.assert_allclose(expected, f * (c * c - s * s) - f * 2 * x / q, rtol=1e-10)
    # sin, cos, 1 + x**2 and the quotient, which stands in for exp in the backward sweep
    # (reuse_products) and is computed over it; the gradient is computed over cos
    pristine = x.copy()
    assert traced_peak(lambda: grad(x)) < 4.5 * x.nbytes
    np.testing.assert_array_equal(x, pristine)
    np.testing.assert_array_equal(grad(x), expected)  # in place or not: the same values


def test_the_mlp_gradient_peak_stays_below_the_forward_activations_twice():
    rng = np.random.default_rng(5)
    values = [rng.standard_normal(s) for s in [(64, 512), (512,), (512, 32), (32,),
                                               (256, 64), (256, 32)]]
    grad = sourcegrad.grad(mlp, wrt=(0, 1, 2, 3))
    hidden = 256 * 512 * 8
    # tanh and its adjoint; 1 - tanh**2 is computed in their memory, not in two more arrays
    assert traced_peak(lambda: grad(*values)) < 2.6 * hidden
