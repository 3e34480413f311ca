"""The benchmark workloads W1-W7 of issue 6, and the list of every workload.

Issue 17's further workloads, W8-W19, are in ``workloads_models.py`` (neural-network pieces),
``workloads_stats.py`` (statistical losses) and ``workloads_numerics.py`` (numerical methods
written as loops), with the same conventions; ``WORKLOADS`` at the end lists them all, in order.

Each workload has

* ``forward``: the function as a numpy user writes it; this is what ``sourcegrad.grad`` gets;
* ``hand``: an expert's hand-written numpy gradient, the limit sourcegrad is measured against.
  It computes the same float64 gradient with what a careful engineer does by hand: forward
  intermediates are reused, nothing is computed that the gradient does not need, temporaries
  are updated in place where that is plain to read and not slower (on tiny arrays it is
  slower). It does not change the algorithm (no batching across loop steps, no trigonometric
  identities), except in W1 and W18, where the derivative of a scalar chain (per point, in
  W18) is carried along the loop (forward accumulation), which is what anyone writes by hand
  for a scalar function, and in W19, where the derivative of a Newton solver's solution is
  taken at the solution (implicit function theorem), not through the iterations;
* ``peer(xp)``: the same function for autograd, PyTorch and JAX, written once against a
  numpy-like namespace (``autograd.numpy``, ``torch``, ``jax.numpy``);
* ``alternatives``: further hand-written gradients worth knowing about, timed and verified
  in the same run but not used as the reference.

The functions here are plain numpy; they are imported by ``run.py`` after it has pinned the math
libraries to one thread.
"""
from __future__ import annotations

import math

import numpy as np

from benchmarks import workloads_models, workloads_numerics, workloads_stats
from benchmarks.workload import Workload

# -- W1 / W1m: a scalar loop on a Python float -------------------------------------------------

def scalar_loop(x):
    for _ in range(100):
        x = np.sin(x) * x + 0.5 * x
    return x


def scalar_loop_grad(x):
    # d x_{k+1} / d x_k = cos(x_k) x_k + sin(x_k) + 0.5, multiplied along the loop
    dx = 1.0
    for _ in range(100):
        a = np.sin(x) + 0.5
        dx *= np.cos(x) * x + a
        x = a * x
    return dx


def scalar_loop_math(x):
    for _ in range(100):
        x = math.sin(x) * x + 0.5 * x
    return x


def _reverse_sweep(x, sin, cos):
    """A scalar loop's gradient as a reverse sweep: values on a stack, then back over them."""
    xs, sines = [], []
    for _ in range(100):
        s = sin(x)
        xs.append(x)
        sines.append(s)
        x = s * x + 0.5 * x
    dx = 1.0
    for _ in range(100):
        x = xs.pop()
        dx *= cos(x) * x + sines.pop() + 0.5
    return dx


def scalar_loop_grad_reverse(x):
    """W1's gradient as a reverse sweep, as reverse mode computes it."""
    return _reverse_sweep(x, np.sin, np.cos)


def scalar_loop_math_grad(x):
    dx = 1.0
    for _ in range(100):
        a = math.sin(x) + 0.5
        dx *= math.cos(x) * x + a
        x = a * x
    return dx


def scalar_loop_math_grad_reverse(x):
    """W1m's gradient as a reverse sweep (see scalar_loop_grad_reverse)."""
    return _reverse_sweep(x, math.sin, math.cos)


def scalar_loop_peer(xp):
    def scalar_loop(x):
        for _ in range(100):
            x = xp.sin(x) * x + 0.5 * x
        return x
    return scalar_loop


def scalar_inputs(rng):
    # The orbit from 0.3 contracts to the stable fixed point 0 (factor -> 0.5 a step), so the
    # gradient is well conditioned; starting points that reach the unstable fixed points
    # (sin x = 1/2) give chaotic orbits whose gradients no two implementations agree on.
    return {"x": 0.3}


# -- W2 / W3: a two-layer perceptron -----------------------------------------------------------

