"""The gradient cache: one compilation per (function, wrt, options), shared safely by threads.

"Fast" is measured by what the cache does (identity of the result, number of compilations),
never by wall time.
"""
from __future__ import annotations

import gc
import threading
import time
import weakref

import numpy as np
import pytest

import sourcegrad
from sourcegrad import api

X = np.array([0.3, 0.8, 1.3])


@pytest.fixture
def compilations(monkeypatch):
    """Count calls to the compiler behind grad() (optionally slowed down to widen races)."""
    calls = _Calls()
    real = api.compile_gradient

    def counting(fn, options):
        calls.append((fn, options))
        time.sleep(calls.delay)
        return real(fn, options)

    monkeypatch.setattr(api, "compile_gradient", counting)
    return calls


class _Calls(list):
    delay = 0.0


def make_cube():
    def cube(x, k=1.0):
        return np.sum(k * x ** 3)
    return cube


def test_second_grad_returns_the_same_function_without_compiling(compilations):
    cube = make_cube()
    first = sourcegrad.grad(cube)
    assert len(compilations) == 1
    for _ in range(50):
        assert sourcegrad.grad(cube) is first
    assert len(compilations) == 1


def test_equivalent_wrt_spellings_share_one_entry(compilations):
    cube = make_cube()
    assert sourcegrad.grad(cube, wrt=0) is sourcegrad.grad(cube, wrt="x")
    assert sourcegrad.grad(cube, wrt=-2) is sourcegrad.grad(cube, wrt="x")
    assert len(compilations) == 1


def test_each_option_has_its_own_entry(compilations):
    cube = make_cube()
    variants = [sourcegrad.grad(cube), sourcegrad.grad(cube, wrt=1),
                sourcegrad.grad(cube, wrt=(0,)), sourcegrad.grad(cube, wrt=(0, 1)),
                sourcegrad.value_and_grad(cube), sourcegrad.grad(cube, optimize=False)]
    assert len({id(v) for v in variants}) == len(variants) == len(compilations)
    assert isinstance(variants[2](X), tuple) and not isinstance(variants[0](X), tuple)
    np.testing.assert_allclose(variants[1](X), np.sum(X ** 3))
    value, g = variants[4](X)
    assert value == make_cube()(X)
    np.testing.assert_allclose(g, variants[0](X))


def test_clear_cache_forgets_compiled_gradients(compilations):
    cube = make_cube()
    first = sourcegrad.grad(cube)
    sourcegrad.clear_cache()
    second = sourcegrad.grad(cube)
    assert second is not first and len(compilations) == 2
    np.testing.assert_array_equal(first(X), second(X))


def test_functions_sharing_code_keep_their_own_closures():
    def make(scale):
        def f(x):
            return np.sum(scale * x)
        return f

    double, triple = make(2.0), make(3.0)
    assert double.__code__ is triple.__code__
    np.testing.assert_array_equal(sourcegrad.grad(double)(X), np.full(3, 2.0))
    np.testing.assert_array_equal(sourcegrad.grad(triple)(X), np.full(3, 3.0))


def test_replacing_a_functions_code_is_not_served_from_the_cache():
    f = make_cube()

    def square(x, k=1.0):
        return np.sum(k * x ** 2)

    np.testing.assert_allclose(sourcegrad.grad(f)(X), 3 * X ** 2)
    f.__code__ = square.__code__
    np.testing.assert_allclose(sourcegrad.grad(f)(X), 2 * X)


def test_cache_does_not_keep_functions_alive():
    f = make_cube()
    ref = weakref.ref(f)
    sourcegrad.grad(f)(X)
    del f
    gc.collect()
    assert ref() is None


# -- threads --------------------------------------------------------------------------------

def _race(n, target):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = target(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def test_threads_asking_at_once_get_one_compiled_function(compilations):
    compilations.delay = 0.05  # every thread arrives while the first compiles
    cube = make_cube()
    results = _race(8, lambda i: sourcegrad.grad(cube))
    assert len(compilations) == 1
    assert all(r is results[0] for r in results)
    np.testing.assert_allclose(results[0](X), 3 * X ** 2)


def test_threads_compiling_different_functions_get_correct_gradients():
    def make(power):
        def f(x):
            return np.sum(x ** power)
        return f

    functions = [make(float(p)) for p in range(2, 10)]

    def work(i):
        out = []
        for _ in range(20):
            out.append(sourcegrad.grad(functions[i])(X))
            sourcegrad.grad(functions[(i + 1) % len(functions)])  # contend for the lock
        return out

    results = _race(len(functions), work)
    for i, grads in enumerate(results):
        power = float(i + 2)
        for g in grads:
            np.testing.assert_allclose(g, power * X ** (power - 1), rtol=1e-12)


def test_compiled_gradient_is_reentrant_across_threads():
    df = sourcegrad.grad(lambda x, s: np.sum(np.sin(s * x)))
    inputs = [np.linspace(0.1, 1.0, 50) * (i + 1) for i in range(8)]
    results = _race(8, lambda i: [df(inputs[i], 0.5 + i) for _ in range(20)])
    for i, grads in enumerate(results):
        expected = (0.5 + i) * np.cos((0.5 + i) * inputs[i])
        for g in grads:
            np.testing.assert_allclose(g, expected, rtol=1e-12)


def _module_with(source, tmp_path, name="helper_module"):
    import importlib.util
    path = tmp_path / f"{name}.py"
    path.write_text("import numpy as np\n\n" + source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_redefined_helper_gives_a_fresh_gradient(tmp_path, compilations):
    # the notebook workflow: f calls helper; the user redefines helper in a later cell
    module = _module_with(
        "def helper(x):\n    return x ** 2\n\n\ndef f(x):\n    return np.sum(helper(x))\n",
        tmp_path)
    df = sourcegrad.grad(module.f)
    np.testing.assert_allclose(df(X), 2 * X)
    module.helper = _module_with("def helper(x):\n    return x ** 3\n", tmp_path,
                                 "redefined").helper
    # grad(f) again: transformed from the new helper
    np.testing.assert_allclose(sourcegrad.grad(module.f)(X), 3 * X ** 2)
    # and the gradient made before the change follows the new helper too
    np.testing.assert_allclose(df(X), 3 * X ** 2)


def test_a_changed_global_function_reference_is_seen(tmp_path):
    module = _module_with("act = np.tanh\n\n\ndef f(x):\n    return np.sum(act(x))\n", tmp_path,
                          "act_module")
    np.testing.assert_allclose(sourcegrad.grad(module.f)(X), 1 - np.tanh(X) ** 2)
    module.act = np.sin
    np.testing.assert_allclose(sourcegrad.grad(module.f)(X), np.cos(X))
