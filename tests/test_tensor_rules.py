"""The rules the facade added to the shared table are right for numpy code too: each primitive
of ``rules.tensor_ops`` and ``rules.nn_functional`` used in a plain numpy function, differentiated
by the compiler (``sourcegrad.grad``), agrees with central finite differences in float64; and
``Rule.vjp`` on Tensors (what the facade runs) agrees with the same numbers, to second order.
"""
from __future__ import annotations

import numpy as np
import pytest

import sourcegrad
from sourcegrad.rules import nn_functional as nnf
from sourcegrad.rules import tensor_ops as ops
from sourcegrad.testing import check_grads

RNG = np.random.default_rng(0)
X = RNG.uniform(-1.5, 1.5, (3, 4))
Y = RNG.uniform(-1.5, 1.5, (3, 4))
P = RNG.uniform(0.1, 0.9, (3, 4))
T = RNG.uniform(0.0, 1.0, (3, 4))
W = RNG.uniform(0.5, 1.5, (4,))
INDEX = (np.array([0, 2, 2]), np.array([1, 3, 0]))
ROWS = np.array([0, 2])


# Module-level numpy functions, as users write them; each one reads a primitive under test.
def f_index_put(x, v):
    return np.sum(ops.index_put(x, INDEX, v) ** 2)


def f_index_put_rows(x, v):
    return np.sum(np.sin(ops.index_put(x, ROWS, v)))


def f_index_accumulate(x, v):
    return np.sum(ops.index_put(x, INDEX, v, True) ** 2)


def f_addmm(c, a, b):
    return np.sum(np.tanh(ops.addmm(c, a, b, 0.5, 2.0)))


def f_logsumexp(x):
    return np.sum(ops.logsumexp(x, 1) * np.arange(3.0))


def f_logsumexp_all(x):
    return ops.logsumexp(x, None, False)


def f_vector_norm(x):
    return np.sum(ops.vector_norm(x, 2, 1))


def f_vector_norm_p(x):
    return ops.vector_norm(x, 3.0, (0, 1))


def f_rsqrt(p):
    return np.sum(ops.rsqrt(p))


def f_lerp(x, y, t):
    return np.sum(ops.lerp(x, y, t) ** 2)


def f_clamp(x, low, high):
    return np.sum(ops.clamp(x, low, high) * np.arange(12.0).reshape(3, 4))


def f_gelu(x):
    return np.sum(nnf.gelu(x))


def f_gelu_tanh(x):
    return np.sum(nnf.gelu(x, "tanh"))


def f_elu(x):
    return np.sum(nnf.elu(x, 0.7, 1.05, 1.3))


def f_leaky_relu(x):
    return np.sum(nnf.leaky_relu(x, 0.2) ** 2)


def f_silu(x):
    return np.sum(nnf.silu(x))


def f_softplus(x):
    return np.sum(nnf.softplus(x, 2.0, 2.0))


def f_logsigmoid(x):
    return np.sum(nnf.logsigmoid(x))


def f_hardtanh(x):
    return np.sum(nnf.hardtanh(x, -0.7, 0.8) ** 2)


def f_normalized(x, w, b):
    return np.sum(np.sin(nnf.normalized(x, w, b, (1,), 1e-5)))


def f_normalized_batch(x):
    return np.sum(nnf.normalized(x, None, None, (0,), 1e-5) * np.arange(12.0).reshape(3, 4))


def f_bce(p, t):
    return nnf.binary_cross_entropy(p, t, None, "mean")


def f_smooth_l1(x, y):
    return nnf.smooth_l1_loss(x, y, 0.5, "sum")


def f_huber(x, y):
    return nnf.huber_loss(x, y, 0.5, "mean")