def mlp(W1, b1, W2, b2, X, Y):
    return np.sum((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)


def mlp_grad(W1, b1, W2, b2, X, Y):
    h = X @ W1
    h += b1
    np.tanh(h, out=h)
    r = h @ W2
    r += b2
    r -= Y
    r *= 2.0  # d loss / d output
    dW2 = h.T @ r
    db2 = r.sum(axis=0)
    dh = r @ W2.T
    np.multiply(h, h, out=h)
    np.subtract(1.0, h, out=h)  # tanh' = 1 - h**2
    dh *= h
    dW1 = X.T @ dh
    db1 = dh.sum(axis=0)
    return dW1, db1, dW2, db2


def mlp_peer(xp):
    def mlp(W1, b1, W2, b2, X, Y):
        return xp.sum((xp.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)
    return mlp


def mlp_inputs(n, d_in, d_hidden, d_out):
    def make(rng):
        return {
            "W1": rng.standard_normal((d_in, d_hidden)) / math.sqrt(d_in),
            "b1": 0.1 * rng.standard_normal(d_hidden),
            "W2": rng.standard_normal((d_hidden, d_out)) / math.sqrt(d_hidden),
            "b2": 0.1 * rng.standard_normal(d_out),
            "X": rng.standard_normal((n, d_in)),
            "Y": rng.standard_normal((n, d_out)),
        }
    return make


# -- W4: logistic regression on logits ---------------------------------------------------------

def logistic(w, X, y):
    return np.mean(np.log1p(np.exp(-y * (X @ w))))


def logistic_grad(w, X, y):
    m = X @ w
    m *= -y  # margins, negated
    e = np.exp(m)
    e /= e + 1.0  # sigmoid(-y z): d log1p(exp(m)) / dm
    e *= y
    dw = e @ X  # 20 values: scale after the product, not before
    dw *= -1.0 / len(y)
    return dw


def logistic_peer(xp):
    def logistic(w, X, y):
        return xp.mean(xp.log1p(xp.exp(-y * (X @ w))))
    return logistic


def logistic_inputs(rng):
    X = rng.standard_normal((1000, 20))
    w_true = rng.standard_normal(20)
    y = np.where(X @ w_true + rng.standard_normal(1000) > 0, 1.0, -1.0)
    return {"w": 0.1 * rng.standard_normal(20), "X": X, "y": y}


# -- W5: a recurrent network over 50 steps -----------------------------------------------------

def rnn(W, U, xs, h0):
    h = h0
    for t in range(len(xs)):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h ** 2)


def rnn_grad(W, U, xs, h0):
    T = len(xs)
    hs = np.empty((T + 1,) + h0.shape)  # every state, for the backward sweep
    hs[0] = h0
    for t in range(T):
        a = W @ hs[t]
        a += U @ xs[t]
        np.tanh(a, out=hs[t + 1])
    dW = np.zeros_like(W)
    dU = np.zeros_like(U)
    dh = 2.0 * hs[T]
    for t in range(T - 1, -1, -1):
        h = hs[t + 1]
        da = h * h
        np.subtract(1.0, da, out=da)
        da *= dh
        dW += np.outer(da, hs[t])
        dU += np.outer(da, xs[t])
        if t:
            dh = da @ W
    return dW, dU


def rnn_grad_batched(W, U, xs, h0):
    """The RNN gradient with the loop-invariant products taken out of the loops.

    All input projections in one product before the forward loop, and the weight gradients as
    two products after the backward loop (instead of 2 x 50 outer products). A restructuring
    of the algorithm, beyond what the reference hand-written gradient does.
    """
    T = len(xs)
    hs = np.empty((T + 1,) + h0.shape)
    hs[0] = h0
    inputs = xs @ U.T
    for t in range(T):
        a = W @ hs[t]
        a += inputs[t]
        np.tanh(a, out=hs[t + 1])
    das = np.empty((T,) + h0.shape)
    dh = 2.0 * hs[T]
    for t in range(T - 1, -1, -1):
        da = das[t]
        np.multiply(hs[t + 1], hs[t + 1], out=da)
        np.subtract(1.0, da, out=da)
        da *= dh
        if t:
            dh = da @ W
    return das.T @ hs[:T], das.T @ xs


def rnn_peer(xp):
    def rnn(W, U, xs, h0):
        h = h0
        for t in range(len(xs)):
            h = xp.tanh(W @ h + U @ xs[t])
        return xp.sum(h ** 2)
    return rnn


def rnn_inputs(rng):
    return {
        "W": 0.9 * rng.standard_normal((32, 32)) / math.sqrt(32),
        "U": rng.standard_normal((32, 16)) / math.sqrt(16),
        "xs": rng.standard_normal((50, 16)),
        "h0": 0.5 * rng.standard_normal(32),
    }


# -- W6: an elementwise chain on a million floats ----------------------------------------------

def elementwise(x):
    return np.sum(np.exp(np.sin(x) * np.cos(x)) / (1 + x ** 2))


def elementwise_grad(x):
    # f = exp(s c) / q with s = sin x, c = cos x, q = 1 + x**2;
    # df/dx = f (c**2 - s**2) - f 2x / q = f (c**2 - s**2 - 2x / q)
    s = np.sin(x)
    c = np.cos(x)
    q = x * x
    q += 1.0
    f = s * c
    np.exp(f, out=f)
    f /= q
    c *= c
    s *= s
    c -= s  # c**2 - s**2
    np.divide(x, q, out=q)
    q *= 2.0
    c -= q
    c *= f
    return c


def elementwise_peer(xp):
    def elementwise(x):
        return xp.sum(xp.exp(xp.sin(x) * xp.cos(x)) / (1 + x ** 2))
    return elementwise


def elementwise_inputs(rng):
    return {"x": rng.uniform(-3.0, 3.0, 1_000_000)}


# -- W7: the tutorials' linear regression ------------------------------------------------------

def linreg(W, b, x, y):
    return (x @ W + b - y) ** 2


def linreg_grad(W, b, x, y):
    # On arrays this small, in-place operators cost more than new arrays (~0.8 vs ~0.4 µs)
    r = 2.0 * (x @ W + b - y)  # d loss / d residual, shape (1,)
    return x[:, None] * r, r


def linreg_peer(xp):
    def linreg(W, b, x, y):
        return (x @ W + b - y) ** 2
    return linreg


def linreg_inputs(rng):
    # as in the first tutorial: x = [1, 2, 3], y = [1], W and b uniform in [0, 1)
    return {
        "W": rng.random((3, 1)),
        "b": rng.random(1),
        "x": np.array([1.0, 2.0, 3.0]),
        "y": np.array([1.0]),
    }


REVERSE = "hand-written reverse sweep (loop values kept on stacks, as reverse mode does)"

WORKLOADS: list[Workload] = [
    Workload("W1", "scalar loop, `np.sin`, Python float", scalar_loop, scalar_loop_grad,
             ("x",), scalar_inputs, peer=scalar_loop_peer,
             alternatives={REVERSE: scalar_loop_grad_reverse}),
    Workload("W1m", "scalar loop, `math.sin`, Python float", scalar_loop_math,
             scalar_loop_math_grad, ("x",), scalar_inputs,
             alternatives={REVERSE: scalar_loop_math_grad_reverse}),
    Workload("W2", "MLP, X 64x32, W1 32x64, W2 64x10", mlp, mlp_grad,
             ("W1", "b1", "W2", "b2"), mlp_inputs(64, 32, 64, 10), peer=mlp_peer),
    Workload("W3", "MLP, X 1024x512, W1 512x1024, W2 1024x256", mlp, mlp_grad,
             ("W1", "b1", "W2", "b2"), mlp_inputs(1024, 512, 1024, 256), peer=mlp_peer,
             memory=True),
    Workload("W4", "logistic regression, X 1000x20", logistic, logistic_grad, ("w",),
             logistic_inputs, peer=logistic_peer),
    Workload("W5", "RNN, 50 steps, h 32, x 16", rnn, rnn_grad, ("W", "U"), rnn_inputs,
             peer=rnn_peer,
             alternatives={"hand-written, products batched out of the loops": rnn_grad_batched}),
    Workload("W6", "elementwise chain, 1e6 floats", elementwise, elementwise_grad, ("x",),
             elementwise_inputs, peer=elementwise_peer, memory=True),
    Workload("W7", "tutorial linear regression, x of 3", linreg, linreg_grad, ("W", "b"),
             linreg_inputs, peer=linreg_peer),
    *workloads_models.WORKLOADS,  # W8-W12
    *workloads_stats.WORKLOADS,  # W13-W15
    *workloads_numerics.WORKLOADS,  # W16-W19
]

BY_NAME = {w.name: w for w in WORKLOADS}