CASES = {
    "index_put": (f_index_put, (X, np.array([1.0, 2.0, 3.0])), (0, 1)),
    "index_put_rows": (f_index_put_rows, (X, np.ones(4)), (0, 1)),
    "index_put_accumulate": (f_index_accumulate, (X, np.array([1.0, 2.0, 3.0])), (0, 1)),
    "addmm": (f_addmm, (W[:3].copy(), X, Y.T.copy()), (0, 1, 2)),
    "logsumexp": (f_logsumexp, (X,), 0),
    "logsumexp_all": (f_logsumexp_all, (X,), 0),
    "vector_norm": (f_vector_norm, (X,), 0),
    "vector_norm_p": (f_vector_norm_p, (X,), 0),
    "rsqrt": (f_rsqrt, (P,), 0),
    "lerp": (f_lerp, (X, Y, T), (0, 1, 2)),
    "clamp": (f_clamp, (X, Y - 0.5, Y + 0.7), (0, 1, 2)),
    "gelu": (f_gelu, (X,), 0),
    "gelu_tanh": (f_gelu_tanh, (X,), 0),
    "elu": (f_elu, (X,), 0),
    "leaky_relu": (f_leaky_relu, (X,), 0),
    "silu": (f_silu, (X,), 0),
    "softplus": (f_softplus, (X,), 0),
    "logsigmoid": (f_logsigmoid, (X,), 0),
    "hardtanh": (f_hardtanh, (X,), 0),
    "normalized": (f_normalized, (X, W, W - 1), (0, 1, 2)),
    "normalized_batch": (f_normalized_batch, (X,), 0),
    "binary_cross_entropy": (f_bce, (P, T), (0, 1)),
    "smooth_l1_loss": (f_smooth_l1, (X, Y), (0, 1)),
    "huber_loss": (f_huber, (X, Y), (0, 1)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_gradient_matches_finite_differences(name):
    fn, args, wrt = CASES[name]
    check_grads(fn, *args, wrt=wrt, rtol=1e-5, atol=1e-6)


def test_every_added_primitive_has_a_compiled_case():
    """A rule added for the facade without a case here fails (as rules_cases.py does for
    numpy's): the cases' functions name the primitives they call."""
    from sourcegrad.rules import RULES
    added = {p.__name__ for p in RULES if getattr(p, "__module__", "") in
             (ops.__name__, nnf.__name__)}
    used = {name for fn, _, _ in CASES.values() for name in fn.__code__.co_names}
    assert added <= used


@pytest.mark.parametrize("name", ["logsumexp", "vector_norm", "gelu", "elu", "softplus",
                                  "normalized", "addmm", "lerp", "rsqrt", "index_put"])
def test_second_order_on_tensors_matches_finite_differences(name):
    """The facade differentiates a rule's own adjoint (create_graph=True): check it too."""
    fn, args, wrt = CASES[name]
    wrt = (wrt,) if isinstance(wrt, int) else wrt
    first = 0

    def gradient_norm(*arrays):
        ts = [sourcegrad.tensor(a, dtype=sourcegrad.float64, requires_grad=k in wrt)
              for k, a in enumerate(arrays)]
        out = _on_tensors(fn, ts)
        grads = sourcegrad.autograd.grad(out, [ts[k] for k in wrt], create_graph=True)
        return sum((g * g).sum() for g in grads), ts

    total, ts = gradient_norm(*args)
    second = sourcegrad.autograd.grad(total, [ts[k] for k in wrt])
    for g, k in zip(second, wrt):
        numeric = np.zeros_like(args[k])
        for idx in np.ndindex(args[k].shape):
            for sign in (1, -1):
                moved = [a.copy() for a in args]
                moved[k][idx] += sign * 1e-6
                numeric[idx] += sign * gradient_norm(*moved)[0].item() / 2e-6
        np.testing.assert_allclose(g.numpy(), numeric, rtol=1e-4, atol=1e-5)
    assert first == 0


def _on_tensors(fn, ts):
    """``fn`` run on Tensors: numpy calls dispatch to the facade (``__array_function__``)."""
    return fn(*ts)


# Rules whose runtime helpers work on plain arrays only (np.asarray, writes into a buffer): their
# backward cannot be recorded, so create_graph=True refuses them by name instead of failing
# inside the helper. (The differential tests compare the second derivatives of the others.)
FIRST_ORDER_ONLY = {
    "cumprod": lambda x: x.cumprod(1),
    "kron": lambda x: sourcegrad.kron(x, x),
    "det": lambda x: sourcegrad.linalg.det(x),
    "multi_dot": lambda x: sourcegrad.linalg.multi_dot([x, x]),
    "pad": lambda x: sourcegrad.nn.functional.pad(x, (1, 1)),
    "diagonal": lambda x: x.diagonal(),
}


@pytest.mark.parametrize("name", sorted(FIRST_ORDER_ONLY))
def test_second_order_through_array_only_rules_is_refused_clearly(name):
    x = sourcegrad.tensor(X[:3, :3], dtype=sourcegrad.float64, requires_grad=True)
    out = FIRST_ORDER_ONLY[name](x)
    (first,) = sourcegrad.autograd.grad((out ** 2).sum(), x)          # first order works
    assert first.shape == x.shape
    with pytest.raises(RuntimeError, match=r"create_graph=True: the backward of \w+"):
        sourcegrad.autograd.grad((FIRST_ORDER_ONLY[name](x) ** 2).sum(), x, create_graph=True)
